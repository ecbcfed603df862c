"""What every collector shares: reading text tables, validating rows, storing them atomically.

A collector module only turns its source format into rows of the generic long format (strings
are fine) with the line each came from; `Collector.collect_file` validates them (dates, numbers,
units, catalog bounds, conflicting duplicates), quarantines what fails with its line and reason,
and stores the rest in one transaction, so a file is either imported or not, never half.
"""
from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import io
import itertools
import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalog, redenominations, units
from .columns import Distinct, as_text
from ..errors import InputError, StrictModeError
from ..store import Store
from .limits import Limits
from .text_columns import ColumnRows, read_columns

log = logging.getLogger("indicators.collectors")
_LOWER_CASE = ("indicator", "item", "price_type")
GENERIC_COLUMNS = ["indicator", "location", "item", "price_type", "date", "value", "unit", "currency",
                   "source", "admin1", "admin2", "pcode", "latitude", "longitude"]
_MAGIC = {b"PK\x03\x04": "a ZIP/XLSX archive", b"%PDF": "a PDF document", b"\x89PNG": "a PNG image",
          b"\xff\xd8\xff": "a JPEG image", b"SQLite format 3": "an SQLite database", b"\x1f\x8b": "a gzip archive"}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass
class Parsed:
    """A source file turned into generic long rows (plus `source_line` and `raw`)."""

    rows: pd.DataFrame
    rows_read: int
    rejects: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    details: pd.DataFrame | None = None  # what `Collector.combine` needs beyond the rows (station reports)


@dataclass
class CollectSummary:
    source_file: str
    collector: str
    rows_read: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)
    rejected: int = 0
    reject_lines: list = field(default_factory=list)
    series: int = 0

    def line(self) -> str:
        name = Path(self.source_file).name
        text = (f"{name}: {self.rows_read} rows read; observations {self.new} new, {self.revised} revised, "
                f"{self.unchanged} unchanged")
        if self.skipped:
            reasons = ", ".join(f"{why}: {n}" for why, n in sorted(self.skipped.items()))
            text += f"; skipped {sum(self.skipped.values())} ({reasons})"
        if self.rejected:
            shown = ", ".join(str(n) for n in self.reject_lines[:5])
            more = ", ..." if len(self.reject_lines) > 5 else ""
            text += f"; rejected {self.rejected} (lines {shown}{more})"
        return text

    def as_dict(self) -> dict:
        out = dict(self.__dict__)
        out["skipped"] = dict(self.skipped)
        return out


