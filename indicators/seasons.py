"""Crop calendars: which months are harvest and lean season for a crop in a zone.

Definitions live in `crop_calendar.toml` (data, not code): zones, each with the countries (ISO3)
that take it by default and its source. Detectors use them to say "prices did not fall at
harvest"; reports use them to shade harvest and lean seasons.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

DEFAULT_ZONE = "sahel"


@dataclass(frozen=True)
class CropCalendar:
    crop: str
    zone: str
    harvest: tuple[int, ...]
    lean: tuple[int, ...]


@lru_cache(maxsize=1)
def _calendars() -> dict:
    text = resources.files("indicators").joinpath("crop_calendar.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def zones() -> list[str]:
    """The zones `crop_calendar.toml` defines."""
    return sorted(_calendars())


@lru_cache(maxsize=512)
def zone_for_country(iso3: str) -> str:
    """The zone whose `countries` list `iso3` ('MWI' -> 'southern_africa'); the default zone (the
    Sahel) for a country no zone lists."""
    code = (iso3 or "").strip().upper()
    for name, table in _calendars().items():
        if code in table.get("countries", ()):
            return name
    return DEFAULT_ZONE


def zone_source(zone: str) -> str:
    """Where a zone's months come from (its `source`)."""
    return _calendars().get(zone, {}).get("source", "")


def crop_of(item: str) -> str:
    """'rice (imported)' -> 'rice'; 'Millet' -> 'millet'."""
    return (item or "").split("(")[0].strip().lower()


def calendar_for(item: str, zone: str = DEFAULT_ZONE, overrides: dict | None = None,
                 location: str = "") -> CropCalendar | None:
    """The calendar for `item` in `zone` (overrides: {crop: {"harvest": [...], "lean": [...]}}),
    with a `[zone.<location>]` table taking precedence for that market, falling back to the
    zone's default; None when the zone is unknown."""
    crop = crop_of(item)
    zone_table = _calendars().get(zone, {})
    table = dict(zone_table)
    local = zone_table.get(location) if location else None
    if isinstance(local, dict) and "harvest" not in local:
        table.update(local)
    if overrides:
        table.update(overrides)
    entry = table.get(crop) or table.get("default")
    if entry is None:
        return None
    return CropCalendar(crop=crop, zone=zone, harvest=tuple(entry["harvest"]), lean=tuple(entry["lean"]))
