"""SQLite needs foreign keys switched on per connection, and patience under concurrent writes."""
import sqlalchemy as sa


def enable_sqlite_pragmas(engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()
