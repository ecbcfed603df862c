"""Detection streamed in chunks stores what one pass stores, and the speed work changed no result.

Memory bounded by the chunk size is shown by `benchmarks/detection_scale.py` (peak memory at
1,000 and 10,000 series), not by a timed test.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from indicators.alerts import consolidated, consolidated_chunks, record_alarms
from indicators.detect import DETECTORS, get_detector, run_detection
from indicators.detect.harvest import MIN_SEASONS, _harvest_months
from indicators.detect.ipa import MIN_YEARS, IPA_SCORED_FROM
from indicators.episodes import add_counts, episodes_and_alarms, state_counts
from indicators.store import Store

from test_detect_alps import DIEBOUGOU, FIXTURE, diebougou_millet
from test_detect_fanout import ANOMALIES, STATUS, collected  # noqa: F401 (the fixture: 14 series, not yet scored)


def scored_copy(collected, folder, name, chunk_size):
    with Store(collected) as source:
        copy = source.backup(folder / f"{name}.db")
    with Store(copy) as store:
        counts = run_detection(store, chunk_size=chunk_size)
    return copy, counts


@pytest.fixture(scope="module")
def one_pass(collected, tmp_path_factory):
    return scored_copy(collected, tmp_path_factory.mktemp("one"), "one", chunk_size=10_000)


@pytest.mark.parametrize("chunk_size", [1, 3])
def test_detection_in_chunks_stores_every_row_as_one_pass_does(collected, one_pass, tmp_path, chunk_size):
    copy, counts = scored_copy(collected, tmp_path, "chunked", chunk_size)
    with Store(copy) as chunked, Store(one_pass[0]) as whole:
        assert chunked.conn.execute(ANOMALIES).fetchall() == whole.conn.execute(ANOMALIES).fetchall()
        assert chunked.conn.execute(STATUS).fetchall() == whole.conn.execute(STATUS).fetchall()
    assert counts == one_pass[1]


def test_the_consolidation_in_chunks_is_the_whole_consolidated_view(one_pass):
    with Store(one_pass[0]) as store:
        whole = consolidated(store)
        parts = list(consolidated_chunks(store, chunk_size=2))
    assert len(parts) > 3
    keys = ["series_id", "date"]
    joined = pd.concat(parts).sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(joined, whole.sort_values(keys).reset_index(drop=True))
    merged = state_counts(pd.DataFrame())
    for part in parts:
        merged = add_counts(merged, state_counts(part))
    assert merged == state_counts(whole) and merged["episodes"] > 0 and merged["alarms"]


def test_alarms_recorded_chunk_by_chunk_are_those_of_one_consolidation(one_pass, tmp_path):
    with Store(one_pass[0]) as source:
        copies = [source.backup(tmp_path / f"{n}.db") for n in ("small", "large")]
    results = []
    for copy, chunk_size in zip(copies, (2, 10_000)):
        with Store(copy) as store:
            whole = consolidated(store)
            results.append(record_alarms(store, run_id=1, chunk_size=chunk_size))
    (small, small_counts), (large, large_counts) = results
    pd.testing.assert_frame_equal(small, large)
    assert len(small) == len(episodes_and_alarms(whole)[1]) > 0
    assert small_counts == large_counts == state_counts(whole)


# -- the speed work changed no result: outputs pinned from the code before it (main at 1e26865) --

PINNED = {  # status message, severity counts, sha256 of every "date|severity|explanation" line
    # The seasonal profile leaves one-off outliers out since 2026-12-01 (`baseline._without_outliers`):
    # this series' 1994-02 price, 36 XOF/KG between two months at 57, had made February's usual price
    # a third lower, so 1995-02 (56) and 1996-02 (96) were crises (state) and 1995-02 an alert
    # (seasonal); both are normal now. regime: 1995-04 alert -> normal, 1995-05 stress -> alert,
    # 1995-12 stress -> crisis, 1996-02 crisis -> stress. Before: state 239 normal, 57 crisis, 7 alert,
    # 1db345602016f776; seasonal 298 / 3 / 2, b13dff204af4c3b3; regime 281 / 20 / 1 / 1, a26f67f461183713.
    # re-pinned 2026-12-02 (in-episode hysteresis holds the phase of the month before, not the
    # peak): 1997-04, at 3.6 scales after a month at alert, is alert (crisis needs 4.5 again)
    "state": ("303 of 340 observations scored; 2 episode(s)", {"normal": 241, "crisis": 54, "alert": 8},
              "d4992ace2e843254"),  # and its words (2026-12-02): a normal month outside its range says so
    "seasonal": ("303 of 340 observations scored", {"normal": 299, "stress": 3, "alert": 1},
                 "be5279ae5bed7b9f"),  # re-pinned 2026-12-02: a normal month outside its range says so
    "regime": ("303 of 340 observations scored; 1 level shift(s)",
               {"normal": 282, "stress": 19, "alert": 1, "crisis": 1}, "6788c5e3af726092"),
    "harvest": ("71 harvest months scored", {"normal": 63, "stress": 4, "alert": 4}, "c6d0b19b0ff4b110"),
    # the local trend (half-life 5 years, issue 10) since; the unweighted fit gave 204 normal, 36
    # stress, 45 alert, 19 crisis, digest 4c0fe04867665eea; then its memory shortened where
    # inflation changed for good (2012-03 to 2015-03 here: 2013-02, 2020-12 and 2021-03 alert ->
    # stress, 2017-08 and 2017-09 stress -> alert; before: 51 stress, 50 alert, 633025ffe46d6061)
    "alps": ("304 of 340 months scored (fit on the data up to each month)",
             {"normal": 194, "stress": 52, "alert": 49, "crisis": 9}, "b072acf50569370c"),
    "alps_whole": ("340 months scored (whole-series fit, sd of residuals 33.7 XOF/KG)",
                   {"normal": 229, "stress": 53, "alert": 49, "crisis": 9}, "623fe28a62674e3f"),
    "ipa": ("267 of 340 months scored", {"normal": 205, "stress": 32, "alert": 25, "crisis": 5}, "d75ff4f3082f8e62"),
    # added after the speed work (issue 10, the change from the recent price): pinned at its first version
    "change": ("99 of 340 months scored (those with the price 10% below its level of the last 24 months, and "
               "episodes); 0 episode(s)", {"normal": 99}, "2b57819fe7a1d52d"),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_every_detector_gives_the_rows_it_gave_before_the_speed_work(name):
    assert set(PINNED) == set(DETECTORS)
    result = get_detector(name).detect(diebougou_millet(FIXTURE), DIEBOUGOU)
    frame = result.frame
    lines = "\n".join(f"{d}|{s}|{x}" for d, s, x in zip(frame["date"], frame["severity"], frame["explanation"]))
    message, severities, digest = PINNED[name]
    assert (result.status, result.message) == ("scored", message)
    assert frame["severity"].value_counts().to_dict() == severities
    assert hashlib.sha256(lines.encode()).hexdigest()[:16] == digest


def test_month_by_month_alps_matches_statsmodels_recursive_least_squares():
    import statsmodels.api as sm

    from indicators.detect.alps import _design, expanding_fit
    from indicators.detect.base import to_regular

    regular = to_regular(diebougou_millet(FIXTURE), "monthly")
    prices, observed, design = _design(regular)
    fitted, spread = expanding_fit(prices, observed, design)
    keep = np.flatnonzero(design[observed].any(axis=0))
    result = sm.RecursiveLS(np.where(observed, prices, np.nan), design[:, keep]).fit()
    recursive = np.einsum("tk,tk->t", design[:, keep], np.asarray(result.recursive_coefficients.filtered).T)
    identified = np.cumsum(observed) > 36  # the months ALPS scores
    np.testing.assert_allclose(fitted[identified], recursive[identified], rtol=1e-9)


def test_a_series_too_short_for_harvest_or_ipa_has_nothing_to_score_in_the_full_computation():
    """The early stops of the harvest and IPA detectors (a series spanning at most 3 and 4 years)
    skip only computations that would have found no month to score."""
    rng = np.random.default_rng(3)
    for length in (12 * MIN_SEASONS, 12 * MIN_SEASONS - 5):
        prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.05, length)))
        months = (np.arange(length) + 9) % 12 + 1
        assert _harvest_months(prices, months, (10, 11, 12), 8).shape[1] == 0
    assert IPA_SCORED_FROM == 12 * (MIN_YEARS + 1)
    index = pd.period_range("2015-01", periods=IPA_SCORED_FROM + 1, freq="M").strftime("%Y-%m")
    values = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.05, len(index)))), index=index)
    ipa = get_detector("ipa")
    assert ipa.detect(values.iloc[:-1], DIEBOUGOU).status == "insufficient_history"
    full = ipa.detect(values, DIEBOUGOU)  # one month more: the first month IPA can score
    assert full.status == "scored" and list(full.frame["date"]) == [index[-1]]
