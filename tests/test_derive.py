"""The derive stage: terms of trade, basket cost, fuel stress; lineage, recomputation, idempotence,
imputation order and traceability back to the original file and line."""
from __future__ import annotations

import json

import pytest

from indicators.collectors import get_collector
from indicators.derive import lineage, parse_settings, run_derivations, trace
from indicators.errors import ConfigError

HEADER = "indicator,location,item,price_type,date,value,unit,admin1,admin2\n"
MONTHS = [f"{y}-{m:02d}" for y in range(2019, 2026) for m in range(1, 13)]


def collect(write_csv, store, name, lines):
    path = write_csv(name, HEADER + "".join(line + "\n" for line in lines))
    summary = get_collector("csv").collect_file(store, path)
    assert summary.rejected == 0, summary.line()
    return path


def market_rows(market="Segou", admin1="Segou", admin2="Segou", goat=30000.0, millet=250.0, months=MONTHS):
    rows = []
    for n, month in enumerate(months):
        rows.append(f"livestock_price,{market},goat,retail,{month},{goat + 10 * n:.0f},XOF/Head,{admin1},{admin2}")
        rows.append(f"grain_price,{market},millet,retail,{month},{millet + n:.0f},XOF/KG,{admin1},{admin2}")
        rows.append(f"wage,{market},casual labour,retail,{month},1500,XOF/Day,{admin1},{admin2}")
    return rows


def value(store, indicator, location, item, date):
    row = store.conn.execute(
        "SELECT o.value FROM observations o JOIN series s ON s.id = o.series_id WHERE s.indicator = ? "
        "AND s.location = ? AND s.item = ? AND o.date = ?", (indicator, location, item, date)).fetchone()
    return None if row is None else row[0]


def table_dump(store):
    names = ["series", "observations", "revisions", "lineage", "anomalies", "detection_status"]
    return {n: store.conn.execute(f"SELECT * FROM {n} ORDER BY 1, 2").fetchall() for n in names}


def test_terms_of_trade_values_units_and_lineage(write_csv, store):
    collect(write_csv, store, "prices.csv", market_rows())
    counts = run_derivations(store, ["terms_of_trade"])
    assert counts["terms_of_trade"]["series"] == 2  # goat / millet and casual labour / millet
    assert value(store, "terms_of_trade", "Segou", "goat / millet", "2019-01") == pytest.approx(30000 / 250)
    assert value(store, "terms_of_trade", "Segou", "casual labour / millet", "2019-01") == pytest.approx(6.0)
    units = dict(store.conn.execute("SELECT item, unit FROM series WHERE indicator = 'terms_of_trade'").fetchall())
    assert units == {"goat / millet": "KG/HEAD", "casual labour / millet": "KG/DAY"}
    row = lineage(store, "terms_of_trade").iloc[0]
    assert "price of one head" in row.formula
    roles = {i["role"] for i in json.loads(row.inputs)}
    assert roles == {"seller", "cereal"}
    source = store.conn.execute("SELECT source, metadata FROM series WHERE indicator = 'terms_of_trade'").fetchone()
    assert "derived from" in source[0] and "CSV file (prices.csv)" in source[0]  # origins are merged
    assert json.loads(source[1])["derived"] == "terms_of_trade"


def test_every_derived_value_traces_back_to_file_and_line(write_csv, store):
    path = collect(write_csv, store, "prices.csv", market_rows())
    run_derivations(store, ["terms_of_trade"])
    series_id = store.conn.execute("SELECT id FROM series WHERE item = 'goat / millet'").fetchone()[0]
    provenance = store.conn.execute("SELECT source_file, source_line FROM observations WHERE series_id = ? "
                                    "AND date = '2020-03'", (series_id,)).fetchone()
    assert provenance == ("derived:terms_of_trade", None)
    origins = trace(store, series_id, "2020-03")
    assert set(origins["indicator"]) == {"livestock_price", "grain_price"}
    lines = path.read_text().splitlines()
    for r in origins.itertuples(index=False):
        assert r.source_file == str(path.resolve())
        fields = lines[int(r.source_line) - 1].split(",")
        assert fields[0] == r.indicator and fields[4] == "2020-03" and float(fields[5]) == r.value


