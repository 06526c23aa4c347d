"""Command-line tools: flask create-user, flask seed-demo, flask audit verify."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from tracker.extensions import db


def register(app) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(continuity_rollup)
    from tracker.notify.commands import notify_cli  # the email outbox's worker
    app.cli.add_command(notify_cli)
    if app.config.get("ENV_NAME") != "production":  # demo and synthetic data: never in production
        app.cli.add_command(seed_demo)
        from tracker.bench.bench_seed import bench_seed  # the benchmark's synthetic clinic network
        app.cli.add_command(bench_seed)


@click.command("continuity-rollup")
@click.option("--clinic", "clinic_ids", type=int, multiple=True,
              help="Only this clinic (by id); repeat for several. Default: every clinic.")
@click.option("--stale", is_flag=True,
              help="Only clinics whose tables are missing or were built under other settings "
                   "(what the tracker-rollup timer runs).")
def continuity_rollup(clinic_ids, stale):
    """Build the continuity dashboard's summary tables from the records (again).

    Needed once per clinic (after `flask db upgrade` adds the tables, or a bulk import such as
    bench-seed), and after a change of the clinic's thresholds or time zone: until then the
    dashboard computes from the records. Every change through the app keeps them current."""
    import time

    from tracker.continuity import rollup
    from tracker.core.clinic import Clinic

    query = sa.select(Clinic).order_by(Clinic.id)
    if clinic_ids:
        query = query.where(Clinic.id.in_(clinic_ids))
    for clinic in db.session.scalars(query).all():
        if stale and not rollup.stale(clinic):
            continue
        started = time.perf_counter()
        n = rollup.rebuild(clinic)
        db.session.commit()
        click.echo(f"{clinic.name}: {n:,} items in {time.perf_counter() - started:.0f} s")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice(["lead", "clinician"]), default="lead", show_default=True)
@click.option("--clinic", "clinic_name", default=None, help="Clinic name (created if there is none yet).")
@click.option("--timezone", default="America/New_York", show_default=True)
@click.password_option(help="Prompted for if not given.")
def create_user(email, full_name, role, clinic_name, timezone, password):
    """Create a staff account (the first clinic lead on a real install)."""
    from tracker.auth.passwords import hash_password, password_problem
    from tracker.core.audit.service import record_event
    from tracker.core.clinic import Clinic
    from tracker.core.users import User

    email = email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise click.ClickException(f"An account for {email} already exists.")
    clinic = db.session.scalar(sa.select(Clinic).order_by(Clinic.id).limit(1))
    problem = password_problem(password, email=email,
                               names=(full_name, clinic.name if clinic else clinic_name or ""))
    if problem:
        raise click.ClickException(problem)
    if clinic is None:
        clinic = Clinic(name=clinic_name or "Clinic", timezone=timezone)
        db.session.add(clinic)
        db.session.flush()
    user = User(clinic_id=clinic.id, email=email, full_name=full_name, role=role,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    record_event("create", "user", user.id, user=user)
    db.session.commit()
    click.echo(f"Created {role} {email} in {clinic.name}.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (quietly) when the database holds data.")
def seed_demo(if_empty):
    """Fill an empty development database with a realistic demo clinic."""
    from tracker.core.users import User
    from tracker.demo.seed import seed_demo_clinic

    if current_app.config.get("ENV_NAME") == "production" or current_app.config.get("SESSION_COOKIE_SECURE"):
        raise click.ClickException("seed-demo refuses to run in production.")
    if db.session.scalar(sa.select(sa.func.count(User.id))):
        if if_empty:
            return
        raise click.ClickException("The database already holds data; seed-demo only fills an empty one.")
    summary = seed_demo_clinic()
    db.session.commit()
    from tracker.continuity import rollup
    from tracker.core.clinic import Clinic

    for clinic in db.session.scalars(sa.select(Clinic)).all():
        rollup.rebuild(clinic)  # the dashboard reads its summary tables from the first visit
    db.session.commit()
    click.echo(summary)


audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def audit_verify():
    """Re-sign the chain and compare it with the last checkpoint; exit 1 if anything was
    changed, removed, reordered or cut off."""
    from tracker.core.audit.checkpoints import CheckpointError, checkpoint_file, last_checkpoint
    from tracker.core.audit.service import verify_chain

    try:
        point = last_checkpoint()
    except CheckpointError as error:
        click.echo(f"Audit checkpoints TAMPERED: {error}", err=True)
        raise SystemExit(1) from None
    report = verify_chain(checkpoint=point)
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} events verified"
                   + (f", up to event {report.verified_up_to}." if report.verified_up_to else "."))
        if point is None:
            click.echo(f"No checkpoint in {checkpoint_file()}: a cut-off tail or an emptied table "
                       "cannot be detected. Run `flask audit checkpoint` regularly.", err=True)
        else:
            click.echo(f"Matches the checkpoint of {point.at} ({point.count} events).")
        return
    where = f" at event {report.broken_at}" if report.broken_at else ""
    click.echo(f"Audit chain BROKEN{where}: {report.reason}. "
               f"Verified up to event {report.verified_up_to}.", err=True)
    raise SystemExit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint():
    """Append the chain's head (sequence, hash, count, time), signed, to the checkpoint file."""
    from tracker.core.audit.checkpoints import append_checkpoint, take_checkpoint

    point = take_checkpoint()
    path = append_checkpoint(point)
    click.echo(f"Checkpoint of {point.count} events at {point.at} appended to {path}.")


