"""Entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`.

Without FLASK_CONFIG this is production (which refuses to start without SECRET_KEY and
DATABASE_URL); only the `flask` command defaults to development (see config.py)."""
from tracker import create_app

app = create_app()
