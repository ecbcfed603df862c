"""`collect events`: event lists, stored as events beside the series (not as observations).

Two shapes are read (CSV, XLSX or JSON), columns matched by name as the other collectors do:
- ACLED exports and API records: `event_id_cnty, event_date, event_type, sub_event_type,
  actor1, actor2, admin1, admin2, location, latitude, longitude, fatalities, notes, source`
  (source "ACLED"; ACLED's own `source` column, the outlet that reported the event, is kept
  in `extra` as `reported_by`);
- simple lists such as Bellingcat's convoy attacks: `date`, a place (`location`,
  `location_desc`, `place`), `region`, `corridor`, `latitude`/`longitude`, a description and a
  `source_url` (source: the publisher of the URL, e.g. Bellingcat).
Other names are mapped in the configuration (`[sources.settings.events] columns = {...}`).
Columns that map to no field are kept in `extra` (JSON) and, when there is no description
column, make up the description ("tankers_destroyed_evidence: ...").

An event bears on the places named in `places`: those its corridor names ("Senegal-Bamako"
bears on Bamako, or the configured `corridors` list), and every place within `radius_km` of it
(`DEFAULT_RADIUS_KM` unless configured), which `indicators.event_context` uses for the report
and the explanations of fuel alerts.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from ..errors import ConfigError, InputError, StrictModeError
from ..event_store import store_events
from ..store import Store
from .base import Collector, CollectSummary, Parsed, _sha256
from .tables import RowError, fold, match_columns, parse_number, read_table

FIELDS = {
    "event_id": ("event_id_cnty", "id", "event_number", "data_id"),
    "date": ("event_date", "day", "date_of_event"),
    "event_type": ("type", "category"),
    "sub_event_type": ("sub_type", "subtype", "sub_category"),
    "actor1": ("actor", "actors", "perpetrator"),
    "actor2": ("target",),
    "location": ("location_desc", "place", "site", "lieu", "localite"),
    "admin1": ("region",),
    "admin2": ("cercle", "district", "province"),
    "corridor": ("route", "axe", "axis"),
    "latitude": ("lat",),
    "longitude": ("lon", "lng", "long"),
    "fatalities": ("deaths", "killed", "morts"),
    "description": ("notes", "details", "summary"),
    "url": ("source_url", "link", "article"),
    "source": (),
}
ACLED_MARK = "event_id_cnty"
DEFAULT_RADIUS_KM = 200.0
PUBLISHERS = {"bellingcat.com": "Bellingcat", "acleddata.com": "ACLED", "reliefweb.int": "ReliefWeb"}
SETTINGS_KEYS = {"columns", "source", "event_type", "corridors", "radius_km"}


@dataclass
class EventSettings:
    """`[sources.settings.events]`: `columns` maps a field (see `FIELDS`) to a column of the file;
    `source` and `event_type` fill those fields when the file has none; `corridors` names the
    places each corridor bears on; `radius_km` is how far an event bears on places around it."""

    columns: dict[str, str] = field(default_factory=dict)
    source: str = ""
    event_type: str = ""
    corridors: dict[str, list[str]] = field(default_factory=dict)
    radius_km: float = DEFAULT_RADIUS_KM

    @classmethod
    def from_config(cls, raw, where: str = "settings.events") -> "EventSettings":
        """Checked settings from a TOML table; ConfigError names the key at fault."""
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must be a table")
        unknown = sorted(set(raw) - SETTINGS_KEYS)
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(f'{where}.{k}' for k in unknown)}; "
                              f"known: {', '.join(sorted(SETTINGS_KEYS))}")
        columns = raw.get("columns", {})
        if not isinstance(columns, dict) or not all(isinstance(v, str) and v.strip() for v in columns.values()):
            raise ConfigError(f"{where}.columns must map field names to column names")
        bad = sorted(set(columns) - set(FIELDS))
        if bad:
            raise ConfigError(f"{where}.columns: unknown field(s) {', '.join(bad)}; known: {', '.join(FIELDS)}")
        corridors = raw.get("corridors", {})
        if not isinstance(corridors, dict) or not all(
                isinstance(v, list) and all(isinstance(p, str) for p in v) for v in corridors.values()):
            raise ConfigError(f"{where}.corridors must map corridor names to lists of place names")
        radius = raw.get("radius_km", DEFAULT_RADIUS_KM)
        if isinstance(radius, bool) or not isinstance(radius, (int, float)) or radius < 0:
            raise ConfigError(f"{where}.radius_km must be a number of kilometres, not {radius!r}")
        for key in ("source", "event_type"):
            if not isinstance(raw.get(key, ""), str):
                raise ConfigError(f"{where}.{key} must be a string")
        return cls(columns=dict(columns), source=raw.get("source", "").strip(),
                   event_type=raw.get("event_type", "").strip(), corridors=corridors, radius_km=float(radius))


class EventSummary(CollectSummary):
    def line(self) -> str:
        return super().line().replace("; observations ", "; events ", 1)


class EventsCollector(Collector):
    name = "events"
    description = ("Event lists: ACLED exports (event_id_cnty, event_date, event_type, ...) or simple lists "
                   "(date, place, coordinates, description, source URL, e.g. Bellingcat's convoy attacks), "
                   "stored as events")

    def __init__(self, settings: EventSettings | None = None):
        self.settings = settings or EventSettings()

    def configure(self, source_settings) -> None:
        """Take a job source's settings (`SourceSettings.events`)."""
        self.settings = EventSettings.from_config(getattr(source_settings, "events", {}) or {})

    def read(self, path: Path) -> Parsed:
        header, rows = read_table(path)
        columns = self._columns(path, header)
        acled = ACLED_MARK in {fold(h) for h in header}
        used = set(columns.values())
        index = {h: i for i, h in enumerate(header)}
        good, rejects, skipped, seen = [], [], Counter(), {}
        for line, fields, raw in rows:
            if len(fields) != len(header):
                rejects.append({"line": line, "field": "", "raw": raw,
                                "reason": f"{len(fields)} fields where the header has {len(header)}"})
                continue
            cells = {name: fields[index[col]].strip() for name, col in columns.items()}
            extra = {h: fields[i].strip() for h, i in index.items() if h not in used and fields[i].strip()}
            try:
                event = self._event(path, cells, extra, acled)
            except RowError as error:
                rejects.append({"line": line, "field": error.field, "raw": raw, "reason": error.reason})
                continue
            key = (event["source"], event["event_id"])
            if key in seen:
                first_line, first = seen[key]
                if first == event:
                    skipped["duplicate rows"] += 1
                else:
                    rejects.append({"line": line, "field": "event_id", "raw": raw,
                                    "reason": f"event {event['event_id']!r} of {event['source']} conflicts with "
                                              f"line {first_line} (the first line wins)"})
                continue
            seen[key] = (line, dict(event))
            good.append(dict(event, source_line=line, raw=raw))
        frame = pd.DataFrame(good, columns=["source", "event_id", *EVENT_FIELDS, "source_line", "raw"])
        return Parsed(rows=frame, rows_read=len(rows), rejects=rejects, skipped=skipped)

    def collect_file(self, store: Store, path: Path, strict: bool = False, run_id: int | None = None) -> EventSummary:
        source_file = str(path.resolve())
        if path.is_dir():
            raise InputError(path, "is a folder, not a file")
        if not path.is_file():
            raise InputError(path, "no such file")
        parsed = self.read(path)
        rejects = [dict(r, source_file=source_file) for r in parsed.rejects]
        summary = EventSummary(source_file=source_file, collector=self.name, rows_read=parsed.rows_read,
                               skipped=Counter(parsed.skipped))
        if strict and rejects:
            with store.transaction():
                store.add_rejects(rejects, self.name, run_id)
            first = rejects[0]
            raise StrictModeError(path, f"{len(rejects)} row(s) rejected, nothing imported (--strict); first: line "
                                        f"{first['line']}: {first['reason']}", line=first["line"], field=first["field"])
        with store.transaction():
            counts = store_events(store, parsed.rows.drop(columns=["raw"]).assign(source_file=source_file), run_id)
            store.add_rejects(rejects, self.name, run_id)
            summary.__dict__.update(counts)
            summary.rejected = len(rejects)
            summary.reject_lines = sorted(r["line"] for r in rejects if r.get("line") is not None)
            store.record_import(source_file=source_file, sha256=_sha256(path), collector=self.name,
                                rows_read=summary.rows_read, new=summary.new, revised=summary.revised,
                                unchanged=summary.unchanged, rejected=summary.rejected, run_id=run_id)
        return summary

    # -- one file ----------------------------------------------------------------------------
    def _columns(self, path: Path, header: list[str]) -> dict[str, str]:
        configured = {}
        for name, column in self.settings.columns.items():
            matches = [h for h in header if fold(h) == fold(column)]
            if not matches:
                raise InputError(path, f"column {column!r} (configured for {name}) is not in the file; "
                                       f"found {', '.join(header)}", line=1)
            configured[name] = matches[0]
        taken = set(configured.values())
        matched = match_columns(path, [h for h in header if h not in taken] or [""],
                                {k: v for k, v in FIELDS.items() if k not in configured})
        columns = {**matched, **configured}
        if "date" not in columns:
            accepted = ", ".join(("date",) + FIELDS["date"])
            raise InputError(path, f"missing column date (accepted names: {accepted}; or map one with "
                                   f"settings.events.columns); found {', '.join(header) or 'none'}", line=1)
        return columns

    def _event(self, path: Path, cells: dict, extra: dict, acled: bool) -> dict:
        date = parse_event_date(cells.get("date", ""))
        latitude = _coordinate(cells, "latitude", 90)
        longitude = _coordinate(cells, "longitude", 180)
        if (latitude is None) != (longitude is None):
            raise RowError("latitude" if latitude is None else "longitude",
                           "latitude and longitude must be given together")
        fatalities = parse_number(cells, "fatalities")
        if fatalities is not None and not float(fatalities).is_integer():
            raise RowError("fatalities", f"fatalities {cells['fatalities']!r} is not a whole number")
        url = cells.get("url", "")
        if acled and cells.get("source"):
            extra = {"reported_by": cells["source"], **extra}
        source = self.settings.source or ("ACLED" if acled else cells.get("source") or publisher(url, path))
        actors = "; ".join(a for a in (cells.get("actor1", ""), cells.get("actor2", "")) if a)
        corridor = cells.get("corridor", "")
        event = {
            "source": source, "date": date,
            "event_type": cells.get("event_type") or self.settings.event_type,
            "sub_event_type": cells.get("sub_event_type", ""), "actors": actors,
            "location": cells.get("location", ""), "admin1": cells.get("admin1", ""),
            "admin2": cells.get("admin2", ""), "corridor": corridor, "latitude": latitude, "longitude": longitude,
            "fatalities": int(fatalities) if fatalities is not None else None,
            "description": cells.get("description") or "; ".join(f"{k}: {v}" for k, v in extra.items()
                                                                   if k != "reported_by"),
            "url": url, "places": json.dumps(self._places(corridor), ensure_ascii=False),
            "radius_km": self.settings.radius_km, "extra": json.dumps(extra, ensure_ascii=False, sort_keys=True),
        }
        event["event_id"] = cells.get("event_id") or _event_id(event)
        return event

    def _places(self, corridor: str) -> list[str]:
        if not corridor:
            return []
        for name, places in self.settings.corridors.items():
            if fold(name) in (fold(corridor), fold(corridor_name(corridor))):
                return list(places)
        return corridor_places(corridor)


