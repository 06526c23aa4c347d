#!/usr/bin/env python
"""Two gunicorn instances on one private PostgreSQL under locust: errors, latency, lost writes.

    make loadtest                                  # 60 s, 14 signed-in users
    make loadtest LOADTEST_ARGS=--restart-db       # the same, PostgreSQL restarted at 30 s

Everything runs on this machine and is torn down afterwards (Ctrl-C and failures included):
1. a private PostgreSQL cluster (initdb + pg_ctl from /usr/lib/postgresql/*/bin) on a free
   port in a temporary folder -- never the machine's shared server;
2. `flask db upgrade` and `flask seed-demo` (the demo clinic; seeding needs a non-production
   config, so it runs with FLASK_CONFIG=development);
3. two gunicorn instances (gunicorn.conf.py, each on its own port and control socket) with
   FLASK_CONFIG=production, a random SECRET_KEY and the rate limits in Redis
   (redis://127.0.0.1:6379/<--redis-db>; the run first deletes that database's LIMITS keys, so
   a run right after another does not meet the sign-in limit);
4. locust, headless (scripts/loadtest_locustfile.py, from .venv-load): leads, clinicians and
   patients, signed in once each, alternating between the two instances, reading and writing;
   every write carries a unique marker;
5. with --restart-db, `pg_ctl restart -m fast` in the middle, and the status codes answered
   while the database was away counted;
6. a report: requests, errors, p50 and p95 per kind of request and overall, and the writes
   acknowledged against the rows found by their markers (lost: acknowledged but missing;
   duplicated: a marker stored twice). The JSON goes to bench-results/.
Exit status 1 when a goal is missed: an error outside the outage, a lost or duplicated write,
or any 5xx other than 503 during the outage.
"""
from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
LOCUST = ROOT / ".venv-load" / "bin" / "locust"
LOCUSTFILE = ROOT / "scripts" / "loadtest_locustfile.py"
DEMO_PASSWORD = "demo-journey-2026"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--users", type=int, default=14,
                        help="signed-in users: a seventh leads, the rest half clinicians, half "
                             "patients; at most 20 (the sign-in limit per address and minute)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--restart-db", action="store_true",
                        help="restart PostgreSQL (pg_ctl restart -m fast) in the middle")
    parser.add_argument("--restart-at", type=float, default=None,
                        help="seconds into the load for the restart (default: half way)")
    parser.add_argument("--down-for", type=float, default=0,
                        help="with --restart-db: stop, wait this many seconds, start (a longer "
                             "outage than a plain restart)")
    parser.add_argument("--redis-db", type=int, default=13, help="Redis database for the limits")
    parser.add_argument("--out", default=str(ROOT / "bench-results"), help="folder for the JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = parser.parse_args()
    if not 3 <= args.users <= 20:
        parser.error("--users: from 3 (one of each role) to 20 (the sign-in limit)")
    return args


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, timeout: float = 30.0, every: float = 0.1) -> float:
    """Poll check() until it is true; return when (time.time()), or fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return time.time()
        time.sleep(every)
    raise RuntimeError(f"timed out waiting for {what}")


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class PrivatePostgres:
    """A throwaway PostgreSQL cluster: its own data folder, port and socket folder. As root the
    server programs run as the postgres user (initdb refuses root)."""

    def __init__(self, folder: Path, port: int):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("no PostgreSQL server programs in /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.folder, self.port, self.data = folder, port, folder / "pgdata"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/tracker"
        self.running = False

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / args[0]), *args[1:]], check=True,
                       stdout=subprocess.DEVNULL, cwd=self.folder)

    def start(self) -> None:
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--no-sync")
        self.running = True
        self.pg_ctl("start")
        subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                        "-U", "postgres", "tracker"], check=True)

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", action, "-D", str(self.data), "-l", str(self.folder / "postgres.log"),
                 "-o", options, "-w", *extra)

    def restart(self, down_for: float = 0) -> None:
        if not down_for:
            return self.pg_ctl("restart", "-m", "fast")
        self.pg_ctl("stop", "-m", "fast")
        time.sleep(down_for)
        self.pg_ctl("start")

    def stop(self) -> None:
        if self.running:
            with contextlib.suppress(subprocess.CalledProcessError):
                self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
            self.running = False


class Processes:
    """Child processes started for the run, each in its own process group, stopped in reverse
    order: SIGTERM, then SIGKILL after a grace period."""

    def __init__(self):
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict, log: Path) -> subprocess.Popen:
        with open(log, "ab") as out:
            child = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=out,
                                     start_new_session=True)
        self.children.append((name, child))
        return child

    def stop_all(self) -> None:
        for _name, child in reversed(self.children):
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for _name, child in reversed(self.children):
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        self.children.clear()


def app_env(database_url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_"))}
    env.update(FLASK_APP="wsgi", DATABASE_URL=database_url, **extra)
    return env


def prepare_database(pg: PrivatePostgres) -> None:
    """Migrate and seed the demo clinic (seed-demo refuses production settings)."""
    env = app_env(pg.url, FLASK_CONFIG="development")
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([str(BIN / "flask"), *command], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def clear_rate_limits(redis_url: str) -> None:
    """Delete the limiter's keys (LIMITS*) in the run's own Redis database, nothing else."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter("LIMITS*"))
    if keys:
        client.delete(*keys)