def test_derive_is_idempotent_and_recomputes_on_an_input_revision(write_csv, store):
    collect(write_csv, store, "prices.csv", market_rows())
    run_derivations(store)
    before = table_dump(store)
    again = run_derivations(store)
    assert table_dump(store) == before  # an unchanged re-run changes no table
    assert again["terms_of_trade"]["new"] == 0 and again["terms_of_trade"]["revised"] == 0
    assert again["terms_of_trade"]["lineage_written"] == 0
    # a revised millet price for one month: that month's terms of trade are recomputed, the old value kept
    collect(write_csv, store, "revision.csv", ["grain_price,Segou,millet,retail,2021-06,500,XOF/KG,Segou,Segou"])
    revised = run_derivations(store, ["terms_of_trade"])
    assert revised["terms_of_trade"]["revised"] == 2 and revised["terms_of_trade"]["new"] == 0
    assert value(store, "terms_of_trade", "Segou", "casual labour / millet", "2021-06") == pytest.approx(3.0)
    series_id = store.conn.execute("SELECT id FROM series WHERE item = 'casual labour / millet'").fetchone()[0]
    history = store.revisions(series_id)
    assert list(history["date"]) == ["2021-06"] and history["value"].iloc[0] == pytest.approx(1500 / 279)
    inputs = json.loads(store.conn.execute("SELECT inputs FROM lineage WHERE series_id = ? AND date = '2021-06'",
                                           (series_id,)).fetchone()[0])
    assert {i["value"] for i in inputs if i["role"] == "cereal"} == {500.0}


def test_terms_of_trade_fall_against_the_five_year_average_is_an_alert(write_csv, store):
    rows = market_rows()
    def dearer(row):  # millet 40% dearer in October 2025: the goat buys 29% less than usual
        fields = row.split(",")
        if fields[0] == "grain_price" and fields[4] == "2025-10":
            fields[5] = f"{float(fields[5]) * 1.4:.0f}"
        return ",".join(fields)
    rows = [dearer(r) for r in rows]
    collect(write_csv, store, "prices.csv", rows)
    run_derivations(store, ["terms_of_trade"])
    flagged = store.anomalies("fews_five_year_fall")
    flagged = flagged[flagged["item"] == "goat / millet"].set_index("date")
    assert flagged.at["2025-10", "severity"] == "alert"
    assert "5-year average" in flagged.at["2025-10", "explanation"] and "FEWS NET" in flagged.at["2025-10", "explanation"]
    assert (flagged.drop(index="2025-10")["severity"] == "normal").all()
    assert "2019-01" not in flagged.index  # no earlier year to compare with


BASKET = parse_settings({"basket": {"name": "test", "household_size": 2,
                                    "items": {"millet": 10, "beans (niebe)": 1}}})


def test_basket_imputation_follows_market_admin2_admin1_national_last_month(write_csv, store):
    def rows(market, admin1, admin2, millet, beans, months=("2025-01", "2025-02", "2025-03")):
        out = [f"grain_price,{market},millet,retail,{m},{millet},XOF/KG,{admin1},{admin2}" for m in months]
        out += [f"food_price,{market},beans (niebe),retail,{m},{b},XOF/KG,{admin1},{admin2}"
                for m, b in zip(months, beans) if b is not None]
        return out
    collect(write_csv, store, "basket.csv",
            rows("A", "R1", "D1", 100, [None, None, None])      # no beans at all: its admin2 has B
            + rows("B", "R1", "D1", 100, [50, 60, 70])
            + rows("C", "R1", "D2", 100, [None, None, None])    # admin2 D2 has none: admin1 R1 (A, B)
            + rows("E", "R2", "D3", 100, [None, None, None])    # admin1 R2 has none: national median
            + rows("F", "R3", "D4", 100, [80, None, None], months=("2025-01", "2025-02")))
    counts = run_derivations(store, ["basket_cost"], BASKET)
    assert counts["basket_cost"]["series"] == 5
    # A, C, E: 3 months each; F: February (its January is observed)
    assert counts["basket_cost"]["imputed_components"] == 10 and counts["basket_cost"]["imputed_market_months"] == 10
    frame = lineage(store, "basket_cost")
    detail = {(r.location, r.date): json.loads(r.detail) for r in frame.itertuples(index=False)}

    def source(location, date):
        return {c["item"]: c["source"] for c in detail[(location, date)]["components"]}["beans (niebe)"]
    assert source("B", "2025-02") == "market"
    assert source("A", "2025-02") == "admin2 median"
    assert source("C", "2025-02") == "admin1 median"
    assert source("E", "2025-02") == "national median"
    assert detail[("A", "2025-02")]["imputed"] == 1 and detail[("B", "2025-02")]["imputed"] == 0
    # F: own beans in January; in February the national median of B (60) and the market's own
    # value of last month never compete: spatial levels come first
    assert source("F", "2025-02") == "national median"
    assert value(store, "basket_cost", "B", "test basket", "2025-02") == pytest.approx(2 * (10 * 100 + 60))
    assert "1 of 2 components imputed" in frame.set_index(["location", "date"]).at[("A", "2025-02"), "explanation"]