EVENT_FIELDS = ["date", "event_type", "sub_event_type", "actors", "location", "admin1", "admin2", "corridor",
                "latitude", "longitude", "fatalities", "description", "url", "places", "radius_km", "extra"]
_MONTHS = {m: n for n, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"], start=1)}


def parse_event_date(text: str) -> str:
    """An event's day as YYYY-MM-DD: ISO 8601 (a time is dropped), ACLED's `14 September 2025`, or
    day-first `14/09/2025`; RowError otherwise."""
    text = (text or "").strip()
    if not text:
        raise RowError("date", "missing date")
    match = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]+)[ -,]+(\d{4})", text)
    try:
        if match and match[2].lower() in _MONTHS:
            return pd.Timestamp(int(match[3]), _MONTHS[match[2].lower()], int(match[1])).strftime("%Y-%m-%d")
        match = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
        if match:
            return pd.Timestamp(int(match[3]), int(match[2]), int(match[1])).strftime("%Y-%m-%d")
        if re.match(r"^\d{4}-\d{2}-\d{2}([T ]|$)", text):
            return pd.Timestamp(text[:10]).strftime("%Y-%m-%d")
    except ValueError:
        pass
    raise RowError("date", f"date {text!r} is not a date (YYYY-MM-DD, '14 September 2025' or DD/MM/YYYY)")


