"""HTTP sources: download a URL for a collector, politely and verifiably.

- a timeout per attempt that bounds the whole answer, response headers included (a watchdog
  shuts the connection down at the deadline, so a server trickling its headers or its body a
  byte at a time cannot hold a job), and a bounded number of retries with exponential backoff
  (connection errors, timeouts, truncated bodies, HTTP 408, 429 and 5xx are retried; other 4xx
  are not); a `Retry-After` (seconds or an HTTP date) is honoured up to `MAX_RETRY_AFTER`;
- a size cap (`max_bytes`, default `DEFAULT_MAX_DOWNLOAD_MB` MiB; `max_download_mb` per source
  in track.toml): bodies are streamed to disk in chunks, never held whole in memory, and an
  answer over the cap (announced or as it arrives) fails with one error naming the limit;
- conditional requests: the ETag and Last-Modified of the last *imported* download are kept in
  the `http_sources` table and sent back (If-None-Match, If-Modified-Since), so an unchanged
  source answers 304 and is not downloaded or parsed again; a server without validators that
  sends the same bytes again is recognised by its sha256 and not parsed again either;
- a body shorter or longer than its Content-Length is an error, never a silently short file;
- every download is kept under `<raw>/<source>/<UTC timestamp>/<file name>` for provenance
  (observations point at it), the newest `keep` folders per source are kept.

The validators are saved only after the file was imported (`remember`), so a download that
failed to parse is fetched and reported again next time instead of hiding behind a 304.

`http_request` (one attempt) and `with_retries` are the plumbing that API sources
(`indicators.sources`) share.
"""
from __future__ import annotations

import email.utils
import hashlib
import http.client
import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import TrackError
from .locks import process_alive
from .store import Store, now

BACKOFF_SECONDS = 0.5  # first pause between attempts; doubles each time
MAX_RETRY_AFTER = 300.0  # a server asking for a longer pause fails the source rather than hold the job
CHUNK_BYTES = 1 << 16
DEFAULT_MAX_DOWNLOAD_MB = 512  # MiB; `max_download_mb` per source
MIB = 1 << 20
RETRY_STATUS = {408, 429, 500, 502, 503, 504}
SUFFIXES = {"text/csv": ".csv", "application/json": ".json", "text/plain": ".txt",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}
STATE_SCHEMA = """CREATE TABLE IF NOT EXISTS http_sources (
    url TEXT PRIMARY KEY, source TEXT NOT NULL, etag TEXT, last_modified TEXT, sha256 TEXT,
    path TEXT, fingerprint TEXT, fetched_at TEXT, checked_at TEXT)"""


class FetchError(TrackError):
    """A URL could not be downloaded in full (after retries)."""


class HTTPStatusError(FetchError):
    """The server answered with an HTTP error status that is not worth retrying (401, 403, 404...)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class DownloadTooLarge(FetchError):
    """The answer is larger than the download limit."""


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


@dataclass
class Answer:
    """One HTTP answer: status, headers (lower-case names), and the body in memory (`body`) or
    written to `path`, with its size and sha256."""

    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    path: Path | None = None
    size: int = 0
    sha256: str = ""


def fetch(store: Store, url: str, folder: str | Path, source: str, timeout: float = 30.0, retries: int = 3,
          keep: int = 10, fingerprint: str = "", backoff: float | None = None,
          max_bytes: int = DEFAULT_MAX_DOWNLOAD_MB * MIB, headers: dict | None = None) -> Download:
    """Download `url` into `folder/<source>/<timestamp>/` unless it is unchanged since the last import.

    `fingerprint` identifies the settings the last import used: when they change, validators are
    not sent, so the source is downloaded and parsed again under the new settings. `headers` are
    sent with the request (an `Authorization` header is never stored or logged)."""
    started = time.monotonic()
    state = _state(store, url)
    fresh = state is not None and state["fingerprint"] == fingerprint
    request_headers = dict(headers or {})
    if fresh and state["etag"]:
        request_headers["If-None-Match"] = state["etag"]
    if fresh and state["last_modified"]:
        request_headers["If-Modified-Since"] = state["last_modified"]
    staging = _local(staging_folder, Path(folder) / source)
    try:
        answer, attempt = with_retries(
            lambda: http_request(url, request_headers, timeout, max_bytes, into=staging / "body"),
            url, retries, backoff)
        result = Download(url=url, status="downloaded", attempts=attempt, size=answer.size, sha256=answer.sha256,
                          etag=answer.headers.get("etag", ""), last_modified=answer.headers.get("last-modified", ""))
        if state is not None:
            with store.transaction():
                store.conn.execute("UPDATE http_sources SET checked_at = ? WHERE url = ?", (now(), url))
        if answer.status == 304:
            result.status, result.sha256 = "not_modified", ""
        elif fresh and result.sha256 == state["sha256"]:
            result.status = "unchanged"
        else:
            result.path = _local(publish, staging, Path(folder) / source, _file_name(url, answer.headers), keep)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
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


class Retryable(Exception):
    """One attempt failed in a way another attempt may not (`retry_after`: seconds the server asked for)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def with_retries(call, what: str, retries: int, backoff: float | None = None, sleep=None):
    """`call()` until it does not raise `Retryable`, at most `retries` more times, pausing
    `backoff` seconds (doubling) or the server's Retry-After. Returns (result, attempts); raises
    FetchError naming `what` (a URL without secrets) when the attempts run out."""
    sleep = sleep or time.sleep
    attempt = 0
    while True:
        attempt += 1
        try:
            return call(), attempt
        except Retryable as error:
            tried = f"{attempt} attempt{'s' * (attempt > 1)}"
            if attempt > retries:
                raise FetchError(f"{what}: {error} (gave up after {tried})") from None
            pause = (BACKOFF_SECONDS if backoff is None else backoff) * 2 ** (attempt - 1)
            if error.retry_after is not None:
                if error.retry_after > MAX_RETRY_AFTER:
                    raise FetchError(f"{what}: {error}; the server asks to retry after {error.retry_after:g} s, "
                                     f"longer than the {MAX_RETRY_AFTER:g} s a job waits (gave up after {tried})"
                                     ) from None
                pause = error.retry_after
            sleep(pause)


