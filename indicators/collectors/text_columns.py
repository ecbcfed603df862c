"""A delimited text table read in bulk: pandas' C parser, whole columns, no Python per row.

`read_text_table` tries this first. It applies when every record is one line (no quoted field
spans lines) and the parser reads the file as the csv module would; otherwise it returns None and
the csv module reads the file line by line (runaway quotes, malformed lines, rows wider than the
header), so the rows and rejects are the same either way. The checks that need a row's own fields
(its field count, an empty row, a cell over the size limit) run on whole columns first and look
at single rows only where a cheap test says a row might fail.
"""
from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd


class ColumnRows(Sequence):
    """The data rows of a text table as columns: a sequence of (line number, fields, raw text).

    `columns` holds one array per header column (a short row's missing cells are empty) and
    `widths` each row's own field count, so a short row is still known as one."""

    def __init__(self, lines: np.ndarray, columns: list[np.ndarray], raws: np.ndarray, widths: np.ndarray):
        self.lines, self.columns, self.raws, self.widths = lines, columns, raws, widths

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.where(index)
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return int(self.lines[index]), [c[index] for c in self.columns][:self.widths[index]], self.raws[index]

    def where(self, selection) -> "ColumnRows":
        """The rows picked by a boolean mask, positions or a slice."""
        return ColumnRows(self.lines[selection], [c[selection] for c in self.columns], self.raws[selection],
                          self.widths[selection])


def read_columns(text: str, delimiter: str, lines: list[str]) -> tuple[list[str], ColumnRows] | None:
    """(header, rows) of `text` (whose lines, without line breaks, are `lines`), or None when the
    file must be read record by record. Rows with no content are left out, as the csv module
    reading gives them."""
    if "\x00" in text or not lines:
        return None
    try:
        header = next(csv.reader([lines[0]], delimiter=delimiter))
        table = pd.read_csv(io.StringIO(text, newline=""), sep=delimiter, header=None, dtype=object,
                            na_filter=False, skip_blank_lines=False, engine="c", low_memory=False)
    except (csv.Error, StopIteration, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None  # ValueError: the C parser's own limits (a huge field, odd characters)
    # a record over several lines: fewer records than lines; a header that is not the widest row
    if len(table) != len(lines) or table.shape[1] != len(header):
        return None
    columns = [np.asarray(table[c].to_numpy(dtype=object)[1:], dtype=object) for c in table.columns]
    raws = np.asarray(lines[1:], dtype=object)
    widths = _field_counts(columns, raws, delimiter, len(header))
    rows = ColumnRows(np.arange(2, len(lines) + 1), columns, raws, widths)
    empty = _empty_rows(rows)
    return header, (rows.where(~empty) if empty.any() else rows)


def _field_counts(columns: list[np.ndarray], raws: np.ndarray, delimiter: str, width: int) -> np.ndarray:
    """Each row's own field count. The parser pads a short row with empty cells, so only a row
    whose last cell is empty can be short: those are counted from their text."""
    widths = np.full(len(raws), width, dtype=np.int64)
    if not len(raws):
        return widths
    maybe_short = np.flatnonzero(columns[-1] == "")
    for i in maybe_short:
        raw = raws[i]
        widths[i] = raw.count(delimiter) + 1 if '"' not in raw else len(next(csv.reader([raw], delimiter=delimiter), []))
    return widths


def _empty_rows(rows: ColumnRows) -> np.ndarray:
    """Rows with nothing but white space in every field (the csv module reads none for them).
    Only a row whose first cell is blank can be one: those are looked at one by one."""
    empty = np.zeros(len(rows), dtype=bool)
    if not len(rows):
        return empty
    first = rows.columns[0]
    blank = np.fromiter(map(str.isspace, first), dtype=bool, count=len(first)) | (first == "")
    for i in np.flatnonzero(blank):
        empty[i] = not any(cell.strip() for cell in itertools.islice((c[i] for c in rows.columns), rows.widths[i]))
    return empty
