"""The `[derive]` section of a job configuration, checked key by key.

    [derive]
    derivations = ["terms_of_trade", "basket_cost", "fuel_stress"]   # default: all registered

    [derive.terms_of_trade]
    cereals = ["millet", "sorghum"]        # default: every grain_price item of the market
    pairs = [["goat", "millet"]]           # optional: only these (livestock or labour, cereal) pairs
    price_type = "retail"                  # the cereal price used

    [derive.basket]                        # default: DEFAULT_BASKET (below)
    name = "survival"
    household_size = 6
    per = "person"                         # quantities per "person" (times household_size) or per "household"
    price_type = "retail"
    items = { millet = 13.5, "beans (niebe)" = 1.5, "oil (vegetable)" = 0.8 }  # per person per month

    [derive.fuel_stress]
    normal = ["2024-07-01", "2025-08-31"]  # pre-crisis window; default: each component's first 365 days
    weights = { availability = 0.35, queue = 0.25, premium = 0.25, outage = 0.15 }
    outage_areas = { "Bamako Commune I" = "Bamako" }   # default: areas named after the city
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import ConfigError

# The default basket: the food part of a survival basket for the Sahel, per person per month, from
# the typical general ration of the WHO's "The management of nutrition in major emergencies"
# (WHO, 2000; the ration WFP and UNHCR plan on, about 2,100 kcal a day): 450 g of cereal, 50 g of
# pulses and 25 g of vegetable oil a day, times 30 days. Millet is the Sahel's staple cereal;
# cowpeas (WFP: "Beans (niebe)") its pulse. The ration's 5 g of salt is left out: WFP rarely
# prices salt in Sahel markets, and a component priced nowhere would leave no basket at all.
DEFAULT_BASKET_ITEMS = {"millet": 13.5, "beans (niebe)": 1.5, "oil (vegetable)": 0.8}
DEFAULT_HOUSEHOLD_SIZE = 6
DEFAULT_WEIGHTS = {"availability": 0.35, "queue": 0.25, "premium": 0.25, "outage": 0.15}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class TermsOfTradeSettings:
    cereals: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    price_type: str = "retail"


@dataclass(frozen=True)
class BasketSettings:
    name: str = "survival"
    household_size: float = DEFAULT_HOUSEHOLD_SIZE
    per: str = "person"
    price_type: str = "retail"
    items: tuple[tuple[str, float], ...] = tuple(DEFAULT_BASKET_ITEMS.items())


@dataclass(frozen=True)
class FuelStressSettings:
    normal: tuple[str, str] | None = None
    weights: tuple[tuple[str, float], ...] = tuple(DEFAULT_WEIGHTS.items())
    outage_areas: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DeriveSettings:
    derivations: tuple[str, ...] | None = None
    terms_of_trade: TermsOfTradeSettings = field(default_factory=TermsOfTradeSettings)
    basket: BasketSettings = field(default_factory=BasketSettings)
    fuel_stress: FuelStressSettings = field(default_factory=FuelStressSettings)


def parse_settings(raw, where: str = "derive", known_derivations=()) -> DeriveSettings:
    """A `[derive]` table as read by tomllib -> DeriveSettings; a mistake raises ConfigError
    naming the key."""
    table = _table(raw, where, {"derivations", "terms_of_trade", "basket", "fuel_stress"})
    names = table.get("derivations")
    if names is not None:
        names = tuple(_strings(names, f"{where}.derivations"))
        unknown = [n for n in names if known_derivations and n not in known_derivations]
        if unknown:
            raise ConfigError(f"{where}.derivations: unknown {unknown[0]!r}; known: {', '.join(known_derivations)}")
    tot = _table(table.get("terms_of_trade", {}), f"{where}.terms_of_trade", {"cereals", "pairs", "price_type"})
    pairs = tot.get("pairs", [])
    if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise ConfigError(f"{where}.terms_of_trade.pairs must be a list of [livestock or labour, cereal] pairs")
    basket = _table(table.get("basket", {}), f"{where}.basket", {"name", "household_size", "per", "price_type", "items"})
    items = basket.get("items", DEFAULT_BASKET_ITEMS)
    if not isinstance(items, dict) or not items or not all(_positive(q) for q in items.values()):
        raise ConfigError(f"{where}.basket.items must map items to positive quantities per person per month")
    size = basket.get("household_size", DEFAULT_HOUSEHOLD_SIZE)
    if not _positive(size):
        raise ConfigError(f"{where}.basket.household_size must be a positive number, not {size!r}")
    per = basket.get("per", "person")
    if per not in ("person", "household"):
        raise ConfigError(f"{where}.basket.per must be \"person\" or \"household\", not {per!r}")
    fuel = _table(table.get("fuel_stress", {}), f"{where}.fuel_stress", {"normal", "weights", "outage_areas"})
    normal = fuel.get("normal")
    if normal is not None and (not isinstance(normal, list) or len(normal) != 2
                               or not all(isinstance(d, str) and _DATE.match(d) for d in normal) or normal[0] > normal[1]):
        raise ConfigError(f"{where}.fuel_stress.normal must be [first, last] dates (YYYY-MM-DD), in order")
    weights = fuel.get("weights", DEFAULT_WEIGHTS)
    if not isinstance(weights, dict) or set(weights) - set(DEFAULT_WEIGHTS) or not all(
            isinstance(w, (int, float)) and w >= 0 for w in weights.values()) or not sum(weights.values()) > 0:
        raise ConfigError(f"{where}.fuel_stress.weights must give non-negative weights to some of "
                          f"{', '.join(DEFAULT_WEIGHTS)}")
    areas = fuel.get("outage_areas", {})
    if not isinstance(areas, dict) or not all(isinstance(v, str) for v in areas.values()):
        raise ConfigError(f"{where}.fuel_stress.outage_areas must map outage areas to city names")
    return DeriveSettings(
        derivations=names,
        terms_of_trade=TermsOfTradeSettings(
            cereals=tuple(c.lower() for c in _strings(tot.get("cereals", []), f"{where}.terms_of_trade.cereals")),
            pairs=tuple((str(a).lower(), str(b).lower()) for a, b in pairs),
            price_type=str(tot.get("price_type", "retail")).lower()),
        basket=BasketSettings(name=str(basket.get("name", "survival")), household_size=float(size), per=per,
                              price_type=str(basket.get("price_type", "retail")).lower(),
                              items=tuple((str(k).lower(), float(v)) for k, v in items.items())),
        fuel_stress=FuelStressSettings(normal=tuple(normal) if normal else None,
                                       weights=tuple((k, float(v)) for k, v in weights.items()),
                                       outage_areas=tuple(areas.items())))


def _table(value, where: str, known: set[str]) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(value) - known)
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(f'{where}.{k}' for k in unknown)}; known: {', '.join(sorted(known))}")
    return value


def _strings(value, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where} must be a list of names")
    return [v.strip() for v in value]


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
