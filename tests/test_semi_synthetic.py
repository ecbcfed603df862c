"""The semi-synthetic part's measures on real series: month-to-month noise, the failed-harvest
coverage rule, and recall by the injected change's size in noises."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from benchmark_families import Case  # noqa: E402
from semi_synthetic import harvest_covered, month_noise, recall_by_size  # noqa: E402

from indicators.detect import SeriesInfo  # noqa: E402

SEASON = np.array([0.0, 0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.12, 0.0, -0.06, -0.06])


def _case(noise: float, amplitude: float, seed: int = 0) -> Case:
    rng = np.random.default_rng(seed)
    n = 240
    labels = pd.period_range("2010-01", periods=n, freq="M").strftime("%Y-%m")
    logs = np.log(200) + amplitude * SEASON[np.arange(n) % 12] + np.cumsum(rng.standard_normal(n) * noise)
    info = SeriesInfo("grain_price", "Market", "millet", "retail", "XOF/KG", "monthly")
    return Case(info, pd.Series(np.exp(logs), index=labels))


def test_month_noise_is_the_spread_of_changes_without_the_season():
    for noise in (0.02, 0.05):
        measured = [month_noise(_case(noise, amplitude=2.0, seed=seed)) for seed in range(5)]
        assert np.median(measured) == pytest.approx(noise, rel=0.1)


def test_harvest_covered_needs_a_fall_of_twice_the_noise():
    # the usual fall, September to the mean of October-December: 2 x (0.12 - (-0.04)) = 0.32 log points
    assert harvest_covered(_case(0.02, amplitude=2.0))
    assert not harvest_covered(_case(0.3, amplitude=2.0))
    assert not harvest_covered(_case(0.02, amplitude=0.1))


def test_recall_by_size_bins_events_by_noises():
    found = [("spike", 3.0, False), ("spike", 5.0, True), ("spike", 5.5, False), ("spike", 6.0, True),
             ("shift", 9.0, True), ("shift", 9.5, False)]
    table = recall_by_size(found)
    assert table.loc["spike", ("events", "under 4 noises")] == 1
    assert table.loc["spike", ("recall", "under 4 noises")] == 0.0
    assert table.loc["spike", ("recall", "4-6 noises")] == 0.5
    assert table.loc["spike", ("recall", "6 noises or more")] == 1.0  # 6 noises is "6 or more"
    assert table.loc["shift", ("events", "6 noises or more")] == 2
    assert table.loc["shift", ("recall", "6 noises or more")] == 0.5
