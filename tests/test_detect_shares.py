"""Shares of k surveyed stations: Anscombe's arcsine scale and the binomial noise (docs/detection.md,
"Shares of surveyed stations")."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import get_detector
from indicators.detect.baseline import binomial_scale, forward, station_count, to_units, transform_for

from series_factory import AVAILABILITY, daily_share


def stations_share(seed=0, days=300, stations=8, available=0.93, drop_at=None, drop_to=None, drop_days=40):
    rng = np.random.default_rng(seed)
    chance = np.full(days, available)
    if drop_at is not None:
        chance[drop_at:drop_at + drop_days] = drop_to
    index = pd.date_range("2025-01-01", periods=days, freq="D").strftime("%Y-%m-%d")
    return pd.Series(rng.binomial(stations, chance) / stations, index=index)


@pytest.mark.parametrize("values, expected", [
    ([1.0, 7 / 8, 0.75, 1.0], 8),
    ([1.0, 0.5, 1.0], 2),
    ([1.0, 11 / 12, 10 / 11], None),  # counts that change from day to day: no single k
    ([0.913, 0.87, 0.95], None),  # a share on a continuous scale
    ([1.0, 0.0, 1.0], None),  # nothing between 0 and 1 tells the count
    ([1.2, 0.5], None),  # not a share
])
def test_the_station_count_is_read_from_the_grid_of_values(values, expected):
    assert station_count(pd.Series(values)) == expected


def test_only_shares_of_stations_are_transformed():
    assert transform_for("share", pd.Series([1.0, 0.9])) == "stations:10"
    assert transform_for("share", daily_share(seed=1)) == "level"
    assert transform_for("XOF/KG", pd.Series([300.0, 310.0])) == "log"


def test_the_transform_round_trips_and_its_noise_is_binomial():
    shares = np.arange(9) / 8
    assert np.allclose(to_units(forward(shares, "stations:8"), "stations:8"), shares)
    counts = np.random.default_rng(0).binomial(8, 0.5, 200_000) / 8
    assert forward(counts, "stations:8").std() == pytest.approx(binomial_scale(np.array([1.0]), "stations:8")[0],
                                                                rel=0.05)


def test_one_station_dry_is_an_ordinary_day_and_a_blockade_is_a_crisis():
    state = get_detector("state")
    ordinary = state.detect(stations_share(seed=3), AVAILABILITY).frame
    assert not ordinary["severity"].isin(["alert", "crisis"]).any()
    values = stations_share(seed=3, drop_at=200, drop_to=0.3)
    frame = state.detect(values, AVAILABILITY).frame.set_index("date")
    inside = frame.loc[values.index[203:240], "severity"]
    assert inside.isin(["alert", "crisis"]).mean() > 0.9
    # sizes stay in points of the share: 0.3 against a usual ~0.93
    assert frame.loc[values.index[220], "value"] == values.iloc[220]
    assert 0.8 < frame.loc[values.index[220], "expected"] <= 1.0