def test_basket_falls_back_to_last_month_when_no_market_has_a_price(write_csv, store):
    lines = [f"grain_price,A,millet,retail,{m},100,XOF/KG,R1,D1" for m in ("2025-01", "2025-02", "2025-03")]
    lines += ["food_price,A,beans (niebe),retail,2025-01,50,XOF/KG,R1,D1"]
    collect(write_csv, store, "basket.csv", lines)
    counts = run_derivations(store, ["basket_cost"], BASKET)
    frame = lineage(store, "basket_cost").set_index("date")
    assert list(frame.index) == ["2025-01", "2025-02"]  # March: last month's value was itself carried
    components = json.loads(frame.at["2025-02", "detail"])["components"]
    assert {c["item"]: c["source"] for c in components}["beans (niebe)"] == "last month"
    assert counts["basket_cost"]["incomplete"] == 1


def test_basket_month_on_month_thresholds(write_csv, store):
    months, millet = ["2025-01", "2025-02", "2025-03", "2025-04"], [100, 105, 120, 160]
    lines = [f"grain_price,A,millet,retail,{m},{p},XOF/KG,R,D" for m, p in zip(months, millet)]
    lines += [f"food_price,A,beans (niebe),retail,{m},0.0001,XOF/KG,R,D" for m in months]
    collect(write_csv, store, "basket.csv", lines)
    run_derivations(store, ["basket_cost"], BASKET)
    rows = store.anomalies("wfp_month_on_month").set_index("date")["severity"].to_dict()
    assert rows == {"2025-02": "normal", "2025-03": "alert", "2025-04": "crisis"}  # +5%, +14%, +33%


def test_fuel_stress_components_against_their_normal(write_csv, store):
    days = [f"2025-{m:02d}-{d:02d}" for m in (7, 8, 9) for d in range(1, 31)]
    lines = []
    for day in days:
        crisis = day >= "2025-09-01"
        for item in ("petrol", "diesel"):
            lines.append(f"fuel_availability,Kati,{item},,{day},{0.2 if crisis else 0.9},share,,")
            lines.append(f"fuel_queue_time,Kati,{item},,{day},{30 if crisis else 0.3},hours,,")
            lines.append(f"fuel_price,Kati,{item},pump,{day},775,XOF/L,,")
            lines.append(f"fuel_price,Kati,{item},parallel,{day},{2325 if crisis else 790},XOF/L,,")
        lines.append(f"power_outage,Kati,,,{day},{16 if crisis else 4},hours/day,,")
        lines.append(f"power_outage,Kati Nord,,,{day},{16 if crisis else 4},hours/day,,")
    collect(write_csv, store, "fuel.csv", lines)
    settings = parse_settings({"fuel_stress": {"normal": ["2025-07-01", "2025-08-31"]}})
    run_derivations(store, ["fuel_stress"], settings)
    frame = lineage(store, "fuel_stress").set_index("date")
    assert frame.at["2025-08-15", "value"] == pytest.approx(0.0)
    row = frame.loc["2025-09-15"]
    detail = json.loads(row["detail"])["components"]
    assert detail["availability"]["scaled"] == pytest.approx((0.9 - 0.2) / 0.9)
    assert detail["queue"]["scaled"] == pytest.approx(1.0)  # 100 times the usual queue
    assert detail["premium"]["scaled"] == pytest.approx((2325 / 775 - 1 - 15 / 775) / 2)
    assert detail["outage"]["scaled"] == pytest.approx(12 / 20)
    expected = 0.35 * (0.7 / 0.9) + 0.25 * 1.0 + 0.25 * detail["premium"]["scaled"] + 0.15 * 0.6
    assert row["value"] == pytest.approx(expected)
    assert row["explanation"].startswith("Kati, 2025-09-15: ")
    for words in ("availability 20% (usual 90%)", "queues 30 h (usual 0.3 h)", "premium 200% (usual 2%)",
                  "outages 16 h/day (usual 4 h/day)", "contributions:"):
        assert words in row["explanation"]
    roles = {i["role"] for i in json.loads(row["inputs"])}
    assert "Kati Nord power_outage" in roles and "petrol parallel price" in roles


