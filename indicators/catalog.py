"""Indicator definitions: what each indicator measures, its unit, frequency and bad direction.

The definitions live in `catalog.toml` beside this module (metadata is data). Unknown indicator
names are accepted with generic defaults so a collector never has to refuse a new series.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

FREQUENCIES = ("1min", "5min", "10min", "15min", "30min", "hourly", "daily", "weekly", "monthly")
BAD_DIRECTIONS = ("up", "down", "both")
FAMILIES = ("grain", "fuel", "power", "other")
# Severity vocabulary (WFP ALPS phases), mildest first. Here rather than in the store so that the
# CLI can build its options without importing pandas (`track --help` starts at once).
SEVERITIES = ["normal", "stress", "alert", "crisis"]


@dataclass(frozen=True)
class Indicator:
    name: str
    title: str
    family: str
    unit: str
    short_unit: str
    frequency: str
    bad_direction: str
    description: str
    currency: str = ""
    min: float | None = None
    max: float | None = None
    builtin: bool = True
    extra: dict = field(default_factory=dict, compare=False)

    def label(self) -> str:
        return f"{self.title} ({self.short_unit})" if self.short_unit else self.title


@lru_cache(maxsize=1)
def _definitions() -> dict[str, Indicator]:
    text = resources.files("indicators").joinpath("catalog.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    return {name: _from_mapping(name, entry) for name, entry in raw.items()}


def _from_mapping(name: str, entry: dict) -> Indicator:
    known = {f for f in Indicator.__dataclass_fields__ if f not in ("name", "builtin", "extra")}
    missing = {"title", "family", "unit", "short_unit", "frequency", "bad_direction", "description"} - entry.keys()
    if missing:
        raise ValueError(f"catalog entry {name!r} lacks {sorted(missing)}")
    if entry["frequency"] not in FREQUENCIES:
        raise ValueError(f"catalog entry {name!r}: frequency must be one of {FREQUENCIES}")
    if entry["bad_direction"] not in BAD_DIRECTIONS:
        raise ValueError(f"catalog entry {name!r}: bad_direction must be one of {BAD_DIRECTIONS}")
    if entry["family"] not in FAMILIES:
        raise ValueError(f"catalog entry {name!r}: family must be one of {FAMILIES}")
    values = {k: v for k, v in entry.items() if k in known}
    extra = {k: v for k, v in entry.items() if k not in known}
    return Indicator(name=name, extra=extra, **values)


def builtin_names() -> list[str]:
    return list(_definitions())


def get(name: str) -> Indicator:
    """The definition of `name`, or generic defaults for an indicator the catalog does not know."""
    found = _definitions().get(name)
    if found is not None:
        return found
    return Indicator(
        name=name,
        title=name.replace("_", " ").capitalize(),
        family="other",
        unit="",
        short_unit="",
        frequency="daily",
        bad_direction="both",
        description=f"User-defined indicator {name!r} (not in the built-in catalog).",
        builtin=False,
    )
