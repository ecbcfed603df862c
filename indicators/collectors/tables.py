"""Shared input plumbing for collectors of survey and log exports (KoboToolbox, ODK, WFP).

- `read_table(path)`: a CSV, XLSX or JSON export as (header, [(line, fields, raw)]), the shape
  `read_text_table` gives for CSV, whatever the file extension says (the content decides);
- `match_columns(...)`: find columns by name, case- and accent-insensitively, ignoring Kobo
  group prefixes (`station_info/city` is `city`) and accepting aliases (French labels);
- `fold(text)`: the comparison form of a label (`Limité` -> `limite`, `Durée (h)` -> `duree_h`);
- `parse_timestamp(text)`: one observation time (ISO 8601, or day-first `DD/MM/YYYY HH:MM`);
- `RowError`, `require_fields` and `parse_number`: a row-level problem naming its field, turned
  into a reject (file line, field, raw content, reason) by `RowError.reject(record)`.

Line numbers: CSV lines are file lines (header is line 1), XLSX lines are sheet rows, and a JSON
record's "line" is its position in the record list (1 = first record).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .base import field_joiner, read_text_table, rows_to_frame
from .columns import Distinct
from .limits import Limits

# Where a JSON export keeps its records: Kobo API `results`, WFP DataBridges `items`, others `data`.
JSON_RECORD_KEYS = ("results", "items", "data", "records")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def plain(text) -> str:
    """Lower case, accents removed, runs of white space as one space: ' Limité ' -> 'limite'."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.lower().split())


def fold(text) -> str:
    """The comparison form of a name or label: `plain`, then every run of other characters than
    letters and digits as one underscore, none at the ends: 'Durée (h)' -> 'duree_h'. A leading
    underscore stays: Kobo's own metadata columns (`_status`, `_id`) are not the form's `status`."""
    text = plain(text)
    return ("_" if text.startswith("_") else "") + re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def read_matched(path: Path, columns: dict, required: list[str], limits: Limits = Limits()):
    """Read a CSV, XLSX or JSON table and map its columns by name (see `match_columns`): a
    `Parsed` whose rows are the matched columns as text plus `source_line` and `raw`, and whose
    rejects are the rows of the wrong width or with a cell over `limits.max_cell_chars`."""
    header, rows = read_table(path, limits)
    return rows_to_frame(path, header, rows, match_columns(path, header, columns, required), [],
                         max_chars=limits.max_cell_chars)


