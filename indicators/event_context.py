"""The events behind the numbers: which stored events bear on a place, and the sentence that
says so in an explanation ("2 attacks on fuel convoys on the Senegal-Bamako corridor in the
previous 14 days (Bellingcat)").

An event bears on a place when the place is among the event's `places` (the places its corridor
names, or the configured list; see `indicators.collectors.events`), or when the place lies within
the event's `radius_km` of its coordinates. A place is a series' location without its
parenthesis (`Bamako (MLI)` is Bamako; `Bamako Commune IV` is in Bamako); a series without
coordinates takes those of another series of the same place (WFP markets have them, station
surveys do not).

    from indicators.event_context import EventContext, event_sentence_for
    event_sentence_for(store, series_id, "2025-10-25")   # "" when no event bears on it
    context = EventContext.load(store)                   # many sentences: read the store once
    context.sentence(series_id, "2025-10-25")
"""
from __future__ import annotations

import json
import math
import re

import pandas as pd

from .collectors.events import DEFAULT_RADIUS_KM, corridor_name
from .collectors.tables import fold

NEARBY_DAYS = 14
EARTH_RADIUS_KM = 6371.0


def place_name(location: str) -> str:
    """A location as a place: 'Bamako (MLI)' -> 'Bamako'."""
    return re.sub(r"\s*\(.*?\)\s*", " ", str(location or "")).strip()


