"""The generic long CSV collector: idempotence, revisions, rejects by line, --strict, bad files."""
import json
import sqlite3

import pytest

from indicators import catalog
from indicators.collectors import get_collector
from indicators.errors import InputError, StrictModeError

GOOD = """indicator,location,item,price_type,date,value,unit
grain_price,Segou,millet,retail,2025-01,300,XOF/KG
grain_price,Segou,millet,retail,2025-02,31000,XOF/100 KG
fuel_availability,Bamako,petrol,,2025-03-01,85,%
fuel_queue_time,Bamako,petrol,,2025-03-01,90,minutes
"""

MIXED = """indicator,location,item,date,value,unit
grain_price,Segou,millet,2025-01,300,XOF/KG
grain_price,Segou,millet,2025-13,300,XOF/KG
grain_price,Segou,millet,2025-03,abc,XOF/KG
fuel_availability,,petrol,2025-03-02,0.5,share
fuel_availability,Bamako,petrol,2025-03-02,1.5,share
grain_price,Segou,millet,2025-04,320,bags
grain_price,Segou,millet,2025-05,330,XOF/KG
"""


def table_snapshot(db_path):
    connection = sqlite3.connect(db_path)
    tables = ["series", "observations", "revisions", "rejects", "anomalies", "imports"]
    snapshot = {t: connection.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    connection.close()
    return snapshot


def test_good_file_is_normalised(store, write_csv):
    summary = get_collector("csv").collect_file(store, write_csv("good.csv", GOOD))
    assert (summary.new, summary.rejected) == (4, 0)
    observations = store.observations().set_index(["indicator", "date"])
    assert observations.loc[("grain_price", "2025-02"), "value"] == pytest.approx(310.0)
    assert observations.loc[("grain_price", "2025-02"), "unit"] == "XOF/KG"
    assert observations.loc[("grain_price", "2025-02"), "currency"] == "XOF"
    assert observations.loc[("fuel_availability", "2025-03-01"), "value"] == pytest.approx(0.85)
    assert observations.loc[("fuel_queue_time", "2025-03-01"), "value"] == pytest.approx(1.5)
    assert observations.loc[("fuel_queue_time", "2025-03-01"), "unit"] == "hours"
    assert observations.loc[("grain_price", "2025-01"), "source_line"] == 2


def test_recollecting_the_same_file_changes_no_table(store, db_path, write_csv):
    path = write_csv("mixed.csv", MIXED)
    get_collector("csv").collect_file(store, path)
    before = table_snapshot(db_path)
    summary = get_collector("csv").collect_file(store, path)
    assert (summary.new, summary.revised, summary.unchanged) == (0, 0, 2)
    assert table_snapshot(db_path) == before


def test_changed_value_is_revised_and_history_kept(store, write_csv):
    get_collector("csv").collect_file(store, write_csv("v1.csv", GOOD))
    changed = GOOD.replace("2025-01,300,", "2025-01,305,")
    summary = get_collector("csv").collect_file(store, write_csv("v2.csv", changed))
    assert (summary.new, summary.revised, summary.unchanged) == (0, 1, 3)
    history = store.revisions()
    assert len(history) == 1
    assert (history.loc[0, "value"], history.loc[0, "new_value"]) == (300.0, 305.0)
    assert history.loc[0, "source_file"].endswith("v1.csv")
    assert history.loc[0, "new_source_file"].endswith("v2.csv")


def test_bad_rows_are_rejected_with_line_numbers_and_good_rows_imported(store, write_csv):
    summary = get_collector("csv").collect_file(store, write_csv("mixed.csv", MIXED))
    assert summary.new == 2
    rejects = store.rejects().set_index("line")
    assert sorted(rejects.index) == [3, 4, 5, 6, 7]  # header is line 1
    assert rejects.loc[3, "field"] == "date" and "2025-13" in rejects.loc[3, "reason"]
    assert rejects.loc[4, "field"] == "value" and "not a number" in rejects.loc[4, "reason"]
    assert rejects.loc[5, "field"] == "location"
    assert "above the maximum 1" in rejects.loc[6, "reason"]
    assert rejects.loc[7, "field"] == "unit"
    assert rejects.loc[4, "raw"] == "grain_price,Segou,millet,2025-03,abc,XOF/KG"
    assert "rejected 5 (lines 3, 4, 5, 6, 7)" in summary.line()


def test_conflicting_duplicates_keep_first_line_and_reject_the_other(store, write_csv):
    text = ("indicator,location,item,date,value,unit\n"
            "grain_price,Segou,millet,2025-01,300,XOF/KG\n"
            "grain_price,Segou,millet,2025-01,300,XOF/KG\n"
            "grain_price,Segou,millet,2025-01,333,XOF/KG\n")
    summary = get_collector("csv").collect_file(store, write_csv("dup.csv", text))
    assert summary.new == 1 and summary.skipped["duplicate rows"] == 1
    rejects = store.rejects()
    assert rejects["line"].tolist() == [4] and "conflicts with line 2" in rejects.loc[0, "reason"]
    assert store.observations()["value"].tolist() == [300.0]


def test_strict_imports_nothing_from_a_file_with_bad_rows_but_keeps_the_evidence(store, write_csv):
    with pytest.raises(StrictModeError) as failure:
        get_collector("csv").collect_file(store, write_csv("mixed.csv", MIXED), strict=True)
    assert "mixed.csv" in str(failure.value) and "line 3" in str(failure.value)
    assert store.table_counts()["observations"] == 0
    assert store.table_counts()["series"] == 0
    assert len(store.rejects()) == 5


def test_strict_failure_keeps_data_already_stored(store, write_csv):
    get_collector("csv").collect_file(store, write_csv("good.csv", GOOD))
    with pytest.raises(StrictModeError):
        get_collector("csv").collect_file(store, write_csv("mixed.csv", MIXED), strict=True)
    assert store.table_counts()["observations"] == 4


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a CSV file: it is a PNG image"),
    (b"PK\x03\x04\x14\x00\x06\x00", "not a CSV file: it is a ZIP/XLSX archive"),
    (json.dumps([{"a": 1}]).encode(), "not a CSV file: it looks like JSON"),
    (b"", "file is empty"),
    (b"\x00\x01\x02\x03garbage", "binary content"),
    (b"just,some,words\n1,2,3\n", "missing column(s) indicator, location, date, value"),
])
def test_files_that_are_not_generic_csv_fail_with_one_line_naming_the_file(store, tmp_path, content, message):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as failure:
        get_collector("csv").collect_file(store, path)
    assert message in str(failure.value)
    assert str(path) in str(failure.value)
    assert "\n" not in str(failure.value)