def start_instances(procs: Processes, pg: PrivatePostgres, folder: Path, args) -> list[str]:
    """Two gunicorn instances in production configuration; returns their base URLs once both
    answer /readyz with 200."""
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    clear_rate_limits(redis_url)
    secret = secrets.token_hex(32)
    hosts = []
    for n in (1, 2):
        port = free_port()
        env = app_env(pg.url, FLASK_CONFIG="production", SECRET_KEY=secret, REDIS_URL=redis_url,
                      GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(args.workers))
        procs.start(f"web{n}", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py",
                                "--control-socket", str(folder / f"gunicorn-{n}.ctl"), "wsgi:app"],
                    env, folder / f"web{n}.log")
        hosts.append(f"http://127.0.0.1:{port}")
    for host in hosts:
        wait_for(lambda h=host: http_status(f"{h}/readyz") == 200, f"{host}/readyz", timeout=60)
    return hosts


def restart_in_the_middle(pg: PrivatePostgres, hosts: list[str], at: float, down_for: float,
                          outage: dict):
    """A thread: after `at` seconds restart PostgreSQL; the outage lasts from the restart's
    start until both instances answer /readyz with 200 again."""
    def run():
        time.sleep(at)
        outage["start"] = time.time()
        pg.restart(down_for)
        outage["db_back"] = time.time()
        outage["end"] = max(wait_for(lambda h=h: http_status(f"{h}/readyz") == 200,
                                     "readiness after the restart", every=0.05) for h in hosts)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def run_locust(procs: Processes, hosts: list[str], folder: Path, run_id: str, args) -> Path:
    events = folder / "events.jsonl"
    env = dict(os.environ, LOADTEST_HOSTS=",".join(hosts), LOADTEST_EVENTS=str(events),
               LOADTEST_RUN=run_id, LOADTEST_PASSWORD=DEMO_PASSWORD,
               LOADTEST_USERS=str(args.users))
    child = procs.start("locust", [str(LOCUST), "-f", str(LOCUSTFILE), "--headless",
                                   "-u", str(args.users), "-r", "7", "-t", f"{args.duration}s",
                                   "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                        env, folder / "locust.log")
    child.wait(timeout=args.duration + 120)
    return events


def stored_markers(database_url: str, run_id: str) -> Counter:
    """How many rows hold each marker: journal entries (reflection) and addenda."""
    import psycopg

    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    found: Counter = Counter()
    with psycopg.connect(url) as conn:
        for table in ("reflection", "addendum"):
            for (text,) in conn.execute(f"SELECT text FROM {table} WHERE text LIKE %s",
                                        (f"%{run_id}-%",)):
                found.update(w for w in text.split() if w.startswith(f"{run_id}-"))
    return found


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def summarise(events: list[dict], outage: dict, stored: Counter) -> dict:
    """Requests, errors, p50/p95 per kind and overall; outage statuses; writes checked."""
    def in_outage(e):
        return outage and e["end"] - e["ms"] / 1000 <= outage["end"] and e["end"] >= outage["start"]

    def row(group):
        times = [e["ms"] for e in group]
        return {"requests": len(group), "errors": sum(not e["ok"] for e in group),
                "errors_outside_outage": sum(not e["ok"] and not in_outage(e) for e in group),
                "p50_ms": round(percentile(times, 50)), "p95_ms": round(percentile(times, 95))}

    kinds = defaultdict(list)
    for e in events:
        kinds[e["name"]].append(e)
    pages = [e for e in events if not e["name"].endswith(" /login")]
    rows = {name: row(group) for name, group in sorted(kinds.items())}
    rows["all reads (GET, sign-in page excluded)"] = row([e for e in pages if e["name"][:3] == "GET"])
    rows["all writes (POST, sign-in excluded)"] = row([e for e in pages if e["name"][:4] == "POST"])
    rows["overall, sign-in excluded"] = row(pages)
    rows["overall"] = row(events)
    instances = Counter(str(e.get("instance")) for e in pages)
    writes = [e for e in events if e["marker"]]
    acked = {e["marker"] for e in writes if e["acked"]}
    result = {"kinds": rows, "requests_per_instance": dict(instances), "writes": {
        "attempted": len(writes), "acknowledged": len(acked),
        "rows_found": sum(stored.values()),
        "lost": len(acked - set(stored)),
        "duplicated": sum(1 for count in stored.values() if count > 1),
        "stored_not_acknowledged": len(set(stored) - acked)}}
    if outage:
        seen = Counter(str(e["status"]) for e in events if in_outage(e))
        result["outage"] = {"seconds": round(outage["end"] - outage["start"], 2),
                            "db_down_seconds": round(outage["db_back"] - outage["start"], 2),
                            "statuses": dict(sorted(seen.items()))}
    return result


def children_cpu() -> float:
    """CPU seconds of this script's finished child processes (gunicorn with its workers,
    locust); PostgreSQL detaches from pg_ctl, so its share is not in it."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.1f} (1 min) / {five:.1f} (5 min)"


def print_report(result: dict, args, load_before: str) -> None:
    print(f"\nLoad test: {args.users} users, {args.duration} s, 2 instances x {args.workers} "
          f"gunicorn workers{', PostgreSQL restarted' if args.restart_db else ''}"
          f"{f' (down for {args.down_for} s)' if args.down_for else ''}")
    print(f"Machine before the run: {load_before}; after: {machine_load()}\n")
    print(f"| {'request':48} | requests | errors | p50 ms | p95 ms |")
    print(f"| {'-' * 48} | -------: | -----: | -----: | -----: |")
    for name, row in result["kinds"].items():
        label = f"**{name}**" if name.startswith(("all ", "overall")) else name
        print(f"| {label:48} | {row['requests']:8} | {row['errors']:6} | {row['p50_ms']:6} "
              f"| {row['p95_ms']:6} |")
    print(f"\nRequests per instance (by port): {result['requests_per_instance']}; CPU used by "
          f"the instances and locust: {result['cpu_s']} s of {result['cpu_s_available']} s")
    w = result["writes"]
    print(f"\nWrites: {w['attempted']} sent, {w['acknowledged']} acknowledged, {w['rows_found']} "
          f"rows found; lost {w['lost']}, duplicated {w['duplicated']}, stored though not "
          f"acknowledged {w['stored_not_acknowledged']}")
    if "outage" in result:
        o = result["outage"]
        print(f"Outage: PostgreSQL down {o['db_down_seconds']} s, both instances ready again after "
              f"{o['seconds']} s; statuses answered meanwhile: {o['statuses']}")


def goals_met(result: dict) -> bool:
    overall, writes = result["kinds"]["overall"], result["writes"]
    statuses = result.get("outage", {}).get("statuses", {})
    return (overall["errors_outside_outage"] == 0 and writes["lost"] == 0
            and writes["duplicated"] == 0 and not any(s.startswith("5") and s != "503"
                                                     for s in statuses))


def interrupted(*_) -> None:
    """SIGTERM stops the run like Ctrl-C does: through main's clean-up."""
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    if not LOCUST.exists():
        sys.exit("locust is missing: run `make loadtest` (it installs requirements-load.txt "
                 "into .venv-load)")
    signal.signal(signal.SIGTERM, interrupted)
    folder = Path(tempfile.mkdtemp(prefix="tracker-loadtest-"))
    folder.chmod(0o755)
    pg, procs = PrivatePostgres(folder, free_port()), Processes()
    run_id = "LT" + secrets.token_hex(4)
    load_before = machine_load()
    try:
        print(f"Private PostgreSQL on port {pg.port} in {folder} ...", flush=True)
        pg.start()
        prepare_database(pg)
        hosts = start_instances(procs, pg, folder, args)
        print(f"Instances: {', '.join(hosts)}; locust for {args.duration} s ...", flush=True)
        outage: dict = {}
        restarter = None
        if args.restart_db:
            at = args.restart_at if args.restart_at is not None else args.duration / 2
            restarter = restart_in_the_middle(pg, hosts, at, args.down_for, outage)
        cpu_before = children_cpu()
        events_file = run_locust(procs, hosts, folder, run_id, args)
        procs.stop_all()  # the instances' CPU time is counted once they have exited
        if restarter:
            restarter.join(timeout=60)
            if "end" not in outage:
                raise RuntimeError("the PostgreSQL restart did not complete")
        events = [json.loads(line) for line in events_file.read_text().splitlines()]
        result = summarise(events, outage, stored_markers(pg.url, run_id))
        result.update(cpu_s=round(children_cpu() - cpu_before),
                      cpu_s_available=round(args.duration * (os.cpu_count() or 1)), run=run_id, at=datetime.now(UTC).isoformat(timespec="seconds"),
                      users=args.users, duration_s=args.duration, workers=args.workers,
                      restart_db=args.restart_db, machine_before=load_before,
                      machine_after=machine_load())
        print_report(result, args, load_before)
        out = Path(args.out)
        out.mkdir(exist_ok=True)
        name = f"loadtest-{'restart-' if args.restart_db else ''}{result['at'][:19]}.json"
        (out / name.replace(":", "")).write_text(json.dumps(result, indent=2))
        return 0 if goals_met(result) else 1
    except KeyboardInterrupt:
        print("\nInterrupted; stopping everything ...", file=sys.stderr)
        return 130
    except Exception:
        print(f"Failed; logs in {folder}", file=sys.stderr)
        args.keep = True
        raise
    finally:
        procs.stop_all()
        pg.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
