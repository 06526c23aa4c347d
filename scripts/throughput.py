"""Throughput under gunicorn: the busy pages against a bare Flask page, side by side.

    .venv/bin/python scripts/benchmark.py --throughput \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/tracker_demo

The database holds the demo clinic (`flask db upgrade && flask seed-demo`). Two gunicorn
servers run at once, with the same settings (gunicorn.conf.py, then `--worker-class sync
--workers 2 --max-requests 0` on the command line for both): the app (scripts/floor_app.py:
the app of wsgi.py with three reference pages added; FLASK_CONFIG=production, a random
SECRET_KEY, the AUDIT_KEY the database's chain was signed with) and scripts/bare_flask.py
(2 KB of fixed HTML). `wrk` (Debian: `apt-get install -y wrk`) drives one of them at a time over loopback for --seconds, with --connections connections on
--threads threads, the signed-in session cookie and the User-Agent that signed in (Flask-Login's
"strong" session protection ties the cookie to it). The bare page is measured before the first
page, between pages and after the last; each page's ratio is to the mean of the two bare runs
on either side of it, so a change in the machine's other load during the run touches both.

Pages: the clinician's patient list and the chart of patient@demo.test (as therapist@), that
patient's busiest dosing session page (most vitals), and the patient's own journey page
(portal, as patient@); then the three reference pages of scripts/floor_app.py (signed in; the
page frame; the frame after an audit write and commit), which show what any page of the app
costs before its own work. Each is requested once before and once after its run: both must be
200 with the page's own marker (not the sign-in page), and wrk's count of non-2xx/3xx answers
must be 0, or the run fails. Workers are not recycled (--max-requests 0) so that neither server pays
for re-importing itself during a run: the figures are steady state.

Each run also reports the CPU used per request by the server (gunicorn's master and workers,
from /proc) and, for the app, by the PostgreSQL backends of its database (found by their
process title, on this host): unlike requests per second these hardly move with the machine's
other load. The load average (1 minute) is read before and after every run; other work on a shared
machine takes cores from both servers and from wrk, so compare ratios, not raw figures.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DEMO_PASSWORD = "demo-journey-2026"
CLINICIAN = "therapist@demo.test"
PATIENT = "patient@demo.test"
USER_AGENT = "tracker-throughput-benchmark/1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("--throughput")
    group.add_argument("--seconds", type=int, default=10, help="wrk's time per run")
    group.add_argument("--warmup-seconds", type=int, default=2,
                       help="an unrecorded wrk run on each server and page first")
    group.add_argument("--threads", type=int, default=2, help="wrk threads")
    group.add_argument("--connections", type=int, default=8, help="wrk connections")
    group.add_argument("--workers", type=int, default=2, help="gunicorn workers (each server)")
    group.add_argument("--worker-class", default="sync", help="gunicorn worker class (both)")
    group.add_argument("--label", default="", help="a word saved with the results (before/after)")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str, *, cookie: str = "", data: dict | None = None) -> tuple[int, dict, str]:
    """One request without following redirects: (status, headers, body)."""
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode(errors="replace")


def session_cookie(headers) -> str:
    """The cookies set by a response as a Cookie header (Secure cookies included: this is the
    plain-HTTP hop that a TLS proxy covers in production)."""
    pairs = [value.split(";", 1)[0] for value in headers.get_all("Set-Cookie") or []]
    return "; ".join(pairs)


def sign_in(base: str, email: str) -> str:
    """Sign in through the real form (CSRF token included); return the session's Cookie header."""
    status, headers, body = fetch(f"{base}/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    if status != 200 or token is None:
        raise SystemExit(f"The sign-in page answered {status} without a CSRF token.")
    status, headers, _ = fetch(f"{base}/login", cookie=session_cookie(headers),
                               data={"csrf_token": token.group(1), "email": email,
                                     "password": DEMO_PASSWORD})
    cookie = session_cookie(headers)
    if status != 302 or not cookie:
        raise SystemExit(f"Could not sign in as {email} (status {status}); is the demo clinic "
                         "seeded (`flask seed-demo`) in this database?")
    return cookie


def find_pages(database_url: str) -> list[dict]:
    """The pages to measure, with the marker each must show; ids read from the database."""
    import sqlalchemy as sa
    from flask import url_for

    from config import DevelopmentConfig
    from tracker import create_app
    from tracker.core.patients import Patient
    from tracker.core.sessions import DosingSession
    from tracker.core.users import User
    from tracker.dosing.models import VitalSign
    from tracker.extensions import db

    class Lookup(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(Lookup)
    with app.app_context():
        patient = db.session.scalar(sa.select(Patient).join(User, User.id == Patient.user_id)
                                    .where(User.email == PATIENT))
        if patient is None:
            raise SystemExit(f"No {PATIENT} in this database: run `flask seed-demo` first.")
        session_id = db.session.scalar(
            sa.select(DosingSession.id)
            .outerjoin(VitalSign, VitalSign.session_id == DosingSession.id)
            .where(DosingSession.patient_id == patient.id).group_by(DosingSession.id)
            .order_by(sa.func.count(VitalSign.id).desc(), DosingSession.id).limit(1))
        record_number = patient.record_number
        with app.test_request_context():
            pages = [
                {"page": "Clinician's patient list", "who": CLINICIAN,
                 "path": url_for("patients.my_patients"), "marker": record_number},
                {"page": "Patient chart", "who": CLINICIAN,
                 "path": url_for("patients.chart", patient_id=patient.id), "marker": record_number},
                {"page": "Dosing session page", "who": CLINICIAN,
                 "path": url_for("dosing.session", session_id=session_id), "marker": record_number},
                {"page": "Patient's journey (portal)", "who": PATIENT,
                 "path": url_for("portal.journey"), "marker": patient.given_name},
            ]
        # the reference pages of scripts/floor_app.py: what any page costs before its own work
        pages += [{"page": name, "who": CLINICIAN, "path": f"/bench/floor/{path}",
                   "marker": "Reference page"} for name, path in FLOOR_PAGES]
        db.session.remove()
        db.engine.dispose()
    return pages


FLOOR_PAGES = (("Floor: signed in", "signed-in"), ("Floor: page frame", "page"),
               ("Floor: frame + audit write", "audited"))


def audit_key() -> str:
    """The key the development commands signed the demo's chain with (instance/audit.key), so
    the events the run writes keep the chain verifiable."""
    key = os.environ.get("AUDIT_KEY")
    path = ROOT / "instance" / "audit.key"
    if not key and path.exists():
        key = path.read_text().strip()
    return key or secrets.token_hex(32)


def gunicorn_command(target: str, port: int, control: Path, args, extra: tuple = ()) -> list[str]:
    return [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
            "--worker-class", args.worker_class, "--workers", str(args.workers),
            "--max-requests", "0", "--bind", f"127.0.0.1:{port}",
            "--control-socket", str(control), "--log-level", "warning", *extra, target]


def start_servers(procs, folder: Path, args) -> tuple[str, str]:
    """The app and the bare page under gunicorn; their base URLs once both answer."""
    from loadtest import app_env, free_port, http_status, wait_for

    app_port, bare_port = free_port(), free_port()
    env = app_env(args.database_url, FLASK_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
                  AUDIT_KEY=audit_key())
    # the app with the reference pages added (scripts/floor_app.py): the same code serves the
    # busy pages
    procs.start("app", gunicorn_command("floor_app:app", app_port, folder / "app.ctl", args,
                                        ("--pythonpath", f"{ROOT},{ROOT / 'scripts'}")),
                env, folder / "app.log")
    procs.start("bare", gunicorn_command("bare_flask:app", bare_port, folder / "bare.ctl", args,
                                         ("--pythonpath", str(ROOT / "scripts"))),
                app_env(args.database_url), folder / "bare.log")
    app, bare = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
    wait_for(lambda: http_status(f"{app}/readyz") == 200, f"{app}/readyz", timeout=60)
    wait_for(lambda: http_status(f"{bare}/") == 200, f"{bare}/", timeout=30)
    return app, bare


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _backends(database: str) -> list[int]:
    """The PostgreSQL backends (on this host) connected to `database`, by process title."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU seconds used by a gunicorn server (master and workers) and by the PostgreSQL
    backends of its database, so each run can say what one request cost the machine."""

    def __init__(self, server_pid: int | None, database: str | None):
        self.server_pid, self.database = server_pid, database

    def sample(self) -> dict[str, dict[int, float]]:
        server = {}
        if self.server_pid:
            server = {pid: _cpu(pid) for pid in [self.server_pid, *_children(self.server_pid)]}
        db = {pid: _cpu(pid) for pid in _backends(self.database)} if self.database else {}
        return {"server": server, "db": db}

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        return {part: sum(cpu - before[part].get(pid, 0.0) for pid, cpu in after[part].items())
                for part in after}


def run_wrk(url: str, cookie: str, seconds: int, args, meter: CpuMeter | None = None) -> dict:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s",
               "-H", f"User-Agent: {USER_AGENT}", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    load = os.getloadavg()[0]
    cpu_before = meter.sample() if meter else None
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    cpu = CpuMeter.used(cpu_before, meter.sample()) if meter else {}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:(.*)", output)
    p50 = re.search(r"\s50%\s+([\d.]+)(us|ms|s)", output)
    per_request = {f"{part}_cpu_ms_per_request": round(1000 * used / max(requests, 1), 2)
                   for part, used in cpu.items()}
    return {"requests_per_s": round(rps, 1), "requests": requests, **per_request,
            "non_2xx_3xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1).strip() if errors else "",
            "latency_p50_ms": _ms(p50) if p50 else None,
            "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2)}


def _ms(match) -> float:
    value, unit = float(match.group(1)), match.group(2)
    return round(value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)


def check_page(app: str, page: dict, cookie: str) -> None:
    status, headers, body = fetch(app + page["path"], cookie=cookie)
    if status != 200 or page["marker"] not in body:
        where = headers.get("Location", "") if headers else ""
        raise SystemExit(f"{page['page']} ({page['path']}) answered {status} {where}: "
                         "not the page (signed out?)")


def measure(app: str, bare: str, pages: list[dict], cookies: dict, args,
            meters: dict[str, CpuMeter]) -> list[dict]:
    def bare_run():
        return run_wrk(f"{bare}/", "", args.seconds, args, meters["bare"])

    if args.warmup_seconds:
        run_wrk(f"{bare}/", "", args.warmup_seconds, args)
    before = bare_run()
    results = []
    for page in pages:
        cookie = cookies[page["who"]]
        check_page(app, page, cookie)
        if args.warmup_seconds:
            run_wrk(app + page["path"], cookie, args.warmup_seconds, args)
        result = run_wrk(app + page["path"], cookie, args.seconds, args, meters["app"])
        check_page(app, page, cookie)
        if result["non_2xx_3xx"]:
            raise SystemExit(f"{page['page']}: {result['non_2xx_3xx']} answers were not 2xx/3xx")
        after = bare_run()
        bare_rps = statistics.mean([before["requests_per_s"], after["requests_per_s"]])
        results.append({**page, **result, "bare_before": before, "bare_after": after,
                        "bare_requests_per_s": round(bare_rps, 1),
                        "ratio_percent": round(100 * result["requests_per_s"] / bare_rps, 2)})
        print(f"  {page['page']}: {result['requests_per_s']} requests/s, bare "
              f"{bare_rps:.0f}, {results[-1]['ratio_percent']} %", file=sys.stderr)
        before = after
    return results


def _problems(log: str) -> str:
    """The server log's warnings and errors (the app's per-request INFO lines left out)."""
    lines = [line for line in log.splitlines()
             if "WARNING" in line or "ERROR" in line or "Traceback" in line]
    return "\n".join(lines[-20:])


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(args) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("--throughput needs wrk: `apt-get install -y wrk` (Debian).")
    if not args.database_url.startswith("postgresql"):
        print("Note: the issue's figures are on PostgreSQL; SQLite serialises the audit writes "
              "of both workers on its file lock.", file=sys.stderr)
    sys.path.insert(0, str(ROOT / "scripts"))
    from loadtest import Processes

    pages = find_pages(args.database_url)
    procs = Processes()
    folder = Path(tempfile.mkdtemp(prefix="tracker-throughput-"))
    started_at, load_start = datetime.now(UTC), uptime()
    try:
        app, bare = start_servers(procs, folder, args)
        cookies = {who: sign_in(app, who) for who in {p["who"] for p in pages}}
        pids = {name: child.pid for name, child in procs.children}
        database = args.database_url.rsplit("/", 1)[-1].split("?", 1)[0]
        meters = {"app": CpuMeter(pids["app"], database if "postgresql" in args.database_url
                                  else None),
                  "bare": CpuMeter(pids["bare"], None)}
        results = measure(app, bare, pages, cookies, args, meters)
    finally:
        procs.stop_all()
        logs = {name: _problems((folder / f"{name}.log").read_text())
                for name in ("app", "bare") if (folder / f"{name}.log").exists()}
        shutil.rmtree(folder, ignore_errors=True)
    report = {"mode": "throughput", "label": args.label,
              "when": started_at.isoformat(timespec="seconds"),
              "database": args.database_url.split(":", 1)[0].split("+", 1)[0],
              "python": platform.python_version(), "cpus": os.cpu_count(),
              "gunicorn": {"config": "gunicorn.conf.py", "worker_class": args.worker_class,
                           "workers": args.workers, "max_requests": 0},
              "wrk": {"threads": args.threads, "connections": args.connections,
                      "seconds": args.seconds},
              "uptime_before": load_start, "uptime_after": uptime(), "pages": results}
    if any(log.strip() for log in logs.values()):
        report["server_logs_tail"] = logs
    print_table(report)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    path = out / f"throughput-{report['database']}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nWritten to {path}")


def print_table(report: dict) -> None:
    print(f"\nThroughput, {report['database']}, gunicorn {report['gunicorn']['workers']} "
          f"{report['gunicorn']['worker_class']} workers per server, wrk "
          f"-t{report['wrk']['threads']} -c{report['wrk']['connections']} "
          f"{report['wrk']['seconds']} s per run")
    print(f"before: {report['uptime_before']}\nafter:  {report['uptime_after']}\n")
    header = (f"| {'page':<28} | {'requests/s':>10} | {'bare Flask/s':>12} | {'ratio':>7} | "
              f"{'p50 ms':>6} | {'app CPU ms':>10} | {'db CPU ms':>9} | {'load':>9} |")
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    for r in report["pages"]:
        print(f"| {r['page']:<28} | {r['requests_per_s']:>10} | {r['bare_requests_per_s']:>12} | "
              f"{r['ratio_percent']:>6}% | {r['latency_p50_ms']!s:>6} | "
              f"{r.get('server_cpu_ms_per_request', '')!s:>10} | "
              f"{r.get('db_cpu_ms_per_request', '')!s:>9} | "
              f"{r['load_before']:>4}-{r['load_after']:<4} |")
    bare = [r["bare_before"].get("server_cpu_ms_per_request") for r in report["pages"]]
    if bare and bare[0] is not None:
        print(f"\nBare Flask: {min(bare)}-{max(bare)} ms of server CPU per request. CPU per "
              "request is the server's (master and workers) and its PostgreSQL backends'.")
