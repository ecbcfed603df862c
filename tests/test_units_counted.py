"""Units that count things (per unit, pack of N, head, cylinder, day) and redenominations."""
from __future__ import annotations

import json

import pytest

from indicators import redenominations, units
from indicators.collectors.wfp import WFPCollector

HEADER = ("countryiso3,date,admin1,admin2,market,market_id,latitude,longitude,category,commodity,commodity_id,"
          "unit,priceflag,pricetype,currency,price,usdprice")


@pytest.mark.parametrize("text, canonical, factor, dimension", [
    ("XOF/Unit", "XOF/UNIT", 1.0, "price/count"), ("XOF/10 pcs", "XOF/UNIT", 0.1, "price/count"),
    ("XOF/30 pcs", "XOF/UNIT", 1 / 30, "price/count"), ("XOF/1 piece", "XOF/UNIT", 1.0, "price/count"),
    ("XOF/Dozen", "XOF/UNIT", 1 / 12, "price/count"), ("XOF/Head", "XOF/HEAD", 1.0, "price/head"),
    ("XOF/Cylinder", "XOF/CYLINDER", 1.0, "price/cylinder"), ("XOF/Day", "XOF/DAY", 1.0, "price/day"),
    ("KG/HEAD", "KG/HEAD", 1.0, "kg/head"), ("index", "index", 1.0, "index")])
def test_counted_units(text, canonical, factor, dimension):
    unit = units.parse(text)
    assert (unit.canonical, unit.dimension) == (canonical, dimension)
    assert unit.factor == pytest.approx(factor)


@pytest.mark.parametrize("text", ["XOF/Package", "XOF/Heap", "XOF/bag"])
def test_units_of_unknown_size_stay_errors(text):
    with pytest.raises(units.UnitError):
        units.parse(text)


def _row(market, commodity, category, unit, currency, price, date="2026-01-15", iso3="SLE"):
    return (f'{iso3},{date},Western,Freetown,{market},1,8.48,-13.23,"{category}","{commodity}",1,{unit},actual,Retail,'
            f'{currency},{price},')


def test_eggs_livestock_gas_and_wages_are_series(write_csv, store):
    path = write_csv("global.csv", "\n".join([HEADER,
        _row("Bo", "Eggs", "meat, fish and eggs", "30 pcs", "SLE", "90"),
        _row("Bo", "Livestock (goat)", "meat, fish and eggs", "Head", "SLE", "1500"),
        _row("Bo", "Fuel (gas)", "non-food", "Cylinder", "SLE", "600"),
        _row("Bo", "Wage (casual labour)", "non-food", "Day", "SLE", "60"),
        _row("Bo", "Tea (herbal)", "miscellaneous food", "Package", "SLE", "5")]) + "\n")
    summary = WFPCollector().collect_file(store, path)
    assert summary.rejected == 1  # a package of unstated size is genuinely unreadable
    rows = {r[0]: r[1:] for r in store.conn.execute(
        "SELECT s.indicator, s.item, s.unit, o.value FROM series s JOIN observations o ON o.series_id = s.id")}
    assert rows["food_price"] == ("eggs", "SLE/UNIT", pytest.approx(3.0))
    assert rows["livestock_price"] == ("goat", "SLE/HEAD", 1500.0)
    assert rows["fuel_price"] == ("gas", "SLE/CYLINDER", 600.0)
    assert rows["wage"] == ("casual labour", "SLE/DAY", 60.0)


def test_redenomination_inside_one_series(write_csv, store):
    """Sierra Leone: SLL until mid-2022, then SLE at 1,000 to 1. One series, no rejects, and
    collecting the file again (or the old rows alone) changes nothing."""
    lines = [_row("Bo", "Rice (imported)", "cereals and tubers", "KG", "SLL", "12000", "2022-05-15"),
             _row("Bo", "Rice (imported)", "cereals and tubers", "KG", "SLL", "12500", "2022-06-15"),
             _row("Bo", "Rice (imported)", "cereals and tubers", "KG", "SLE", "13.1", "2022-07-15"),
             _row("Bo", "Rice (imported)", "cereals and tubers", "50 KG", "SLE", "700", "2022-08-15")]
    path = write_csv("wfp_food_prices_sle.csv", "\n".join([HEADER] + lines) + "\n")
    first = WFPCollector().collect_file(store, path)
    assert first.rejected == 0 and first.new == 4 and first.series == 1
    unit, currency, metadata = store.conn.execute("SELECT unit, currency, metadata FROM series").fetchone()
    assert (unit, currency) == ("SLE/KG", "SLE")
    assert json.loads(metadata)["redenominated"]["factor"] == 1000
    values = dict(store.conn.execute("SELECT date, value FROM observations ORDER BY date").fetchall())
    assert values == {"2022-05": pytest.approx(12.0), "2022-06": pytest.approx(12.5), "2022-07": pytest.approx(13.1),
                      "2022-08": pytest.approx(14.0)}
    old_only = write_csv("old.csv", "\n".join([HEADER] + lines[:2]) + "\n")
    for again in (WFPCollector().collect_file(store, path), WFPCollector().collect_file(store, old_only)):
        assert again.new == 0 and again.revised == 0 and again.rejected == 0


def test_redenomination_table_is_documented():
    for old, change in redenominations.table().items():
        assert len(old) == 3 and len(change.new) == 3 and change.factor > 1 and change.source
    assert redenominations.table()["SLL"].new == "SLE" and redenominations.table()["SLL"].factor == 1000


def test_a_series_stored_in_the_old_currency_is_converted_in_place(write_csv, store, monkeypatch):
    """A store that collected SLL prices before the table knew SLL: the first SLE rows convert the
    stored series (old values kept as revisions, provenance kept) instead of being rejected."""
    old_rows = [_row("Bo", "Rice (imported)", "cereals and tubers", "KG", "SLL", p, f"2022-0{m}-15")
                for m, p in ((5, "12000"), (6, "12500"))]
    old = write_csv("old.csv", "\n".join([HEADER] + old_rows) + "\n")
    monkeypatch.setattr(redenominations, "table", lambda: {})
    WFPCollector().collect_file(store, old)
    assert store.conn.execute("SELECT unit FROM series").fetchone()[0] == "SLL/KG"
    monkeypatch.undo()
    new = write_csv("new.csv", "\n".join([HEADER, _row("Bo", "Rice (imported)", "cereals and tubers", "KG", "SLE",
                                                     "13.1", "2022-07-15")]) + "\n")
    summary = WFPCollector().collect_file(store, new)
    assert summary.rejected == 0 and summary.new == 1
    assert store.conn.execute("SELECT unit, currency FROM series").fetchone() == ("SLE/KG", "SLE")
    values = dict(store.conn.execute("SELECT date, value FROM observations").fetchall())
    assert values == {"2022-05": pytest.approx(12.0), "2022-06": pytest.approx(12.5), "2022-07": pytest.approx(13.1)}
    history = store.revisions()
    assert list(history["value"]) == [12000.0, 12500.0] and list(history["new_value"]) == [12.0, 12.5]
    lines = dict(store.conn.execute("SELECT date, source_line FROM observations").fetchall())
    assert lines["2022-05"] == 2 and lines["2022-06"] == 3  # provenance: still the old file's lines
    assert WFPCollector().collect_file(store, old).revised == 0  # the old file again changes nothing