def coordinates(series: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """{folded place: (latitude, longitude)} from the series that have coordinates."""
    known = series.dropna(subset=["latitude", "longitude"]) if not series.empty else series
    places = {}
    for location, latitude, longitude in zip(known.get("location", []), known.get("latitude", []),
                                             known.get("longitude", [])):
        places.setdefault(fold(place_name(location)), (float(latitude), float(longitude)))
    return places


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine), element-wise for arrays."""
    import numpy as np

    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype="float64")) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def bearing_on(events: pd.DataFrame, location: str, latitude: float | None = None, longitude: float | None = None,
               radius_km: float | None = None) -> pd.DataFrame:
    """The events that bear on `location` (named among their places, or within their radius of
    the given coordinates; `radius_km` overrides every event's own)."""
    if events.empty:
        return events
    place = fold(place_name(location))
    named = events["places"].map(lambda text: any(place == p or place.startswith(p + "_")
                                                  for p in (fold(x) for x in _places(text)) if p))
    near = pd.Series(False, index=events.index)
    if latitude is not None and longitude is not None and not (pd.isna(latitude) or pd.isna(longitude)):
        radius = (pd.Series(float(radius_km), index=events.index) if radius_km is not None
                  else pd.to_numeric(events["radius_km"], errors="coerce").fillna(DEFAULT_RADIUS_KM))
        has = events["latitude"].notna() & events["longitude"].notna()
        km = pd.Series(distance_km(events["latitude"].fillna(0), events["longitude"].fillna(0), latitude, longitude),
                       index=events.index)
        near = has & (km <= radius)
    return events[named | near]


def window(date: str, days: int = NEARBY_DAYS) -> tuple[str, str, str]:
    """(first day, last day, phrase) of the period before `date`: the `days` days up to and
    including a day, or the whole month of a monthly date ('2025-10')."""
    if re.fullmatch(r"\d{4}-\d{2}", str(date)):
        start = pd.Timestamp(f"{date}-01")
        return start.strftime("%Y-%m-%d"), (start + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d"), f"in {date}"
    end = pd.Timestamp(str(date)[:10])
    return ((end - pd.Timedelta(days=days - 1)).strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d"),
            f"in the previous {days} days")


def event_sentence(events: pd.DataFrame, location: str, date: str, latitude: float | None = None,
                   longitude: float | None = None, days: int = NEARBY_DAYS, radius_km: float | None = None) -> str:
    """One sentence counting the events that bore on `location` in the `days` days up to `date`
    (or in the month of a monthly date), by corridor; "" when there were none."""
    if events.empty:
        return ""
    first, last, period = window(date, days)
    recent = events[(events["date"] >= first) & (events["date"] <= last)]
    recent = bearing_on(recent, location, latitude, longitude, radius_km)
    if recent.empty:
        return ""
    parts, said = [], set()
    for corridor, group in recent.groupby(recent["corridor"].fillna("").map(corridor_name), sort=False):
        where = f"on the {corridor} corridor" if corridor else f"near {place_name(location)}"
        kind = _kind(group)
        # "1 attack on a fuel convoy on the A corridor and 1 on the B corridor": the kind is said once
        parts.append(f"{len(group)} {where}" if (kind, len(group) == 1) in said else f"{len(group)} {kind} {where}")
        said.add((kind, len(group) == 1))
    sources = ", ".join(sorted(set(recent["source"])))
    sentence = " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{sentence} {period} ({sources})"


def latest_event_sentence(events: pd.DataFrame, location: str, date: str, latitude: float | None = None,
                          longitude: float | None = None, radius_km: float | None = None) -> str:
    """The latest event that bore on `location` on or before `date`: "latest: 2025-11-06, an attack
    on a fuel convoy on the Cote d'Ivoire-Bamako corridor, 14 days earlier (Bellingcat)"; "" if none."""
    _, last, _ = window(date)
    earlier = bearing_on(events[events["date"] <= last], location, latitude, longitude, radius_km) \
        if not events.empty else events
    if earlier.empty:
        return ""
    event = earlier.sort_values("date").iloc[-1:]
    corridor = corridor_name(event["corridor"].fillna("").iloc[0])
    where = f" on the {corridor} corridor" if corridor else f" near {place_name(location)}"
    kind = _kind(event)
    article = "" if kind in ("event",) or not re.match(r"[a-z]", kind) else ("an " if kind[0] in "aeiou" else "a ")
    days = (pd.Timestamp(last) - pd.Timestamp(event["date"].iloc[0])).days
    ago = "the same day" if days == 0 else f"{days} day{'s' * (days > 1)} earlier"
    return f"latest: {event['date'].iloc[0]}, {article}{kind}{where}, {ago} ({event['source'].iloc[0]})"


class EventContext:
    """The stored events and the places of the stored series, read once, for many sentences
    (explaining every alert of a run):

        context = EventContext.load(store)
        context.sentence(series_id, "2025-10-25")
    """

    def __init__(self, events: pd.DataFrame, series: pd.DataFrame):
        self.events = events
        self.places = {int(r.id): (r.location, r.latitude, r.longitude) for r in series.itertuples(index=False)}
        self.known = coordinates(series)

    @classmethod
    def load(cls, store) -> "EventContext":
        from .event_store import events as stored_events

        return cls(stored_events(store), store.query_frame("SELECT id, location, latitude, longitude FROM series"))

    def where(self, series_id: int) -> tuple[str, float | None, float | None]:
        location, latitude, longitude = self.places.get(int(series_id), ("", None, None))
        if latitude is None or longitude is None or pd.isna(latitude) or pd.isna(longitude):
            latitude, longitude = self.coordinates_of(location)
        return location, latitude, longitude

    def coordinates_of(self, location: str) -> tuple[float | None, float | None]:
        """The coordinates of a place, from any series of that place that has them."""
        return self.known.get(fold(place_name(location)), (None, None))

    def sentence(self, series_id: int, date: str, days: int = NEARBY_DAYS) -> str:
        """`event_sentence` for a stored series; "" for an unknown series or when no event bore on it."""
        location, latitude, longitude = self.where(series_id)
        if not location:
            return ""
        return event_sentence(self.events, location, date, latitude, longitude, days)


def event_sentence_for(store, series_id: int, date: str, days: int = NEARBY_DAYS) -> str:
    """`event_sentence` for a stored series (its location and coordinates, or those of another
    series of the same place) and the stored events. For many sentences, `EventContext`."""
    return EventContext.load(store).sentence(series_id, date, days)


def _places(text) -> list[str]:
    try:
        places = json.loads(text or "[]")
    except (TypeError, ValueError):
        return []
    return [str(p) for p in places] if isinstance(places, list) else []


def _kind(group: pd.DataFrame) -> str:
    """What the events were, in the plural when there are several: 'attacks on fuel convoys'."""
    kinds = {(sub or kind or "").strip().lower()
             for sub, kind in zip(group["sub_event_type"].fillna(""), group["event_type"].fillna(""))}
    kind = kinds.pop() if len(kinds) == 1 else ""
    if not kind:
        return "event" if len(group) == 1 else "events"
    return singular(kind) if len(group) == 1 else plural(kind)


def singular(phrase: str) -> str:
    """'attack on fuel convoy' -> 'attack on a fuel convoy' (an article where there is none)."""
    match = re.fullmatch(r"(.+? (?:on|against)) (.+)", phrase)
    if not match or re.match(r"(a|an|the)\b", match[2]) or match[2].endswith("s"):
        return phrase
    return f"{match[1]} {'an' if match[2][:1] in 'aeiou' else 'a'} {match[2]}"


def plural(phrase: str) -> str:
    """'attack on fuel convoy' -> 'attacks on fuel convoys'; 'armed clash' -> 'armed clashes'."""
    words = phrase.split()
    if " on " in f" {phrase} " or " against " in f" {phrase} ":
        head = next(i for i, w in enumerate(words) if w in ("on", "against"))
        words[head - 1] = _plural_word(words[head - 1])
    words[-1] = _plural_word(words[-1])
    return " ".join(words)


def _plural_word(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word if word.endswith("s") and not word.endswith("ss") else word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"