class Collector:
    """Base class. Subclasses set `name` and implement `read(path) -> Parsed`."""

    name = ""
    description = ""
    limits = Limits()

    def read(self, path: Path) -> Parsed:  # pragma: no cover - abstract
        raise NotImplementedError

    def capped(self, rejects: list[dict]) -> list[dict]:
        """Rejects with their raw text and reason cut to `limits.max_reject_chars`."""
        limit = self.limits.max_reject_chars
        return [dict(r, raw=cut(r.get("raw") or "", limit), reason=cut(r["reason"], limit)) for r in rejects]

    def combine(self, store: Store, rows: pd.DataFrame, parsed: Parsed, path: Path,
                source_file: str) -> tuple[pd.DataFrame, list[dict]]:
        """Inside the file's transaction: the validated rows to store, combined with what other
        files gave (plus any rejects that combining finds). Most sources need nothing: a row is
        one observation. The stations collector combines station reports across exports."""
        return rows, []

    def collect(self, store: Store, paths, strict: bool = False, run_id: int | None = None) -> list[CollectSummary]:
        return [self.collect_file(store, Path(p), strict=strict, run_id=run_id) for p in paths]

    def collect_file(self, store: Store, path: Path, strict: bool = False, run_id: int | None = None) -> CollectSummary:
        # A file becomes hundreds of thousands of small lists and tuples, none of them in a
        # reference cycle; the cyclic garbage collector would walk them all again and again
        # (about two thirds of the time). Reference counting still frees everything.
        with _cyclic_gc_paused():
            return self._collect_file(store, path, strict, run_id)

    def _collect_file(self, store: Store, path: Path, strict: bool, run_id: int | None) -> CollectSummary:
        try:
            source_file = str(path.resolve())
        except (RuntimeError, OSError) as error:  # a symlink loop (RuntimeError before Python 3.13)
            raise InputError(path, f"cannot be resolved: a symbolic link loop? ({error})") from None
        if path.is_dir():
            raise InputError(path, "is a folder, not a file")
        if not path.is_file():
            raise InputError(path, "a broken symbolic link or a link loop" if path.is_symlink() else "no such file")
        try:
            parsed = self.read(path)
        except OSError as error:  # unreadable (permissions, I/O error): one line, the other files go on
            raise InputError(path, f"cannot be read ({error.strerror or error})") from None
        summary = CollectSummary(source_file=source_file, collector=self.name, rows_read=parsed.rows_read,
                                 skipped=Counter(parsed.skipped))
        rows, rejects, duplicates = validate_rows(parsed.rows)
        summary.skipped.update(duplicates)
        rejects = parsed.rejects + rejects
        for reject in rejects:
            reject["source_file"] = source_file
        try:
            with store.transaction():
                rows, combined_rejects = self.combine(store, rows, parsed, path, source_file)
                rejects += [dict(r, source_file=source_file) for r in combined_rejects]
                ids = store.ensure_series(rows) if not rows.empty else pd.Series(dtype="int64")
                rows = rows.assign(series_id=ids)
                if not rows.empty:  # a series stored in SLL before SLE was known: converted, not a mismatch
                    redenominations.convert_stored(store, rows["series_id"], run_id)
                rows, series_rejects = _check_against_series(store, rows)
                rejects += [dict(r, source_file=source_file) for r in series_rejects]
                # in file order, whichever check found them: --strict names the first bad line
                rejects.sort(key=lambda r: (r.get("line") is None, r.get("line") or 0))
                if strict and rejects:
                    raise StrictModeError(path, f"{len(rejects)} row(s) rejected, nothing imported (--strict); "
                                                f"first: line {rejects[0].get('line')}: {rejects[0]['reason']}",
                                          line=rejects[0].get("line"), field=rejects[0].get("field"))
                counts = store.ingest(rows.assign(source_file=source_file), run_id=run_id)
                store.add_rejects(self.capped(rejects), self.name, run_id)
                summary.series = int(rows["series_id"].nunique()) if not rows.empty else 0
                summary.__dict__.update(counts)
                summary.rejected = len(rejects)
                summary.reject_lines = sorted(r["line"] for r in rejects if r.get("line") is not None)
                store.record_import(source_file=source_file, sha256=_sha256(path), collector=self.name,
                                    rows_read=summary.rows_read, new=summary.new, revised=summary.revised,
                                    unchanged=summary.unchanged, rejected=summary.rejected, run_id=run_id)
        except StrictModeError:
            with store.transaction():  # the data is rolled back; the evidence is kept
                store.add_rejects(self.capped(rejects), self.name, run_id)
            raise
        return summary


