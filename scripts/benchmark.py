#!/usr/bin/env python
"""Time the busy pages against a database filled by `flask bench-seed`.

    .venv/bin/python scripts/benchmark.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/tracker_bench
    .venv/bin/python scripts/benchmark.py --database-url sqlite:///instance/bench.db --runs 30
    .venv/bin/python scripts/benchmark.py --throughput --database-url postgresql+psycopg://...demo

With --throughput (scripts/throughput.py, on a database holding the demo clinic) it serves the
app and a bare Flask page under gunicorn side by side instead and reports each busy page's
requests per second under wrk, and its ratio to the bare page's.

Builds the app on that database, signs in through the real sign-in form (Flask's test
client, in process: the times are server time, with no network), requests each page --runs
times after --warmup untimed requests, and reports per page the median and 95th percentile
time and the number of SQL statements. The CSV export is read to its last byte. The
clinician's patient list and the patient chart are measured when those endpoints exist.
Results are printed as a table and written as JSON to bench-results/.

On a shared machine wall times grow with everyone else's load, so each page's CPU time is
reported too: this process's CPU plus, for PostgreSQL on this host, the server backend's CPU
(read from /proc; parallel query is switched off for the run so that one backend does all the
database's work). On an idle machine the wall time approaches the CPU time.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "scripts"))  # throughput.py and loadtest.py beside this file


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="the database to measure (default: $DATABASE_URL)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per page first")
    parser.add_argument("--out", default=str(ROOT / "bench-results"), help="folder for the JSON")
    parser.add_argument("--lead", default="bench-lead1@bench.example")
    parser.add_argument("--clinician", default="bench-clinician1@bench.example")
    parser.add_argument("--password", default=None, help="default: the bench-seed password")
    parser.add_argument("--periods", action="store_true",
                        help="time only the lead's dashboard, over the last 30 days, 3 months, "
                             "6 months, 1 year and 2 years (issue 13)")
    parser.add_argument("--drilldowns", action="store_true",
                        help="every rule's drill-down (missing items) and CSV export, last 30 days")
    parser.add_argument("--jit", action="store_true",
                        help="PostgreSQL: keep the server's JIT setting (default: jit=off, as "
                             "recommended for this app's short queries)")
    parser.add_argument("--throughput", action="store_true",
                        help="requests/s under gunicorn against a bare Flask page (demo clinic)")
    import throughput
    throughput.add_arguments(parser)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    return args


def build_app(url: str, *, jit: bool = False):
    from config import Config
    from tracker import create_app

    options = dict(Config.SQLALCHEMY_ENGINE_OPTIONS)
    if url.startswith("postgresql"):
        # One backend per request does all the work, so its CPU time can be read.
        settings = ["-c max_parallel_workers_per_gather=0"]
        if not jit:
            # JIT compiles plans whose cost estimate is high; for pages like these it costs
            # seconds and saves nothing (measured: 3.5 s of a 3.9 s dashboard query).
            settings.append("-c jit=off")
        options["connect_args"] = {"options": " ".join(settings)}

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = options
        SECRET_KEY = "benchmark-only-not-secret"
        WTF_CSRF_ENABLED = False       # the sign-in form is posted directly
        LOGIN_RATE_LIMIT = "10000 per minute"
        DEBUG = False
        TESTING = False

    return create_app(BenchConfig)


def backend_cpu(engine):
    """A function returning the CPU seconds used so far by the database backend that serves
    this process (PostgreSQL on this host), or None when it cannot be read."""
    if engine.dialect.name != "postgresql":
        return lambda: 0.0
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    ticks = os.sysconf("SC_CLK_TCK")

    def read():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / ticks
    return read


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *_args):
        self.count += 1


def sign_in(app, email: str, password: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"Could not sign in as {email} (status {response.status_code}); "
                         "did `flask bench-seed` fill this database?")
    return client


def measure(client, url: str, runs: int, warmup: int, engine) -> dict:
    import sqlalchemy as sa

    times, cpus, queries, sizes, statuses = [], [], [], [], set()
    db_cpu = backend_cpu(engine)   # the pool hands this process's single connection back
    for i in range(warmup + runs):
        counter = StatementCounter()
        sa.event.listen(engine, "before_cursor_execute", counter)
        cpu_before, db_before = time.process_time(), db_cpu()
        started = time.perf_counter()
        response = client.get(url)
        body = response.get_data()          # a streamed export is produced while read
        elapsed = (time.perf_counter() - started) * 1000
        db_after = db_cpu()
        cpu = time.process_time() - cpu_before
        if db_before is not None and db_after is not None:
            cpu += db_after - db_before
        sa.event.remove(engine, "before_cursor_execute", counter)
        response.close()
        statuses.add(response.status_code)
        if i >= warmup:
            times.append(elapsed)
            cpus.append(cpu * 1000)
            queries.append(counter.count)
            sizes.append(len(body))
    times.sort()
    return {"url": url, "runs": runs, "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(_p95(times), 1), "max_ms": round(times[-1], 1),
            "cpu_median_ms": round(statistics.median(cpus), 1),
            "cpu_p95_ms": round(_p95(sorted(cpus)), 1), "queries_min": min(queries),
            "queries_max": max(queries), "bytes": max(sizes), "statuses": sorted(statuses)}


def _p95(ordered: list[float]) -> float:
    """The 95th percentile, nearest rank."""
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


TYPICAL_SESSIONS = 28


def targets(app, lead_email: str, clinician_email: str):
    """(name, role email, url) of each page to measure; skips pages whose endpoint is absent."""
    import sqlalchemy as sa
    from flask import url_for

    from tracker.core.patients import CareTeamMember
    from tracker.core.sessions import DosingSession
    from tracker.core.users import User
    from tracker.extensions import db

    views = app.view_functions
    pages = []
    with app.test_request_context():
        if "lead.dashboard" in views:
            pages.append(("Lead dashboard", lead_email, url_for("lead.dashboard")))
            pages.append(("Drill-down (debriefs missing)", lead_email,
                          url_for("lead.drilldown", rule="debrief_signed", state="missing")))
            pages.append(("CSV export (debriefs, all items)", lead_email,
                          url_for("lead.drilldown_csv", rule="debrief_signed", state="due")))
        if "patients.my_patients" in views:
            pages.append(("Clinician's patient list", clinician_email, url_for("patients.my_patients")))
            pages.append(("Patient list, needs attention", clinician_email,
                          url_for("patients.my_patients", attention="any")))
        if "patients.chart" in views:
            with app.app_context():
                clinician_id = db.session.scalar(sa.select(User.id).where(User.email == clinician_email))
                counts = (sa.select(DosingSession.patient_id, sa.func.count().label("n"))
                          .join(CareTeamMember, CareTeamMember.patient_id == DosingSession.patient_id)
                          .where(CareTeamMember.clinician_id == clinician_id)
                          .group_by(DosingSession.patient_id).subquery())
                busiest = db.session.scalar(sa.select(counts.c.patient_id)
                                            .order_by(counts.c.n.desc(), counts.c.patient_id)
                                            .limit(1))
                # the same size of chart in any database: the busiest differs from one seed
                # to the next (46 sessions in one clinic's, 66 in the network's)
                typical = db.session.scalar(
                    sa.select(counts.c.patient_id)
                    .order_by(sa.func.abs(counts.c.n - TYPICAL_SESSIONS), counts.c.patient_id)
                    .limit(1))
            if busiest:
                pages.append(("Patient chart (busiest patient)", clinician_email,
                              url_for("patients.chart", patient_id=busiest)))
            if typical:
                pages.append((f"Patient chart ({TYPICAL_SESSIONS} sessions)", clinician_email,
                              url_for("patients.chart", patient_id=typical)))
    return pages


def drilldown_targets(app, lead_email: str):
    """Each continuity rule's drill-down of its missing items, and its CSV export of all its
    items: the pages that read the journey tables (sessions, tasks, follow-ups, flags,
    questionnaires) item by item for one clinic, so a network's other clinics would show."""
    from flask import url_for

    from tracker.continuity.rules import ALL_ITEMS, MISSING, RULES

    pages = []
    with app.test_request_context():
        for key, rule in RULES.items():
            pages.append((f"Drill-down: {rule.label[:40]}", lead_email,
                          url_for("lead.drilldown", rule=key, state=MISSING)))
            pages.append((f"CSV: {rule.label[:40]}", lead_email,
                          url_for("lead.drilldown_csv", rule=key, state=ALL_ITEMS)))
    return pages


