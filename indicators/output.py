"""Print frames as a readable table, CSV with a header row, or JSON records."""
from __future__ import annotations

import json
import math
import sys

# pandas is imported where a frame is written: `track --help` should not pay for it

FORMATS = ("table", "csv", "json")


def write_frame(frame: "pd.DataFrame", fmt: str, stream=None) -> None:
    import pandas as pd

    stream = stream or sys.stdout
    if fmt == "csv":
        frame.to_csv(stream, index=False, lineterminator="\n")
    elif fmt == "json":
        json.dump(json_records(frame), stream, ensure_ascii=False, indent=1)
        stream.write("\n")
    else:
        if frame.empty:
            stream.write("(none)\n")
            return
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250,
                               "display.max_colwidth", 120):
            stream.write(frame.to_string(index=False) + "\n")


def json_records(frame: "pd.DataFrame") -> list[dict]:
    """Rows as JSON-ready dicts (NaN becomes null, numpy scalars become Python numbers)."""
    return [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _json_value(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
