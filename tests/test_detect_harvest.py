"""Harvest seasonality: prices that did not fall at harvest, crop calendars, FEWS NET comparisons."""
import numpy as np
import pandas as pd
import pytest

from indicators import seasons
from indicators.detect import SeriesInfo, get_detector

from series_factory import AVAILABILITY, PRICE, RICE, monthly_prices


@pytest.mark.parametrize("name, values, info, date, severities", [
    ("failed dip flagged in November", monthly_prices(seed=5, failed_harvest_year=2024), PRICE, "2024-11",
     {"alert", "crisis"}),
    ("normal dip is normal", monthly_prices(seed=5), PRICE, "2024-11", {"normal"}),
    ("a deeper fall than usual is not bad", monthly_prices(seed=5, shock_at=106, shock=-0.2, shock_months=2),
     PRICE, "2024-11", {"normal"}),
    ("rice is scored in its own harvest (January)", monthly_prices(seed=6), RICE, "2024-01", {"normal"}),
])
def test_cases(name, values, info, date, severities):
    result = get_detector("harvest").detect(values, info)
    assert result.status == "scored", result.message
    row = result.frame.set_index("date").loc[date]
    assert row["severity"] in severities, name


def test_only_harvest_months_are_scored():
    frame = get_detector("harvest").detect(monthly_prices(seed=5), PRICE).frame
    assert set(pd.PeriodIndex(frame["date"], freq="M").month) == {10, 11, 12}
    rice = get_detector("harvest").detect(monthly_prices(seed=6), RICE).frame
    assert set(pd.PeriodIndex(rice["date"], freq="M").month) == {11, 12, 1}


def test_explanation_says_what_usually_happens_and_what_happened():
    frame = get_detector("harvest").detect(monthly_prices(seed=5, failed_harvest_year=2024), PRICE).frame
    text = frame.set_index("date").loc["2024-11", "explanation"]
    assert text.startswith("Millet retail price in Segou, 2024-11: ")
    assert "Millet usually falls" in text and "from its August-September level to November" in text
    assert "this year it rose" in text and "prices did not fall at harvest" in text
    assert "a year earlier" in text and "5-year average" in text


def test_location_override_in_the_crop_calendar(monkeypatch):
    table = dict(seasons._calendars())
    table["sahel"] = dict(table["sahel"], Kayes={"millet": {"harvest": [9, 10, 11], "lean": [6, 7, 8]}})
    monkeypatch.setattr(seasons, "_calendars", lambda: table)
    assert seasons.calendar_for("millet", location="Kayes").harvest == (9, 10, 11)
    assert seasons.calendar_for("millet", location="Segou").harvest == (10, 11, 12)
    kayes = SeriesInfo("grain_price", "Kayes", "millet", "retail", "XOF/KG", "monthly")
    frame = get_detector("harvest").detect(monthly_prices(seed=5), kayes).frame
    assert set(pd.PeriodIndex(frame["date"], freq="M").month) == {9, 10, 11}


def test_crop_calendar_from_series_metadata_reaches_the_detector():
    # what a job's per-source settings (`crop_calendar`, `zone`) store in the series metadata
    override = {"millet": {"harvest": [9, 10], "lean": [6, 7, 8]}}
    info = SeriesInfo("grain_price", "Segou", "millet", "retail", "XOF/KG", "monthly",
                      metadata={"zone": "sahel", "crop_calendar": override})
    frame = get_detector("harvest").detect(monthly_prices(seed=5), info).frame
    assert set(pd.PeriodIndex(frame["date"], freq="M").month) == {9, 10}
    assert "from its July-August level" in frame["explanation"].iloc[0]


def test_short_series_gets_a_clear_status():
    result = get_detector("harvest").detect(monthly_prices(months=30), PRICE)
    assert result.status == "insufficient_history"
    assert "not enough history" in result.message and "3 earlier harvests" in result.message


def test_no_look_ahead():
    values = monthly_prices(seed=5, failed_harvest_year=2024)
    full = get_detector("harvest").detect(values, PRICE).frame.set_index("date")
    cut = get_detector("harvest").detect(values.loc[:"2024-11"], PRICE).frame.set_index("date")
    pd.testing.assert_frame_equal(full.loc[cut.index], cut)


def test_applies_to_food_prices_only():
    harvest = get_detector("harvest")
    assert harvest.applies(PRICE)
    assert not harvest.applies(AVAILABILITY)
    assert not harvest.applies(SeriesInfo("fuel_price", "Bamako", "petrol", "pump", "XOF/L", "monthly"))


# Rice with a usual harvest fall of 6-8%, below the 10% alert size, and well beyond its noise.
RICE_SEASON = np.log([0.98, 0.98, 0.99, 1.00, 1.01, 1.03, 1.05, 1.065, 1.065, 1.06, 1.00, 0.985])


def rice_prices(seed: int, held: tuple[str, ...] = ()) -> pd.Series:
    """Rice with small noise (0.6%); the months `held` stay at the September-October level (the
    harvest failing in them)."""
    values = monthly_prices(seed=seed, months=120, sigma=0.006, season=RICE_SEASON)
    reference = values.loc[["2023-09", "2023-10"]].mean()
    for month in held:
        values.loc[month] = reference * 1.002
    return values


@pytest.mark.parametrize("seed", range(6))
def test_a_small_fall_failing_in_full_for_two_months_is_alert(seed):
    # The usual fall (6% into November, 7-8% into December and January) is under the 10% alert
    # size, so the size rule alone holds a failed harvest at stress for good. Failing in full in
    # two harvest months in a row at the alert score, it is alert from the second.
    frame = get_detector("harvest").detect(rice_prices(seed, ("2023-11", "2023-12", "2024-01")), RICE).frame
    rows = frame.set_index("date")
    assert rows.loc["2023-11", "severity"] == "stress"  # one month is no failed season yet
    assert rows.loc["2023-12", "severity"] == "alert" and rows.loc["2024-01", "severity"] == "alert"
    text = rows.loc["2023-12", "explanation"]
    assert "did not fall at harvest" in text and "failed in full in two harvest months in a row" in text
    assert "a usual fall smaller than the 10% alert size, all of it missing" in text and ", alert); " in text


@pytest.mark.parametrize("seed", range(6))
def test_a_late_harvest_is_not_alert(seed):
    # November held at the pre-harvest level, then the usual fall: a harvest a month late.
    frame = get_detector("harvest").detect(rice_prices(seed, ("2023-11",)), RICE).frame
    season = frame.set_index("date")["severity"].loc[["2023-11", "2023-12", "2024-01"]]
    assert not season.isin(["alert", "crisis"]).any()