def http_request(url: str, headers: dict | None = None, timeout: float = 30.0,
                 max_bytes: int = DEFAULT_MAX_DOWNLOAD_MB * MIB, into: Path | None = None,
                 data: bytes | None = None) -> Answer:
    """One attempt at `url` (GET, or POST when `data` is given): an `Answer` (status 200-299 or
    304), its body streamed to `into` when given, else kept in memory. Raises `Retryable` for
    what another attempt may fix, `HTTPStatusError` for other HTTP errors, `DownloadTooLarge`
    over `max_bytes`. `timeout` bounds the whole attempt: connection, headers and body."""
    request = urllib.request.Request(url, data=data, headers={
        "User-Agent": "indicators-tracker (scheduled job)", "Accept-Encoding": "identity", **(headers or {})})
    watchdog = _Watchdog(timeout)
    received = _Received()
    try:
        with watchdog, _opener(watchdog).open(request, timeout=timeout) as response:
            received.headers = {k.lower(): v for k, v in response.headers.items()}
            announced = received.headers.get("content-length", "")
            if announced.isdigit() and int(announced) > max_bytes:
                raise DownloadTooLarge(f"{url}: the answer announces {_size(int(announced))}, more than the download "
                                       f"limit of {_size(max_bytes)} (max_download_mb)")
            answer = _read_body(url, response, received, max_bytes, into, watchdog, timeout)
    except urllib.error.HTTPError as error:
        error_headers = {k.lower(): v for k, v in (error.headers or {}).items()}
        if error.code == 304:
            return Answer(304, error_headers)
        if error.code in RETRY_STATUS:
            raise Retryable(f"HTTP {error.code} {error.reason}", _retry_after(error_headers)) from None
        raise HTTPStatusError(f"{url}: HTTP {error.code} {error.reason}", error.code) from None
    except FetchError:
        raise
    except (http.client.HTTPException, OSError, urllib.error.URLError) as error:
        raise _failure(error, received, watchdog, timeout) from None
    announced = answer.headers.get("content-length")
    if announced and announced.isdigit() and int(announced) != answer.size:
        raise Retryable(f"truncated body: {answer.size} bytes received, {announced} announced")
    return answer


class _Received:
    """What an attempt got before it failed: headers (None until they all arrived) and body bytes."""

    def __init__(self):
        self.headers: dict | None = None
        self.bytes = 0


