"""Derived series: terms of trade, food basket cost, fuel stress. Stored as ordinary series and
observations, with their lineage (`storage`).

Adding a derivation is one module plus one line in `DERIVATIONS`.
"""
from __future__ import annotations

from .base import Derivation, DerivationError, Inputs
from .basket_cost import BasketCost
from .fuel_stress import FuelStress
from .run import run_derivations
from .settings import DeriveSettings, parse_settings
from .storage import lineage, trace
from .terms_of_trade import TermsOfTrade

DERIVATIONS: dict[str, type[Derivation]] = {
    TermsOfTrade.name: TermsOfTrade,
    BasketCost.name: BasketCost,
    FuelStress.name: FuelStress,
}


def rules() -> dict:
    """The derivations' own rules (detector classes) by name, for the report's method page."""
    return {rule.name: rule for cls in DERIVATIONS.values() for rule in cls.rules}


def get_derivation(name: str) -> Derivation:
    try:
        return DERIVATIONS[name]()
    except KeyError:
        raise KeyError(f"unknown derivation {name!r}; known: {', '.join(sorted(DERIVATIONS))}") from None


__all__ = ["DERIVATIONS", "DeriveSettings", "Derivation", "DerivationError", "Inputs", "get_derivation",
           "lineage", "parse_settings", "rules", "run_derivations", "trace"]