def _coordinate(cells: dict, name: str, limit: float) -> float | None:
    value = parse_number(cells, name, minimum=None)
    if value is not None and abs(value) > limit:
        raise RowError(name, f"{name} {cells[name]!r} is not between -{limit:g} and {limit:g}")
    return value


def publisher(url: str, path: Path) -> str:
    """Who published an event list: a known publisher of its URL ("Bellingcat"), else the URL's
    host, else the file name."""
    host = urlparse(url).netloc.lower().removeprefix("www.") if url else ""
    return PUBLISHERS.get(host) or host or path.stem


def corridor_name(corridor: str) -> str:
    """The name of a corridor without its parenthesis: 'Senegal-Bamako (northwest)' -> 'Senegal-Bamako'."""
    return re.sub(r"\s*\(.*?\)\s*", " ", corridor).strip()


def corridor_places(corridor: str) -> list[str]:
    """The places a corridor's name joins: 'Cote d'Ivoire-Bamako (southeast)' -> ["Cote d'Ivoire", 'Bamako']."""
    return [p.strip() for p in re.split(r"\s*[-–—]\s*", corridor_name(corridor)) if p.strip()]


def _event_id(event: dict) -> str:
    """A stable id for an event of a list without ids: its date, place and coordinates."""
    where = ("latitude", "longitude") if event["latitude"] is not None else ("location", "corridor")
    key = "|".join(str(event[k]) for k in ("date", *where))
    return f"{event['date']}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"
