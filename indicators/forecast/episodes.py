"""Which series are in an ongoing episode, and since when: the one place projections ask.

An episode is the severity state's run of alert-or-worse dates (`indicators.episodes`, with its
gap tolerance); an ongoing one has a start and no end yet.
"""
from __future__ import annotations

from ..store import Store


def ongoing_episodes(store: Store) -> dict[int, str]:
    """series id -> start date of its ongoing episode."""
    from ..alerts import episodes

    found = episodes(store, ongoing_only=True)
    return {int(row.series_id): str(row.start) for row in found.itertuples(index=False)}
