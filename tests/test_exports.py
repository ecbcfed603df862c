"""Exports users open: CSV safe from formula injection, XLSX, Parquet, HXL; vintages (--as-of)
and the revisions command."""
import csv
import io
import json

import openpyxl
import pandas as pd
import pytest

from indicators.cli import cli
from indicators.output import spreadsheet_safe

HOSTILE = ("indicator,location,item,date,value,unit,source\n"
           'my_index,"=HYPERLINK(""http://x"",""click"")",+cmd,2025-10-01,-5,,@SUM(A1)\n'
           'my_index,"\t=1+1",-2+3,2025-10-02,7.5,,src\n'
           "=evil,Bamako,,2025-10-03,not a number,,src\n")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def bare_formulas(rows):
    """Cells a spreadsheet would run: starting with a trigger and not a plain number."""
    found = []
    for row in rows:
        for cell in row:
            if cell[:1] in TRIGGERS:
                try:
                    float(cell)
                except ValueError:
                    found.append(cell)
    return found


@pytest.fixture
def hostile(track, write_csv):
    result = track("collect", "csv", str(write_csv("hostile.csv", HOSTILE)))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", [["export"], ["rejects"], ["series"]])
def test_cli_csv_has_no_bare_formula_and_numbers_stay_numbers(track, hostile, command):
    output = track(*command, "--format", "csv").output
    rows = list(csv.reader(io.StringIO(output)))
    assert bare_formulas(rows) == []
    if command == ["export"]:
        records = {r["date"]: r for r in csv.DictReader(io.StringIO(output))}
        first, second = records["2025-10-01"], records["2025-10-02"]
        assert first["location"].startswith("'=HYPERLINK") and first["value"] == "-5.0"
        assert first["source"] == "'@SUM(A1)" and first["item"] == "'+cmd"
        assert second["location"] == "'=1+1"  # the tab was stripped on input: the text is still no formula


def test_plain_numbers_in_text_columns_are_left_alone():
    frame = pd.DataFrame({"text": ["-12.5", "+3", "-1e5", "-2+3", "=A1", " =A1", "plain"], "number": range(7)})
    assert spreadsheet_safe(frame)["text"].tolist() == ["-12.5", "+3", "-1e5", "'-2+3", "'=A1", "' =A1", "plain"]


def test_report_csvs_have_no_bare_formula(track, hostile, tmp_path):
    assert track("detect").exit_code == 0
    out = tmp_path / "report"
    assert track("report", "--out", str(out)).exit_code == 0
    written = list(out.rglob("*.csv"))
    assert written
    for path in written:
        with open(path, newline="", encoding="utf-8") as handle:
            assert bare_formulas(csv.reader(handle)) == [], path.name


def invoke_bytes(runner, db_path, *args):
    result = runner.invoke(cli, [args[0], "--db", str(db_path), *args[1:]])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def test_xlsx_is_one_typed_sheet(runner, db_path, hostile):
    data = invoke_bytes(runner, db_path, "export", "--format", "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert len(book.worksheets) == 1
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = [{name: cell for name, cell in zip(header, row)} for row in sheet.iter_rows(min_row=2)]
    first = next(r for r in rows if r["value"].value == -5)
    assert first["value"].value == -5 and first["value"].data_type == "n"
    assert first["date"].is_date and first["date"].value.year == 2025
    assert first["location"].data_type == "s" and first["location"].value.startswith("=HYPERLINK")
    assert first["source_line"].data_type == "n"


def read_parquet(data, folder):
    import fastparquet
    path = folder / "read.parquet"
    path.write_bytes(data)
    return fastparquet.ParquetFile(str(path)).to_pandas()


def test_parquet_reads_back_in_pandas(runner, db_path, hostile, tmp_path):
    data = invoke_bytes(runner, db_path, "export", "--format", "parquet")
    frame = read_parquet(data, tmp_path)
    assert sorted(frame["value"]) == [-5.0, 7.5]
    assert frame["value"].dtype == "float64"
    assert frame.set_index("value")["location"][-5.0].startswith("=HYPERLINK")  # data, not a spreadsheet: kept as it is


def test_hxl_has_the_wfp_hashtag_row(runner, db_path, hostile):
    text = invoke_bytes(runner, db_path, "export", "--format", "hxl").decode()
    rows = list(csv.reader(io.StringIO(text)))
    tags = dict(zip(rows[0], rows[1]))
    assert tags["date"] == "#date" and tags["location"] == "#loc+market+name" and tags["value"] == "#value"
    assert tags["unit"] == "#item+unit" and tags["currency"] == "#currency+code" and tags["admin1"] == "#adm1+name"
    assert all(tag.startswith("#") for tag in rows[1])
    assert bare_formulas(rows[2:]) == []


@pytest.mark.parametrize("command", [["alerts", "--all"], ["series"], ["revisions"]])
@pytest.mark.parametrize("fmt", ["xlsx", "parquet", "hxl"])
def test_every_file_format_for_alerts_series_revisions(runner, db_path, track, write_csv, command, fmt, tmp_path):
    path = write_csv("a.csv", "indicator,location,date,value\n" + "".join(
        f"fuel_availability,Bamako,2025-{m:02d}-{d:02d},{0.9 - (0.5 if m == 10 and d > 20 else 0)}\n"
        for m in (8, 9, 10) for d in range(1, 29)))
    assert track("collect", "csv", str(path)).exit_code == 0
    assert track("detect").exit_code == 0
    data = invoke_bytes(runner, db_path, *command, "--format", fmt)
    if fmt == "xlsx":
        assert openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]["A1"].value
    elif fmt == "parquet":
        read_parquet(data, tmp_path)
    else:
        assert data.decode().splitlines()[1].startswith("#")


