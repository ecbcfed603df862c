"""Events beside observations: dated happenings (an attack on a fuel convoy, an ACLED event)
that explain the numbers. Read and written here through a `Store`; the tables are in
`store.SCHEMA` (`events`, `event_revisions`).

An event is identified by (source, event_id). Collecting the same event again changes nothing;
an event whose content changed (a corrected date, more fatalities, a longer description) is
updated and its previous version kept in `event_revisions`, as observations keep theirs.
"""
from __future__ import annotations

import json
import math
import re

import pandas as pd

from .errors import ConfigError
from .store import Store, now

CONTENT = ["date", "event_type", "sub_event_type", "actors", "location", "admin1", "admin2", "corridor",
           "latitude", "longitude", "fatalities", "description", "url", "places", "radius_km", "extra"]
COLUMNS = ["source", "event_id"] + CONTENT + ["source_file", "source_line", "collected_at"]
TABLE_COLUMNS = ["date", "source", "event_type", "location", "admin1", "corridor", "fatalities"]


def store_events(store: Store, frame: pd.DataFrame, run_id: int | None = None) -> dict:
    """Store events (columns: source, event_id, the `CONTENT` fields, source_file, source_line).
    Call inside `store.transaction()` for an atomic import. Returns counts new / revised / unchanged."""
    counts = {"new": 0, "revised": 0, "unchanged": 0}
    stamp = now()
    for record in frame.to_dict("records"):
        record = {k: _clean(record.get(k)) for k in ["source", "event_id", *CONTENT, "source_file", "source_line"]}
        cursor = store.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM events WHERE source = ? AND event_id = ?",
                                    (record["source"], record["event_id"]))
        row = cursor.fetchone()
        if row is None:
            names = ["source", "event_id", *CONTENT, "source_file", "source_line", "collected_at", "run_id"]
            store.conn.execute(f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                               [record[k] for k in names[:-2]] + [stamp, run_id])
            counts["new"] += 1
            continue
        old = dict(zip(COLUMNS, row))
        if all(_same(old[k], record[k]) for k in CONTENT):
            counts["unchanged"] += 1
            continue
        store.conn.execute(
            "INSERT INTO event_revisions (source, event_id, previous, source_file, source_line, collected_at, "
            "superseded_at, new_source_file, new_source_line, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (old["source"], old["event_id"], json.dumps({k: old[k] for k in CONTENT}, ensure_ascii=False),
             old["source_file"], old["source_line"], old["collected_at"], stamp, record["source_file"],
             record["source_line"], run_id))
        store.conn.execute(
            f"UPDATE events SET {', '.join(f'{k} = ?' for k in CONTENT)}, source_file = ?, source_line = ?, "
            "collected_at = ?, run_id = ? WHERE source = ? AND event_id = ?",
            [record[k] for k in CONTENT] + [record["source_file"], record["source_line"], stamp, run_id,
                                            record["source"], record["event_id"]])
        counts["revised"] += 1
    return counts


def events(store: Store, since: str | None = None, until: str | None = None) -> pd.DataFrame:
    """Stored events in date order (`since`/`until`: ISO dates, inclusive)."""
    clauses, params = [], []
    if since:
        clauses.append("date >= ?")
        params.append(since)
    if until:
        clauses.append("date <= ?")
        params.append(until)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return store.query_frame(f"SELECT {', '.join(COLUMNS)} FROM events {where} ORDER BY date, source, event_id",
                             params)


def check_since(since: str | None) -> str | None:
    """A `--since` date as YYYY-MM-DD (a month YYYY-MM means its first day); ConfigError otherwise."""
    if since is None:
        return None
    text = since.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            text += "-01"
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return pd.Timestamp(text).strftime("%Y-%m-%d")
    except ValueError:
        pass
    raise ConfigError(f"--since {since!r} is not a date (YYYY-MM-DD or YYYY-MM)")


def event_revisions(store: Store) -> pd.DataFrame:
    """Superseded versions of events, oldest first (`previous`: the old content as JSON)."""
    return store.query_frame("SELECT * FROM event_revisions ORDER BY id")


def _clean(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return (a if a is not None else "") == (b if b is not None else "")
