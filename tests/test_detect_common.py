"""What every detector promises: never crash, clear statuses, no look-ahead (except ALPS), price-only
methods only on prices, and the consolidated view's rule."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import CONSOLIDATION_RULE, DETECTORS, consolidate, get_detector
from indicators.detect.base import OUTPUT_COLUMNS

from series_factory import AVAILABILITY, OUTAGE, PRICE, QUEUE, daily_hours, daily_share, monthly_prices

NAMES = sorted(DETECTORS)
STATUSES = {"scored", "insufficient_history", "not_applicable"}


def _odd_series():
    gappy = monthly_prices(seed=8, months=150)
    gappy = gappy.drop(gappy.index[40:75])  # a three-year hole
    return {
        "empty": pd.Series(dtype="float64"),
        "one value": monthly_prices(months=1),
        "five values": monthly_prices(months=5),
        "all NaN": pd.Series(np.nan, index=monthly_prices(months=50).index),
        "constant": pd.Series(250.0, index=monthly_prices(months=80).index),
        "three-year hole": gappy,
        "every other month": monthly_prices(seed=9, months=150).iloc[::2],
        "zeros and negatives": monthly_prices(seed=2, months=80) * np.where(np.arange(80) % 7 == 0, -1, 1),
        "unsorted": monthly_prices(seed=3, months=80).sample(frac=1, random_state=1),
    }


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", list(_odd_series()))
def test_odd_series_never_crash(name, case):
    values = _odd_series()[case]
    result = get_detector(name).detect(values, PRICE)
    assert result.status in STATUSES, result.message
    assert list(result.frame.columns) == OUTPUT_COLUMNS
    if result.status == "scored":
        assert set(result.frame["date"]) <= set(values.dropna().index)
        assert result.frame["severity"].isin(["normal", "stress", "alert", "crisis"]).all()
        assert result.frame["explanation"].str.endswith(".").all()
    else:
        assert result.frame.empty and result.message


@pytest.mark.parametrize("name", NAMES)
def test_short_series_say_not_enough_history(name):
    result = get_detector(name).detect(monthly_prices(months=20), PRICE)
    assert result.status == "insufficient_history"
    assert result.message.startswith("not enough history")


LOOK_AHEAD_CASES = {
    "monthly price": (monthly_prices(seed=11, shock_at=100, shock=0.25, failed_harvest_year=2023), PRICE,
                      [95, 101, 103, 110]),
    "daily availability": (daily_share(seed=12, drop_at=150, drop=-0.4, drop_days=20, spike_at=100), AVAILABILITY,
                           [101, 152, 175]),
    "daily queue": (daily_hours(seed=13, surge_at=150, factor=6), QUEUE, [151, 160]),
}
LOOK_AHEAD = [(name, case) for case, (_, info, _) in LOOK_AHEAD_CASES.items()
              for name in NAMES if name != "alps_whole" and get_detector(name).applies(info)]


@pytest.mark.parametrize("name, case", LOOK_AHEAD, ids=[f"{n}-{c}" for n, c in LOOK_AHEAD])
def test_no_look_ahead(name, case):
    """The row for a date is the same whether or not later data exist (a scheduled job never
    flags differently because later data arrived)."""
    values, info, cuts = LOOK_AHEAD_CASES[case]
    detector = get_detector(name)
    full = detector.detect(values, info).frame.set_index("date")
    for cut in cuts:
        part = detector.detect(values.iloc[:cut], info).frame.set_index("date")
        pd.testing.assert_frame_equal(full.loc[part.index], part)


def test_alps_is_the_documented_exception_to_no_look_ahead():
    values = monthly_prices(seed=11, shock_at=100, shock=0.25)
    full = get_detector("alps_whole").detect(values, PRICE).frame.set_index("date")
    part = get_detector("alps_whole").detect(values.iloc[:90], PRICE).frame.set_index("date")
    assert not np.allclose(full.loc[part.index, "score"], part["score"])


@pytest.mark.parametrize("info, expected", [
    (PRICE, {"state", "seasonal", "regime", "harvest", "alps", "alps_whole", "ipa", "change"}),
    (AVAILABILITY, {"state", "seasonal", "regime"}),
    (QUEUE, {"state", "seasonal", "regime"}),
    (OUTAGE, {"state", "seasonal", "regime"}),
])
def test_price_only_methods_apply_only_to_prices(info, expected):
    assert {name for name in NAMES if get_detector(name).applies(info)} == expected


def _rows(*rows):
    columns = ["indicator", "location", "item", "price_type", "date", "value", "expected", "lower", "upper", "score",
               "severity", "detector", "explanation"]
    return pd.DataFrame([("grain_price", "Segou", "millet", "retail", "2025-11", 400, e, e - 1, e + 1, s, sev, d, f"{d}.")
                         for d, sev, s, e in rows], columns=columns)


@pytest.mark.parametrize("name, rows, severity, detectors, explanation", [
    ("highest wins", [("state", "stress", 3.0, 1), ("harvest", "crisis", 5.0, 2)], "crisis",
     "harvest+state", "harvest."),
    ("ALPS month by month counts in full", [("alps", "crisis", 2.5, 1), ("state", "normal", 0.1, 2)],
     "crisis", "alps", "alps."),
    ("signal and reference detectors do not count", [("alps_whole", "crisis", 2.5, 1), ("regime", "crisis", 9, 2),
                                                     ("seasonal", "alert", 4, 2), ("ipa", "alert", 1.5, 2),
                                                     ("state", "stress", 3, 2)],
     "stress", "state", "state."),
    ("ties go to the largest score", [("state", "alert", 4.0, 1), ("harvest", "alert", 3.0, 2)], "alert",
     "state+harvest", "state."),
    ("all normal", [("state", "normal", 0.1, 1), ("alps", "normal", 0.2, 2)], "normal", None, None),
])
def test_consolidation_rule(name, rows, severity, detectors, explanation):
    merged = consolidate(_rows(*rows))
    assert len(merged) == 1
    row = merged.iloc[0]
    assert row["severity"] == severity, name
    if detectors:
        assert row["detector"] == detectors and row["explanation"] == explanation
    assert "max-severity" in CONSOLIDATION_RULE