def cut(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marked: a reject's stored text stays small (a 256 MB cell
    must not be stored twice)."""
    text = str(text)
    return text if len(text) <= limit else text[:int(limit)] + f"...[cut: {len(text):,} characters]"


def read_text_table(path: Path) -> tuple[list[str], Sequence[tuple[int, list[str], str]]]:
    """Read a delimited text file: (header names, [(line number, fields, raw line)]).

    Handles a UTF-8 BOM, `,` `;` `\\t` or `|` delimiters and quoted fields across lines; refuses
    binary files and empty files with a message naming the file. Header is line 1. `raw` is the
    record's text as the file has it (its lines, without the final line break). A line that is
    not UTF-8, or opens a quote never closed, comes back as `Unreadable` fields: its reject."""
    text, undecodable = _decoded_text(path)
    first = next(iter(text.lstrip()[:1 << 16].splitlines()), "")  # the first line with text (only it is split)
    if first.startswith(("{", "[")):
        raise InputError(path, "not a CSV file: it looks like JSON")
    if first.lower().startswith(("<!doctype", "<html", "<?xml")):
        raise InputError(path, "not a CSV file: it looks like HTML or XML")
    delimiter = max(",;\t|", key=first.count)
    if first.count(delimiter) == 0:
        delimiter = ","
    if 1 in undecodable:
        raise InputError(path, f"the header row is not UTF-8 ({undecodable[1][1]})", line=1)
    _allow_long_fields()
    lines = _lines_of(text, _line_count(text))
    header, rows = read_columns(text, delimiter, lines) or _read_records(path, text, delimiter, lines)
    header = [h.strip().lstrip("\ufeff") for h in header]
    if undecodable:  # rare: the rows as tuples, with the undecodable lines in their place
        rows = sorted(list(rows) + [(n, Unreadable(f"the line is not UTF-8 ({why}); the other lines are read: save "
                                                   "the file as UTF-8"), raw) for n, (raw, why) in undecodable.items()],
                      key=lambda row: row[0])
    return header, rows


def _read_records(path: Path, text: str, delimiter: str, lines: list[str]):
    """`read_text_table` with the csv module, for the files `read_columns` leaves: (header, rows)."""
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        records = None  # the line-by-line reader below names the line at fault
    if not records or len(records) != len(lines):  # a quoted field spans lines (or the CSV is malformed)
        return _read_records_line_by_line(path, io.StringIO(text, newline="").readlines(), delimiter)
    # one record per line: line numbers and raw text come without a Python loop
    rows = TextRows(np.arange(2, len(records) + 1), records[1:], lines[1:])
    has_content = np.fromiter(map(bool, map(str.strip, map("".join, rows.records))), dtype=bool, count=len(rows))
    return records[0], (rows if has_content.all() else rows.where(has_content))


def _line_count(text: str) -> int:
    """The number of lines as the csv module counts them (ended by \\n, \\r\\n or \\r)."""
    returns = text.count("\r")
    breaks = text.count("\n") + (returns - text.count("\r\n") if returns else 0)
    return breaks + (0 if not text or text.endswith(("\n", "\r")) else 1)


def _lines_of(text: str, count: int) -> list[str]:
    """The `count` lines of `text` without their line breaks. `splitlines` also splits at form
    feeds and other separators: when it finds no more than `count` lines, it split at the same
    places, in one call."""
    split = text.splitlines()
    return split if len(split) == count else [line.rstrip("\r\n") for line in io.StringIO(text, newline="")]


class TextRows(Sequence):
    """The data rows of a text table: a sequence of (line number, fields, raw text), kept as three
    columns so that `rows_to_frame` takes them without a tuple per row."""

    def __init__(self, lines: np.ndarray, records: list[list[str]], raws: list[str]):
        self.lines, self.records, self.raws = lines, records, raws

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return TextRows(self.lines[index], self.records[index], self.raws[index])
        return int(self.lines[index]), self.records[index], self.raws[index]

    def where(self, mask: np.ndarray) -> "TextRows":
        return TextRows(self.lines[mask], list(itertools.compress(self.records, mask)),
                        list(itertools.compress(self.raws, mask)))


class Unreadable(list):
    """The fields of a line that could not be read (not UTF-8, a quote never closed): no fields,
    and the reason, which `rows_to_frame` turns into that line's reject."""

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason


def _allow_long_fields() -> None:
    """The csv module refuses a whole file for one field over 131,072 characters; the limit is
    `Limits.max_cell_chars`, checked per row by `rows_to_frame` (that row only is rejected)."""
    if csv.field_size_limit() < 2**31 - 1:
        csv.field_size_limit(2**31 - 1)


