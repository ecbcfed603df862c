"""Collectors turn source files into series in the store; one module per source format.

Adding a collector is one module plus one line in `COLLECTORS`.
"""
from __future__ import annotations

from .base import Collector, CollectSummary
from .events import EventsCollector
from .generic_csv import GenericCSVCollector
from .outages import OutagesCollector
from .stations import StationsCollector
from .wfp import WFPCollector

COLLECTORS: dict[str, type[Collector]] = {
    GenericCSVCollector.name: GenericCSVCollector,
    WFPCollector.name: WFPCollector,
    StationsCollector.name: StationsCollector,
    OutagesCollector.name: OutagesCollector,
    EventsCollector.name: EventsCollector,
}


def get_collector(name: str) -> Collector:
    try:
        return COLLECTORS[name]()
    except KeyError:
        raise KeyError(f"unknown collector {name!r}; known: {', '.join(sorted(COLLECTORS))}") from None


__all__ = ["COLLECTORS", "Collector", "CollectSummary", "get_collector"]
