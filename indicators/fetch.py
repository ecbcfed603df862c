"""HTTP sources: download a URL for a collector, politely and verifiably.

- a timeout per attempt (for the whole download, not only each read) and a bounded number of
  retries with exponential backoff (connection errors, timeouts, truncated bodies, HTTP 408, 429
  and 5xx are retried; other 4xx are not);
- conditional requests: the ETag and Last-Modified of the last *imported* download are kept in
  the `http_sources` table and sent back (If-None-Match, If-Modified-Since), so an unchanged
  source answers 304 and is not downloaded or parsed again; a server without validators that
  sends the same bytes again is recognised by its sha256 and not parsed again either;
- a body shorter or longer than its Content-Length is an error, never a silently short file;
- every download is kept under `<raw>/<source>/<UTC timestamp>/<file name>` for provenance
  (observations point at it), the newest `keep` folders per source are kept.

The validators are saved only after the file was imported (`remember`), so a download that
failed to parse is fetched and reported again next time instead of hiding behind a 304.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import TrackError
from .locks import process_alive
from .store import Store, now

BACKOFF_SECONDS = 0.5  # first pause between attempts; doubles each time
CHUNK_BYTES = 1 << 16
RETRY_STATUS = {408, 429, 500, 502, 503, 504}
SUFFIXES = {"text/csv": ".csv", "application/json": ".json", "text/plain": ".txt",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}
STATE_SCHEMA = """CREATE TABLE IF NOT EXISTS http_sources (
    url TEXT PRIMARY KEY, source TEXT NOT NULL, etag TEXT, last_modified TEXT, sha256 TEXT,
    path TEXT, fingerprint TEXT, fetched_at TEXT, checked_at TEXT)"""


class FetchError(TrackError):
    """A URL could not be downloaded in full (after retries)."""


@dataclass
class Download:
    url: str
    status: str  # "downloaded", "not_modified" (HTTP 304) or "unchanged" (same bytes as the last import)
    path: Path | None = None
    sha256: str = ""
    etag: str = ""
    last_modified: str = ""
    size: int = 0
    attempts: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def fetch(store: Store, url: str, folder: str | Path, source: str, timeout: float = 30.0, retries: int = 3,
          keep: int = 10, fingerprint: str = "", backoff: float | None = None) -> Download:
    """Download `url` into `folder/<source>/<timestamp>/` unless it is unchanged since the last import.

    `fingerprint` identifies the settings the last import used: when they change, validators are
    not sent, so the source is downloaded and parsed again under the new settings."""
    started = time.monotonic()
    state = _state(store, url)
    fresh = state is not None and state["fingerprint"] == fingerprint
    headers = {"User-Agent": "indicators-tracker (scheduled job)", "Accept-Encoding": "identity"}
    if fresh and state["etag"]:
        headers["If-None-Match"] = state["etag"]
    if fresh and state["last_modified"]:
        headers["If-Modified-Since"] = state["last_modified"]
    attempt, body, response_headers = 0, b"", {}
    while True:
        attempt += 1
        try:
            status, body, response_headers = _get(url, headers, timeout)
            break
        except _Retryable as error:
            if attempt > retries:
                raise FetchError(f"{url}: {error} (gave up after {attempt} attempt{'s' * (attempt > 1)})") from None
            time.sleep((BACKOFF_SECONDS if backoff is None else backoff) * 2 ** (attempt - 1))
    result = Download(url=url, status="downloaded", attempts=attempt, size=len(body),
                      etag=response_headers.get("etag", ""), last_modified=response_headers.get("last-modified", ""))
    if state is not None:
        with store.transaction():
            store.conn.execute("UPDATE http_sources SET checked_at = ? WHERE url = ?", (now(), url))
    if status == 304:
        result.status = "not_modified"
    else:
        result.sha256 = hashlib.sha256(body).hexdigest()
        if fresh and result.sha256 == state["sha256"]:
            result.status = "unchanged"
        else:
            result.path = _keep(Path(folder) / source, _file_name(url, response_headers), body, keep)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def remember(store: Store, download: Download, source: str, fingerprint: str = "") -> None:
    """Record a download as imported: its validators are sent with the next request."""
    with store.transaction():
        store.conn.execute(STATE_SCHEMA)
        store.conn.execute(
            """INSERT INTO http_sources (url, source, etag, last_modified, sha256, path, fingerprint, fetched_at,
                                         checked_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET source = excluded.source,
               etag = excluded.etag, last_modified = excluded.last_modified, sha256 = excluded.sha256,
               path = excluded.path, fingerprint = excluded.fingerprint, fetched_at = excluded.fetched_at,
               checked_at = excluded.checked_at""",
            (download.url, source, download.etag, download.last_modified, download.sha256, str(download.path or ""),
             fingerprint, now(), now()))


class _Retryable(Exception):
    pass


def _get(url: str, headers: dict, timeout: float) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            body = _read_until(response, deadline, timeout)
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return 304, b"", {k.lower(): v for k, v in error.headers.items()}
        if error.code in RETRY_STATUS:
            raise _Retryable(f"HTTP {error.code} {error.reason}") from None
        raise FetchError(f"{url}: HTTP {error.code} {error.reason}") from None
    except http.client.IncompleteRead as error:
        raise _Retryable(f"truncated body: {len(error.partial)} bytes received, "
                         f"{len(error.partial) + (error.expected or 0)} announced") from None
    except (TimeoutError, socket.timeout):
        raise _Retryable(f"no answer within {timeout:g} s") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise _Retryable(f"no answer within {timeout:g} s") from None
        raise _Retryable(f"cannot connect ({reason})") from None
    except (http.client.HTTPException, ConnectionError, OSError) as error:
        raise _Retryable(f"connection failed ({type(error).__name__}: {error})") from None
    announced = response_headers.get("content-length")
    if announced and announced.isdigit() and int(announced) != len(body):
        raise _Retryable(f"truncated body: {len(body)} bytes received, {announced} announced")
    return 200, body, response_headers


def _read_until(response, deadline: float, timeout: float) -> bytes:
    """The whole body, or `_Retryable` once `deadline` has passed: the socket timeout alone bounds
    each read, so a server sending a byte now and then would hold the job for ever."""
    chunks = []
    while True:
        if time.monotonic() > deadline:
            received = sum(map(len, chunks))
            raise _Retryable(f"not downloaded within {timeout:g} s ({received} bytes received)")
        try:
            chunk = response.read1(CHUNK_BYTES)
        except http.client.IncompleteRead as error:  # a chunked body cut short
            received = sum(map(len, chunks)) + len(error.partial)
            raise _Retryable(f"truncated body: the connection closed after {received} bytes") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _state(store: Store, url: str) -> dict | None:
    exists = store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'http_sources'").fetchone()
    if not exists:
        return None
    cursor = store.conn.execute("SELECT * FROM http_sources WHERE url = ?", (url,))
    row = cursor.fetchone()
    return dict(zip([c[0] for c in cursor.description], row)) if row else None


def _file_name(url: str, headers: dict) -> str:
    name = Path(unquote(urlparse(url).path)).name
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in name).strip("._") or "download"
    if not Path(name).suffix:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        name += SUFFIXES.get(content_type, "")
    return name


def _keep(folder: Path, name: str, body: bytes, keep: int) -> Path:
    """Write `body` to folder/<timestamp>/<name> atomically, then keep the newest `keep` folders."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    final, n = folder / stamp, 1
    while final.exists():
        n += 1
        final = folder / f"{stamp}-{n}"
    staging = folder / f".{final.name}.part-{os.getpid()}"
    staging.mkdir()
    (staging / name).write_bytes(body)
    os.replace(staging, final)
    for old in sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: (p.stat().st_mtime_ns, p.name))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    for leftover in folder.glob(".*.part-*"):  # from a job killed while writing
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid), None):
            shutil.rmtree(leftover, ignore_errors=True)
    return final / name