def _decoded_text(path: Path) -> tuple[str, dict[int, tuple[str, str]]]:
    """The file's text, and the lines that are not UTF-8 ({line: (raw text, why)}, each left as
    an empty line so that line numbers hold). A file with no UTF-8 text at all (only ASCII and
    Windows-1252 bytes: an Excel export) is read as Windows-1252, with a warning. Refuses empty
    and binary files naming the file."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "file is empty (expected a header row and data rows)")
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(path, f"not a CSV file: it is {kind}")
    if b"\x00" in data[:8192]:
        raise InputError(path, "not a CSV file: it has binary content")
    try:
        return data.decode("utf-8-sig"), {}
    except UnicodeDecodeError:
        pass
    lines, undecodable, utf8_text = [], {}, False
    # bytes.splitlines breaks at \n, \r\n and \r only: the lines as the csv module counts them
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            lines.append(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
            utf8_text = utf8_text or not raw.isascii()
        except UnicodeDecodeError as error:
            lines.append("\n")
            undecodable[number] = (raw.decode("utf-8", errors="replace").rstrip("\r\n"),
                                   f"byte 0x{raw[error.start]:02x} at column {error.start + 1}")
    if not utf8_text:
        log.warning("warning: %s: not UTF-8; read as Windows-1252", path)
        return data.decode("cp1252", errors="replace"), {}
    for number in undecodable:
        log.warning("warning: %s: line %d is not UTF-8: rejected, the other lines are read", path, number)
    return "".join(lines), undecodable


def _read_records_line_by_line(path: Path, lines: list[str], delimiter: str):
    """`read_text_table` for files where a record may span lines: follows the reader's line count.

    A quote that is never closed would swallow the rest of the file into one field: a record
    over several lines whose later lines each read as a whole row is such a runaway quote. Its
    first line is rejected (with a warning) and reading starts again on the next line, so the
    other rows are kept. A line the csv module cannot read at all is rejected the same way."""
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as error:
        raise InputError(path, f"cannot read the header row ({error})", line=1) from error
    header = [h.strip().lstrip("\ufeff") for h in header]
    rows, position = [], reader.line_num  # position: index of the next physical line to read
    while position < len(lines):
        reader = csv.reader(itertools.islice(lines, position, None), delimiter=delimiter)
        read, restart = 0, None
        try:
            for fields in reader:
                start, end = position + read, position + reader.line_num  # the record's lines [start, end)
                read = reader.line_num
                if end - start > 1 and _runaway_quote(lines[start + 1:end], len(header), delimiter):
                    rows.append((start + 1, Unreadable(f"a quote opened on this line is never closed (it would take "
                                                       f"in lines {start + 2}-{end}); the line is rejected and "
                                                       "the next lines are read as rows"),
                                 lines[start].rstrip("\r\n")))
                    log.warning("warning: %s: line %d: a quote is never closed; the line is rejected and the rest "
                                "of the file is read", path, start + 1)
                    restart = start + 1
                    break
                if not any(f.strip() for f in fields):
                    continue
                rows.append((start + 1, fields, "".join(lines[start:end]).rstrip("\r\n")))
        except csv.Error as error:
            start = position + read
            rows.append((start + 1, Unreadable(f"malformed CSV ({error})"), lines[start].rstrip("\r\n")))
            restart = start + 1
        if restart is None:
            break
        position = restart
    return header, rows


def _runaway_quote(continuation: list[str], width: int, delimiter: str) -> bool:
    """Do the later lines of a multi-line record read as whole rows on their own? Text in a
    quoted field rarely has a header's worth of delimiters on each line; rows do."""
    for line in continuation:
        try:
            if len(next(csv.reader([line], delimiter=delimiter), [])) == width:
                return True
        except csv.Error:
            continue
    return False


