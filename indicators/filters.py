"""Filters the read commands take (`--since`, `--indicator`), checked before they are used: a
typo fails naming what is accepted instead of silently selecting nothing."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from . import catalog
from .errors import ConfigError

SINCE_FORMS = "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]"
_SINCE = re.compile(r"^\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?)?)?$")


def parse_since(text: str | None) -> str | None:
    """`--since` in the stored date forms: '2025' -> '2025-01', '2025-11', '2025-11-15',
    '2025-11-15 06:00' -> '2025-11-15T06:00:00'. Raises `ConfigError` for anything else
    ('yesterday', '2025-13-01')."""
    if text is None:
        return None
    text = text.strip()
    if not _SINCE.match(text):
        raise ConfigError(f"--since {text!r} is not a date; accepted: {SINCE_FORMS}")
    try:
        if len(text) == 4:
            return f"{text}-01"
        if len(text) == 7:
            dt.date(int(text[:4]), int(text[5:7]), 1)
            return text
        if len(text) == 10:
            return dt.date.fromisoformat(text).isoformat()
        return dt.datetime.fromisoformat(text.replace(" ", "T")).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError as error:
        raise ConfigError(f"--since {text!r} is not a valid date ({error}); accepted: {SINCE_FORMS}") from None


def since_mask(dates: pd.Series, since: str | None) -> pd.Series:
    """Rows whose period ends on or after `since` (a `parse_since` result): a monthly date
    '2025-11' is kept for since '2025-11-15' (the month is not over on the 15th), a day
    '2025-11-15' for since '2025-11-15T06:00:00'."""
    if since is None:
        return pd.Series(True, index=dates.index)
    text = dates.astype(str)
    lengths = text.str.len()
    bound = pd.Series([since[:n] if n in (7, 10) else since for n in lengths], index=dates.index, dtype=object)
    return text >= bound


def check_indicator(name: str | None, stored: list[str]) -> None:
    """An `--indicator` must be a catalog name or an indicator the store holds."""
    if name is None:
        return
    known = sorted(set(catalog.builtin_names()) | set(stored))
    if name not in known:
        raise ConfigError(f"--indicator {name!r} is unknown; accepted: {', '.join(known)}")
