"""ALPS (WFP, 2014), whole-series fit: reference figures on real WFP data, phases, history rule,
price-only. The month-by-month ALPS that counts is tested in test_detect_state.py."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators.detect import SeriesInfo, get_detector

from series_factory import AVAILABILITY, PRICE, monthly_prices

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from shared_folder import DATA  # noqa: E402  (the team's shared/ beside the checkout or a folder above a worktree)

FIXTURE = Path(__file__).parent / "fixtures" / "wfp_food_prices_bfa_diebougou_millet.csv"
SHARED = DATA / "wfp_food_prices_bfa.csv"
DIEBOUGOU = SeriesInfo("grain_price", "Diebougou", "millet", "retail", "XOF/KG", "monthly")
REFERENCE_COUNTS = {"normal": 229, "stress": 53, "alert": 49, "crisis": 9}
REFERENCE_CRISIS = ["1998-07", "1998-08", "1998-09", "1998-10", "2005-06", "2005-08", "2005-09", "2005-10",
                    "2018-10"]


def diebougou_millet(path: Path) -> pd.Series:
    """Diebougou millet retail KG `actual` prices, exact duplicates dropped (the HXL row skipped)."""
    frame = pd.read_csv(path, skiprows=[1])
    rows = frame[(frame["market"] == "Diebougou") & (frame["commodity"] == "Millet") & (frame["unit"] == "KG")
                 & (frame["pricetype"] == "Retail") & (frame["priceflag"] == "actual")].drop_duplicates()
    return pd.Series(rows["price"].to_numpy(), index=rows["date"].str[:7].to_numpy())


@pytest.mark.parametrize("path", [
    FIXTURE,
    pytest.param(SHARED, marks=pytest.mark.skipif(not SHARED.exists(), reason="shared/data not found beside the checkout or above it")),
], ids=["fixture subset", "full HDX country file"])
def test_reference_figures_on_wfp_burkina_faso_data(path):
    values = diebougou_millet(path)
    assert len(values) == 340
    result = get_detector("alps_whole").detect(values, DIEBOUGOU)
    assert result.status == "scored"
    frame = result.frame
    assert frame["severity"].value_counts().to_dict() == REFERENCE_COUNTS
    assert sorted(frame.loc[frame["severity"] == "crisis", "date"]) == REFERENCE_CRISIS


def test_alps_value_is_the_standardised_residual_of_the_wfp_regression():
    values = diebougou_millet(FIXTURE)
    frame = get_detector("alps_whole").detect(values, DIEBOUGOU).frame
    # Independent check with numpy: trend + 12 monthly dummies, no constant, residual / sd(residuals).
    periods = pd.PeriodIndex(values.index, freq="M")
    trend = np.array([(p - periods.min()).n for p in periods], dtype=float)
    design = np.column_stack([trend] + [(periods.month == m).astype(float) for m in range(1, 13)])
    beta, *_ = np.linalg.lstsq(design, values.to_numpy(), rcond=None)
    residual = values.to_numpy() - design @ beta
    np.testing.assert_allclose(frame["score"].to_numpy(), residual / residual.std(ddof=1), rtol=1e-8)
    np.testing.assert_allclose(frame["expected"].to_numpy(), design @ beta, rtol=1e-8)


@pytest.mark.parametrize("name, score, severity", [
    ("just under stress", 0.2499, "normal"),
    ("stress from 0.25", 0.25, "stress"),
    ("alert from 1", 1.0, "alert"),
    ("crisis from 2", 2.0, "crisis"),
    ("below the estimate is normal", -3.0, "normal"),
])
def test_phase_thresholds(name, score, severity):
    from indicators.detect.severity import phase
    assert phase([score], get_detector("alps_whole").thresholds)[0] == severity, name


@pytest.mark.parametrize("name, values, status", [
    ("35 months is too short", monthly_prices(months=35), "insufficient_history"),
    ("36 months is enough", monthly_prices(months=36), "scored"),
    ("gappy 40 months with 30 observed", monthly_prices(months=40).iloc[::4].pipe(
        lambda kept: monthly_prices(months=40).drop(kept.index)), "insufficient_history"),
])
def test_history_rule(name, values, status):
    result = get_detector("alps_whole").detect(values, PRICE)
    assert result.status == status, name
    if status != "scored":
        assert "not enough history" in result.message and "36 needed" in result.message
        assert result.frame.empty


def test_a_price_spike_is_a_crisis_with_a_readable_explanation():
    values = monthly_prices(seed=2, shock_at=100, shock=0.6, shock_months=1)
    frame = get_detector("alps_whole").detect(values, PRICE).frame.set_index("date")
    row = frame.loc[values.index[100]]
    assert row["severity"] == "crisis"
    assert row["explanation"].startswith(f"Millet retail price in Segou, {values.index[100]}: ")
    assert "ALPS" in row["explanation"] and "above the trend-and-season estimate" in row["explanation"]
    assert "a year earlier" in row["explanation"] and "5-year average" in row["explanation"]


def test_applies_only_to_monthly_price_series():
    alps = get_detector("alps_whole")
    assert alps.applies(PRICE)
    assert not alps.applies(AVAILABILITY)
    assert not alps.applies(SeriesInfo("fuel_price", "Bamako", "petrol", "pump", "XOF/L", "daily"))
    assert alps.applies(SeriesInfo("food_price", "Mopti", "beans", "retail", "XOF/KG", "monthly"))