def field_joiner(delimiter: str = ","):
    """A function writing a row's fields back as one line of delimited text, quoted where a
    field holds the delimiter or a quote, so the `raw` of a reject reads as the row did."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="")

    def join(fields) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(fields)
        return buffer.getvalue()
    return join


def rows_to_frame(path: Path, header: list[str], rows, columns: dict[str, str], required: list[str],
                  max_chars: int = Limits.max_cell_chars, strip: bool = True) -> Parsed:
    """Map a text table to generic columns. `columns` maps generic name -> header name.

    Rows whose field count differs from the header, or with a field over `max_chars`
    characters, are rejected with their line (the other rows are kept). Works on whole columns:
    the cells are stripped once per distinct value (`strip=False` leaves them as read, for rows
    that go straight to `validate_rows`, which strips every column it reads)."""
    missing = [c for c in required if c not in columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}; found {', '.join(header) or 'none'}", line=1)
    width = len(header)
    if isinstance(rows, ColumnRows):
        lines, raws, lengths, fields = rows.lines, rows.raws, rows.widths, None
    else:
        if isinstance(rows, TextRows):
            lines, fields, raws = rows.lines, rows.records, rows.raws
        else:
            lines, fields, raws = (list(part) for part in zip(*rows)) if rows else ([], [], [])
        lengths = np.fromiter(map(len, fields), dtype=np.int64, count=len(fields))
    ragged = np.flatnonzero(lengths != width)
    rejects = [{"line": int(lines[i]), "field": "", "raw": raws[i],
                "reason": fields[i].reason if fields is not None and isinstance(fields[i], Unreadable)
                else f"{lengths[i]} fields where the header has {width}"} for i in ragged]
    keep = np.flatnonzero(lengths == width)
    # a field over the limit rejects its row only (the csv module refused the whole file); no
    # field is longer than its row's text, so only long rows are measured field by field
    raw_sizes = np.fromiter(map(len, raws), dtype=np.int64, count=len(raws))
    long_rows = keep[raw_sizes[keep] > max_chars]
    too_long = set()
    for i in long_rows:
        sizes = [len(cell) for cell in (rows[i][1] if fields is None else fields[i])]
        column = int(np.argmax(sizes))
        if sizes[column] > max_chars:
            too_long.add(i)
            rejects.append({"line": int(lines[i]), "field": header[column], "raw": raws[i],
                            "reason": f"field {header[column]!r} has {sizes[column]:,} characters, over the "
                                      f"limit of {max_chars:,} (limits.max_cell_chars)"})
    if too_long:
        rejects.sort(key=lambda r: r["line"])
        keep = np.asarray([i for i in keep if i not in too_long], dtype=np.intp)
    if fields is None:
        cells = rows.columns if len(keep) == len(rows) else [column[keep] for column in rows.columns]
    else:
        cells = [np.asarray(column, dtype=object) for column in zip(*(fields[i] for i in keep))] if len(keep) \
            else [np.empty(0, dtype=object)] * width
    data = {name: Distinct.of(cells[header.index(col)]).rows(lambda text: text.str.strip()) if strip
            else np.asarray(cells[header.index(col)], dtype=object) for name, col in columns.items()}
    data["source_line"] = np.asarray(lines, dtype=np.int64)[keep]
    data["raw"] = np.asarray(raws, dtype=object)[keep]
    frame = pd.DataFrame(data, columns=list(columns) + ["source_line", "raw"])
    return Parsed(rows=frame, rows_read=len(rows), rejects=rejects)


def validate_rows(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[dict], Counter]:
    """Validate and normalise generic long rows; return (good rows, rejects, skipped counts).

    Good rows have a normalised `date` (YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS), a float
    `value` in the series' canonical unit, and `unit` set to that canonical unit.

    Every check runs on whole columns, once per distinct value (`columns.Distinct`); reasons are
    written only for the rows that fail, each row keeping the first check it failed."""
    frame = rows  # columns are added with `assign`: the caller's frame stays as it is
    size = len(frame)
    if "raw" not in frame.columns:
        frame = frame.assign(raw="")
    if "source_line" not in frame.columns:
        frame = frame.assign(source_line=None)
    text = {name: Distinct.of(frame[name]).map(lambda cells, lower=name in _LOWER_CASE:
                                                as_text(cells).str.lower() if lower else as_text(cells))
            if name in frame.columns else Distinct.constant("", size)
            for name in GENERIC_COLUMNS if name not in ("latitude", "longitude")}
    ok = np.ones(size, dtype=bool)
    reasons = np.full(size, "", dtype=object)
    fields = np.full(size, "", dtype=object)

    def fail(mask, field_name, message):
        """Reject the rows of `mask` not yet rejected; `message` is a text, or a function of
        their positions giving one text each (so that only failing rows are formatted)."""
        where = np.flatnonzero(mask & ok)
        if len(where):
            reasons[where] = message(where) if callable(message) else message
            fields[where] = field_name
            ok[where] = False

    for key in ("indicator", "location", "date"):
        fail(text[key].test(lambda cell: cell == ""), key, f"missing {key}")
    # only an empty cell is missing: the text "nan" is a value that is not a number
    raw_value = text["value"].rows()
    fail(text["value"].test(lambda cell: cell == ""), "value", "missing value")
    value = text["value"].rows(lambda cells: pd.to_numeric(cells, errors="coerce"), dtype="float64")
    fail(~np.isfinite(value), "value", lambda at: [f"value {raw_value[i]!r} is not a number" for i in at])
    dates = text["date"].map(normalise_dates)
    fail(dates.test(pd.isna), "date", lambda at: [f"date {text['date'].rows()[i]!r} is not ISO 8601 (YYYY-MM-DD, "
                                                  "YYYY-MM or a date-time)" for i in at])

    indicator_unit = Distinct.pairs(text["indicator"], text["unit"])
    resolved = []
    for pair in indicator_unit.uniques:  # few distinct (indicator, unit) pairs: resolve each once
        try:
            unit = unit_for(*pair)
            resolved.append((unit.canonical, unit.factor, ""))
        except units.UnitError as error:
            resolved.append((None, np.nan, str(error)))
    canonical, factor, unit_error = (np.asarray([r[i] for r in resolved], dtype=object) for i in range(3))
    fail((unit_error != "")[indicator_unit.codes], "unit", lambda at: unit_error[indicator_unit.codes[at]])
    with np.errstate(over="ignore"):  # an overflow to infinity is rejected just below
        value = value * factor.astype("float64")[indicator_unit.codes]
    # 1e308 XOF/500 G is finite as written but not per KG: a stored infinity would be scored "crisis, score inf"
    fail(~np.isfinite(value), "value", lambda at: [f"value {raw_value[i]!r} is too large: it is not a finite number "
                                                   f"in {canonical[indicator_unit.codes[i]]}" for i in at])

    coordinates = {}
    for name in ("latitude", "longitude"):
        if name not in frame.columns:
            coordinates[name] = np.full(size, np.nan)
            continue
        raw = Distinct.of(frame[name]).map(lambda cells: as_text(cells).replace({"nan": ""}))  # NaN: an empty cell
        number = raw.rows(lambda cells: pd.to_numeric(cells, errors="coerce"), dtype="float64")
        limit = 90 if name == "latitude" else 180
        fail(raw.test(lambda cell: cell != "") & ~(np.abs(number) <= limit), name,
             lambda at, raw=raw.rows(), name=name, limit=limit:
             [f"{name} {raw[i]!r} is not a number between -{limit} and {limit}" for i in at])
        coordinates[name] = number

    for code, indicator in enumerate(text["indicator"].uniques):
        definition = catalog.get(indicator)
        own = text["indicator"].codes == code
        for bound, beyond, word in ((definition.min, np.less, "below the minimum"),
                                    (definition.max, np.greater, "above the maximum")):
            if bound is not None:
                fail(own & beyond(value, bound), "value",
                     lambda at, bound=bound, word=word, definition=definition:
                     [f"value {value[i]:g} is {word} {bound:g} for {definition.name} ({definition.unit})" for i in at])

    lines, raws = frame["source_line"].to_numpy(dtype=object), frame["raw"].to_numpy(dtype=object)
    rejects = [{"line": _line(lines[i]), "field": fields[i], "raw": raws[i], "reason": reasons[i]}
               for i in np.flatnonzero(~ok)]
    currency = Distinct.pairs(text["currency"], Distinct(indicator_unit.codes, canonical))
    series = Distinct.pairs(Distinct.pairs(text["indicator"], text["location"]),
                            Distinct.pairs(text["item"], text["price_type"]))
    # every series says what it measures: the catalog's description unless the collector gave one
    given = (frame["description"].fillna("").to_numpy(dtype=object) if "description" in frame.columns
             else np.full(size, "", dtype=object))
    described = text["indicator"].rows(lambda names: [catalog.get(n).description for n in names])
    # a column with one value (often a column the file does not have) is assigned as that value
    columns = {name: column.uniques[0] if len(column.uniques) == 1 else column.rows() for name, column in text.items()}
    columns.update(coordinates, date=dates.rows(), unit=canonical[indicator_unit.codes], value=value,
                   currency=currency.rows(lambda pairs: [c or _currency_of(u) for c, u in pairs]),
                   description=np.where(given != "", given, described),
                   key_series=series.codes, key_date=dates.codes)
    frame = frame.assign(**columns)
    frame = redenominations.convert(frame)  # SLL -> SLE: one currency per series across the change
    good, conflicts, skipped = _collapse_duplicates(frame if ok.all() else frame[ok], keys=["key_series", "key_date"])
    return good.drop(columns=["key_series", "key_date"]), rejects + conflicts, skipped


def unit_for(indicator: str, unit_text: str) -> units.Unit:
    """The canonical unit of a row: its own unit if given (checked against the catalog's
    dimension for built-in indicators), else the catalog's unit."""
    definition = catalog.get(indicator)
    if not unit_text:
        if definition.builtin:
            return units.parse(definition.unit)
        return units.Unit("", 1.0, "other")
    try:
        unit = units.parse(unit_text)
    except units.UnitError:
        if definition.builtin:
            raise
        return units.Unit(unit_text, 1.0, "other")  # user-defined indicator: keep its unit as written
    if definition.builtin:
        expected = units.parse(definition.unit)
        compatible = {expected.dimension} | ({"duration", "duration/day"} if expected.dimension.startswith("duration") else set())
        compatible |= {units.parse(u).dimension for u in definition.extra.get("alternative_units", [])}
        if unit.dimension not in compatible:
            raise units.UnitError(f"unit {unit_text!r} does not fit {indicator} (expected {definition.unit})")
        if unit.dimension.startswith("duration"):
            return units.Unit(expected.canonical, unit.factor, expected.dimension)
    return unit


