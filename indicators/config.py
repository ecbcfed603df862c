"""The job configuration file (`track.toml`), read with the standard library's `tomllib`.

    db = "datasets/track.db"      # optional; --db and $TRACK_DB take precedence
    reports = "reports"           # optional report folder
    raw = "datasets/raw"          # optional download folder [default: raw/ beside the database]

    [[sources]]
    name = "wfp-mali"             # optional; names the download folder raw/<name>/
    kind = "wfp"                  # a collector name (the registry `indicators.collectors.COLLECTORS`)
    path = "https://example.org/wfp_food_prices_mli.csv"   # a path, a glob or an http(s) URL
    timeout = 30                  # URL sources: seconds per attempt
    retries = 3                   # URL sources: extra attempts after a failure (with backoff)
    keep = 10                     # URL sources: downloads kept in raw/<name>/
    max_download_mb = 512         # URL sources: size cap of one download, in MiB
    token_env = "EXPORT_TOKEN"    # URL sources: Authorization: <token_scheme> $EXPORT_TOKEN
    token_scheme = "Token"        #   [default Bearer]
    strict = false                # a file with any rejected row is not imported
    [sources.settings]
    locations = { "Bamako (District)" = "Bamako" }                     # rename map, exact names
    zone = "sahel"                                                      # crop calendar zone
    crop_calendar = { millet = { harvest = [10, 11], lean = [6, 7, 8] } }  # calendar override
    events = { source = "Bellingcat", event_type = "attack on fuel convoy" }  # kind "events" only

    [[sources]]                   # an API kind (indicators.sources): kobo, odk, hdx, databridges, acled
    name = "kobo-fuel"
    kind = "kobo"
    path = "https://kf.kobotoolbox.org"
    asset = "aBcD3fGh5jKl7mN9pQ"  # the kind's own keys (its OPTIONS), checked like the others
    token_env = "KOBO_TOKEN"      # secrets only through environment variables

Relative paths are relative to the configuration file's folder, so a cron job works from any
working directory. Every key is checked: an unknown key is an error that names it.
"""
from __future__ import annotations

import glob
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from . import seasons
from .errors import ConfigError
from .fetch import DEFAULT_MAX_DOWNLOAD_MB, MIB

CONFIG_KEYS = {"db", "reports", "raw", "sources"}
SOURCE_KEYS = {"name", "kind", "path", "timeout", "retries", "keep", "strict", "settings", "max_download_mb"}
SETTINGS_KEYS = {"locations", "zone", "crop_calendar", "events"}
URL_SCHEMES = ("http://", "https://")


class UrlOptions:
    """Keys of a plain URL source beyond SOURCE_KEYS: a token from an environment variable, sent
    as `Authorization: <token_scheme> <token>` (a KoboToolbox export URL wants `Token`)."""

    kind = "url"
    OPTIONS = {"token_env": (str, ""), "token_scheme": (str, "Bearer")}