def read_table(path: Path, limits: Limits = Limits()) -> tuple[list[str], list[tuple[int, list[str], str]]]:
    """Read a CSV, XLSX or JSON table export. Refuses empty files, other binary files and JSON
    that is not a list of records, naming the file."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "file is empty (expected a header row and data rows, or JSON records)")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, limits)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(path, "an old Excel .xls workbook: save it as .xlsx or .csv")
    if data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"{", b"["):
        return _read_json(path, data)
    return read_text_table(path)


def _read_xlsx(path: Path, limits: Limits):
    import io
    import zipfile
    import zlib
    from xml.etree.ElementTree import ParseError

    import openpyxl  # only needed for XLSX exports
    from openpyxl.utils.exceptions import InvalidFileException

    data = path.read_bytes()
    try:
        unpacked = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise InputError(path, f"not an XLSX workbook ({error})") from None
    if unpacked > limits.max_unpacked_bytes:
        raise InputError(path, f"the workbook unpacks to {unpacked:,} bytes, over the limit of "
                               f"{limits.max_unpacked_bytes:,} (limits.max_unpacked_bytes)")
    corrupt = (zipfile.BadZipFile, InvalidFileException, zlib.error, EOFError, KeyError, OSError, ValueError,
               ParseError)
    try:
        # From bytes, so the workbook is judged by its content, not by its file name's extension.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except corrupt as error:
        raise InputError(path, f"not an XLSX workbook ({error})") from None
    try:
        return _xlsx_rows(path, book, limits)
    except corrupt as error:  # damaged compressed data is found while the sheet is read
        raise InputError(path, f"damaged XLSX workbook ({type(error).__name__}: {error})") from None
    finally:
        book.close()


def _xlsx_rows(path: Path, book, limits: Limits):
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header, line = None, 0
    for line, values in enumerate(rows, start=1):
        if any(v not in (None, "") for v in values):
            header = [_cell(v).strip().lstrip("\ufeff") for v in values]
            break
    if header is None:
        raise InputError(path, "the first sheet is empty (expected a header row and data rows)")
    while header and not header[-1]:
        header.pop()
    out = []
    join = field_joiner()
    last = line + limits.max_rows
    for line, values in enumerate(rows, start=line + 1):
        if line > last:
            raise InputError(path, f"the first sheet has more than {limits.max_rows:,} rows "
                                   "(limits.max_rows)")
        fields = [_cell(v) for v in values][:len(header)]
        fields += [""] * (len(header) - len(fields))
        if any(f.strip() for f in fields):
            out.append((line, fields, join(fields)))
    return header, out


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_json(path: Path, data: bytes):
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except RecursionError:  # nested thousands deep: no export is shaped like that
        raise InputError(path, "not usable JSON: nested too deeply (expected a list of records)") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, an integer of over 4,300 digits
        raise InputError(path, f"not valid JSON ({error})") from None
    records = document
    if isinstance(document, dict):
        key = next((k for k in JSON_RECORD_KEYS if isinstance(document.get(k), list)), None)
        if key is None:
            raise InputError(path, "JSON object without a list of records "
                                   f"(expected one of the keys {', '.join(JSON_RECORD_KEYS)})")
        records = document[key]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError(path, "JSON is not a list of records (objects)")
    if not records:
        raise InputError(path, "JSON has no records")
    header: list[str] = []
    for record in records:
        header.extend(k for k in record if k not in header)
    out = []
    for number, record in enumerate(records, start=1):
        fields = [_json_field(record.get(name)) for name in header]
        out.append((number, fields, json.dumps(record, ensure_ascii=False, sort_keys=True)))
    return header, out


def _json_field(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def match_columns(path: Path, header: list[str], spec: dict[str, tuple[str, ...]],
                  required: list = ()) -> dict[str, str]:
    """Map wanted names to header columns: {name: header column}.

    `spec` gives each wanted name its accepted labels (the name itself is always accepted);
    matching folds case and accents and ignores group prefixes. The first column that matches a
    name wins. `required` lists names, or tuples of alternative names of which one must be
    present; a missing one is an error naming the file and the columns found."""
    folded = [fold(h.rsplit("/", 1)[-1]) for h in header]
    columns: dict[str, str] = {}
    for name, labels in spec.items():
        for label in (name, *labels):
            if fold(label) in folded:
                same = [h for h, f in zip(header, folded) if f == fold(label)]
                if len(same) > 1:  # grp_a/city and grp_b/city: which one holds the data?
                    raise InputError(path, f"columns {', '.join(map(repr, same))} all read as {name!r} "
                                           "(which one holds the data?)", line=1)
                columns[name] = same[0]
                break
    for need in required:
        choices = need if isinstance(need, tuple) else (need,)
        if not any(c in columns for c in choices):
            wanted = " or ".join(choices)
            accepted = sorted({lab for c in choices for lab in (c, *spec.get(c, ()))})
            raise InputError(path, f"missing column {wanted} (accepted names: {', '.join(accepted)}); "
                                   f"found {', '.join(header) or 'none'}", line=1)
    return columns


def parse_timestamp(text) -> pd.Timestamp | None:
    """An observation time as a naive UTC timestamp, or None when unreadable.

    Accepts ISO 8601 dates and date-times (a zone offset is converted to UTC; Kobo's
    `_submission_time` is UTC without an offset) and day-first `DD/MM/YYYY[ HH:MM[:SS]]`, the
    way French-language forms and spreadsheets write dates."""
    text = str(text or "").strip()
    if not text:
        return None
    match = _DAY_FIRST.match(text)
    try:
        if match:
            day, month, year, hour, minute, second = match.groups()
            return pd.Timestamp(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
            return None
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


_PLAIN_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$")


def timestamps(cells: pd.Series) -> list:
    """`parse_timestamp` of each cell (None where unreadable). Plain ISO 8601 dates and
    date-times without a zone (almost every cell of an export) are parsed together; the others
    one by one."""
    texts = cells.fillna("").astype(str).str.strip().to_numpy(dtype=object)
    plain_iso = np.asarray([bool(_PLAIN_ISO.match(t)) for t in texts], dtype=bool)
    out = np.full(len(texts), None, dtype=object)
    if plain_iso.any():
        parsed = pd.to_datetime(pd.Series(texts[plain_iso], dtype=object), format="ISO8601", errors="coerce")
        out[plain_iso] = [None if pd.isna(stamp) else stamp for stamp in parsed]
    for i in np.flatnonzero(~plain_iso | np.equal(out, None)):  # the others, and those pandas refused (year 0)
        out[i] = parse_timestamp(texts[i])
    return out.tolist()


class RowChecks:
    """Checks on the columns of `rows_to_frame` rows, each run once per distinct value of a
    column (`columns.Distinct`). `fail` marks the rows that fail a check; a row keeps the first
    check it failed, so checks are made in the order a row is read, and `rejects()` gives each
    failing row's reject (file line, field, raw content, reason)."""

    def __init__(self, rows: pd.DataFrame):
        self.frame, self.size = rows, len(rows)
        self.ok = np.ones(self.size, dtype=bool)
        self.reasons = np.full(self.size, "", dtype=object)
        self.fields = np.full(self.size, "", dtype=object)
        self._distinct: dict[str, Distinct] = {}
        self._text: dict[str, np.ndarray] = {}

    def distinct(self, name: str) -> Distinct:
        if name not in self._distinct:
            self._distinct[name] = (Distinct.of(self.frame[name].fillna("")) if name in self.frame.columns
                                    else Distinct.constant("", self.size))
        return self._distinct[name]

    def text(self, name: str) -> np.ndarray:
        """The column's cells as text ('' where the column is missing)."""
        if name not in self._text:
            self._text[name] = self.distinct(name).rows()
        return self._text[name]

    def rows(self, name: str, transform) -> np.ndarray:
        """`transform` (of a Series of the distinct cells, one result each) for every row."""
        return self.distinct(name).rows(transform)

    def fail(self, mask: np.ndarray, field: str, message) -> None:
        """Rows of `mask` not yet failed fail with `message`: a text, or a function of their
        positions giving one text each (only failing rows are formatted)."""
        where = np.flatnonzero(mask & self.ok)
        if len(where):
            self.reasons[where] = message(where) if callable(message) else message
            self.fields[where] = field
            self.ok[where] = False

    def number(self, name: str, minimum: float | None = 0.0, only: np.ndarray | None = None) -> np.ndarray:
        """`parse_number` of the column: floats, NaN where empty or unreadable; a row with a cell
        that is not a number (or below `minimum`) fails, among the rows of `only` if given."""
        parsed, errors = [], []
        for cell in self.distinct(name).uniques:
            try:
                number = parse_number({name: cell}, name, minimum)
                parsed.append(np.nan if number is None else number)
                errors.append("")
            except RowError as error:
                parsed.append(np.nan)
                errors.append(error.reason)
        codes = self.distinct(name).codes
        errors = np.asarray(errors, dtype=object)[codes]
        bad = errors != ""
        self.fail(bad if only is None else bad & only, name, lambda at: errors[at])
        return np.asarray(parsed, dtype="float64")[codes]

    def rejects(self) -> list[dict]:
        """The failing rows' rejects, in row order."""
        at = np.flatnonzero(~self.ok)
        lines, raws = self.frame["source_line"].to_numpy()[at], self.frame["raw"].to_numpy(dtype=object)[at]
        return [{"line": int(line), "field": field, "raw": raw, "reason": reason}
                for line, field, raw, reason in zip(lines, self.fields[at], raws, self.reasons[at])]


class RowError(ValueError):
    """One row cannot be used; `field` is the column at fault. Collectors turn it into a reject."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason

    def reject(self, record: dict) -> dict:
        """The reject for `record` (a row of `rows_to_frame`, with `source_line` and `raw`)."""
        return {"line": record["source_line"], "field": self.field, "raw": record["raw"], "reason": self.reason}


def require_fields(record: dict, fields) -> None:
    """Raise `RowError` for the first of `fields` that is empty in `record` ("missing city")."""
    for field in fields:
        if not str(record.get(field, "") or "").strip():
            raise RowError(field, f"missing {field}")


def parse_number(record: dict, field: str, minimum: float | None = 0.0) -> float | None:
    """The number in `record[field]` (a decimal comma is accepted), None when empty; raises
    `RowError` when it is not a number or is below `minimum`."""
    text = str(record.get(field, "") or "").strip()
    if not text:
        return None
    number = pd.to_numeric(text.replace(",", "."), errors="coerce")
    if pd.isna(number) or not math.isfinite(number) or (minimum is not None and number < minimum):
        expected = "a finite number" if minimum is None else f"a finite number of at least {minimum:g}"
        raise RowError(field, f"{field} {text!r} is not {expected}")
    return float(number)