def test_bom_semicolons_shuffled_columns_and_quoted_fields(store, write_csv):
    text = ('\ufeffValue;Date;Location;Indicator;Unit;Item\n'
            '300;2025-01;"Segou; centre";grain_price;XOF/KG;millet\n'
            '310;2025-02;"Segou; centre";grain_price;XOF/KG;millet\n')
    summary = get_collector("csv").collect_file(store, write_csv("bom.csv", text))
    assert summary.new == 2 and summary.rejected == 0
    assert store.series()["location"].tolist() == ["Segou; centre"]


def test_row_with_wrong_field_count_is_rejected(store, write_csv):
    text = "indicator,location,date,value\ngrain_price,Segou,2025-01,300\ngrain_price,Segou,2025-02\n"
    summary = get_collector("csv").collect_file(store, write_csv("short.csv", text))
    assert summary.new == 1
    assert store.rejects()["line"].tolist() == [3]


def test_unit_change_within_a_series_is_rejected_not_mixed(store, write_csv):
    get_collector("csv").collect_file(store, write_csv("a.csv", "indicator,location,date,value,unit\n"
                                                                 "exchange_rate,Bamako,2025-01,600,XOF/USD\n"))
    summary = get_collector("csv").collect_file(store, write_csv("b.csv", "indicator,location,date,value,unit\n"
                                                                          "exchange_rate,Bamako,2025-02,650,XOF/EUR\n"))
    assert summary.rejected == 1 and "differs from the series unit XOF/USD" in store.rejects().loc[0, "reason"]


