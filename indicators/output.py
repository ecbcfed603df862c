"""Print frames as a readable table, CSV with a header row, JSON records, or the files people
open elsewhere: XLSX (one sheet, typed columns), Parquet (DuckDB, pandas, R arrow) and HXL (an
HDX CSV with a hashtag row under the header, in the tags WFP's HDX files use).

Text that a spreadsheet would run as a formula (a cell starting with `=`, `+`, `-`, `@`, a tab
or a carriage return, as OWASP lists them) is neutralised in every CSV written, here and in the
report: it gets a leading `'`, which spreadsheets show as text. Numbers stay numbers (a number
column, or text that is only a number such as `-12.5`, is left alone). XLSX cells are written as
text cells, never formulas.
"""
from __future__ import annotations

import io
import json
import math
import re
import sys

# pandas is imported where a frame is written: `track --help` should not pay for it

from .errors import OutputError

FORMATS = ("table", "csv", "json", "xlsx", "parquet", "hxl")
BINARY_FORMATS = ("xlsx", "parquet")
XLSX_MAX_ROWS = 1_048_576 - 1  # a sheet's rows, less the header
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE_COLUMNS = {"date", "first_date", "last_date", "origin", "collected_at", "last_collected", "superseded_at",
                 "detected_at", "raised_at", "rejected_at", "created_at", "updated_at", "started_at", "ended_at"}

# HXL hashtags: those of WFP's HDX food price files where a column means the same thing
# (#date, #adm1+name, #loc+market+name, #item+name, #item+unit, #item+price+type, #currency+code,
# #value, #geo+lat, #geo+lon), HXL core tags for the rest.
HXL_TAGS = {
    "indicator": "#indicator+name", "location": "#loc+market+name", "item": "#item+name",
    "price_type": "#item+price+type", "date": "#date", "value": "#value", "unit": "#item+unit",
    "currency": "#currency+code", "source": "#meta+source", "admin1": "#adm1+name", "admin2": "#adm2+name",
    "pcode": "#loc+code", "latitude": "#geo+lat", "longitude": "#geo+lon", "frequency": "#frequency",
    "description": "#description", "source_file": "#meta+source+file", "source_line": "#meta+source+line",
    "collected_at": "#date+collected", "expected": "#value+expected", "lower": "#value+lower",
    "upper": "#value+upper", "score": "#indicator+score", "severity": "#severity", "detector": "#meta+method",
    "explanation": "#description+explanation", "observations": "#indicator+num", "first_date": "#date+start",
    "last_date": "#date+end", "new_value": "#value+new", "superseded_at": "#date+superseded",
    "reason": "#description+reason", "line": "#meta+source+line", "raw": "#meta+raw", "field": "#meta+field",
}


def write_frame(frame: "pd.DataFrame", fmt: str, stream=None) -> None:
    import pandas as pd

    stream = stream or sys.stdout
    if fmt in BINARY_FORMATS:
        target = getattr(stream, "buffer", stream)
        if hasattr(target, "isatty") and target.isatty():
            raise OutputError(f"--format {fmt} is a binary file: redirect the output (> export.{fmt})")
        data = to_xlsx(frame) if fmt == "xlsx" else to_parquet(frame)
        stream.flush()
        target.write(data)
        target.flush()
    elif fmt == "csv":
        spreadsheet_safe(frame).to_csv(stream, index=False, lineterminator="\n")
    elif fmt == "hxl":
        to_hxl(frame, stream)
    elif fmt == "json":
        json.dump(json_records(frame), stream, ensure_ascii=False, indent=1, allow_nan=False)
        stream.write("\n")
    else:
        if frame.empty:
            stream.write("(none)\n")
            return
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250,
                               "display.max_colwidth", 120):
            stream.write(frame.to_string(index=False) + "\n")


