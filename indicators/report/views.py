"""A report in USD or in real terms: the frames a report reads, converted by `indicators.views`
(series left out for want of a rate or index are dropped, and named in the note)."""
from __future__ import annotations

import pandas as pd

from ..store import SERIES_KEY


def converted(store, series, observations, anomalies, scored, view: dict):
    from ..views import apply_views

    def convert(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
        if frame.empty:
            return frame, {}
        done = apply_views(store, frame, view.get("currency"), view.get("real"), view.get("rates_csv"))
        return done.frame, done.missing

    observations, missing = convert(observations)
    anomalies, _ = convert(anomalies)
    scored, _ = convert(scored)
    kept = observations.drop_duplicates(SERIES_KEY)[SERIES_KEY + ["unit"]]
    series = series.drop(columns=["unit"]).merge(kept, on=SERIES_KEY, how="inner")
    words = []
    if view.get("real"):
        words.append(f"money values at {view['real']} prices (deflated by each country's cpi series)")
    if view.get("currency"):
        words.append("money values in USD at each country's exchange rate of the month"
                     + (f" ({view['rates_csv']} first)" if view.get("rates_csv") else ""))
    note = "This report shows " + " and ".join(words) + "; the CSV downloads give the rate or index of each value."
    if missing:
        note += " Left out for want of a rate or index: " + "; ".join(
            f"{country or 'series without a country'} ({why})" for country, why in sorted(missing.items())) + "."
    return series, observations, anomalies, scored, note