def normalise_dates(raw: pd.Series) -> pd.Series:
    """ISO dates to stored form: YYYY-MM stays, YYYY-MM-DD stays, date-times become
    YYYY-MM-DDTHH:MM:SS (UTC when a zone is given). Anything else becomes NA."""
    out = pd.Series(pd.NA, index=raw.index, dtype=object)
    text = raw.fillna("").astype(str).str.strip()
    month = text.str.match(_MONTH)
    out[month] = text[month]
    day = text.str.match(_DAY) & ~month
    parsed = pd.to_datetime(text[day], format="%Y-%m-%d", errors="coerce")
    out[day] = text[day].where(parsed.notna(), pd.NA)  # a real day, zero-padded (the pattern): kept as written
    moment = text.str.match(_DATETIME) & ~day & ~month
    if moment.any():
        stamps = pd.Series([_parse_moment(t) for t in text[moment]], index=text[moment].index, dtype=object)
        out[moment] = stamps
    return out


def _parse_moment(text: str):
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        return pd.NA
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S")


def _collapse_duplicates(frame: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, list[dict], Counter]:
    """Exact duplicates of a (series, date) collapse; a different value for the same
    (series, date) in one file is a conflict: one row is kept, the others are rejected.

    The kept row is the first line, unless the collector ranked rows with a `preference`
    column (lower wins, e.g. WFP `actual` before `aggregate`) and a `preference_label`
    naming the rank in the reject reason. `keys` name the columns that identify a (series, date)."""
    skipped = Counter()
    if "preference" in frame.columns:
        frame = frame.sort_values(["preference", "source_line"], kind="stable")
    dup_exact = frame.duplicated(keys + ["value"], keep="first")
    if dup_exact.any():
        skipped["duplicate rows"] = int(dup_exact.sum())
        frame = frame[~dup_exact]
    conflict = frame.duplicated(keys, keep="first")
    rejects = []
    if not conflict.any():  # the usual case: nothing to take out
        return (frame.sort_index() if "preference" in frame.columns else frame), rejects, skipped
    firsts = frame[~conflict].set_index(keys)
    for row in frame[conflict].itertuples(index=False):
        kept = firsts.loc[tuple(getattr(row, k) for k in keys)]
        rule = "the first line wins"
        if "preference" in frame.columns and kept["preference"] != row.preference:
            rule = f"{kept['preference_label']} preferred over {row.preference_label}"
        rejects.append({"line": _line(row.source_line), "field": "value", "raw": getattr(row, "raw", ""),
                        "reason": f"conflicts with line {_line(kept['source_line'])} for the same series and date "
                                  f"({row.value:g} here, {kept['value']:g} kept: {rule})"})
    return frame[~conflict].sort_index().copy(), rejects, skipped


