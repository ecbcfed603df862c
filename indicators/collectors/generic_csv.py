"""`collect csv`: the generic long CSV of DESIGN.md.

Columns (any order, case-insensitive): indicator, location, item, date, value, unit; optional
price_type, currency, source, admin1, admin2, pcode, latitude, longitude. `,` `;` or tab.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .base import GENERIC_COLUMNS, Collector, Parsed, read_text_table, rows_to_frame
from .columns import Distinct

REQUIRED = ["indicator", "location", "date", "value"]
DEFAULT_SOURCE = "CSV file"  # a series' source when the file has no source column (or an empty cell)


class GenericCSVCollector(Collector):
    name = "csv"
    description = "Generic long CSV: indicator,location,item,date,value,unit[,price_type,currency,...]"

    def read(self, path: Path) -> Parsed:
        header, rows = read_text_table(path)
        lowered = [h.lower() for h in header]
        for name in GENERIC_COLUMNS:
            if lowered.count(name) > 1:
                raise InputError(path, f"column {name!r} appears {lowered.count(name)} times in the header "
                                       "(which one holds the data?)", line=1)
        columns = {name: header[lowered.index(name)] for name in GENERIC_COLUMNS if name in lowered}
        parsed = rows_to_frame(path, header, rows, columns, REQUIRED, max_chars=self.limits.max_cell_chars,
                               strip=False)  # validate_rows strips
        frame = parsed.rows
        default = f"{DEFAULT_SOURCE} ({path.name})"
        frame["source"] = (Distinct.of(frame["source"]).rows(lambda source: source.where(source.str.strip() != "", default))
                           if "source" in frame else default)
        return parsed
