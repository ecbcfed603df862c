"""Opening the store for a reader (`alerts`, `series`, `export`, `rejects`, `report`, `backup`).

A reader never creates a database (a typo in `--db` is an error, not an empty new file that
makes a cron job say "no alerts") and never writes to one, so it works on read-only media (a
mounted backup, a CD, a read-only bind mount) through SQLite's URI `mode=ro`:
- a WAL database whose `-shm` file cannot be created (read-only folder) is opened `immutable=1`,
  which is safe there because nothing can write to that medium either;
- tables that a newer version added to the schema and an older database lacks are seen as empty
  (TEMP tables of the same name), so a reader of an old file answers "none" rather than failing.
"""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

from .errors import StoreError

_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)")


def open_readonly(path: Path, busy_timeout: float, schema: str) -> sqlite3.Connection:
    """A read-only connection to the tracker database at `path`; `StoreError` when there is none."""
    if str(path) == ":memory:":
        raise StoreError(":memory: cannot be opened read-only (it would always be empty)")
    if not path.exists():
        raise StoreError(f"{path}: no such database (a reader never creates one: collect or run first, "
                         f"or check --db and $TRACK_DB)")
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a database file")
    uri = "file:" + quote(str(path.resolve()))
    try:
        conn = _connect(uri + "?mode=ro", busy_timeout)
    except sqlite3.OperationalError:
        try:  # a WAL file on read-only media: SQLite cannot create its -shm beside it
            conn = _connect(uri + "?mode=ro&immutable=1", busy_timeout)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{path}: cannot open the database read-only ({error})") from error
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path}: cannot open the database read-only ({error})") from error
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "series" not in present:
        conn.close()
        raise StoreError(f"{path}: not a tracker database (it has no series table)")
    for statement in filter(str.strip, schema.split(";")):
        match = _TABLE.search(statement)
        if match and match.group(1) not in present:
            conn.execute(statement.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
    conn.execute("PRAGMA query_only = ON")
    return conn


def _connect(uri: str, busy_timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the file is read here, not later
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn
