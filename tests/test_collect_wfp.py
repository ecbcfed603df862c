"""`collect wfp`: HDX country and global files, DataBridges JSON, on real subsets and hostile files."""
from __future__ import annotations

import csv
import io
import json

import pytest

from indicators.collectors.wfp import WFPCollector, classify
from indicators.errors import InputError

from conftest import FIXTURES

BFA = FIXTURES / "wfp_food_prices_bfa_subset.csv"
GLOBAL = FIXTURES / "hdx_wfp_food_prices_global_2026_Q1_subset.csv"
DATABRIDGES = FIXTURES / "databridges_MarketPrices_PriceMonthly_response_sample.json"
BLR = FIXTURES / "wfp_food_prices_blr_hxl_example.csv"
HEADER = "date,admin1,admin2,market,market_id,latitude,longitude,category,commodity,commodity_id,unit,priceflag,pricetype,currency,price,usdprice"
HXL = "#date,#adm1+name,#adm2+name,#loc+market+name,#loc+market+code,#geo+lat,#geo+lon,#item+type,#item+name,#item+code,#item+unit,#item+price+flag,#item+price+type,#currency+code,#value,#value+usd"


def series_values(store, **key):
    clauses = " AND ".join(f"s.{k} = ?" for k in key)
    rows = store.conn.execute(
        f"SELECT o.date, o.value FROM observations o JOIN series s ON s.id = o.series_id WHERE {clauses} ORDER BY o.date",
        list(key.values())).fetchall()
    return dict(rows)


def test_real_bfa_subset_diebougou_millet(store):
    summary = WFPCollector().collect_file(store, BFA)
    # 620 data rows: the HXL row is not data; 22 exact duplicates (13 for Diebougou) and 6 forecast rows are skipped
    assert summary.rows_read == 620
    assert summary.skipped["forecast"] == 6
    assert summary.skipped["duplicate rows"] == 22
    assert summary.rejected == 0
    millet = series_values(store, indicator="grain_price", location="Diebougou (BFA)", item="millet", price_type="retail")
    assert len(millet) == 340  # DESIGN reference: 340 months after dropping duplicates
    assert min(millet) == "1992-01" and millet["1992-01"] == 64.0
    meta = store.conn.execute("SELECT unit, currency, source, admin1, admin2, latitude, longitude, metadata FROM series "
                              "WHERE location = 'Diebougou (BFA)'").fetchone()
    assert meta[:5] == ("XOF/KG", "XOF", "World Food Programme (WFP), via HDX (CC BY-IGO)", "SUD-OUEST", "BOUGOURIBA")
    assert meta[5] == pytest.approx(10.966667)
    metadata = json.loads(meta[7])
    assert metadata["country"] == "BFA" and metadata["market_id"] == "131" and metadata["admin2"] == "BOUGOURIBA"


def test_hundred_kg_becomes_per_kg(store):
    WFPCollector().collect_file(store, BFA)
    wholesale = series_values(store, indicator="grain_price", location="Dori (BFA)", item="millet", price_type="wholesale")
    raw = next(r for r in csv.DictReader(io.StringIO(BFA.read_text(encoding="utf-8")))
               if r["market"] == "Dori" and r["unit"] == "100 KG")
    assert wholesale[raw["date"][:7]] == pytest.approx(float(raw["price"]) / 100)
    assert store.conn.execute("SELECT unit FROM series WHERE location = 'Dori (BFA)'").fetchone()[0] == "XOF/KG"


def test_recollect_changes_nothing(store):
    first = WFPCollector().collect_file(store, BFA)
    again = WFPCollector().collect_file(store, BFA)
    assert again.new == 0 and again.revised == 0 and again.unchanged == first.new


def test_global_file_categories_and_skips(store):
    summary = WFPCollector().collect_file(store, GLOBAL)
    assert "wage" not in summary.skipped and "official exchange rate" not in summary.skipped
    keys = {tuple(r) for r in store.conn.execute("SELECT indicator, location, item, price_type, unit FROM series")}
    assert ("fuel_price", "Badakhshan (AFG)", "diesel", "retail", "AFN/L") in keys
    assert ("grain_price", "Badakhshan (AFG)", "wheat", "retail", "AFN/KG") in keys
    assert ("food_price", "Badakhshan (AFG)", "bread", "retail", "AFN/KG") in keys
    ssd = {k for k in keys if k[1].endswith("(SSD)")}
    assert any(k[0] == "fuel_price" and k[2] == "diesel" and k[3] == "parallel" for k in ssd)
    assert any(k[0] == "exchange_rate" and k[4] == "SSP/USD" and k[3] == "unofficial" for k in ssd)
    assert any(k[0] == "exchange_rate" and k[4] == "SSP/USD" and k[3] == "official" for k in ssd)
    # 3.5 KG tins become per KG; heads of livestock and days of work are units of their own;
    # milling costs are skipped
    assert any(k[0] == "grain_price" and k[2] == "sorghum (local)" and k[4] == "SSP/KG" for k in ssd)
    assert any(k[0] == "livestock_price" and k[2].startswith("goat") and k[4] == "SSP/HEAD" for k in ssd)
    assert ("wage", "Badakhshan (AFG)", "qualified labour", "retail", "AFN/DAY") in keys
    assert summary.skipped["other non-food"] == 2
    assert summary.rejected == 0


def test_databridges_json_page(store):
    summary = WFPCollector().collect_file(store, DATABRIDGES)
    assert summary.rows_read == 3 and summary.new == 3
    values = series_values(store, indicator="grain_price", location="Kantchari (CBM) (BFA)", item="maize",
                           price_type="wholesale")
    assert values == {"2005-01": 130.0, "2005-02": 122.5, "2006-02": 131.0}


def test_hxl_example_country_from_file_name(store):
    summary = WFPCollector().collect_file(store, BLR)
    assert summary.rows_read == 40 and summary.rejected == 0
    locations = {r[0] for r in store.conn.execute("SELECT location FROM series")}
    assert locations == {"Minsk (BLR)"}


def test_hxl_row_skipped_only_when_it_starts_with_hash(write_csv, store):
    path = write_csv("wfp_food_prices_mli.csv", HEADER + "\n"
                     "2025-01-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,actual,Retail,XOF,300,\n")
    summary = WFPCollector().collect_file(store, path)
    assert summary.rows_read == 1 and summary.new == 1


def test_same_market_name_in_two_countries_is_two_locations(write_csv, store):
    path = write_csv("global.csv", "countryiso3," + HEADER + "\n"
                     "NER,2025-01-15,Maradi,Maradi,Madina,10,13.5,7.1,cereals and tubers,Millet,73,KG,actual,Retail,XOF,300,\n"
                     "MLI,2025-01-15,Bamako,Bamako,Madina,11,12.6,-8.0,cereals and tubers,Millet,73,KG,actual,Retail,XOF,310,\n")
    WFPCollector().collect_file(store, path)
    rows = dict(store.conn.execute("SELECT s.location, o.value FROM observations o JOIN series s ON s.id = o.series_id"))
    assert rows == {"Madina (NER)": 300.0, "Madina (MLI)": 310.0}


def test_actual_preferred_over_aggregate_and_loser_rejected(write_csv, store):
    path = write_csv("wfp_food_prices_mli.csv", HEADER + "\n" + HXL + "\n"
                     "2025-01-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,aggregate,Retail,XOF,290,\n"
                     "2025-01-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,100 KG,actual,Retail,XOF,30000,\n"
                     "2025-01-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,actual,Retail,XOF,300,\n"
                     "2025-02-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,actual,Retail,XOF,310,\n"
                     "2025-02-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,actual,Retail,XOF,320,\n"
                     "2025-03-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,forecast,Retail,XOF,999,\n")
    summary = WFPCollector().collect_file(store, path)
    values = series_values(store, indicator="grain_price", location="Bamako (MLI)", item="millet", price_type="retail")
    assert values == {"2025-01": 300.0, "2025-02": 310.0}
    assert summary.skipped == {"duplicate rows": 1, "forecast": 1}  # 30000 per 100 KG is the same as 300 per KG
    rejects = {line: reason for line, reason in store.conn.execute("SELECT line, reason FROM rejects")}
    assert set(rejects) == {3, 7}
    assert "an actual price preferred over an aggregate" in rejects[3]
    assert "the first line wins" in rejects[7]


def test_unknown_unit_and_flag_rejected_not_guessed(write_csv, store):
    path = write_csv("wfp_food_prices_mli.csv", HEADER + "\n"
                     "2025-01-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,Bag,actual,Retail,XOF,300,\n"
                     "2025-01-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,estimate,Retail,XOF,300,\n"
                     "2025-01-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,actual,Retail,XOF,abc,\n")
    summary = WFPCollector().collect_file(store, path)
    assert summary.new == 0 and summary.reject_lines == [2, 3, 4]
    fields = [f for (f,) in store.conn.execute("SELECT field FROM rejects ORDER BY line")]
    assert fields == ["unit", "priceflag", "value"]


