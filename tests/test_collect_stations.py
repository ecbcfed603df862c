"""`collect stations`: Kobo/ODK fuel-station survey exports in CSV, XLSX and JSON."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from indicators.collectors.stations import StationsCollector
from indicators.errors import InputError

from conftest import FIXTURES

EN = FIXTURES / "kobo_fuel_stations_en.csv"
FR = FIXTURES / "kobo_fuel_stations_fr.csv"
API = FIXTURES / "kobo_fuel_stations_api.json"


def stored(store):
    """{(indicator, location, item, price_type, date): (value, source_line)}"""
    rows = store.conn.execute(
        "SELECT s.indicator, s.location, s.item, s.price_type, o.date, o.value, o.source_line "
        "FROM observations o JOIN series s ON s.id = o.series_id").fetchall()
    return {tuple(r[:5]): (r[5], r[6]) for r in rows}


def test_english_kobo_export_with_group_prefixes(store):
    summary = StationsCollector().collect_file(store, EN)
    assert summary.rows_read == 11 and summary.new == 16 and summary.rejected == 0
    assert summary.skipped == {"repeated _uuid": 1, "earlier report by the same station that day": 1}
    got = stored(store)
    day = "2025-10-20"
    # Bamako petrol: Total's 16:30 report (out) replaces its 08:10 one; Shell limited; Oryx out
    assert got[("fuel_availability", "Bamako", "petrol", "", day)] == (pytest.approx(1 / 3), 4)
    assert got[("fuel_queue_time", "Bamako", "petrol", "", day)][0] == pytest.approx(4.5)  # median of 4 h and 5 h
    assert got[("fuel_price", "Bamako", "petrol", "pump", day)][0] == 775
    assert got[("fuel_price", "Bamako", "petrol", "parallel", day)][0] == 1800  # median of 1500, 1800, 2000
    assert got[("fuel_availability", "Bamako", "diesel", "", day)][0] == 0.5
    assert got[("fuel_queue_time", "Bamako", "diesel", "", day)][0] == pytest.approx(5.25)
    assert got[("fuel_price", "Bamako", "diesel", "parallel", day)][0] == 1225
    assert got[("fuel_availability", "Kati", "petrol", "", day)] == (0.5, 7)
    assert got[("fuel_availability", "Bamako", "petrol", "", "2025-10-21")] == (1.0, 10)
    units = dict(store.conn.execute("SELECT indicator || '/' || price_type, unit FROM series"))
    assert units == {"fuel_availability/": "share", "fuel_queue_time/": "hours", "fuel_price/pump": "XOF/L",
                     "fuel_price/parallel": "XOF/L"}
    admin1 = dict(store.conn.execute("SELECT location, admin1 FROM series"))
    assert admin1 == {"Bamako": "Bamako", "Kati": "Koulikoro"}


def test_french_labels_bom_semicolons_shuffled_columns(store):
    summary = StationsCollector().collect_file(store, FR)
    got = stored(store)
    day = "2025-10-20"
    assert got[("fuel_availability", "Bamako", "petrol", "", day)][0] == pytest.approx(1 / 3)  # essence + super
    assert got[("fuel_queue_time", "Bamako", "petrol", "", day)][0] == 10.0  # 1,5 h, 12 h and 10 h
    assert got[("fuel_price", "Bamako", "petrol", "parallel", day)][0] == 2000
    assert got[("fuel_availability", "Bamako", "diesel", "", day)][0] == 0.5  # limité counts as fuel
    assert summary.reject_lines == [7]
    reason = store.conn.execute("SELECT field, reason FROM rejects").fetchone()
    assert reason[0] == "fuel_type" and "Pétrole lampant" in reason[1]


def test_kobo_api_json(store):
    summary = StationsCollector().collect_file(store, API)
    got = stored(store)
    assert summary.rows_read == 3
    assert got[("fuel_availability", "Segou", "diesel", "", "2025-10-20")] == (pytest.approx(2 / 3), 1)
    assert got[("fuel_queue_time", "Segou", "diesel", "", "2025-10-20")][0] == 1.0
    assert got[("fuel_price", "Segou", "diesel", "parallel", "2025-10-20")][0] == 1100


def test_xlsx_export_same_as_csv(tmp_path, db_path):
    from indicators.store import Store

    book = openpyxl.Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(EN.read_text(encoding="utf-8"))):
        sheet.append([int(v) if v.isdigit() else v for v in row])
    path = tmp_path / "export.xlsx"
    book.save(path)
    with Store(tmp_path / "a.db") as from_csv, Store(db_path) as from_xlsx:
        StationsCollector().collect_file(from_csv, EN)
        summary = StationsCollector().collect_file(from_xlsx, path)
        assert summary.rows_read == 11
        assert {k: v[0] for k, v in stored(from_xlsx).items()} == {k: v[0] for k, v in stored(from_csv).items()}


def test_cumulative_export_adds_only_what_is_new(write_csv, store):
    first = StationsCollector().collect_file(store, EN)
    later_rows = [
        # a late report for 2025-10-21 (Oryx, out) and a new day
        "2025-10-21T18:00:00.000+00:00,,2025-10-21,Bamako,Oryx Badalabougou,Bamako,petrol,out,,,2500,111,"
        "0b6f1a52-7c1e-4d1a-9a0e-3f4c2b1d0a11,2025-10-21T18:05:00,,submitted_via_web,11",
        "2025-10-22T08:00:00.000+00:00,,2025-10-22,Bamako,Shell ACI 2000,Bamako,petrol,available,30,775,1000,112,"
        "0b6f1a52-7c1e-4d1a-9a0e-3f4c2b1d0a12,2025-10-22T08:05:00,,submitted_via_web,12",
    ]
    later = write_csv("kobo_export_later.csv", EN.read_text(encoding="utf-8") + "\n".join(later_rows) + "\n")
    summary = StationsCollector().collect_file(store, later)
    assert first.new == 16
    # 2025-10-20: 12 unchanged; 2025-10-21: availability and parallel price revised, queue and pump
    # unchanged; 2025-10-22: 4 new
    assert (summary.new, summary.revised, summary.unchanged) == (4, 2, 14)
    got = stored(store)
    assert got[("fuel_availability", "Bamako", "petrol", "", "2025-10-21")][0] == pytest.approx(2 / 3)
    revision = store.conn.execute("SELECT value, new_value FROM revisions").fetchall()
    assert (1.0, pytest.approx(2 / 3)) in [(r[0], r[1]) for r in revision]
    again = StationsCollector().collect_file(store, later)
    assert (again.new, again.revised) == (0, 0)


def test_reports_without_submission_time_use_date_and_line_order(write_csv, store):
    path = write_csv("odk.csv", "date,city,station,fuel_type,status,queue_hours\n"
                                "20/10/2025,Kati,A,diesel,available,1\n"
                                "20/10/2025,Kati,A,diesel,out,9\n"
                                "20/10/2025,Kati,B,diesel,available,2\n")
    StationsCollector().collect_file(store, path)
    got = stored(store)
    assert got[("fuel_availability", "Kati", "diesel", "", "2025-10-20")][0] == 0.5  # A's later line: out
    assert got[("fuel_queue_time", "Kati", "diesel", "", "2025-10-20")][0] == 5.5


def test_station_coordinates_give_the_city_position(write_csv, store):
    path = write_csv("kobo.csv", "_submission_time,city,station,fuel_type,status,gps,_gps_latitude,_gps_longitude\n"
                                 "2025-10-20T08:00:00,Kati,A,diesel,out,12.74 -8.07 0 0,12.74,-8.07\n"
                                 "2025-10-20T09:00:00,Kati,B,diesel,out,12.76 -8.09 0 0,12.76,-8.09\n")
    StationsCollector().collect_file(store, path)
    assert store.conn.execute("SELECT latitude, longitude FROM series LIMIT 1").fetchone() == \
        (pytest.approx(12.75), pytest.approx(-8.08))


def test_kobo_metadata_columns_are_not_form_columns(write_csv, store):
    # Kobo's _status (submission state) comes first here; the form's status is fuel/status
    path = write_csv("kobo.csv", "_status,_id,_submission_time,station_info/city,station_info/station,fuel/fuel_type,"
                                 "fuel/status\n"
                                 "submitted_via_web,1,2025-10-20T08:00:00,Kati,A,diesel,out\n")
    StationsCollector().collect_file(store, path)
    assert stored(store)[("fuel_availability", "Kati", "diesel", "", "2025-10-20")][0] == 0.0


def test_bad_rows_are_rejected_with_line_and_field(write_csv, store):
    path = write_csv("bad.csv", "_submission_time,city,station,fuel_type,status,queue_minutes,pump_price\n"
                                "2025-10-20T08:00:00,Kati,A,diesel,available,30,725\n"
                                "not a date,Kati,B,diesel,available,30,725\n"
                                "2025-10-20T08:00:00,Kati,C,diesel,maybe,30,725\n"
                                "2025-10-20T08:00:00,Kati,D,diesel,out,-5,\n"
                                "2025-10-20T08:00:00,,E,diesel,out,,\n"
                                "2025-10-20T08:00:00,Kati,F,diesel,out\n")
    summary = StationsCollector().collect_file(store, path)
    assert summary.reject_lines == [3, 4, 5, 6, 7]
    fields = [f for (f,) in store.conn.execute("SELECT field FROM rejects ORDER BY line")]
    assert fields == ["submission_time", "status", "queue_minutes", "city", ""]
    assert stored(store)[("fuel_availability", "Kati", "diesel", "", "2025-10-20")][0] == 1.0


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", "", "file is empty"),
    ("export.xlsx", "PK\x03\x04 not really a workbook", "not an XLSX workbook"),
    ("export.csv", "%PDF-1.4 binary", "PDF"),
    ("export.json", "[1, 2, 3]", "list of records"),
    ("export.json", "{not json", "not valid JSON"),
    ("export.csv", "city,station,status\nBamako,A,available\n", "missing column fuel_type"),
    ("export.csv", "city,station,fuel_type,status\nBamako,A,petrol,available\n", "missing column submission_time or date"),
])
def test_hostile_files(write_csv, store, name, content, message):
    path = write_csv(name, content)
    with pytest.raises(InputError, match=message) as caught:
        StationsCollector().collect_file(store, path)
    assert name in str(caught.value)
    assert store.conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == 0


def test_old_xls_workbook_is_named(tmp_path, store):
    path = tmp_path / "export.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64))
    with pytest.raises(InputError, match="old Excel .xls workbook"):
        StationsCollector().collect_file(store, path)


def test_real_empty_and_wrong_type_fixtures(store):
    for name, message in (("empty.csv", "file is empty"), ("not_a_table.csv", "PDF")):
        with pytest.raises(InputError, match=message):
            StationsCollector().collect_file(store, FIXTURES / name)


def test_cli_end_to_end(track):
    result = track("collect", "stations", str(EN), str(API))
    assert result.exit_code == 0, result.output
    assert ("kobo_fuel_stations_en.csv: 11 rows read; observations 16 new, 0 revised, 0 unchanged; skipped 2 "
            "(earlier report by the same station that day: 1, repeated _uuid: 1)") in result.output
    exported = track("export", "--indicator", "fuel_availability", "--format", "csv")
    rows = {(r["location"], r["item"], r["date"]): r for r in csv.DictReader(io.StringIO(exported.output))}
    bamako = rows[("Bamako", "petrol", "2025-10-20")]
    assert bamako["source_file"].endswith("kobo_fuel_stations_en.csv") and bamako["source_line"] == "4"
    assert bamako["unit"] == "share" and bamako["source"] == "fuel-station survey export (kobo_fuel_stations_en.csv)"
    assert rows[("Segou", "diesel", "2025-10-20")]["source_line"] == "1"  # JSON: record number
    series = track("series", "--format", "csv")
    assert "fuel_queue_time" in series.output and "median queue in hours" in series.output
