"""`collect outages`: power outage event logs to daily hours without power per area."""
from __future__ import annotations

import csv
import io
import json

import pytest

from indicators.collectors.outages import OutagesCollector
from indicators.errors import InputError

from conftest import FIXTURES

EN = FIXTURES / "outage_log_en.csv"
FR = FIXTURES / "journal_coupures_fr.csv"


def daily(store, area):
    return {d: (v, line) for d, v, line in store.conn.execute(
        "SELECT o.date, o.value, o.source_line FROM observations o JOIN series s ON s.id = o.series_id "
        "WHERE s.indicator = 'power_outage' AND s.location = ? ORDER BY o.date", (area,))}


def test_overlaps_once_midnight_split_zero_fill(store):
    summary = OutagesCollector().collect_file(store, EN)
    assert summary.rows_read == 6 and summary.rejected == 0
    assert summary.skipped == {"duplicate events": 1}
    commune = daily(store, "Bamako Commune IV")
    assert commune == {
        "2025-10-20": (2.0, 2),    # 22:00-24:00 of the event crossing midnight
        "2025-10-21": (10.0, 2),   # 00:00-06:30 (two overlapping events and a duplicate, once) + 3.5 h
        "2025-10-22": (0.0, 2),    # no event: zero-filled, provenance the last event before it
        "2025-10-23": (5.0, 6),
    }
    assert daily(store, "Kati") == {"2025-10-21": (12.0, 7)}
    unit, metadata = store.conn.execute("SELECT unit, metadata FROM series WHERE location = 'Kati'").fetchone()
    assert unit == "hours/day" and json.loads(metadata)["feeders"] == ["F3 Kati Ville"]


def test_french_log_day_first_dates_and_rejects(store):
    summary = OutagesCollector().collect_file(store, FR)
    assert daily(store, "Commune IV") == {"2025-10-20": (2.0, 2), "2025-10-21": (6.5, 2)}
    assert summary.reject_lines == [4, 5, 6]
    reasons = {line: (field, reason) for line, field, reason in store.conn.execute("SELECT line, field, reason FROM rejects")}
    assert reasons[4][0] == "end" and "ends" in reasons[4][1] and "before it starts" in reasons[4][1]
    assert reasons[5][0] == "duration_hours" and "over 24 hours" in reasons[5][1]
    assert reasons[6][0] == "start" and "jamais" in reasons[6][1]


@pytest.mark.parametrize("events, expected", [
    # one event over two midnights (end given, longer than a day)
    ([("2025-01-01 18:00", "2025-01-03 06:00", "")], {"2025-01-01": 6.0, "2025-01-02": 24.0, "2025-01-03": 6.0}),
    # an event ending at midnight sharp does not touch the next day
    ([("2025-01-01 20:00", "2025-01-02 00:00", "")], {"2025-01-01": 4.0}),
    # nested events count once
    ([("2025-01-01 08:00", "2025-01-01 18:00", ""), ("2025-01-01 09:00", "", "2")], {"2025-01-01": 10.0}),
    # touching events join; a gap of two days is zero-filled
    ([("2025-01-01 08:00", "2025-01-01 10:00", ""), ("2025-01-01 10:00", "2025-01-01 11:00", ""),
      ("2025-01-04 08:00", "", "0.5")], {"2025-01-01": 3.0, "2025-01-02": 0.0, "2025-01-03": 0.0, "2025-01-04": 0.5}),
    # a zone offset is converted to UTC before splitting days
    ([("2025-01-01T23:00:00+01:00", "2025-01-02T03:00:00+01:00", "")], {"2025-01-01": 2.0, "2025-01-02": 2.0}),
])
def test_daily_hours(write_csv, store, events, expected):
    text = "area,start,end,duration_hours\n" + "".join(f"A,{s},{e},{d}\n" for s, e, d in events)
    OutagesCollector().collect_file(store, write_csv("log.csv", text))
    assert {d: v for d, (v, _) in daily(store, "A").items()} == pytest.approx(expected)