PERIODS = (("30 days", 30), ("3 months", 91), ("6 months", 182), ("1 year", 365),
           ("2 years", 730))


def period_targets(app, lead_email: str):
    """The lead's dashboard over each of PERIODS, ending today in the clinic's zone."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    import sqlalchemy as sa
    from flask import url_for

    from tracker.core.clinic import Clinic
    from tracker.core.users import User
    from tracker.db import utcnow
    from tracker.extensions import db

    with app.app_context():
        zone = db.session.scalar(sa.select(Clinic.timezone).join(User, User.clinic_id == Clinic.id)
                                 .where(User.email == lead_email))
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    with app.test_request_context():
        return [(f"Lead dashboard, {name}", lead_email,
                 url_for("lead.dashboard", start=(today - timedelta(days=days - 1)).isoformat(),
                         end=today.isoformat()))
                for name, days in PERIODS]


def data_size(app) -> dict:
    import sqlalchemy as sa

    from tracker.extensions import db

    tables = ["patient", "user_account", "dosing_session", "debrief", "integration_task",
              "task_completion", "follow_up", "questionnaire_response", "safety_flag", "audit_event"]
    with app.app_context():
        return {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in tables}


def measured_clinic(app, lead_email: str, clinician_email: str) -> dict:
    """The clinic whose pages are measured (in a network, the others only share the database):
    both users must belong to it. Its own numbers of patients, sessions and clinicians."""
    import sqlalchemy as sa

    from tracker.extensions import db

    with app.app_context():
        clinics = {email: db.session.scalar(sa.text(
            "SELECT clinic_id FROM user_account WHERE email = :email"), {"email": email})
            for email in (lead_email, clinician_email)}
        if len(set(clinics.values())) != 1:
            raise SystemExit(f"The lead and the clinician belong to different clinics: {clinics}")
        clinic_id = clinics[lead_email]
        count = lambda sql: db.session.scalar(sa.text(sql), {"clinic": clinic_id})  # noqa: E731
        return {"clinic_id": clinic_id,
                "clinics_in_database": count("SELECT count(*) FROM clinic"),
                "patients": count("SELECT count(*) FROM patient WHERE clinic_id = :clinic"),
                "dosing_sessions": count(
                    "SELECT count(*) FROM dosing_session s JOIN patient p ON p.id = s.patient_id "
                    "WHERE p.clinic_id = :clinic"),
                "clinicians": count("SELECT count(*) FROM user_account "
                                    "WHERE clinic_id = :clinic AND role = 'clinician'")}


def main() -> None:
    args = parse_args()
    if args.throughput:
        import throughput
        throughput.main(args)
        return
    from tracker.bench.bench_seed import BENCH_PASSWORD
    from tracker.extensions import db

    password = args.password or BENCH_PASSWORD
    app = build_app(args.database_url, jit=args.jit)
    size = data_size(app)
    clinic = measured_clinic(app, args.lead, args.clinician)
    results = []
    clients = {}
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect.name
    pages = (period_targets(app, args.lead) if args.periods
             else drilldown_targets(app, args.lead) if args.drilldowns
             else targets(app, args.lead, args.clinician))
    for name, email, url in pages:
        client = clients.get(email) or clients.setdefault(email, sign_in(app, email, password))
        with app.app_context():
            engine = db.engine
        result = measure(client, url, args.runs, args.warmup, engine)
        result["page"] = name
        results.append(result)
        print(f"  measured {name}: median {result['median_ms']} ms", file=sys.stderr)
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
              "database": dialect, "jit": args.jit if dialect == "postgresql" else None,
              "python": platform.python_version(),
              "cpus": os.cpu_count(), "load_average": os.getloadavg(), "rows": size, "clinic": clinic,
              "runs": args.runs, "pages": results}
    print_table(report)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{dialect}-{datetime.now().astimezone().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nWritten to {path}")


def print_table(report: dict) -> None:
    rows = report["rows"]
    print(f"\n{report['database']}: {rows['patient']:,} patients, {rows['dosing_session']:,} dosing "
          f"sessions, {report['runs']} runs per page, load average "
          f"{', '.join(f'{x:.1f}' for x in report['load_average'])}")
    clinic = report["clinic"]
    print(f"measured clinic {clinic['clinic_id']} of {clinic['clinics_in_database']}: "
          f"{clinic['patients']:,} patients, {clinic['dosing_sessions']:,} dosing sessions, "
          f"{clinic['clinicians']} clinicians\n")
    header = (f"| {'page':<48} | {'median ms':>9} | {'p95 ms':>7} | {'CPU median':>10} | "
              f"{'CPU p95':>7} | {'queries':>7} | {'status':>6} |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for r in report["pages"]:
        queries = (str(r["queries_min"]) if r["queries_min"] == r["queries_max"]
                   else f"{r['queries_min']}-{r['queries_max']}")
        print(f"| {r['page']:<48} | {r['median_ms']:>9} | {r['p95_ms']:>7} | "
              f"{r['cpu_median_ms']:>10} | {r['cpu_p95_ms']:>7} | {queries:>7} | "
              f"{','.join(map(str, r['statuses'])):>6} |")


if __name__ == "__main__":
    main()