def test_empty_key_fields_and_bad_months_are_rejected_with_the_raw_text(write_csv, store):
    path = write_csv("wfp_food_prices_mli.csv", HEADER + "\n"
                     "2025-01-15,Bamako,Bamako,,1,12.6,-8.0,cereals and tubers,Millet,73,KG,actual,Retail,XOF,300,\n"
                     "2025-01-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,,73,KG,actual,Retail,XOF,300,\n"
                     "2025-01-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,actual,,XOF,300,\n"
                     "2025-99-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,actual,Retail,XOF,300,\n"
                     "2025-02-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,KG,actual,Retail,XOF,300,\n")
    summary = WFPCollector().collect_file(store, path)
    assert summary.new == 1 and summary.reject_lines == [2, 3, 4, 5]
    rejects = {line: (field, reason) for line, field, reason in store.conn.execute("SELECT line, field, reason FROM rejects")}
    assert rejects[2] == ("market", "missing market")
    assert rejects[3] == ("commodity", "missing commodity")
    assert rejects[4] == ("pricetype", "missing pricetype")
    assert rejects[5][0] == "date" and "'2025-99-15'" in rejects[5][1]
    assert [s for (s,) in store.conn.execute("SELECT location FROM series")] == ["Bamako (MLI)"]


def test_shuffled_columns_bom_and_semicolons(write_csv, store):
    names = HEADER.split(",")
    order = list(reversed(names))
    values = "2025-01-15,Bamako,Bamako,Bamako,1,12.6,-8.0,cereals and tubers,Millet,73,100 KG,actual,Retail,XOF,30000,".split(",")
    row = dict(zip(names, values))
    text = ";".join(order) + "\n" + ";".join(row[n] for n in order) + "\n"
    path = write_csv("wfp_food_prices_mli.csv", "\ufeff" + text)
    WFPCollector().collect_file(store, path)
    assert series_values(store, indicator="grain_price", location="Bamako (MLI)", item="millet",
                         price_type="retail") == {"2025-01": 300.0}


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", "", "file is empty"),
    ("prices.csv", "%PDF-1.4\nbinary", "PDF"),
    ("markets.csv", "market_id,market,countryiso3\n1,Bamako,MLI\n", "missing column date"),
    ("prices.json", '{"page": 1}', "list of records"),
])
def test_hostile_files_give_one_clear_error(write_csv, store, name, content, message):
    path = write_csv(name, content)
    with pytest.raises(InputError, match=message) as caught:
        WFPCollector().collect_file(store, path)
    assert name in str(caught.value)


@pytest.mark.parametrize("commodity, category, expected", [
    ("Millet", "cereals and tubers", ("grain_price", "millet", "")),
    ("Rice (imported)", "cereals and tubers", ("grain_price", "rice (imported)", "")),
    ("Beans (niebe)", "pulses and nuts", ("food_price", "beans (niebe)", "")),
    ("Fuel (petrol-gasoline)", "non-food", ("fuel_price", "petrol", "")),
    ("Fuel (diesel, parallel market)", "non-food", ("fuel_price", "diesel", "parallel")),
    ("Fuel (kerosene)", "non-food", ("fuel_price", "kerosene", "")),
    ("Exchange rate (unofficial)", "non-food", ("exchange_rate", "usd", "unofficial")),
    ("Exchange rate", "non-food", ("exchange_rate", "usd", "official")),
    ("Wage (qualified labour)", "non-food", ("wage", "qualified labour", "")),
    ("Livestock (goat, medium-sized male)", "meat, fish and eggs", ("livestock_price", "goat, medium-sized male", "")),
    (" Livestock (bull, two-year-old)", "non-food", ("livestock_price", "bull, two-year-old", "")),
    ("Livestock feed", "", ("skip", "other non-food", "")),
    ("Laundry soap", "non-food", ("skip", "other non-food", "")),
    ("Charcoal", "", ("skip", "other non-food", "")),  # DataBridges: no category, known by name
    ("Water (drinking)", "miscellaneous food", ("food_price", "water (drinking)", "")),
])
def test_classify(commodity, category, expected):
    assert classify(commodity, category) == expected


def test_cli_end_to_end(track, db_path):
    result = track("collect", "wfp", str(BFA), str(DATABRIDGES))
    assert result.exit_code == 0, result.output
    assert "wfp_food_prices_bfa_subset.csv: 620 rows read; observations" in result.output
    assert "skipped 28 (duplicate rows: 22, forecast: 6)" in result.output
    exported = track("export", "--indicator", "grain_price", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    diebougou = [r for r in rows if r["location"] == "Diebougou (BFA)"]
    assert len(diebougou) == 340
    assert diebougou[0]["source_file"].endswith("wfp_food_prices_bfa_subset.csv")
    assert diebougou[0]["source_line"] == "3"  # line 1 header, line 2 HXL
    assert diebougou[0]["date"] == "1992-01" and diebougou[0]["unit"] == "XOF/KG"
    series = track("series", "--format", "json")
    assert any(s["location"] == "Diebougou (BFA)" and '"market_id": "131"' in s["metadata"] for s in json.loads(series.output))
    assert db_path.exists()


def test_cli_bad_file_exits_1(track, write_csv):
    path = write_csv("empty.csv", "")
    result = track("collect", "wfp", str(path))
    assert result.exit_code == 1
    assert "empty.csv: file is empty" in result.output
