"""Run the derivations over the store: read inputs, derive, store values and lineage, score the
series that changed with each derivation's rules."""
from __future__ import annotations

from ..detect.base import OUTPUT_COLUMNS, SeriesInfo
from ..store import Store
from .base import Inputs
from .settings import DeriveSettings
from .storage import store_derived


def run_derivations(store: Store, names: list[str] | None = None, settings: DeriveSettings | None = None,
                    run_id: int | None = None, progress=None) -> dict:
    """Derive every registered series (or the named derivations, or the settings' list) and store
    them. Values that did not change are not written; a derived series with a new or revised
    value is scored again by its derivation's rules. Returns counts per derivation."""
    from . import DERIVATIONS, get_derivation

    settings = settings or DeriveSettings()
    chosen = names or list(settings.derivations or DERIVATIONS)
    derivations = [get_derivation(n) for n in chosen]
    counts = {}
    for done, derivation in enumerate(derivations, start=1):
        inputs = Inputs.from_store(store, list(derivation.reads))
        frame = derivation.derive(inputs, settings)
        sources = dict(zip(inputs.series["series_id"].astype(int), inputs.series["source"]))
        written = store_derived(store, derivation, frame, sources, run_id=run_id)
        _score_rules(store, derivation, written.changed_series, run_id)
        counts[derivation.name] = {k: v for k, v in written.__dict__.items() if k not in ("changed_series", "notes")}
        counts[derivation.name].update(derivation.notes)
        if progress:
            progress(done, len(derivations))
    return counts


def _score_rules(store: Store, derivation, series_ids: list[int], run_id) -> None:
    """Each rule's output for the derived series whose values changed (others keep theirs)."""
    if not series_ids or not derivation.rules:
        return
    series = store.series(derivation.indicator)
    series = series[series["id"].isin(series_ids)]
    for rule in (cls() for cls in derivation.rules):
        for row in series.itertuples(index=False):
            info = SeriesInfo.from_store(row, series_id=row.id)
            values = store.values(row.id)
            result = rule.detect(values, info)
            with store.transaction():
                store.replace_anomalies(row.id, rule.name, result.frame[OUTPUT_COLUMNS], run_id)
                store.set_detection_status(row.id, rule.name, result.status, result.message, len(values), run_id)
