"""USD and real prices as views: `export`, `alerts`, `report` with --currency USD and --real."""
from __future__ import annotations

import csv
import io

import pytest

from indicators import views
from indicators.collectors import get_collector

from conftest import FIXTURES

GLOBAL = FIXTURES / "hdx_wfp_food_prices_global_2026_Q1_subset.csv"


@pytest.fixture
def prices(store, write_csv):
    get_collector("wfp").collect_file(store, GLOBAL)
    extra = write_csv("extra.csv", "indicator,location,item,price_type,date,value,unit\n"
                                   "grain_price,Bo (SLE),rice,retail,2026-01,12,SLE/KG\n"
                                   "cpi,SSD,,,2026-01,200,index\ncpi,SSD,,,2026-02,250,index\n")
    get_collector("csv").collect_file(store, extra)
    return store


def rows(output: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(output)))


def test_export_in_usd_uses_the_stored_rate_of_the_country_and_month(track, prices):
    result = track("export", "--indicator", "fuel_price", "--currency", "USD", "--format", "csv")
    assert result.exit_code == 0
    petrol = {r["date"]: r for r in rows(result.stdout)
              if r["location"] == "Konyokonyo (SSD)" and r["item"] == "petrol" and r["price_type"] == "retail"}
    # 7,100 SSP/L at the official rate of February (4,550 SSP/USD): 1.56 USD/L, not the file's usdprice (44.75)
    assert float(petrol["2026-02"]["value"]) == pytest.approx(7100 / 4550)
    assert petrol["2026-02"]["unit"] == "USD/L" and petrol["2026-02"]["currency"] == "USD"
    assert float(petrol["2026-02"]["rate"]) == pytest.approx(4550)
    assert "official exchange rate SSD 2026-02" in petrol["2026-02"]["rate_source"]


def test_countries_without_a_rate_are_named_and_left_out(track, prices):
    result = track("export", "--currency", "USD", "--format", "csv")
    assert "SLE: no SLE per USD exchange rate" in result.stderr
    shown = rows(result.stdout)
    assert not any(r["location"] == "Bo (SLE)" for r in shown)
    assert any(r["indicator"] == "cpi" for r in shown)  # not money: shown unchanged
    afg = [r for r in shown if r["location"] == "Badakhshan (AFG)" and r["indicator"] == "grain_price"]
    assert afg and all(r["unit"] == "USD/KG" and r["rate_source"].startswith("official") for r in afg)


def test_a_rates_file_comes_before_the_stored_series(tmp_path, prices):
    path = tmp_path / "rates.csv"
    path.write_text("country,date,rate\nSSD,2026-02,5000\nSLE,2026-01,24\n")
    frame = views.to_usd(prices, prices.observations("grain_price").drop(columns=["series_id"]), path).frame
    bo = frame[frame["location"] == "Bo (SLE)"].iloc[0]
    assert bo["value"] == pytest.approx(0.5) and bo["rate_source"] == "rates.csv line 3: 24 per USD"
    ssd = frame[(frame["country"] == "SSD") & (frame["date"] == "2026-02")]
    assert (ssd["rate"] == 5000).all()


def test_bad_rates_file_names_the_line(tmp_path, prices):
    path = tmp_path / "rates.csv"
    path.write_text("country,date,rate\nSSD,2026-02,lots\n")
    from indicators.errors import InputError
    with pytest.raises(InputError, match="line 2"):
        views.to_usd(prices, prices.observations().drop(columns=["series_id"]), path)


def test_real_prices_are_deflated_by_the_country_cpi(prices):
    frame = prices.observations("fuel_price").drop(columns=["series_id"])
    done = views.apply_views(prices, frame, real="2026-01")
    petrol = done.frame[(done.frame["location"] == "Konyokonyo (SSD)") & (done.frame["item"] == "petrol")
                        & (done.frame["price_type"] == "retail")].set_index("date")
    assert petrol.at["2026-02", "value"] == pytest.approx(7100 * 200 / 250)
    assert petrol.at["2026-02", "deflator_source"] == "cpi SSD: 2026-01 200 / 2026-02 250"
    assert "AFG" in done.missing and "no cpi series" in done.missing["AFG"]
    both = views.apply_views(prices, frame, currency="USD", real="2026-01")
    usd = both.frame[(both.frame["location"] == "Konyokonyo (SSD)") & (both.frame["item"] == "petrol")
                     & (both.frame["price_type"] == "retail")].set_index("date")
    assert usd.at["2026-02", "value"] == pytest.approx(7100 * 200 / 250 / 4550)


def test_real_needs_a_month(prices):
    with pytest.raises(views.ViewError, match="YYYY-MM"):
        views.to_real(prices, prices.observations().drop(columns=["series_id"]), "2026")


def test_alerts_and_report_take_the_view(track, prices, tmp_path):
    import pandas as pd

    series_id = prices.conn.execute("SELECT id FROM series WHERE location = 'Konyokonyo (SSD)' AND item = 'petrol' "
                                    "AND price_type = 'retail'").fetchone()[0]
    flagged = pd.DataFrame([{"date": "2026-02", "value": 7100.0, "expected": 4550.0, "lower": 3640.0,
                             "upper": 5460.0, "score": 5.0, "severity": "crisis", "explanation": "a test alert"}])
    with prices.transaction():
        prices.replace_anomalies(series_id, "test_rule", flagged)  # an unregistered detector counts
    result = track("alerts", "--currency", "USD", "--format", "csv")
    assert result.exit_code == 0
    [shown] = rows(result.stdout)
    assert float(shown["value"]) == pytest.approx(7100 / 4550) and float(shown["expected"]) == pytest.approx(1.0)
    assert float(shown["lower"]) == pytest.approx(0.8) and shown["unit"] == "USD/L"
    assert "official exchange rate SSD 2026-02" in shown["rate_source"]
    report = track("report", "--out", str(tmp_path / "site"), "--currency", "USD")
    assert report.exit_code == 0
    page = (tmp_path / "site" / "index.html").read_text()
    assert "money values in USD" in page and "Left out for want of a rate or index" in page
