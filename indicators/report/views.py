"""A report in USD or in real terms: the frames a report reads, converted by `indicators.views`
(series left out for want of a rate or index are dropped, and named in the note). Frames are
converted a chunk of series at a time (`rows.StoreRows`): each row's rate or index is that of
its own country and month."""
from __future__ import annotations

import pandas as pd


def convert(store, frame: pd.DataFrame, view: dict) -> tuple[pd.DataFrame, dict]:
    """(`frame` converted, {country: why it was left out})."""
    from ..views import apply_views

    if frame.empty:
        return frame, {}
    done = apply_views(store, frame, view.get("currency"), view.get("real"), view.get("rates_csv"))
    return done.frame, done.missing


def note(view: dict, missing: dict) -> str:
    """The sentence a converted report shows: what was converted, what was left out."""
    words = []
    if view.get("real"):
        words.append(f"money values at {view['real']} prices (deflated by each country's cpi series)")
    if view.get("currency"):
        words.append("money values in USD at each country's exchange rate of the month"
                     + (f" ({view['rates_csv']} first)" if view.get("rates_csv") else ""))
    text = "This report shows " + " and ".join(words) + "; the CSV downloads give the rate or index of each value."
    if missing:
        text += " Left out for want of a rate or index: " + "; ".join(
            f"{country or 'series without a country'} ({why})" for country, why in sorted(missing.items())) + "."
    return text
