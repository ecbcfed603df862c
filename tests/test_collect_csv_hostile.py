"""Generic CSV hostile input: a quote never closed, a field over the csv module's limit, a line
that is not UTF-8. Each costs its own line only, with a warning or a reject naming it."""
import logging

import pytest

from indicators.collectors import get_collector
from indicators.errors import InputError

HEADER = "indicator,location,item,date,value,unit\n"


def row(n: int, location: str = "Segou") -> str:
    return f"fuel_availability,{location},petrol,2025-{1 + n // 28 % 12:02d}-{1 + n % 28:02d},0.{n % 9 + 1},share\n"


def write(tmp_path, text: str | bytes, name: str = "data.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.parametrize("bad", ['fuel_availability,"Segou,petrol,2025-01-01,0.5,share\n',
                                 'fuel_availability,Segou,petrol,2025-01-01,0.5,"share\n'])
def test_an_unclosed_quote_costs_its_line_only_and_warns(tmp_path, store, caplog, bad):
    lines = [row(n, f"Place {n}") for n in range(1000)]
    lines[0] = bad
    with caplog.at_level(logging.WARNING, logger="indicators"):
        summary = get_collector("csv").collect_file(store, write(tmp_path, HEADER + "".join(lines)))
    assert summary.rows_read == 1000
    assert (summary.new, summary.reject_lines) == (999, [2])
    assert "never closed" in store.rejects()["reason"][0]
    assert any("line 2" in record.getMessage() and "never closed" in record.getMessage() for record in caplog.records)


def test_a_quote_open_at_the_end_of_the_file_rejects_the_last_line(tmp_path, store):
    text = HEADER + row(1) + row(2) + 'fuel_availability,"Kati,petrol,2025-01-09,0.5,share\n'
    summary = get_collector("csv").collect_file(store, write(tmp_path, text))
    assert (summary.new, summary.reject_lines) == (2, [4])


def test_a_quoted_field_over_several_lines_is_still_one_row(tmp_path, store):
    text = "indicator,location,item,date,value,unit,source\n" \
           'fuel_availability,Segou,petrol,2025-01-01,0.5,share,"survey team A\nsecond visit"\n' \
           "fuel_availability,Segou,petrol,2025-01-02,0.6,share,survey\n"
    summary = get_collector("csv").collect_file(store, write(tmp_path, text))
    assert (summary.new, summary.rejected) == (2, 0)
    assert "second visit" in store.series()["source"][0]


def test_a_field_over_131072_characters_rejects_its_row_only(tmp_path, store):
    text = "indicator,location,item,date,value,unit,source\n" + \
        f"fuel_availability,Segou,petrol,2025-01-01,0.5,share,{'x' * 200_000}\n" + \
        "".join(row(n).rstrip("\n") + ",survey\n" for n in range(5, 10))
    summary = get_collector("csv").collect_file(store, write(tmp_path, text))
    assert (summary.new, summary.reject_lines) == (5, [2])
    reject = store.rejects().iloc[0]
    assert "limits.max_cell_chars" in reject["reason"] and reject["field"] == "source"
    assert len(reject["raw"]) < 2_100


def test_a_latin1_line_in_a_utf8_file_is_a_reject_and_the_rest_stays_utf8(tmp_path, store, caplog):
    text = (HEADER + row(1, "Ségou")).encode("utf-8") + row(2, "Ségou").encode("latin-1") + \
        row(3, "Ségou").encode("utf-8")
    with caplog.at_level(logging.WARNING, logger="indicators"):
        summary = get_collector("csv").collect_file(store, write(tmp_path, text))
    assert (summary.new, summary.reject_lines) == (2, [3])
    assert set(store.observations()["location"]) == {"Ségou"}
    assert "not UTF-8" in store.rejects()["reason"][0] and "0xe9" in store.rejects()["reason"][0]
    assert any("line 3" in r.getMessage() for r in caplog.records)


def test_a_windows_1252_file_is_still_read_whole(tmp_path, store, caplog):
    text = (HEADER + row(1, "Ségou") + row(2, "Ségou")).encode("cp1252")
    with caplog.at_level(logging.WARNING, logger="indicators"):
        summary = get_collector("csv").collect_file(store, write(tmp_path, text))
    assert (summary.new, summary.rejected) == (2, 0)
    assert set(store.observations()["location"]) == {"Ségou"}
    assert any("Windows-1252" in r.getMessage() for r in caplog.records)


def test_a_header_that_is_not_utf8_in_a_utf8_file_fails_the_file(tmp_path, store):
    text = "indicator,location,date,value,unité\n".encode("latin-1") + row(1, "Ségou").encode("utf-8")
    with pytest.raises(InputError, match="line 1.*not UTF-8"):
        get_collector("csv").collect_file(store, write(tmp_path, text))