def test_datetimes_are_normalised_to_utc(store, write_csv):
    text = "indicator,location,date,value,unit\npower_outage,Kati,2025-03-01T05:00:00+01:00,4,hours\n"
    get_collector("csv").collect_file(store, write_csv("hourly.csv", text))
    assert store.observations()["date"].tolist() == ["2025-03-01T04:00:00"]


def test_raw_of_a_reject_keeps_the_quoting_of_its_fields(store, write_csv):
    text = ('indicator,location,date,value,unit\n'
            'grain_price,"Bamako, Commune V",2025-01,x,XOF/KG\n')
    get_collector("csv").collect_file(store, write_csv("quoted.csv", text))
    assert store.rejects().loc[0, "raw"] == 'grain_price,"Bamako, Commune V",2025-01,x,XOF/KG'


def test_a_column_named_twice_fails_the_file_naming_it(store, write_csv):
    path = write_csv("twice.csv", "indicator,location,date,value,Value\ngrain_price,Segou,2025-01,300,310\n")
    with pytest.raises(InputError) as failure:
        get_collector("csv").collect_file(store, path)
    assert "twice.csv, line 1" in str(failure.value) and "'value'" in str(failure.value)
    assert store.table_counts()["observations"] == 0


def test_strict_failure_names_the_first_bad_line_of_the_file(store, write_csv):
    text = ("indicator,location,date,value\n"
            "grain_price,Segou,2025-13,300\n"           # line 2: bad date
            "grain_price,Segou,2025-02,300,extra\n")    # line 3: wrong field count, found while reading
    with pytest.raises(StrictModeError) as failure:
        get_collector("csv").collect_file(store, write_csv("two.csv", text), strict=True)
    assert "two.csv, line 2, field 'date'" in str(failure.value)
    assert store.rejects()["line"].tolist() == [2, 3]


def test_the_word_nan_is_not_a_number_rather_than_a_missing_value(store, write_csv):
    text = "indicator,location,date,value\ngrain_price,Segou,2025-01,nan\ngrain_price,Segou,2025-02,\n"
    get_collector("csv").collect_file(store, write_csv("nan.csv", text))
    assert store.rejects()["reason"].tolist() == ["value 'nan' is not a number", "missing value"]


def test_a_folder_is_not_a_missing_file(store, tmp_path):
    with pytest.raises(InputError) as failure:
        get_collector("csv").collect_file(store, tmp_path)
    assert "is a folder, not a file" in str(failure.value)


def test_series_carry_a_description_and_a_source(store, write_csv):
    text = ("indicator,location,date,value,source\n"
            "grain_price,Segou,2025-01,300,SIM Mali\n"
            "rainfall_mm,Segou,2025-01,12,\n")
    get_collector("csv").collect_file(store, write_csv("mixed_sources.csv", text))
    series = store.series().set_index("indicator")
    assert series.loc["grain_price", "description"] == catalog.get("grain_price").description
    assert series.loc["rainfall_mm", "description"] == catalog.get("rainfall_mm").description  # generic default
    assert series.loc["grain_price", "source"] == "SIM Mali"
    assert series.loc["rainfall_mm", "source"] == "CSV file (mixed_sources.csv)"


def test_one_kind_of_date_per_series_months_days_or_date_times(store, write_csv):
    text = ("indicator,location,date,value\n"
            "grain_price,Kayes,2025-01,300\n"
            "grain_price,Kayes,2025-02-15,310\n"
            "grain_price,Kayes,2025-03-01T10:00,320\n"
            "grain_price,Kita,2025-02-15,330\n")   # another series may be daily
    summary = get_collector("csv").collect_file(store, write_csv("kinds.csv", text))
    assert (summary.new, summary.reject_lines) == (2, [3, 4])
    reasons = store.rejects().set_index("line")["reason"]
    assert reasons[3] == "date '2025-02-15' is a day, but the series has months (YYYY-MM)"
    later = get_collector("csv").collect_file(store, write_csv("later.csv", "indicator,location,date,value\n"
                                                                          "grain_price,Kayes,2025-04-01,340\n"))
    assert (later.new, later.reject_lines) == (0, [2])  # checked against the stored series too
