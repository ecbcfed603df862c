"""Property tests: collectors fed random and malformed input give data or rejects (or one clear
`InputError` naming the file), never a traceback, and never half-import a file.

Every collector in the registry is fed arbitrary bytes; the generic CSV collector is also fed
CSV-shaped text built from plausible and hostile cells."""
from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from indicators.collectors import COLLECTORS, get_collector
from indicators.errors import InputError
from indicators.store import Store

COLUMNS = ["indicator", "location", "item", "price_type", "date", "value", "unit", "currency", "latitude"]
CELLS = {
    "indicator": st.sampled_from(["grain_price", "fuel_availability", "fuel_price", "power_outage", "my_index",
                                  "", "GRAIN_PRICE", "\u00e9nergie"]),
    "location": st.sampled_from(["Bamako", "S\u00e9gou", "", " Kayes ", "<script>", "a,b", "x\"y"]),
    "item": st.sampled_from(["millet", "petrol", "", "Rice (imported)"]),
    "price_type": st.sampled_from(["retail", "wholesale", "", "pump"]),
    "date": st.one_of(st.sampled_from(["2025-11-01", "2025-11", "2025-02-30", "2025-13", "11/01/2025", "",
                                       "2025-11-01T10:00:00Z", "0000-00-00", "9999-12-31", "2025-11-01 25:00"]),
                      st.dates().map(str), st.text(max_size=12)),
    "value": st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str),
                       st.sampled_from(["", "NaN", "1,5", "1e400", "-0", "abc", "12 XOF", "0x10"]),
                       st.text(max_size=8)),
    "unit": st.sampled_from(["XOF/KG", "share", "%", "hours/day", "XOF/L", "", "parsecs", "XOF/100KG"]),
    "currency": st.sampled_from(["XOF", "", "EUR", "??"]),
    "latitude": st.sampled_from(["12.6", "", "91", "north", "-90"]),
}
DELIMITERS = st.sampled_from([",", ";", "\t", "|"])
_counter = itertools.count()


@pytest.fixture(scope="module")
def shared_store():
    """One real database file for all examples of the module (hypothesis reruns the test body)."""
    with tempfile.TemporaryDirectory() as folder:
        with Store(Path(folder) / "track.db") as store:
            yield store, Path(folder)


def quote(cell: str, delimiter: str) -> str:
    if any(c in cell for c in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def csv_text(draw):
    delimiter = draw(DELIMITERS)
    columns = draw(st.permutations(COLUMNS).flatmap(
        lambda cols: st.integers(min_value=3, max_value=len(cols)).map(lambda n: cols[:n])))
    lines = [delimiter.join(draw(st.sampled_from([c, c.upper(), f" {c} "])) for c in columns)]
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        cells = [quote(draw(CELLS[c]), delimiter) for c in columns]
        if draw(st.integers(min_value=0, max_value=9)) == 0:  # a ragged row
            cells = cells[:-1] if draw(st.booleans()) else cells + ["extra"]
        lines.append(delimiter.join(cells))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + draw(st.sampled_from(["", ending]))


def collect_safely(store: Store, folder: Path, name: str, data: bytes):
    path = folder / f"{next(_counter)}-{name}"
    path.write_bytes(data)
    observations_before = store.conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
    try:
        summary = get_collector(name.split(".")[0]).collect_file(store, path)
    except InputError as error:  # the whole file refused, with a message naming it
        assert str(path) in str(error) and "\n" not in str(error)
        assert store.conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == observations_before
        return None
    # every row read is accounted for: stored (new, revised, unchanged), skipped as a duplicate, or rejected
    assert summary.new + summary.revised + summary.unchanged + summary.rejected + sum(summary.skipped.values()) \
        == summary.rows_read
    first = 1 if name.endswith(".json") else 2  # a JSON record's line is its position; CSV line 1 is the header
    assert all(isinstance(line, int) and line >= first for line in summary.reject_lines)
    return summary


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=csv_text())
def test_generic_csv_gives_data_or_rejects(shared_store, text):
    store, folder = shared_store
    summary = collect_safely(store, folder, "csv.csv", text.encode("utf-8"))
    if summary is not None:
        data_lines = sum(1 for line in text.splitlines()[1:] if line.strip())
        assert summary.rows_read <= data_lines
        stored = store.conn.execute("SELECT COUNT(*) FROM observations WHERE source_file = ?",
                                    (summary.source_file,)).fetchone()[0]
        assert stored == summary.new + summary.revised  # unchanged rows keep their first provenance


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(COLLECTORS)), data=st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8")),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"PK\x03\x04garbage", b"{\"a\": [1, 2", b"<html>oops</html>",
                     b"\x00\x01\x02", b"indicator,location,date,value\n", b"\"unclosed,quote\nx,y\n",
                     "indicator;location;date;value\nfuel_price;Bamako;2025-11-01;1\u00a0000\n".encode("cp1252")])))
def test_every_collector_survives_arbitrary_bytes(shared_store, kind, data):
    store, folder = shared_store
    suffix = {"csv": ".csv"}.get(kind, ".csv")
    collect_safely(store, folder, f"{kind}{suffix}", data)


JSON_KEYS = ["date", "submission_time", "city", "station", "fuel_type", "status", "queue_minutes", "pump_price",
             "location", "start", "end", "duration_hours", "market", "commodity", "category", "unit", "priceflag",
             "pricetype", "currency", "price", "indicator", "item", "value"]
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10),
              st.sampled_from(["2025-11-01", "2025-11-01T08:00:00Z", "Bamako", "petrol", "available", "out", "KG",
                               "actual", "Retail", "XOF", "Millet", "cereals and tubers", "fuel_price", "250"])),
    lambda inner: st.one_of(st.lists(inner, max_size=2), st.dictionaries(st.text(max_size=3), inner, max_size=2)),
    max_leaves=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(COLLECTORS)), records=st.lists(
    st.dictionaries(st.sampled_from(JSON_KEYS), JSON_VALUES, min_size=3), max_size=6))
def test_every_collector_survives_json_records_of_any_shape(shared_store, kind, records):
    """Kobo and DataBridges exports are JSON records: values of any type (lists, objects, null)."""
    store, folder = shared_store
    collect_safely(store, folder, f"{kind}.json", json.dumps(records).encode("utf-8"))