@audit_cli.command("grant-app-role")
@click.argument("role")
def audit_grant_app_role(role):
    """PostgreSQL: let ROLE (an existing login role that does not own the tables) use the app,
    with INSERT and SELECT only on the audit trail. Run as the tables' owner after migrating."""
    from tracker.core.audit.roles import grant_app_role

    try:
        grant_app_role(role)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Granted the app's privileges to {role}: INSERT and SELECT only on audit_event.")


backup_cli = AppGroup("backup", help="Back up and restore the database, and prove a backup restores.")


@backup_cli.command("create")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup_create(out):
    """Write a consistent backup of DATABASE_URL to OUT (pg_dump custom format, or SQLite's
    online backup API)."""
    from tracker.ops.backup import BackupError, create_backup

    try:
        create_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], out)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {out} ({out.stat().st_size:,} bytes).")
    _copy_checkpoints(out)


def _copy_checkpoints(out: Path) -> None:
    """The signed checkpoints live outside the database: they travel with its backup (beside
    it, OUT.audit-checkpoints.jsonl), so a restored copy can be checked against them."""
    from tracker.core.audit.checkpoints import checkpoint_file

    checkpoints = checkpoint_file()
    if checkpoints.exists():
        copy = out.with_name(out.name + ".audit-checkpoints.jsonl")
        copy.write_bytes(checkpoints.read_bytes())
        click.echo(f"Audit checkpoints copied to {copy}.")


@backup_cli.command("restore")
@click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "into", required=True,
              help="The URL of an EMPTY database to restore into (create it first).")
def backup_restore(backup, into):
    """Restore BACKUP into an empty database, then check its audit chain."""
    from tracker.ops.backup import BackupError, restore_backup

    try:
        restore_backup(backup, into)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    ok, detail = _verify_audit_at(into)
    click.echo(f"Restored {backup} into {_safe(into)}. {detail}")
    if not ok:
        raise SystemExit(1)


@backup_cli.command("round-trip")
@click.option("--scratch-url", required=True,
              help="An EMPTY database to restore into: a new PostgreSQL database, or a new "
                   "SQLite file (sqlite:////path/to/new.db).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to keep the backup (default: a temporary file, removed after).")
def backup_round_trip(scratch_url, out):
    """Back up DATABASE_URL, restore the backup into SCRATCH-URL, compare every table's row
    count and verify the audit chain on the copy. Exit 1 on any difference."""
    import tempfile

    from tracker.core.audit.checkpoints import last_checkpoint
    from tracker.ops.backup import (
        BackupError,
        RoundTrip,
        compare,
        create_backup,
        restore_backup,
        row_counts,
    )

    source = current_app.config["SQLALCHEMY_DATABASE_URI"]
    checkpoint = last_checkpoint()  # the source's newest, taken before the dump below
    db.session.remove()
    with tempfile.TemporaryDirectory() as folder:
        target = out or Path(folder) / "backup.dump"
        try:
            before = row_counts(source)
            create_backup(source, target)
            after = row_counts(source)
            restore_backup(target, scratch_url)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        restored = row_counts(scratch_url)
    if out is not None:
        _copy_checkpoints(out)
    ok, detail = _verify_audit_at(scratch_url, checkpoint)
    result = RoundTrip(restored=restored, differences=compare(before, after, restored),
                       audit_ok=ok, audit_detail=detail)
    for name, count in restored.items():
        mark = "" if name not in result.differences else (
            f"   <-- source had {result.differences[name][0]}")
        click.echo(f"  {name:<32} {count:>10,}{mark}")
    click.echo(f"{len(restored)} tables, {sum(restored.values()):,} rows restored. {detail}")
    if not result.ok:
        click.echo("Round trip FAILED.", err=True)
        raise SystemExit(1)
    click.echo("Round trip OK.")


def _verify_audit_at(url: str, checkpoint=None) -> tuple[bool, str]:
    """Verify the audit chain of the database at `url`, with this app's settings; against
    `checkpoint` (the source database's) when given: the copy must hold what it saw."""
    from tracker.core.audit.service import verify_chain

    settings = {key: value for key, value in current_app.config.items() if key.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = url
    restored_app = current_app.extensions["tracker.factory"](type("RestoredDatabase", (), settings))
    with restored_app.app_context():
        try:
            report = verify_chain(checkpoint=checkpoint)
        finally:
            db.session.remove()
            db.engine.dispose()
    if report.ok:
        against = f", matching the checkpoint of {checkpoint.at}" if checkpoint else ""
        return True, f"Audit chain intact: {report.checked} events verified{against}."
    return False, f"Audit chain BROKEN at event {report.broken_at}: {report.reason}."


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)
