"""Crop calendars: which months are harvest and lean season for a crop in a zone.

Definitions live in `crop_calendar.toml` (data, not code). Detectors use them to say "prices did
not fall at harvest"; reports use them to shade harvest and lean seasons.
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
