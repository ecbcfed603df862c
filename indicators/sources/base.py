"""What every API source shares: a session of HTTP calls on the fetch plumbing (timeouts that
bound the whole answer, bounded retries, Retry-After, a size cap), secrets read from the
environment variables the configuration names, JSON pages kept as raw copies, and the state a
source keeps between runs (`api_state`; survey submissions in `api_records`).

A source module subclasses `ApiSource`: it sets `kind`, `collector` (the collector that reads
what it pulls) and `OPTIONS` (its keys in track.toml), and implements `pull()`, which pages
through the API into the staging folder and returns a `Pulled`. The job then collects
`Pulled.path` with `collector` and, when the import succeeded, calls `Pulled.commit()` so that
cursors and records advance only with data that reached the store.

Secrets (tokens, passwords, client secrets) live only in the environment variables named by
`*_env` options. They are sent in headers or POST bodies, never in URLs; every message a source
raises goes through `redact`, and nothing but the pages the server sent (named `page-0001.json`,
...) is written to the raw folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

from ..errors import ConfigError, TrackError
from ..fetch import FetchError, HTTPStatusError, http_request, publish, staging_folder, with_retries
from ..store import Store, now

REQUIRED = object()
MAX_PAGES = 100_000


def sleep(seconds: float) -> None:
    """The pause between attempts (tests replace it to record the pauses instead of waiting)."""
    time.sleep(seconds)


class SourceError(FetchError):
    """An API answered, but not as documented (not JSON, no records list, a paging loop)."""


@dataclass
class Pulled:
    """What `pull()` gave: `status` "downloaded" (collect `path`), "not_modified" or "unchanged"."""

    status: str
    path: Path | None = None
    pages: int = 0
    records: int = 0
    details: dict = field(default_factory=dict)
    commit: Callable[[], None] | None = None

    def as_dict(self) -> dict:
        return {"status": self.status, "path": str(self.path) if self.path else None, "pages": self.pages,
                "records": self.records, **self.details}


class ApiSource:
    kind = ""
    collector = ""
    description = ""
    # option name -> (type, default); REQUIRED marks a key the configuration must give
    OPTIONS: dict[str, tuple] = {}

    def __init__(self, store: Store, source, raw_folder: str | Path):
        self.store = store
        self.source = source
        self.options = {name: default for name, (_, default) in self.OPTIONS.items() if default is not REQUIRED}
        self.options.update(source.options)
        self.folder = Path(raw_folder) / source.label
        self.secrets: list[str] = []
        self.pages = 0
        self.staging: Path | None = None
        self.fingerprint = ""  # the job's settings fingerprint (see jobs._fingerprint)
        self._published = False

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> Pulled:
        """`pull()` into a staging folder that becomes raw/<name>/<timestamp>/ when something was
        downloaded; every error message is redacted."""
        self.staging = staging_folder(self.folder)
        try:
            pulled = self.pull()
        except ConfigError as error:
            raise ConfigError(self.redact(str(error))) from None
        except TrackError as error:
            raise FetchError(self.redact(str(error))) from None
        finally:
            if self.staging is not None and self.staging.exists() and not self._published:
                shutil.rmtree(self.staging, ignore_errors=True)
        pulled.pages = self.pages
        return pulled

    def pull(self) -> Pulled:  # pragma: no cover - abstract
        raise NotImplementedError

    def publish(self, name: str, document) -> Path:
        """Write the document the collector reads (JSON) beside the kept pages, and publish the folder."""
        (self.staging / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        path = publish(self.staging, self.folder, name, self.source.keep)
        self._published = True
        return path

    # -- secrets -------------------------------------------------------------------------------
    def secret(self, option: str) -> str:
        """The value of the environment variable named by `option` (`token_env = "KOBO_TOKEN"`)."""
        name = self.options.get(option)
        if not name:
            raise ConfigError(f"source {self.source.label}: {option} (the name of an environment variable) is required")
        value = os.environ.get(name, "")
        if not value.strip():
            raise ConfigError(f"source {self.source.label}: the environment variable {name} ({option}) is not set")
        self.secrets.append(value)
        return value

    def redact(self, text: str) -> str:
        for value in sorted(self.secrets, key=len, reverse=True):
            if value:
                text = text.replace(value, "***")
        return text

    # -- HTTP ----------------------------------------------------------------------------------
    def auth_headers(self) -> dict:
        """Headers that authenticate a request (a subclass's token)."""
        return {}

    def refresh(self) -> bool:
        """Called once on HTTP 401 during paging: get a new token and say whether to try again."""
        return False

    def refused(self) -> str:
        """What a 401 or 403 means for this source, naming the environment variables (not values)."""
        names = [self.options[k] for k in self.OPTIONS if k.endswith("_env") and self.options.get(k)]
        return f"the server refused the credentials from {', '.join('$' + n for n in names) or 'none given'}"

    def url(self, path: str = "", params: dict | None = None) -> str:
        base = self.source.path.rstrip("/")
        full = base + ("/" + path.lstrip("/") if path else "")
        return full + (("&" if "?" in full else "?") + urlencode(params) if params else "")

    def request(self, url: str, headers: dict | None = None, data: bytes | None = None, authenticate: bool = True):
        """One call with retries; the answer in memory. Retryable failures (timeouts, 429 with
        Retry-After, 5xx) are retried `retries` times; a 401 is refreshed once when the source can."""
        def call():
            sent = {**(self.auth_headers() if authenticate else {}), **(headers or {})}
            return http_request(url, sent, self.source.timeout, self.source.max_bytes, data=data)

        for refreshed in (False, True):
            try:
                answer, _ = with_retries(call, url, self.source.retries, sleep=sleep)
                return answer
            except HTTPStatusError as error:
                if error.status == 401 and authenticate and not refreshed and self.refresh():
                    continue
                if error.status in (401, 403):
                    raise FetchError(f"{error}: {self.refused()}") from None
                raise

    def get_json(self, url: str, headers: dict | None = None, data: bytes | None = None, keep: bool = True,
                 authenticate: bool = True) -> dict:
        """A JSON object from `url`; the page is kept as raw/<name>/<timestamp>/page-NNNN.json."""
        answer = self.request(url, {"Accept": "application/json", **(headers or {})}, data, authenticate)
        try:
            document = json.loads(answer.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise SourceError(f"{url}: the answer is not JSON ({type(error).__name__}: {str(error)[:100]})") from None
        if not isinstance(document, dict):
            raise SourceError(f"{url}: the answer is JSON but not an object")
        if keep:
            self.pages += 1
            if self.pages > MAX_PAGES:
                raise SourceError(f"{url}: more than {MAX_PAGES} pages; is the server's paging looping?")
            (self.staging / f"page-{self.pages:04d}.json").write_bytes(answer.body)
        return document

    def records(self, document: dict, key: str, url: str) -> list[dict]:
        value = document.get(key)
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise SourceError(f"{url}: the answer has no list of records under {key!r} "
                              f"(keys: {', '.join(sorted(document))[:200]})")
        return value

    # -- state between runs ---------------------------------------------------------------------
    def published(self, name: str, document: dict, records: int, details: dict) -> Pulled:
        """`document` published as the raw file `name`, unless the last run published the same
        content with the same settings (then "unchanged"); the state is saved on commit."""
        digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        state = self.state()
        if state.get("sha256") == digest and state.get("fingerprint") == self.fingerprint:
            return Pulled("unchanged", details=details)
        path = self.publish(name, document)
        return Pulled("downloaded", path, records=records, details=details,
                      commit=lambda: self.save_state({"sha256": digest, "fingerprint": self.fingerprint}))

    def state(self) -> dict:
        row = self.store.conn.execute("SELECT state FROM api_state WHERE source = ?", (self.source.label,)).fetchone()
        return json.loads(row[0]) if row else {}

    def save_state(self, state: dict) -> None:
        with self.store.transaction():
            self.store.conn.execute(
                "INSERT INTO api_state (source, kind, state, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (source) "
                "DO UPDATE SET kind = excluded.kind, state = excluded.state, updated_at = excluded.updated_at",
                (self.source.label, self.kind, json.dumps(state, sort_keys=True), now()))


class TokenSource(ApiSource):
    """An API source authenticated by a bearer token (`new_token()`, an OAuth exchange), got on
    first use and again once when the API answers 401."""

    def new_token(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def auth_headers(self) -> dict:
        if not getattr(self, "_token", None):
            self._token = self.new_token()
        return {"Authorization": f"Bearer {self._token}"}

    def refresh(self) -> bool:
        self._token = self.new_token()
        return True

    def access_token(self, document: dict) -> str:
        """The token of an OAuth token answer (kept among the secrets that logs never show)."""
        token = document.get("access_token")
        if not isinstance(token, str) or not token:
            raise SourceError(f"{self.options['token_url']}: the token answer has no access_token")
        self.secrets.append(token)
        return token


PAGED_ANSWERS = {"next": "kobo", "@odata.nextLink": "odk"}
HINT_BYTES = 64 * 1024 * 1024


def paged_answer_hint(path: Path) -> str:
    """When a plain URL source downloaded one page of a paged API answer (a KoboToolbox page with
    a `next` link, an OData page with `@odata.nextLink`, a DataBridges page short of
    `totalItems`), the sentence that says so and names the kind that reads every page; else ""."""
    try:
        if path.stat().st_size > HINT_BYTES:
            return ""
        data = path.read_bytes()
        if data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] != b"{":
            return ""
        document = json.loads(data.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return ""
    if not isinstance(document, dict):
        return ""
    for key, kind in PAGED_ANSWERS.items():
        if document.get(key):
            return (f"the answer is one page of several ({key}: {str(document[key])[:120]}); only this page was "
                    f"collected: use kind = \"{kind}\" to read every page")
    items, total = document.get("items"), document.get("totalItems")
    if isinstance(items, list) and isinstance(total, int) and len(items) < total:
        return (f"the answer is one page of several ({len(items)} of totalItems {total}); only this page was "
                "collected: use kind = \"databridges\" to read every page")
    return ""


def _is_day(text: str) -> bool:
    try:
        return len(text) == 10 and bool(datetime.strptime(text, "%Y-%m-%d"))
    except ValueError:
        return False


def check_options(kind_class, where: str, entry: dict) -> dict:
    """The kind's own keys of a [[sources]] table, checked against `OPTIONS`; ConfigError names the key."""
    options = {}
    for name, (kind, default) in kind_class.OPTIONS.items():
        if name not in entry:
            if default is REQUIRED:
                raise ConfigError(f"{where}.{name} is required for kind {kind_class.kind!r}")
            continue
        value = entry[name]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            expected = {str: "a string", int: "a whole number", bool: "true or false"}.get(kind, "a number")
            raise ConfigError(f"{where}.{name} must be {expected}, not {value!r}")
        if name.endswith("_env") and (not value or not value.replace("_", "").isalnum()):
            raise ConfigError(f"{where}.{name} must name an environment variable (letters, digits, _), not {value!r}")
        if kind is int and value < (0 if name.endswith("_days") else 1):
            raise ConfigError(f"{where}.{name} must be {'0 or more' if name.endswith('_days') else 'at least 1'}")
        if name in ("start", "end") and value and not _is_day(value):
            raise ConfigError(f"{where}.{name} must be a date YYYY-MM-DD, not {value!r}")
        options[name] = value
    return options
