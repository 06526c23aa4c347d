"""gunicorn settings for the web app: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (GUNICORN_* below) or the command line.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # behind the reverse proxy
# Threaded workers: the streamed CSV exports run for up to about a minute, and a thread waiting
# on PostgreSQL must not hold a whole process. Two processes per core is the usual start.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1)))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# A request (an export included) may take up to 5 minutes; a worker silent longer is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 300))
# On SIGTERM (deploy, systemd stop) requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5
# Recycle workers now and then (with jitter, so they do not all restart at once).
max_requests = 2000
max_requests_jitter = 200
# Logs: the app writes one JSON line per request itself (with its request id), so gunicorn's
# own access log stays off; its error log (starts, stops, worker timeouts) goes to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The proxy in front is trusted through the app's TRUSTED_PROXIES setting (ProxyFix), not
# through gunicorn's forwarded_allow_ips, so one setting decides whose address is believed.
forwarded_allow_ips = "127.0.0.1"