def test_json_and_xlsx_logs(tmp_path, store):
    import openpyxl

    records = [{"area": "Kati", "start": "2025-10-21 08:00", "duration_hours": 2, "cause": "fuel"},
               {"area": "Kati", "start": "2025-10-21 09:00", "end": "2025-10-21 12:00"}]
    path = tmp_path / "outages.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    OutagesCollector().collect_file(store, path)
    assert daily(store, "Kati") == {"2025-10-21": (4.0, 1)}
    book = openpyxl.Workbook()
    sheet = book.active
    import datetime as dt
    sheet.append(["Zone", "Début", "Fin"])
    sheet.append(["Kalaban", dt.datetime(2025, 10, 21, 23, 0), dt.datetime(2025, 10, 22, 1, 30)])
    xlsx = tmp_path / "coupures.xlsx"
    book.save(xlsx)
    OutagesCollector().collect_file(store, xlsx)
    assert daily(store, "Kalaban") == {"2025-10-21": (1.0, 2), "2025-10-22": (1.5, 2)}


def test_recollect_and_extended_log(write_csv, store):
    first = OutagesCollector().collect_file(store, EN)
    again = OutagesCollector().collect_file(store, EN)
    assert (again.new, again.revised, again.unchanged) == (0, 0, first.new)
    extended = write_csv("log_later.csv", EN.read_text(encoding="utf-8")
                         + "Bamako Commune IV,F12 Lafiabougou,2025-10-22 10:00,2025-10-22 11:00,,fault\n"
                         + "Bamako Commune IV,F12 Lafiabougou,2025-10-24 10:00,2025-10-24 12:00,,fault\n")
    summary = OutagesCollector().collect_file(store, extended)
    assert (summary.new, summary.revised) == (1, 1)  # 10-24 new; the zero-filled 10-22 becomes 1 h
    assert daily(store, "Bamako Commune IV")["2025-10-22"] == (1.0, 8)


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", "", "file is empty"),
    ("log.csv", "%PDF-1.4 binary", "PDF"),
    ("log.csv", "area,start\nKati,2025-01-01 10:00\n", "missing column end or duration_hours"),
    ("log.csv", "zone;debut;fin\n", None),
])
def test_hostile_files(write_csv, store, name, content, message):
    path = write_csv(name, content)
    if message is None:  # a header and no rows: nothing to import, no error
        summary = OutagesCollector().collect_file(store, path)
        assert summary.rows_read == 0 and summary.new == 0
        return
    with pytest.raises(InputError, match=message):
        OutagesCollector().collect_file(store, path)


def test_cli_end_to_end(track, write_csv):
    result = track("collect", "outages", str(EN), str(FR))
    assert result.exit_code == 0, result.output
    assert "outage_log_en.csv: 6 rows read; observations 5 new, 0 revised, 0 unchanged; skipped 1 (duplicate events: 1)" \
        in result.output
    assert "journal_coupures_fr.csv: 5 rows read; observations 2 new, 0 revised, 0 unchanged; rejected 3 (lines 4, 5, 6)" \
        in result.output
    exported = track("export", "--indicator", "power_outage", "--format", "csv")
    rows = {(r["location"], r["date"]): r for r in csv.DictReader(io.StringIO(exported.output))}
    zero = rows[("Bamako Commune IV", "2025-10-22")]
    assert zero["value"] == "0.0" and zero["source_line"] == "2" and zero["source_file"].endswith("outage_log_en.csv")
    rejects = track("rejects", "--format", "csv")
    assert "journal_coupures_fr.csv,4,end" in rejects.output
    bad = track("collect", "outages", str(FIXTURES / "not_a_table.csv"))
    assert bad.exit_code == 1 and "not_a_table.csv: not a CSV file: it is a PDF document" in bad.output


def test_windows_1252_french_log(tmp_path, store):
    path = tmp_path / "coupures.csv"
    path.write_bytes("Zone;Début;Fin;Durée (h)\nMédina Coura;21/10/2025 10:00;;2,5\n".encode("cp1252"))
    OutagesCollector().collect_file(store, path)
    assert daily(store, "Médina Coura") == {"2025-10-21": (2.5, 2)}


def test_json_rejects_name_the_record(tmp_path, store):
    path = tmp_path / "outages.json"
    path.write_text(json.dumps({"data": [{"area": "Kati", "start": "2025-10-21 08:00", "end": "2025-10-21 07:00"}]}),
                    encoding="utf-8")
    summary = OutagesCollector().collect_file(store, path)
    assert summary.reject_lines == [1]
    raw = store.conn.execute("SELECT raw FROM rejects").fetchone()[0]
    assert json.loads(raw)["end"] == "2025-10-21 07:00"