@dataclass
class SourceSettings:
    """Per-source settings. `locations` renames locations in the collected rows (exact names,
    surrounding spaces ignored); `zone` and `crop_calendar` are stored in the metadata of every
    series the source feeds, where detectors read them (`SeriesInfo.crop_calendar()`)."""

    locations: dict[str, str] = field(default_factory=dict)
    zone: str = ""
    crop_calendar: dict[str, dict] = field(default_factory=dict)
    events: dict = field(default_factory=dict)  # `collect events` settings (EventSettings.from_config)

    def series_metadata(self) -> dict:
        meta = {"zone": self.zone, "crop_calendar": self.crop_calendar}
        return {k: v for k, v in meta.items() if v}

    def apply(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Rows of the generic long format as a collector parsed them, with the settings applied."""
        if self.locations and "location" in rows:
            stripped = rows["location"].fillna("").astype(str).str.strip()
            rows = rows.assign(location=stripped.map(self.locations).fillna(rows["location"]))
        meta = self.series_metadata()
        if meta and not rows.empty:
            own = rows["metadata"] if "metadata" in rows else pd.Series([None] * len(rows), index=rows.index)
            rows = rows.assign(metadata=[{**_as_dict(m), **meta} for m in own])
        return rows

    def unmatched_locations(self, seen: set[str]) -> list[str]:
        """The names of the rename map that are not among `seen` (locations as a collector parsed them)."""
        return [name for name in self.locations if name not in seen]

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.__dict__, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Source:
    kind: str
    path: str
    name: str = ""
    settings: SourceSettings = field(default_factory=SourceSettings)
    strict: bool = False
    timeout: float = 30.0
    retries: int = 3
    keep: int = 10
    max_download_mb: float = DEFAULT_MAX_DOWNLOAD_MB
    options: dict = field(default_factory=dict)  # an API kind's own keys (indicators.sources)

    @property
    def max_bytes(self) -> int:
        return int(self.max_download_mb * MIB)

    @property
    def is_url(self) -> bool:
        return self.path.lower().startswith(URL_SCHEMES)

    @property
    def is_api(self) -> bool:
        """An API kind (kobo, odk, hdx, databridges, acled): pulled by `indicators.sources`."""
        from .sources import API_SOURCES
        return self.kind in API_SOURCES

    @property
    def label(self) -> str:
        """The name used in messages and as the download folder: `name`, else one derived from the path."""
        if self.name:
            return self.name
        tail = urlparse(self.path).path if self.is_url else self.path
        stem = Path(tail.rstrip("/")).stem or urlparse(self.path).netloc
        return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or self.kind

    def files(self) -> list[Path]:
        matches = sorted(glob.glob(self.path)) if glob.has_magic(self.path) else [self.path]
        if not matches:
            raise ConfigError(f"source {self.label}: {self.path!r} matches no file")
        return [Path(m) for m in matches]


@dataclass
class JobConfig:
    sources: list[Source]
    db: str | None = None
    reports: str | None = None
    raw: str | None = None
    origin: str = "bundled demo"


def load_config(path: str | Path, collectors=None) -> JobConfig:
    """Read and check a configuration file. `collectors` is the registry of collector kinds
    (default: `indicators.collectors.COLLECTORS`, consulted when the file is read)."""
    if collectors is None:
        from .collectors import COLLECTORS as collectors
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a configuration file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    _no_unknown(path, "", raw, CONFIG_KEYS)
    folder = path.parent

    def local(value, key):
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: {key} must be a non-empty string (a path)")
        return value if Path(value).is_absolute() else str(folder / value)

    entries = raw.get("sources", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{path}: sources must be [[sources]] tables")
    if not entries:
        raise ConfigError(f"{path}: no [[sources]] configured")
    sources = [_source(path, f"sources[{n}]", entry, collectors, folder) for n, entry in enumerate(entries, start=1)]
    labels = [s.label for s in sources]
    doubled = sorted({label for label in labels if labels.count(label) > 1})
    if doubled:
        raise ConfigError(f"{path}: two sources share the name {doubled[0]!r}; give each a distinct name")
    return JobConfig(sources=sources, db=local(raw.get("db"), "db"), reports=local(raw.get("reports"), "reports"),
                     raw=local(raw.get("raw"), "raw"), origin=str(path))


def _source(path: Path, where: str, entry: dict, collectors, folder: Path) -> Source:
    from .sources import API_SOURCES, check_options

    kind = entry.get("kind")
    api = API_SOURCES.get(kind) if isinstance(kind, str) else None
    extra = api if api is not None else UrlOptions
    _no_unknown(path, where, entry, SOURCE_KEYS | set(extra.OPTIONS))
    if kind not in collectors and api is None:
        raise ConfigError(f"{path}: {where}.kind is {kind!r}; must be one of {', '.join(sorted(collectors))} "
                          f"(collectors) or {', '.join(sorted(API_SOURCES))} (APIs)")
    location = entry.get("path")
    if not isinstance(location, str) or not location.strip():
        raise ConfigError(f"{path}: {where}.path is required (a file, a glob or an http(s) URL)")
    if api is not None and not location.lower().startswith(URL_SCHEMES):
        raise ConfigError(f"{path}: {where}.path must be the http(s) URL of the {kind} server, not {location!r}")
    options = check_options(extra, f"{path}: {where}", entry)
    if options and api is None and not location.lower().startswith(URL_SCHEMES):
        raise ConfigError(f"{path}: {where}.{next(iter(options))} is for URL sources; {location!r} is a file")
    if "://" in location and not location.lower().startswith(URL_SCHEMES):
        raise ConfigError(f"{path}: {where}.path {location!r}: only http:// and https:// URLs are supported")
    if "://" not in location and not Path(location).is_absolute():
        location = str(folder / location)
    name = entry.get("name", "")
    if not isinstance(name, str) or (name and not re.fullmatch(r"[A-Za-z0-9._-]+", name)):
        raise ConfigError(f"{path}: {where}.name {name!r} must use letters, digits, '.', '_' or '-' only")
    source = Source(kind=kind, path=location, name=name,
                    settings=_settings(path, f"{where}.settings", entry.get("settings", {})),
                    strict=_typed(path, where, entry, "strict", bool, False),
                    timeout=float(_typed(path, where, entry, "timeout", (int, float), 30.0)),
                    retries=_typed(path, where, entry, "retries", int, 3),
                    keep=_typed(path, where, entry, "keep", int, 10),
                    max_download_mb=float(_typed(path, where, entry, "max_download_mb", (int, float),
                                                 DEFAULT_MAX_DOWNLOAD_MB)), options=options)
    if source.timeout <= 0:
        raise ConfigError(f"{path}: {where}.timeout must be a positive number of seconds")
    if not 0 <= source.retries <= 10:
        raise ConfigError(f"{path}: {where}.retries must be between 0 and 10")
    if source.max_download_mb <= 0:
        raise ConfigError(f"{path}: {where}.max_download_mb must be a positive number of MiB")
    if source.keep < 1:
        raise ConfigError(f"{path}: {where}.keep must be at least 1 (downloads kept per source)")
    return source


def _settings(path: Path, where: str, raw) -> SourceSettings:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    _no_unknown(path, where, raw, SETTINGS_KEYS)
    locations = raw.get("locations", {})
    if not isinstance(locations, dict) or not all(isinstance(v, str) and v.strip() for v in locations.values()):
        raise ConfigError(f"{path}: {where}.locations must map names to non-empty names")
    zone = raw.get("zone", "")
    if not isinstance(zone, str) or (zone.strip() and zone.strip() not in seasons.zones()):
        raise ConfigError(f"{path}: {where}.zone is {zone!r}; must be a zone of crop_calendar.toml: "
                          f"{', '.join(seasons.zones())}")
    calendar = raw.get("crop_calendar", {})
    if not isinstance(calendar, dict):
        raise ConfigError(f"{path}: {where}.crop_calendar must be a table of crops")
    for crop, months in calendar.items():
        key = f"{where}.crop_calendar.{crop}"
        if not isinstance(months, dict):
            raise ConfigError(f"{path}: {key} must be a table with harvest and lean")
        _no_unknown(path, key, months, {"harvest", "lean"})
        for season in ("harvest", "lean"):
            value = months.get(season)
            if not isinstance(value, list) or not all(isinstance(m, int) and 1 <= m <= 12 for m in value):
                raise ConfigError(f"{path}: {key}.{season} must be a list of month numbers 1-12")
    events = raw.get("events", {})
    if events:
        from .collectors.events import EventSettings
        try:
            EventSettings.from_config(events, f"{where}.events")
        except ConfigError as error:
            raise ConfigError(f"{path}: {error}") from None
    return SourceSettings(locations={k.strip(): v.strip() for k, v in locations.items()}, zone=zone.strip(),
                          crop_calendar={crop.strip().lower(): months for crop, months in calendar.items()},
                          events=events)


def _typed(path: Path, where: str, entry: dict, key: str, kind, default):
    value = entry.get(key, default)
    # bool is an int in Python; a number where a flag is expected (or the reverse) is a mistake.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        expected = {bool: "true or false", int: "a whole number"}.get(kind, "a number")
        raise ConfigError(f"{path}: {where}.{key} must be {expected}, not {value!r}")
    return value


def _no_unknown(path: Path, where: str, table: dict, known: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(f"{path}: unknown key(s) {', '.join(prefix + k for k in unknown)}; "
                          f"known: {', '.join(sorted(known))}")


def _as_dict(value) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            return json.loads(value)
        except ValueError:
            return {}
    return {}