def write_current(frame: "pd.DataFrame", width: int, total_flagged: int, stream=None) -> None:
    """The readable current view of `alerts`: one line per series flagged at its latest date, most
    severe first, cut to the terminal's `width`; then how to see every date."""
    stream = stream or sys.stdout
    if frame.empty:
        stream.write("No series is flagged at its latest date.\n")
    for row in frame.itertuples(index=False):
        series = " ".join(str(part) for part in (row.location, row.item, row.price_type) if part)
        head = f"{row.severity:<7} {row.date:<10} {row.indicator} {series}: "
        text = head + str(row.explanation).split(": ", 1)[-1]
        stream.write((text if len(text) <= width else text[:max(width - 1, 20)] + "…") + "\n")
    stream.write(f"{len(frame)} series flagged at their latest date; {total_flagged} flagged dates in all "
                 f"(--history lists every one, --format csv or json for programs).\n")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with text cells that a spreadsheet would run as a formula prefixed with `'`."""
    import pandas as pd

    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if not text:
        return frame
    return frame.assign(**{str(c): frame[c].map(_safe_text) for c in text})


def _safe_text(value):
    if isinstance(value, str) and value and (value[0] in _FORMULA_START or value.lstrip(" ")[:1] in _FORMULA_START) \
            and not _PLAIN_NUMBER.match(value.strip()):
        return "'" + value
    return value


def to_hxl(frame: pd.DataFrame, stream) -> None:
    """CSV with the HXL hashtag row under the header (HDX's convention)."""
    import pandas as pd

    tags = {c: HXL_TAGS.get(c, "#meta+" + re.sub(r"[^a-z0-9_]", "_", str(c).lower())) for c in frame.columns}
    tag_row = pd.DataFrame([tags], columns=frame.columns)
    pd.concat([tag_row, spreadsheet_safe(frame).astype(object)], ignore_index=True) \
        .to_csv(stream, index=False, lineterminator="\n")


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet through fastparquet's own writer (pandas deprecates its fastparquet engine)."""
    import tempfile
    from pathlib import Path

    import fastparquet

    clean = frame.copy()
    for column in clean.columns:  # one type per column: mixed object columns are text
        if clean[column].dtype == object and clean[column].map(type).nunique() > 1 + clean[column].isna().any():
            clean[column] = clean[column].map(lambda v: None if _missing(v) else str(v))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.parquet"
        fastparquet.write(str(path), clean.reset_index(drop=True), write_index=False)
        return path.read_bytes()


def to_xlsx(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """One sheet: a bold frozen header, numbers as numbers, dates as dates (months shown
    YYYY-MM), text as text cells (never formulas)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if len(frame) > XLSX_MAX_ROWS:
        raise OutputError(f"{len(frame):,} rows do not fit in one XLSX sheet ({XLSX_MAX_ROWS:,} at most): "
                          "use --format csv or parquet, or a filter")
    book = openpyxl.Workbook(write_only=True)
    page = book.create_sheet(sheet)
    page.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in frame.columns:
        cell = WriteOnlyCell(page, value=str(name))
        cell.font = bold
        header.append(cell)
    page.append(header)
    dates = {i for i, c in enumerate(frame.columns) if c in _DATE_COLUMNS}
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for i, value in enumerate(row):
            if _missing(value):
                cells.append(None)
                continue
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                cells.append(None)
                continue
            if isinstance(value, str) and i in dates:
                moment, shown = _as_date(value)
                if moment is not None:
                    cell = WriteOnlyCell(page, value=moment)
                    cell.number_format = shown
                    cells.append(cell)
                    continue
            if isinstance(value, str):
                cell = WriteOnlyCell(page, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # "=1+1" stays the text it is
                cells.append(cell)
                continue
            cells.append(value if isinstance(value, (int, float, bool)) else str(value))
        page.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _as_date(text: str):
    """(datetime, number format) for the stored date forms, else (None, None)."""
    import datetime as dt
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return dt.datetime.strptime(text, "%Y-%m"), "yyyy-mm"
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.datetime.strptime(text, "%Y-%m-%d"), "yyyy-mm-dd"
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None, None
    if moment.tzinfo is not None:  # stored stamps are UTC; Excel has no time zones
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment, "yyyy-mm-dd hh:mm:ss"


def _missing(value) -> bool:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def json_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts (NaN becomes null, numpy scalars become Python numbers)."""
    return [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _json_value(value):
    """JSON has no NaN or Infinity (Python would print them, and most parsers then refuse the
    whole document): a missing or non-finite number is null."""
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