@pytest.mark.parametrize("table, message", [
    ({"basket": {"items": {"millet": -1}}}, "derive.basket.items"),
    ({"basket": {"household_size": 0}}, "derive.basket.household_size"),
    ({"fuel_stress": {"normal": ["2025-09-01", "2025-01-01"]}}, "derive.fuel_stress.normal"),
    ({"fuel_stress": {"weights": {"price": 1}}}, "derive.fuel_stress.weights"),
    ({"terms_of_trade": {"pairs": [["goat"]]}}, "derive.terms_of_trade.pairs"),
    ({"baskets": {}}, "derive.baskets"),
    ({"basket": {"per": "family"}}, "derive.basket.per"),
])
def test_settings_mistakes_are_named(table, message):
    with pytest.raises(ConfigError) as raised:
        parse_settings(table)
    assert message in str(raised.value)


def test_derive_command_runs_and_names_an_unknown_derivation(track, write_csv, store):
    collect(write_csv, store, "prices.csv", market_rows())
    result = track("derive")
    assert result.exit_code == 0 and "terms_of_trade: 2 series" in result.output
    again = track("derive", "--derivation", "terms_of_trade")
    assert "0 new, 0 revised" in again.output
    bad = track("derive", "--derivation", "terms_of_trades")
    assert bad.exit_code == 2 and "terms_of_trades" in bad.output


def test_report_has_a_page_of_derived_indicators(write_csv, store, tmp_path):
    from indicators.report import write_report

    collect(write_csv, store, "prices.csv", market_rows())
    lines = [f"food_price,Segou,beans (niebe),retail,{m},400,XOF/KG,Segou,Segou" for m in MONTHS[:-1]]
    collect(write_csv, store, "beans.csv", lines)
    run_derivations(store, None, BASKET)
    page = (write_report(store, tmp_path / "site").parent / "derived.html").read_text()
    assert "Terms of trade" in page and "Food basket cost" in page and "price of one head" in page
    assert "imputed components" in page and "derived-basket_cost.csv" in page
    assert 'href="grain.html#s-' in page  # links to each series' chart


def test_export_lineage_flags_imputed_components(track, write_csv, store):
    lines = [f"grain_price,A,millet,retail,{m},100,XOF/KG,R1,D1" for m in ("2025-01", "2025-02")]
    lines += ["food_price,A,beans (niebe),retail,2025-01,50,XOF/KG,R1,D1"]
    collect(write_csv, store, "basket.csv", lines)
    run_derivations(store, ["basket_cost"], BASKET)
    result = track("export", "--indicator", "basket_cost", "--lineage", "--format", "csv")
    import csv as csv_module
    import io
    shown = {r["date"]: r for r in csv_module.DictReader(io.StringIO(result.stdout))}
    assert shown["2025-01"]["imputed"] == "0" and shown["2025-02"]["imputed"] == "1"
    assert shown["2025-02"]["derivation"] == "basket_cost" and "last month" in shown["2025-02"]["explanation"]
    assert shown["2025-02"]["source_file"] == "derived:basket_cost"


def test_basket_quantities_per_household(write_csv, store):
    collect(write_csv, store, "basket.csv", ["grain_price,A,millet,retail,2025-01,100,XOF/KG,R,D",
                                             "food_price,A,beans (niebe),retail,2025-01,50,XOF/KG,R,D"])
    household = parse_settings({"basket": {"household_size": 7, "per": "household",
                                           "items": {"millet": 80, "beans (niebe)": 10}}})
    run_derivations(store, ["basket_cost"], household)
    row = lineage(store, "basket_cost").iloc[0]
    assert row.value == pytest.approx(80 * 100 + 10 * 50)
    assert "millet 80 KG at 100 XOF/KG" in row.explanation and "per household" in row.explanation
