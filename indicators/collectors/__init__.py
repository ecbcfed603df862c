"""Collectors turn source files into series in the store; one module per source format.

Adding a collector is one module plus one line in `COLLECTORS`.
"""
from __future__ import annotations

from .base import Collector, CollectSummary
from .generic_csv import GenericCSVCollector

COLLECTORS: dict[str, type[Collector]] = {
    GenericCSVCollector.name: GenericCSVCollector,
}


def get_collector(name: str) -> Collector:
    try:
        return COLLECTORS[name]()
    except KeyError:
        raise KeyError(f"unknown collector {name!r}; known: {', '.join(sorted(COLLECTORS))}") from None


__all__ = ["COLLECTORS", "Collector", "CollectSummary", "get_collector"]