def _collect_twice(track, write_csv, store):
    first = write_csv("v1.csv", "indicator,location,date,value\nfuel_availability,Bamako,2025-10-01,0.5\n")
    assert track("collect", "csv", str(first)).exit_code == 0
    with store.transaction():  # the first vintage was collected in January
        store.conn.execute("UPDATE observations SET collected_at = '2025-01-10T08:00:00+00:00'")
    second = write_csv("v2.csv", "indicator,location,date,value\nfuel_availability,Bamako,2025-10-01,0.6\n"
                                 "fuel_availability,Bamako,2025-10-02,0.7\n")
    assert track("collect", "csv", str(second)).exit_code == 0


def test_export_as_of_gives_the_vintage(track, write_csv, store):
    _collect_twice(track, write_csv, store)

    def values(*args):
        return [(r["date"], r["value"]) for r in json.loads(track("export", "--format", "json", *args).output)]
    assert values() == [("2025-10-01", 0.6), ("2025-10-02", 0.7)]
    assert values("--as-of", "2025-06-01") == [("2025-10-01", 0.5)]
    assert values("--as-of", "2025-01-10T08:00") == [("2025-10-01", 0.5)]
    assert values("--as-of", "2025-01-10T07:59:59") == []
    assert values("--as-of", "2025-01-10T09:00:00+01:00") == [("2025-10-01", 0.5)]
    assert values("--as-of", "2999-01-01") == values()
    result = track("export", "--as-of", "last week")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_revisions_command_lists_superseded_values(track, write_csv, store):
    _collect_twice(track, write_csv, store)
    rows = json.loads(track("revisions", "--format", "json").output)
    assert len(rows) == 1
    assert (rows[0]["date"], rows[0]["value"], rows[0]["new_value"]) == ("2025-10-01", 0.5, 0.6)
    assert rows[0]["source_file"].endswith("v1.csv") and rows[0]["new_source_file"].endswith("v2.csv")
    assert rows[0]["collected_at"] == "2025-01-10T08:00:00+00:00"


def test_alerts_as_of_gives_what_was_raised_by_then(track, store):
    series_id = int(store.ensure_series(pd.DataFrame([{"indicator": "grain_price", "location": "Segou",
                                                        "item": "millet", "price_type": "retail"}])).iloc[0])
    raised = [(1, "2025-09", "alert", "2025-09-20T00:00:00+00:00"), (2, "2025-09", "crisis", "2025-10-20T00:00:00+00:00"),
              (2, "2025-10", "alert", "2025-10-20T00:00:00+00:00")]
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO run_alerts (run_id, series_id, date, severity, detector, value, explanation, raised_at) "
            "VALUES (?, ?, ?, ?, 'seasonal', 400, 'x', ?)", [(r, series_id, d, s, t) for r, d, s, t in raised])

    def shown(*args):
        return [(r["date"], r["severity"]) for r in json.loads(track("alerts", "--format", "json", *args).output)]
    assert shown("--as-of", "2025-09-30") == [("2025-09", "alert")]
    assert shown("--as-of", "2025-10-31") == [("2025-09", "crisis"), ("2025-10", "alert")]
    assert shown("--as-of", "2025-09-01") == []
    assert shown("--as-of", "2025-10-31", "--detector", "regime") == []
