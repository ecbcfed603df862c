"""Bulk reading and storing: the fast paths give what the row-by-row paths gave.

- `text_columns.read_columns` (pandas' C parser, whole columns) reads a text table exactly as the
  csv module does, row for row (line number, fields, raw text), or declines the file;
- the rejects of a file read in bulk (short rows, long rows, empty rows) are those of the csv
  module reading;
- `Store.ingest` stores a file's rows in any order with the same result (it sorts only rows that
  are not in key order)."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from indicators.collectors import base, get_collector
from indicators.collectors.limits import Limits
from indicators.collectors.text_columns import ColumnRows, read_columns
from indicators.store import Store

HEADER = "indicator,location,item,date,value,unit"


def by_csv_module(text: str, delimiter: str = ","):
    lines = base._lines_of(text, base._line_count(text))
    return base._read_records(None, text, delimiter, lines)


def in_bulk(text: str, delimiter: str = ","):
    return read_columns(text, delimiter, base._lines_of(text, base._line_count(text)))


cells = st.text(alphabet='ab ,;"\t\r\n\u00a0', max_size=6)


@st.composite
def tables(draw):
    delimiter = draw(st.sampled_from([",", ";"]))
    width = draw(st.integers(min_value=1, max_value=4))
    lines = [delimiter.join(f"h{i}" for i in range(width))]
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        count = draw(st.integers(min_value=0, max_value=width + 1))
        lines.append(delimiter.join(draw(cells) for _ in range(count)))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r", ""]))
    return ending.join(lines) + draw(st.sampled_from(["", ending])), delimiter


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_bulk_reading_is_the_csv_module_reading_row_for_row(table):
    text, delimiter = table
    bulk = in_bulk(text, delimiter)
    if bulk is None:  # declined: the csv module reads it (a quote over lines, a row wider than the header)
        return
    header, rows = bulk
    expected_header, expected_rows = by_csv_module(text, delimiter)
    assert header == expected_header
    assert [(int(n), list(f), r) for n, f, r in rows] == [(int(n), list(f), r) for n, f, r in expected_rows]


def test_bulk_reading_declines_what_it_cannot_read_as_one_line_per_record():
    assert in_bulk('a,b\n"x\ny",1\n') is None  # a quoted field over two lines
    assert in_bulk("a,b\n1,2,3\n") is None  # a row wider than the header
    assert in_bulk('a,b\n"x,1\n2,3\n') is None  # a quote never closed
    header, rows = in_bulk('a,b\n"x, y",1\n\n ,\n3\n')
    assert isinstance(rows, ColumnRows)
    assert header == ["a", "b"]
    assert list(rows) == [(2, ["x, y", "1"], '"x, y",1'), (5, ["3"], "3")]  # empty rows left out, a short row kept short


def test_a_file_read_in_bulk_has_the_rejects_of_the_csv_module_reading(tmp_path, monkeypatch):
    text = (HEADER + "\n"
            "grain_price,Bamako,millet,2025-01,300,XOF/KG\n"
            "grain_price,Bamako,millet,2025-02\n"                      # short
            "\n"                                                       # empty: no reject
            ",,,,,\n"                                                  # empty cells: no reject
            f"grain_price,{'B' * 50},millet,2025-03,310,XOF/KG\n"      # a cell over the limit
            '"grain_price","Kayes, ville",millet,2025-01,280,XOF/KG\n')
    path = tmp_path / "prices.csv"
    path.write_text(text, encoding="utf-8")
    collector = get_collector("csv")
    collector.limits = Limits(max_cell_chars=40)

    def collected(store_name):
        with Store(tmp_path / store_name) as store:
            summary = collector.collect_file(store, path)
            return summary, store.rejects()[["line", "field", "reason"]], store.observations()[["location", "date", "value"]]

    bulk = collected("bulk.db")
    monkeypatch.setattr(base, "read_columns", lambda *args: None)  # the csv module reading
    by_rows = collected("rows.db")
    assert bulk[0].rejected == by_rows[0].rejected == 2
    assert bulk[0].reject_lines == by_rows[0].reject_lines == [3, 6]
    pd.testing.assert_frame_equal(bulk[1], by_rows[1])
    pd.testing.assert_frame_equal(bulk[2], by_rows[2])
    assert "4 fields where the header has 6" in bulk[1]["reason"].iloc[0]
    assert bulk[1]["field"].iloc[1] == "location"
    assert sorted(bulk[2]["location"]) == ["Bamako", "Kayes, ville"]


@pytest.mark.parametrize("order", ["file", "reversed", "shuffled"])
def test_ingest_stores_the_same_whatever_the_order_of_the_rows(tmp_path, order):
    dates = [f"2025-{m:02d}" for m in range(1, 13)]
    frame = pd.DataFrame({"indicator": "grain_price", "location": np.repeat(["A", "B", "C"], 12), "item": "millet",
                          "price_type": "retail", "date": dates * 3, "value": np.arange(36.0) + 100,
                          "unit": "XOF/KG", "source_file": "f.csv", "source_line": np.arange(2, 38)})
    revised = frame.assign(value=frame["value"] + np.where(np.arange(36) % 5 == 0, 1.0, 0.0))
    if order == "reversed":
        revised = revised.iloc[::-1]
    elif order == "shuffled":
        revised = revised.sample(frac=1.0, random_state=3)
    with Store(tmp_path / "t.db") as store:
        with store.transaction():
            frame = frame.assign(series_id=store.ensure_series(frame))
            assert store.ingest(frame) == {"new": 36, "revised": 0, "unchanged": 0}
        with store.transaction():
            revised = revised.assign(series_id=store.ensure_series(revised))
            assert store.ingest(revised) == {"new": 0, "revised": 8, "unchanged": 28}
        stored = store.observations().sort_values(["location", "date"])["value"].to_numpy()
        assert np.array_equal(stored, revised.sort_values(["location", "date"])["value"].to_numpy())
        assert len(store.revisions()) == 8


def test_series_keys_are_numbered_in_order_of_first_appearance(tmp_path):
    frame = pd.DataFrame({"indicator": ["b", "a", "b", "a", "c"], "location": ["x", "x", "x", "y", "x"],
                          "item": "", "price_type": ""})
    with Store(tmp_path / "t.db") as store:
        with store.transaction():
            ids = store.ensure_series(frame).to_numpy()
    assert ids[0] == ids[2] and len(set(ids)) == 4
    assert list(ids[[0, 1, 3, 4]]) == sorted(ids[[0, 1, 3, 4]])  # created in file order


stamp_texts = st.one_of(
    st.datetimes(min_value=__import__("datetime").datetime(1900, 1, 1)).map(lambda d: d.isoformat(sep=" " if d.second % 2 else "T")),
    st.dates().map(str),
    st.sampled_from(["2025-02-30", "2025-02-28T24:00", "2025-11-01T10:00:00Z", "2025-11-01T10:00:00+02:00",
                     "01/11/2025", "1/11/2025 7:05", "31.12.2025 23:59:59", "2025-11", "2025-11-01T7:00", "",
                     " 2025-11-01 ", "2025-11-01T10:00:00.123456789", "not a date", "2025-11-01junk"]),
    st.text(alphabet="0123456789-T:/. Z+", max_size=22))


@settings(max_examples=300, deadline=None)
@given(st.lists(stamp_texts, max_size=12))
def test_timestamps_of_a_column_are_parse_timestamp_of_each_cell(texts):
    from indicators.collectors.tables import parse_timestamp, timestamps
    got = timestamps(pd.Series(texts, dtype=object))
    expected = [parse_timestamp(t) for t in texts]
    assert [None if g is None else (g.isoformat(), g.tzinfo) for g in got] == \
        [None if e is None else (e.isoformat(), e.tzinfo) for e in expected]


def test_station_reports_checked_in_bulk_keep_the_first_failure_of_each_row(tmp_path):
    text = ("_submission_time,today,city,station,fuel_type,status,queue_hours,queue_minutes,latitude,pump_price,_uuid\n"
            "2025-11-01T08:00:00,,Bamako,S1,essence,disponible,,30,12.6,775,u1\n"    # good
            "2025-11-01T08:00:00,2025-02-30,Bamako,S2,essence,disponible,,,,,u2\n"   # bad date (the written one)
            "junk,,Bamako,S3,kerosene,disponible,,,,,u3\n"                          # bad submission time, bad fuel
            "2025-11-01T09:00:00,,,S4,lamp oil,??,x,,,,u4\n"                        # missing city first
            "2025-11-01T09:00:00,,Kati,S5,gasoil,rupture,-1,,,,u5\n"                # negative queue
            "2025-11-01T09:00:00,,Kati,S6,gasoil,rupture,,abc,,,u6\n"               # queue minutes not a number
            "2025-11-01T09:00:00,,Kati,S7,gasoil,rupture,,,95,-3,u7\n"              # latitude before the price
            "2025-11-01T10:00:00,,Bamako,S1,essence,rupture,,,,,u1\n"               # a repeated _uuid: skipped
            "2025-11-01T10:00:00,,Kati,S8,gasoil,limite,0.5,,,abc,u8\n")            # bad pump price
    path = tmp_path / "survey.csv"
    path.write_text(text, encoding="utf-8")
    parsed = get_collector("stations").read(path)
    found = {r["line"]: (r["field"], r["reason"]) for r in parsed.rejects}
    assert found == {
        3: ("date", "unreadable date '2025-02-30' (expected ISO 8601 or DD/MM/YYYY)"),
        4: ("submission_time", "unreadable date 'junk' (expected ISO 8601 or DD/MM/YYYY)"),
        5: ("city", "missing city"),
        6: ("queue_hours", "queue_hours '-1' is not a finite number of at least 0"),
        7: ("queue_minutes", "queue_minutes 'abc' is not a finite number of at least 0"),
        8: ("latitude", "latitude '95' is not between -90 and 90"),
        10: ("pump_price", "pump_price 'abc' is not a finite number of at least 0"),
    }
    assert parsed.skipped["repeated _uuid"] == 1
    assert list(parsed.details["station"]) == ["s1"]
    assert parsed.details["queue"].iloc[0] == 0.5


def test_wfp_rows_checked_in_bulk_keep_the_first_failure_and_count_the_skipped(tmp_path):
    header = "date,admin1,admin2,market,latitude,longitude,category,commodity,unit,priceflag,pricetype,currency,price"
    lines = [
        "2025-01-15,Centre,Kadiogo,Ouaga,12.3,-1.5,cereals and tubers,Millet - Retail,KG,actual,Retail,XOF,300",
        "2025-01-15,Centre,Kadiogo,,12.3,-1.5,cereals and tubers,Millet - Retail,KG,actual,Retail,XOF,300",     # no market
        "2025-01-15,Centre,Kadiogo,Ouaga,12.3,-1.5,non-food,Soap,Unit,actual,Retail,XOF,100",                    # skipped
        "2025-01-15,Centre,Kadiogo,Ouaga,12.3,-1.5,cereals and tubers,Millet - Retail,KG,forecast,Retail,XOF,1",  # skipped
        "2025-01-15,Centre,Kadiogo,Ouaga,12.3,-1.5,non-food,Soap,Bag,guess,Retail,XOF,100",                      # skipped first
        "2025-01-15,Centre,Kadiogo,Ouaga,12.3,-1.5,cereals and tubers,Sorghum - Retail,KG,guess,Retail,XOF,1",   # bad flag
        "2025-01-15,Centre,Kadiogo,Ouaga,12.3,-1.5,cereals and tubers,Maize - Retail,Bag,actual,Retail,XOF,1",   # bad unit
        "2025-01-15,Centre,Kadiogo,Bobo,11.2,-4.3,cereals and tubers,Millet - Retail,100 KG,\"aggregate, actual\",Wholesale,XOF,25000",
    ]
    path = tmp_path / "wfp_food_prices_bfa.csv"
    path.write_text("\n".join([header] + lines) + "\n", encoding="utf-8")
    parsed = get_collector("wfp").read(path)
    assert [(r["line"], r["field"]) for r in parsed.rejects] == [(3, "market"), (7, "priceflag"), (8, "unit")]
    assert parsed.rejects[1]["reason"] == "price flag 'guess' is not actual, aggregate or forecast"
    assert parsed.rejects[2]["reason"].startswith("unit 'Bag': ")
    assert parsed.skipped == {"other non-food": 2, "forecast": 1}
    rows = parsed.rows.set_index("location")
    assert list(rows.index) == ["Ouaga (BFA)", "Bobo (BFA)"]
    assert rows.loc["Bobo (BFA)", "preference"] == 0 and rows.loc["Bobo (BFA)", "price_type"] == "wholesale"
    assert rows.loc["Ouaga (BFA)", "metadata"] == {"admin1": "Centre", "admin2": "Kadiogo", "latitude": 12.3,
                                                   "longitude": -1.5, "category": "cereals and tubers",
                                                   "country": "BFA", "market": "Ouaga", "commodity": "Millet - Retail",
                                                   "licence": "CC BY-IGO", "zone": rows.loc["Ouaga (BFA)", "metadata"]["zone"]}


def test_outage_events_checked_in_bulk_keep_the_first_failure_of_each_row(tmp_path):
    text = ("area,start,end,duration_hours\n"
            "Bamako,2025-11-01 08:00,2025-11-01 10:30,\n"          # good
            ",2025-11-01 08:00,2025-11-01 10:30,\n"                 # missing area
            "Kati,soon,2025-11-01 10:30,\n"                         # unreadable start
            "Kati,2025-11-01 08:00,later,x\n"                       # unreadable end (duration not read)
            "Kati,2025-11-02 08:00,2025-11-01 10:30,\n"             # ends before it starts
            "Kati,2025-11-01 08:00,2205-11-01 10:30,\n"             # a typed year
            "Kati,2025-11-01 08:00,,abc\n"                          # duration not a number
            "Kati,2025-11-01 08:00,,\n"                             # no end, no duration
            "Kati,2025-11-01 08:00,,30\n"                           # over 24 h without an end
            "Kati,2025-11-01 08:00,,1.5\n")                         # good
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    parsed = get_collector("outages").read(path)
    assert [(r["line"], r["field"]) for r in parsed.rejects] == [
        (3, "area"), (4, "start"), (5, "end"), (6, "end"), (7, "end"), (8, "duration_hours"), (9, "end"),
        (10, "duration_hours")]
    reasons = [r["reason"] for r in parsed.rejects]
    assert reasons[3] == "the outage ends (2025-11-01 10:30) before it starts (2025-11-02 08:00)"
    assert reasons[4].startswith("the outage lasts 65,743.1 days (2025-11-01 08:00 to 2205-11-01 10:30)")
    assert reasons[6] == "missing end time and duration_hours"
    assert reasons[7].startswith("duration 30 h is over 24 hours")
    hours = parsed.rows.set_index(["location", "date"])["value"]
    assert hours[("Bamako", "2025-11-01")] == 2.5 and hours[("Kati", "2025-11-01")] == 1.5


def test_frequencies_of_many_series_at_once():
    from indicators.store import infer_frequencies
    series = {1: pd.date_range("2020-01", periods=12, freq="MS").strftime("%Y-%m"),
              2: pd.date_range("2020-01-01", periods=9, freq="D").strftime("%Y-%m-%d"),
              3: pd.date_range("2020-01-05", periods=9, freq="W").strftime("%Y-%m-%d"),
              4: pd.Index(["2020-03-01"]),
              5: pd.date_range("2020-01-01", periods=9, freq="15min").strftime("%Y-%m-%dT%H:%M:%S"),
              6: pd.date_range("2020-01-15", periods=9, freq="MS").strftime("%Y-%m-%d")}
    dates = pd.concat([pd.DataFrame({"series_id": k, "date": v}) for k, v in series.items()]).iloc[::-1]
    assert infer_frequencies(dates) == {1: "monthly", 2: "daily", 3: "weekly", 4: "daily", 5: "15min", 6: "monthly"}


def test_a_series_frequency_counts_its_stored_dates_and_a_new_series_its_file(tmp_path):
    weekly = pd.date_range("2020-01-05", periods=10, freq="W").strftime("%Y-%m-%d")
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "\n" + "".join(f"fuel_price,Bamako,petrol,{d},700,XOF/L\n" for d in weekly), encoding="utf-8")
    second = tmp_path / "second.csv"
    second.write_text(HEADER + "\nfuel_price,Bamako,petrol,2021-01-03,710,XOF/L\n"
                      + "".join(f"fuel_price,Kayes,petrol,2021-01-{d:02d},720,XOF/L\n" for d in range(1, 8))
                      + "".join(f"grain_price,Kayes,millet,2020-{m:02d},300,XOF/KG\n" for m in range(1, 7)),
                      encoding="utf-8")
    with Store(tmp_path / "t.db") as store:
        collector = get_collector("csv")
        collector.collect_file(store, first)
        collector.collect_file(store, second)
        found = store.series().set_index(["location", "item"])["frequency"].to_dict()
    assert found == {("Bamako", "petrol"): "weekly", ("Kayes", "petrol"): "daily", ("Kayes", "millet"): "monthly"}