def _check_against_series(store: Store, rows: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Rows must agree with their series, stored or new: the same unit, and one kind of date
    (months, days or date-times; for a new series, that of its first line in the file). Other
    rows are rejected, not mixed in."""
    if rows.empty:
        return rows, []
    # only the series this file touches: a store may hold hundreds of thousands
    touched = json.dumps(np.unique(rows["series_id"].to_numpy(dtype=np.int64)).tolist())
    stored = store.query_frame(
        "SELECT id AS series_id, unit AS stored_unit, "
        "(SELECT MAX(date) FROM observations o WHERE o.series_id = series.id) AS stored_date "
        "FROM series WHERE id IN (SELECT value FROM json_each(?))", [touched])
    stored = stored.set_index("series_id")
    series_ids = rows["series_id"].to_numpy()
    kind = Distinct.of(rows["date"]).rows(lambda dates: [_date_kind(d) for d in dates])
    line_numbers = pd.to_numeric(rows["source_line"], errors="coerce")
    order = (np.arange(len(rows)) if line_numbers.is_monotonic_increasing  # the usual case: rows in file order
             else np.argsort(line_numbers.to_numpy(dtype=float), kind="stable"))
    first_kind = pd.Series(kind[order], index=series_ids[order])  # in file order: a new series' first line
    first_kind = first_kind[~first_kind.index.duplicated()]
    stored_kind = stored["stored_date"].map(lambda d: _date_kind(d) if isinstance(d, str) else None)
    expected = stored_kind.where(stored_kind.notna(), first_kind.reindex(stored.index)).reindex(series_ids).to_numpy()
    stored_unit = stored["stored_unit"].fillna("").reindex(series_ids).to_numpy(dtype=object)
    unit = rows["unit"].to_numpy(dtype=object)
    bad_unit = (stored_unit != "") & (unit != stored_unit)
    bad_date = ~bad_unit & (kind != expected)
    lines, raws, dates = (rows[c].to_numpy(dtype=object) for c in ("source_line", "raw", "date"))
    rejects = [{"line": _line(lines[i]), "field": "unit", "raw": raws[i],
                "reason": f"unit {unit[i]} differs from the series unit {stored_unit[i]}"}
               for i in np.flatnonzero(bad_unit)]
    rejects += [{"line": _line(lines[i]), "field": "date", "raw": raws[i],
                 "reason": f"date {dates[i]!r} is {_DATE_KINDS[kind[i]][0]}, "
                           f"but the series has {_DATE_KINDS[expected[i]][1]}"}
                for i in np.flatnonzero(bad_date)]
    return rows[~(bad_unit | bad_date)], rejects


_DATE_KINDS = {"month": ("a month", "months (YYYY-MM)"), "day": ("a day", "days (YYYY-MM-DD)"),
               "date-time": ("a date-time", "date-times (YYYY-MM-DDTHH:MM:SS)")}


def _date_kind(date: str) -> str:
    """The kind of a stored date: 'month' (YYYY-MM), 'day' (YYYY-MM-DD) or 'date-time'."""
    return "date-time" if "T" in date else "day" if len(date) == 10 else "month"


def _currency_of(unit: str) -> str:
    head = (unit or "").split("/")[0]
    return head if re.fullmatch(r"[A-Z]{3}", head) else ""


def _line(value):
    return None if value is None or pd.isna(value) else int(value)


@contextlib.contextmanager
def _cyclic_gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


