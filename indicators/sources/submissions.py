"""Survey submissions pulled from an API (KoboToolbox, ODK Central) for the stations collector.

Each run asks only for the submissions newer than the newest one stored (`cursor`), merges them
into the submissions kept in `api_records`, and writes the whole set as one JSON export
(`{"results": [...]}`), the cumulative export the stations collector expects: a city-day is
always computed from every report of that day, not from the few that arrived since the last run.
An edited submission (`meta/rootUuid`, `meta/deprecatedID`, or ODK's stable `__id`) replaces the
version it supersedes; the old version goes to `api_record_revisions`, and the observations it
changes are revised in the store as any other.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlparse

from ..store import now
from .base import ApiSource, Pulled, SourceError


def flatten(record: dict, prefix: str = "") -> dict:
    """Nested groups as Kobo-style paths: {"station_info": {"city": "x"}} -> {"station_info/city": "x"}."""
    flat = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "/"))
        else:
            flat[name] = value
    return flat


def check_count(url: str, received: int, count) -> None:
    """The pages must add up to the count the API announced: a paging that loses submissions
    would otherwise import part of the data without a word."""
    if isinstance(count, int) and not isinstance(count, bool) and received < count:
        raise SourceError(f"{url}: the pages gave {received} submissions where the API announced {count}")


def back(stamp: str, days: int) -> str:
    """`stamp` (ISO 8601) moved `days` days earlier, in the same text form."""
    if not days:
        return stamp
    moved = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - timedelta(days=days)
    return moved.isoformat().replace("+00:00", "Z" if stamp.endswith("Z") else "+00:00")


def same_server(base: str, link) -> None:
    """A paging link must stay on the configured server: the token is sent with it."""
    if link and urlparse(str(link)).netloc.lower() != urlparse(base).netloc.lower():
        raise SourceError(f"{base}: a paging link leads to another server ({urlparse(str(link)).netloc}); "
                          "not followed, the token is for this one")


def bare(uuid) -> str:
    return str(uuid or "").removeprefix("uuid:").strip()


class SubmissionSource(ApiSource):
    collector = "stations"

    def fetch_since(self, since: str) -> list[dict]:  # pragma: no cover - abstract
        """Submissions submitted (or edited) at or after `since` ("" for all), flattened, each with
        `_uuid`, `_submission_time` and `_cursor` (the time the next run asks from)."""
        raise NotImplementedError

    def linked_pages(self, first: str, records_key: str, next_key: str, count_key: str) -> list[dict]:
        """Every record of a listing paged by links to the next page (Kobo's `next`, ODK Central's
        `@odata.nextLink`): each page read once, every link on the configured server, and the
        records counted against the total the first page announced (`count_key`)."""
        url, seen, out, count = first, set(), [], None
        while url:
            if url in seen:
                raise SourceError(f"{url}: the {next_key!r} link points back to a page already read")
            seen.add(url)
            document = self.get_json(url)
            count = document.get(count_key) if count is None else count
            out += self.records(document, records_key, url)
            url = document.get(next_key)
            same_server(self.source.path, url)
        check_count(first, len(out), count)
        return out

    def cursor(self) -> str:
        row = self.store.conn.execute("SELECT MAX(cursor) FROM api_records WHERE source = ?",
                                      (self.source.label,)).fetchone()
        return row[0] or ""

    def pull(self) -> Pulled:
        since = self.cursor()
        fetched = self.fetch_since(since)
        stored = {rid: (instance, body, cursor) for rid, instance, body, cursor in self.store.conn.execute(
            "SELECT record_id, instance_id, body, cursor FROM api_records WHERE source = ?", (self.source.label,))}
        by_instance = {instance: rid for rid, (instance, _, _) in stored.items() if instance}
        changes = {}
        for record in fetched:
            cursor = str(record.pop("_cursor", "") or "")
            instance = bare(record.get("meta/instanceID") or record.get("_uuid"))
            rid = (bare(record.get("meta/rootUuid")) or by_instance.get(bare(record.get("meta/deprecatedID")))
                   or bare(record.get("__id")) or instance)
            if not rid:
                continue
            body = json.dumps(record, ensure_ascii=False, sort_keys=True)
            if rid in stored and stored[rid][1] == body:
                continue
            changes[rid] = (instance, body, cursor)
        details = {"since": since or None, "fetched": len(fetched),
                   "new": sum(rid not in stored for rid in changes), "edited": sum(rid in stored for rid in changes)}
        if not changes:
            return Pulled("unchanged", details=details)
        merged = {**stored, **changes}
        ordered = sorted(merged.values(), key=lambda item: (item[2], item[0]))
        path = self.publish(f"{self.kind}-submissions.json", {"results": [json.loads(body) for _, body, _ in ordered]})

        def commit():
            stamp = now()
            with self.store.transaction():
                for rid, (instance, body, cursor) in changes.items():
                    if rid in stored:
                        old_instance, old_body, _ = stored[rid]
                        fetched_at = self.store.conn.execute(
                            "SELECT fetched_at FROM api_records WHERE source = ? AND record_id = ?",
                            (self.source.label, rid)).fetchone()[0]
                        self.store.conn.execute(
                            "INSERT INTO api_record_revisions (source, record_id, instance_id, body, fetched_at, "
                            "superseded_at, new_instance_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (self.source.label, rid, old_instance, old_body, fetched_at, stamp, instance))
                    self.store.conn.execute(
                        "INSERT INTO api_records (source, record_id, instance_id, cursor, body, fetched_at) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, record_id) DO UPDATE SET "
                        "instance_id = excluded.instance_id, cursor = excluded.cursor, body = excluded.body, "
                        "fetched_at = excluded.fetched_at", (self.source.label, rid, instance, cursor, body, stamp))

        return Pulled("downloaded", path, records=len(changes), details=details, commit=commit)
