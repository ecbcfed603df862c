"""The detectors' fast paths give exactly what the plain computations give (issue 10's speed
work changed no output): the baseline refitted from the first changed position, words built a
column at a time, scalar sizes, strided windows, nanmean without numpy's wrapper, every harvest
month in one pass. Across commits, `benchmarks/detection_equality.py --against main` compares
every detector's output row by row."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from indicators.detect import baseline, explain, harvest, regime, severity
from indicators.detect.base import SeriesInfo, calendar_months, regularise

BASELINE_FIELDS = ("observed", "expected", "level", "slope", "profile", "phase", "scale", "annual")


def _series(frequency: str, n: int, seed: int, positive: bool = True) -> pd.Series:
    rng = np.random.default_rng(seed)
    start = {"monthly": "2008-01", "weekly": "2015-01-05", "daily": "2021-01-01"}[frequency]
    freq = {"monthly": "M", "weekly": "W", "daily": "D"}[frequency]
    index = pd.period_range(start, periods=n, freq=freq)
    period = {"monthly": 12, "weekly": 52, "daily": 7}[frequency]
    values = 100 + 10 * np.sin(2 * np.pi * np.arange(n) / period) + np.cumsum(rng.normal(0, 1, n))
    if not positive:
        values -= 120
    values[rng.random(n) < 0.05] = np.nan
    return pd.Series(values, index=index)


@pytest.mark.parametrize("frequency, n", [("monthly", 180), ("weekly", 300), ("daily", 800)])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("positive", [True, False])
def test_refit_equals_a_full_fit(frequency, n, seed, positive):
    regular = _series(frequency, n, seed, positive)
    use_log = positive
    rng = np.random.default_rng(seed + 10)
    before = baseline.fit(regular, frequency, use_log)
    masked = regular.copy()
    for _ in range(2):  # two episodes left out one after the other, as the state's walk does
        first = int(rng.integers(n // 3, n - 10))
        masked.iloc[first:first + int(rng.integers(1, 12))] = np.nan
        expected = baseline._fit(masked, frequency, use_log)
        refitted = baseline.refit(before, masked, frequency)
        for name in BASELINE_FIELDS:
            mine, theirs = getattr(refitted, name), getattr(expected, name)
            if theirs is None:
                assert mine is None
            else:
                np.testing.assert_array_equal(mine, theirs, err_msg=name)  # NaN where NaN, every bit of the rest
        assert (refitted.use_log, refitted.period, refitted.lag) == (expected.use_log, expected.period, expected.lag)
        before = refitted


def test_refit_of_an_unchanged_series_is_the_fit():
    regular = _series("monthly", 120, 4)
    fitted = baseline.fit(regular, "monthly", True)
    again = baseline.refit(fitted, regular.copy(), "monthly")
    np.testing.assert_array_equal(again.scale, fitted.scale)


def _columns(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    mixed = rng.standard_normal(3000) * 10 ** rng.uniform(-3, 7, 3000)
    mixed[::13], mixed[::19], mixed[::23] = np.nan, np.inf, -0.0
    clean = np.abs(mixed[np.isfinite(mixed)])
    return [mixed, clean % 10, -(clean % 10), clean % 90 + 10, clean % 1e7 + 100, -(clean % 1e7 + 100),
            np.array([9.995, 9.9949999, 0.005, 0.015, 99.95, 99.949999, 10.05, 100.5, 101.5]), np.array([])]


@pytest.mark.parametrize("unit", ["XOF/KG", "", "share", "hours/day", "hours/5min", "index", "odd {unit}", "{"])
def test_column_words_are_the_single_value_words(unit):
    for values in _columns(5):
        column = values.tolist()
        assert explain.format_values(column, unit) == [explain.format_value(v, unit) for v in column]
        base = np.roll(values, 3)
        base[::7] = 0.0
        assert explain.relatives(column, base.tolist(), unit) == [
            explain.relative(v, e, unit) for v, e in zip(column, base.tolist())]
        average = np.roll(values, 5).tolist()
        assert explain.compared_with_past_all(column, base.tolist(), average, unit) == [
            explain.compared_with_past(v, y, a, unit) for v, y, a in zip(column, base.tolist(), average)]


def test_same_month_references_average_of_three_years_or_more():
    values = np.arange(1.0, 73.0)
    values[[12, 24]] = np.nan
    last_year, average = explain.same_month_references(values)
    assert np.isnan(last_year[24]) and last_year[13] == 2.0
    assert np.isnan(average[48])  # months 36, 24 (missing), 12 (missing), 0: two of five known
    assert average[60] == np.mean([49.0, 37.0, 1.0])  # 48, 36 and 0; 24 and 12 missing


@pytest.mark.parametrize("measure", ["percent", "points", "hours"])
@pytest.mark.parametrize("direction", ["up", "down", "both"])
def test_scalar_size_is_the_array_size(measure, direction):
    rule = next(rule for rule in severity.SIZE_RULES.values() if rule.measure == measure)
    info = SeriesInfo("grain_price" if direction == "up" else "fuel_availability" if direction == "down"
                      else "unknown_indicator", "x", unit="XOF/KG")
    assert info.definition.bad_direction == direction
    rng = np.random.default_rng(7)
    values = rng.standard_normal(500) * 100
    references = np.r_[rng.standard_normal(495) * 100, 0.0, -0.0, np.nan, np.inf, 1e-310]
    values[::17] = np.nan
    with np.errstate(over="ignore"):
        sizes = severity.magnitude(values, references, info, rule)
    for value, reference, size in zip(values, references, sizes):
        one = severity.magnitude_one(float(value), float(reference), direction, rule)
        assert one == size or (one != one and size != size)
    assert np.isnan(severity.magnitude_one(1.0, 2.0, direction, None))


def test_median_of_a_few_is_numpys():
    rng = np.random.default_rng(3)
    for size in (1, 2, 3, 4):
        for _ in range(500):
            values = (rng.standard_normal(size) * 10 ** rng.uniform(-5, 5, size)).tolist()
            if rng.random() < 0.1:
                values[-1] = float("nan")
            mine, theirs = regime._median(values), float(np.median(values))
            assert mine == theirs or (mine != mine and theirs != theirs)


def test_windows_are_numpys_sliding_windows():
    values = np.random.default_rng(1).random((40, 3))
    np.testing.assert_array_equal(baseline.windows(values, 5), sliding_window_view(values, 5, axis=0))
    np.testing.assert_array_equal(baseline.windows(values[:, 1], 7), sliding_window_view(values[:, 1], 7))
    padded = baseline.past_windows(values[:, 0], 4)
    assert padded.shape == (40, 4) and np.isnan(padded[0]).all() and (padded[10] == values[6:10, 0]).all()
    assert not padded.flags.writeable
    with pytest.raises(ValueError):
        baseline.windows(values[:3, 0], 4)


def test_nanmean_rows_is_numpys():
    rows = np.random.default_rng(2).standard_normal((200, 7))
    rows[rows > 1.2] = np.nan
    rows[5] = np.nan
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanmean(rows, axis=1)
    np.testing.assert_array_equal(baseline.nanmean_rows(rows), expected)


def test_calendar_months_are_pandas_months():
    index = pd.period_range("1950-01", "2060-12", freq="M")
    np.testing.assert_array_equal(calendar_months(index), index.month.to_numpy())


def test_harvest_months_together_equal_each_alone():
    rng = np.random.default_rng(11)
    prices = np.exp(5 + np.cumsum(rng.normal(0, 0.05, 170)))
    prices[rng.random(170) < 0.05] = np.nan
    months = (np.arange(170) + 4) % 12 + 1  # from May
    logs = np.log(prices)
    harvest_months = (10, 11, 12)
    wanted = months[None, :] == np.array(harvest_months)[:, None]
    offsets = [(month - 9) % 12 for month in harvest_months]
    together = harvest._usual_change(logs, offsets, 4, wanted)
    for row, offset in enumerate(offsets):
        alone = harvest._usual_change(logs, [offset], 4, wanted[row:row + 1])
        for mine, theirs in zip(together, alone):
            np.testing.assert_array_equal(mine[row], theirs[0])


def test_uses_log_ignores_gaps_and_needs_every_value_positive():
    assert baseline.uses_log("XOF/KG", pd.Series([1.0, np.nan, 2.0]))
    assert not baseline.uses_log("XOF/KG", pd.Series([1.0, 0.0, 2.0]))
    assert not baseline.uses_log("share", pd.Series([0.5, 0.6]))


def test_regularise_drops_gaps_only():
    info = SeriesInfo("grain_price", "x", unit="XOF/KG", frequency="monthly")
    regular = regularise(pd.Series([1.0, np.nan, 3.0], index=["2020-01", "2020-02", "2020-04"]), info)
    assert regular.index.astype(str).tolist() == ["2020-01", "2020-02", "2020-03", "2020-04"]
    assert np.isnan(regular.iloc[1]) and np.isnan(regular.iloc[2]) and regular.iloc[3] == 3.0
