"""Detection through the store and the CLI: statuses, price-only methods, the alerts views."""
import csv
import io
import json

import pytest

from indicators.alerts import ALERT_COLUMNS
from indicators.detect import run_detection

from series_factory import daily_share, monthly_prices

DESIGN_COLUMNS = ("indicator,location,item,price_type,date,value,expected,lower,upper,score,severity,detector,"
                  "explanation,unit,currency").split(",")


def _long_csv(write_csv):
    rows = []
    for date, value in monthly_prices(seed=5, failed_harvest_year=2024, months=108).items():
        rows.append(("grain_price", "Segou", "millet", "retail", date, round(value, 1), "XOF/KG"))
    for date, value in monthly_prices(seed=6, months=20).items():
        rows.append(("grain_price", "Kayes", "sorghum", "retail", date, round(value, 1), "XOF/KG"))
    for date, value in daily_share(drop_at=150, drop=-0.5).items():
        rows.append(("fuel_availability", "Bamako", "petrol", "", date, round(value, 3), "share"))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["indicator", "location", "item", "price_type", "date", "value", "unit"])
    writer.writerows(rows)
    return write_csv("series.csv", text.getvalue())


@pytest.fixture
def detected(track, write_csv):
    assert track("collect", "csv", str(_long_csv(write_csv))).exit_code == 0
    result = track("detect")
    assert result.exit_code == 0, result.output
    return result


def test_statuses_per_series_and_detector(store, track, write_csv):
    assert track("collect", "csv", str(_long_csv(write_csv))).exit_code == 0
    counts = run_detection(store)
    status = store.detection_status().set_index(["location", "detector"])["status"]
    assert {status[("Segou", name)] for name in ("seasonal", "regime", "harvest", "alps", "ipa")} == {"scored"}
    assert {status[("Kayes", name)] for name in ("seasonal", "regime", "harvest", "alps", "ipa")} == \
        {"insufficient_history"}
    assert set(status.loc["Bamako"].index) == {"state", "seasonal", "regime"}  # price-only methods not applied
    assert counts["series"] == 3 and counts["alps:insufficient_history"] == 1
    message = store.detection_status().set_index(["location", "detector"]).loc[("Kayes", "alps"), "message"]
    assert message == "not enough history: 20 monthly observations, 36 needed for ALPS (3 years)"


def test_a_failing_detector_does_not_stop_the_run(store, track, write_csv, monkeypatch):
    from indicators.detect.ipa import PriceAnomalyIndicator
    assert track("collect", "csv", str(_long_csv(write_csv))).exit_code == 0

    def broken(self, regular, info, frequency):
        raise ValueError("boom")

    monkeypatch.setattr(PriceAnomalyIndicator, "_detect", broken)
    run_detection(store)
    status = store.detection_status().set_index(["location", "detector"])
    assert status.loc[("Segou", "ipa"), "status"] == "error" and "boom" in status.loc[("Segou", "ipa"), "message"]
    assert status.loc[("Segou", "alps"), "status"] == "scored"


def test_alps_view_gives_every_month_with_the_alps_value(track, detected):
    rows = list(csv.DictReader(io.StringIO(track("alerts", "--all", "--detector", "alps_whole", "--format",
                                                 "csv").output)))
    assert list(rows[0]) == DESIGN_COLUMNS
    assert len(rows) == 108 and {r["detector"] for r in rows} == {"alps_whole"}
    published = track("alerts", "--all", "--detector", "alps", "--format", "csv").output
    months = [r["date"] for r in csv.DictReader(io.StringIO(published))]
    # the first 36 months only fit; later months whose fit's spread is under 1% of the price (this
    # series' noise is about that: one month of the local fit) have no ALPS
    assert min(months) > rows[35]["date"] and 108 - 36 - 2 <= len(months) <= 108 - 36
    for row in rows:
        score = float(row["score"])
        expected = "crisis" if score >= 2 else "alert" if score >= 1 else "stress" if score >= 0.25 else "normal"
        assert row["severity"] == expected


def test_default_view_is_consolidated_with_contributing_detectors(track, detected):
    assert ALERT_COLUMNS == DESIGN_COLUMNS
    rows = json.loads(track("alerts", "--format", "json").output)
    keys = [(r["indicator"], r["location"], r["date"]) for r in rows]
    assert len(keys) == len(set(keys))  # one row per series and date
    november = next(r for r in rows if r["location"] == "Segou" and r["date"] == "2024-11")
    assert november["severity"] in ("alert", "crisis")
    assert {"harvest", "alps"} <= set(november["detector"].split("+"))
    assert november["explanation"].startswith("Millet retail price in Segou, 2024-11: ")
    collapse = [r for r in rows if r["location"] == "Bamako" and r["severity"] in ("alert", "crisis")]
    assert collapse and collapse[0]["date"] == "2025-05-31"
