#!/usr/bin/env bash
# Back up DATABASE_URL to $BACKUP_DIR/tracker-<date>.dump and prove it restores: the dump is
# restored into a scratch database, every table's row count compared, the audit chain verified;
# the scratch database is dropped after. Exit status non-zero on any failure (systemd logs it).
set -euo pipefail
backup_dir=${BACKUP_DIR:-/var/backups/tracker}
keep_days=${BACKUP_KEEP_DAYS:-30}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$backup_dir/tracker-$stamp.dump"
scratch="tracker_restore_check_$stamp"
base=${DATABASE_URL%/*}
mkdir -p "$backup_dir"
createdb --maintenance-db="${DATABASE_URL/+psycopg/}" "$scratch"
trap 'dropdb --maintenance-db="${DATABASE_URL/+psycopg/}" --if-exists "$scratch"' EXIT
# a fresh signed checkpoint first: the restored copy must hold everything it saw
.venv/bin/flask audit checkpoint
.venv/bin/flask backup round-trip --out "$out" --scratch-url "$base/$scratch"  # checkpoints copied beside it
find "$backup_dir" -name 'tracker-*.dump*' -mtime +"$keep_days" -delete
