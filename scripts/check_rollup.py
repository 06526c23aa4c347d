#!/usr/bin/env python
"""Check that the continuity dashboard reads the same numbers from its summary tables as the
rules compute from the records, on a real database (e.g. the bench database):

    .venv/bin/python scripts/check_rollup.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/tracker_bench

For every clinic whose tables are built: the last 30 days, 3 months, 6 months, 1 year and 2
years, and the same periods ending 40 days ago, for the whole clinic, one clinician and the
items with no clinician. Prints each comparison with both timings; exits 1 on a difference.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def plain(summary, weeks, trend) -> tuple:
    return ({k: c.as_dict() for k, c in summary.totals.items()},
            {cid: {k: c.as_dict() for k, c in counts.items()}
             for cid, counts in summary.by_clinician.items()},
            {k: [trend[k][w.index].as_dict() for w in weeks] for k in trend})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    import sqlalchemy as sa
    from benchmark import PERIODS, build_app

    app = build_app(args.database_url)
    from tracker.continuity import queries, rollup
    from tracker.continuity.rollup_models import ContinuityRollup
    from tracker.continuity.scope import NO_CLINICIAN, Scope
    from tracker.core.clinic import Clinic
    from tracker.db import utcnow
    from tracker.extensions import db

    failures = 0
    with app.app_context():
        clinics = db.session.scalars(sa.select(Clinic).join(
            ContinuityRollup, ContinuityRollup.clinic_id == Clinic.id)).all()
        if not clinics:
            raise SystemExit("No clinic has its tables built: run `flask continuity-rollup`.")
        for clinic in clinics:
            now = utcnow()
            names = queries.clinician_names(clinic.id)
            today = Scope.for_clinic(clinic, now, now.date(), now.date()).today
            for shift in (0, 40):
                for name, days in PERIODS:
                    last = today - timedelta(days=shift)
                    first = last - timedelta(days=days - 1)
                    for who in (None, next(iter(names)), NO_CLINICIAN):
                        scope = Scope.for_clinic(clinic, now, first, last, clinician_id=who)
                        if not rollup.usable(scope):
                            raise SystemExit(f"{clinic.name}: tables not usable for {scope}")
                        started = time.perf_counter()
                        new = plain(*queries.overview(scope))
                        new_ms = (time.perf_counter() - started) * 1000
                        started = time.perf_counter()
                        old = plain(*queries.overview(scope, live=True))
                        old_ms = (time.perf_counter() - started) * 1000
                        same = new == old
                        failures += not same
                        print(f"{clinic.name} | {name:>8} to {last} | clinician {who!s:>5} | "
                              f"{'same' if same else 'DIFFERENT'} | tables {new_ms:6.0f} ms | "
                              f"records {old_ms:6.0f} ms", flush=True)
                        db.session.rollback()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
