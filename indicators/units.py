"""Unit normalisation: every stored value is in one canonical unit per series.

Prices become a price per KG or per L (`XOF/100 KG` -> `XOF/KG`, value divided by 100), or,
for things sold by count, a price per one of them: per UNIT (`10 pcs` -> `XOF/UNIT`, divided by
10; a dozen is 12 units), per HEAD of livestock, per gas CYLINDER (of unstated size) and per DAY
of work (wages); percentages become shares; minutes and days become hours. A unit that cannot be read is an
error for the row (rejected with its line), never guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Quantity units: canonical base and how many base units one of them is.
_QUANTITY = {
    "KG": ("KG", 1.0), "KGS": ("KG", 1.0), "KILOGRAM": ("KG", 1.0), "KILOGRAMS": ("KG", 1.0),
    "G": ("KG", 0.001), "GR": ("KG", 0.001), "GRAM": ("KG", 0.001), "GRAMS": ("KG", 0.001),
    "T": ("KG", 1000.0), "MT": ("KG", 1000.0), "TONNE": ("KG", 1000.0), "TON": ("KG", 1000.0),
    "TONNES": ("KG", 1000.0),
    "L": ("L", 1.0), "LITRE": ("L", 1.0), "LITER": ("L", 1.0), "LITRES": ("L", 1.0),
    "LITERS": ("L", 1.0), "LTR": ("L", 1.0), "ML": ("L", 0.001), "CL": ("L", 0.01),
    "GALLON": ("L", 3.785411784), "GAL": ("L", 3.785411784),
    # WFP also prices by the pound (Liberia, Haiti, ...): an exact mass, so it converts.
    "POUND": ("KG", 0.45359237), "POUNDS": ("KG", 0.45359237), "LB": ("KG", 0.45359237),
    "LBS": ("KG", 0.45359237),
    # Counted things: a unit of their own each, never converted into a mass.
    "UNIT": ("UNIT", 1.0), "UNITS": ("UNIT", 1.0), "PIECE": ("UNIT", 1.0), "PIECES": ("UNIT", 1.0),
    "PCS": ("UNIT", 1.0), "PC": ("UNIT", 1.0), "DOZEN": ("UNIT", 12.0),
    "HEAD": ("HEAD", 1.0), "HEADS": ("HEAD", 1.0),
    "CYLINDER": ("CYLINDER", 1.0), "CYLINDERS": ("CYLINDER", 1.0),
    "DAY": ("DAY", 1.0), "DAYS": ("DAY", 1.0),  # wages: a price per day's work
    "MONTH": ("MONTH", 1.0),  # a household's monthly food basket
}
# The dimension of a price per each quantity base.
_PRICE_DIMENSION = {"KG": "price/mass", "L": "price/volume", "UNIT": "price/count", "HEAD": "price/head",
                    "CYLINDER": "price/cylinder", "DAY": "price/day", "MONTH": "price/month"}
_DURATION = {
    "HOURS": 1.0, "HOUR": 1.0, "H": 1.0, "HRS": 1.0, "HR": 1.0,
    "MINUTES": 1 / 60, "MINUTE": 1 / 60, "MIN": 1 / 60, "MINS": 1 / 60,
    "DAYS": 24.0, "DAY": 24.0, "D": 24.0,
}
_SHARE = {"SHARE": 1.0, "FRACTION": 1.0, "RATIO": 1.0, "%": 0.01, "PERCENT": 0.01, "PCT": 0.01}
# Currencies that exchange rates are quoted against (XOF/USD, GNF/EUR).
REFERENCE_CURRENCIES = {"USD", "EUR", "GBP", "CHF", "CNY", "JPY"}
_QUANTITY_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)?\s*([A-Za-z%]+)\s*$")


class UnitError(ValueError):
    """The unit text is not one the tracker can convert."""


@dataclass(frozen=True)
class Unit:
    """A parsed unit: `canonical` is what is stored, `factor` converts a value into it."""

    canonical: str
    factor: float
    dimension: str  # price/mass, price/volume, share, duration, duration/day, other


def parse_quantity(text: str) -> tuple[str, float]:
    """'100 KG' -> ('KG', 100.0); '500 G' -> ('KG', 0.5); '20 L' -> ('L', 20.0); '10 pcs' -> ('UNIT', 10.0)."""
    match = _QUANTITY_RE.match(text or "")
    if not match or match.group(2).upper() not in _QUANTITY:
        raise UnitError(f"unknown quantity unit {text!r} (expected e.g. KG, 100 KG, 500 G, L, 20 L, "
                        "Unit, 10 pcs, Dozen, Head, Cylinder, Day)")
    amount = float(match.group(1).replace(",", ".")) if match.group(1) else 1.0
    if amount <= 0:
        raise UnitError(f"quantity unit {text!r} has a zero amount")
    base, per = _QUANTITY[match.group(2).upper()]
    return base, amount * per


def price_unit(currency: str, quantity: str) -> Unit:
    """A price in `currency` per `quantity` ('XOF', '100 KG') as a price per KG, L, UNIT, HEAD,
    CYLINDER or DAY."""
    currency = (currency or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise UnitError(f"currency {currency!r} is not an ISO 4217 code")
    base, amount = parse_quantity(quantity)
    return Unit(f"{currency}/{base}", 1.0 / amount, _PRICE_DIMENSION[base])


def parse(text: str) -> Unit:
    """Parse a unit string as written in a generic CSV and return its canonical form."""
    raw = (text or "").strip()
    if not raw:
        raise UnitError("unit is empty")
    upper = raw.upper()
    if upper in _SHARE:
        return Unit("share", _SHARE[upper], "share")
    if upper == "INDEX":
        return Unit("index", 1.0, "index")
    if "/" in upper:
        head, tail = (part.strip() for part in upper.split("/", 1))
        if tail in ("DAY", "D") and head in _DURATION:
            return Unit("hours/day", _DURATION[head], "duration/day")
        if re.fullmatch(r"[A-Z]{3}", head):
            try:
                return price_unit(head, tail)
            except UnitError:
                if tail in REFERENCE_CURRENCIES:  # exchange rate, e.g. XOF/USD
                    return Unit(f"{head}/{tail}", 1.0, "rate")
                raise
        if head in _QUANTITY and tail in _QUANTITY:  # a quantity per quantity: terms of trade, KG/HEAD
            (base, amount), (per_base, per) = parse_quantity(head), parse_quantity(tail)
            return Unit(f"{base}/{per_base}", amount / per, f"{base}/{per_base}".lower())
    if upper in _DURATION:
        return Unit("hours", _DURATION[upper], "duration")
    raise UnitError(f"unknown unit {raw!r} (expected e.g. XOF/KG, XOF/100 KG, XOF/L, share, %, hours, minutes, hours/day)")


@lru_cache(maxsize=1024)  # asked several times per series by every detector: parsing costs more than them
def dimension_of(canonical: str) -> str:
    """The dimension of a canonical unit string (as stored in the catalog or a series)."""
    try:
        return parse(canonical).dimension
    except UnitError:
        return "other"


def per_period(canonical: str, frequency: str) -> str:
    """How a value reads for one period of its series: a duration per day ('hours/day') measured on
    a sub-daily grid is the time within each period ('hours/hour', 'hours/5min': "0.4 h in the
    hour"), not hours a day; any other unit, or a daily or longer series, is unchanged."""
    per_day = periods_per_day(frequency)
    if canonical != "hours/day" or per_day is None:
        return canonical
    return "hours/hour" if per_day == 24 else f"hours/{24 * 60 // per_day}min"


def periods_per_day(frequency: str) -> int | None:
    """24 for an hourly series, 288 for a 5-minute one; None for daily and longer series."""
    if frequency == "hourly":
        return 24
    match = re.fullmatch(r"(\d+)min", frequency or "")
    return 24 * 60 // int(match.group(1)) if match else None