def _read_body(url, response, received: _Received, max_bytes: int, into: Path | None, watchdog, timeout) -> Answer:
    """Stream the body in chunks to `into` (or memory), hashing as it goes, stopping at `max_bytes`."""
    digest, chunks = hashlib.sha256(), []
    sink = _local(open, into, "wb", 0) if into is not None else None  # unbuffered: chunks are 64 KiB
    try:
        while True:
            if watchdog.expired:
                raise Retryable(f"not downloaded within {timeout:g} s ({received.bytes} bytes received)")
            try:
                chunk = response.read1(CHUNK_BYTES)
            except http.client.IncompleteRead as error:  # a chunked body cut short
                if watchdog.expired:
                    raise Retryable(f"not downloaded within {timeout:g} s ({received.bytes} bytes received)") from None
                raise Retryable(f"truncated body: the connection closed after {received.bytes + len(error.partial)} "
                                "bytes") from None
            if not chunk:
                break
            received.bytes += len(chunk)
            if received.bytes > max_bytes:
                raise DownloadTooLarge(f"{url}: the answer is larger than the download limit of {_size(max_bytes)} "
                                       "(max_download_mb); stopped there")
            digest.update(chunk)
            if sink is not None:
                _local(sink.write, chunk)
            else:
                chunks.append(chunk)
    finally:
        if sink is not None:
            _local(sink.close)
    if watchdog.expired:  # the watchdog shut the connection: what arrived is not the whole body
        raise Retryable(f"not downloaded within {timeout:g} s ({received.bytes} bytes received)")
    return Answer(response.status, received.headers, b"".join(chunks), into, received.bytes, digest.hexdigest())


class LocalWriteError(FetchError):
    """The download could not be written here (a full disk, a folder that is a file, no permission)."""


def _local(action, *args):
    """`action(*args)` on this machine's disk; an OSError is a LocalWriteError naming the path and
    the cause (not a connection failure to retry, and never a traceback)."""
    try:
        return action(*args)
    except OSError as error:
        where = getattr(error, "filename", None) or next((a for a in args if isinstance(a, (str, Path))), "")
        raise LocalWriteError(f"{where}: cannot write the download here ({error.strerror or error})") from None


def _failure(error: BaseException, received: _Received, watchdog, timeout: float) -> Retryable:
    """The Retryable for a failed attempt, saying how far it got."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if watchdog.expired or isinstance(reason, (TimeoutError, socket.timeout)):
        if received.headers is not None:
            return Retryable(f"not downloaded within {timeout:g} s ({received.bytes} bytes received)")
        return Retryable(f"no answer within {timeout:g} s" + (" (the response headers were still arriving)"
                                                              if watchdog.expired and watchdog.connected else ""))
    if isinstance(error, http.client.IncompleteRead):
        return Retryable(f"truncated body: {len(error.partial)} bytes received, "
                         f"{len(error.partial) + (error.expected or 0)} announced")
    if isinstance(error, urllib.error.URLError):
        return Retryable(f"cannot connect ({reason})")
    return Retryable(f"connection failed ({type(error).__name__}: {error})")


class _Watchdog:
    """Shuts down the attempt's sockets when `seconds` have passed. The socket timeout alone bounds
    each read, so a server sending a byte now and then (headers or body) would hold the job for ever."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self.connected = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()

    def watch(self, sock: socket.socket) -> socket.socket:
        with self.lock:
            self.sockets.append(sock)
            self.connected = True
            if self.expired:
                _shutdown(sock)
        return sock

    def _expire(self):
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown, also under TLS: the blocked read returns at once
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """urllib with connections whose sockets the watchdog holds (redirects and proxies as usual)."""
    def watched(connection_class):
        class Watched(connection_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._create_connection = lambda *a, **k: watchdog.watch(socket.create_connection(*a, **k))
        return Watched

    plain, secure = watched(http.client.HTTPConnection), watched(http.client.HTTPSConnection)

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, request):
            return self.do_open(plain, request)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, request):
            return self.do_open(secure, request, context=self._context)

    return urllib.request.build_opener(Handler, SecureHandler, _SameHostCredentials)


class _SameHostCredentials(urllib.request.HTTPRedirectHandler):
    """A redirect to another host (an HDX download sent on to cloud storage) does not carry the
    Authorization header: a token is for the server it was configured for."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urlparse(newurl).netloc.lower() != urlparse(req.full_url).netloc.lower():
            new.remove_header("Authorization")
        return new


def _retry_after(headers: dict) -> float | None:
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds()) if when.tzinfo else None


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"


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


def staging_folder(folder: Path) -> Path:
    """A hidden folder beside the kept downloads for a download in progress (removed by `fetch`,
    or by a later job when this process was killed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(".*.part-*"):  # from a job killed while writing
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid), None):
            shutil.rmtree(leftover, ignore_errors=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    staging = folder / f".{stamp}.part-{os.getpid()}"
    staging.mkdir()
    return staging


def publish(staging: Path, folder: Path, name: str, keep: int) -> Path:
    """Move the staging folder (a download in `staging/body`, or files already named) to
    folder/<timestamp>/ atomically, then keep the newest `keep` folders. Returns the path of
    `name` in the published folder."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    final, n = folder / stamp, 1
    while final.exists():
        n += 1
        final = folder / f"{stamp}-{n}"
    if (staging / "body").exists():
        os.replace(staging / "body", staging / name)
    os.replace(staging, final)
    for old in sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: (p.stat().st_mtime_ns, p.name))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final / name
