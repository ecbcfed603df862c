"""The detector interface (template method, as in adtk and darts).

`Detector.detect(values, info)` validates the input (a unique, sorted date index), puts the
series on its regular calendar, and calls the subclass's `_detect`. A detector returns, for
each scored date, the expected value with its band, a continuous score and a severity, plus an
explanation a person can read. Scores and severities are separate: `severity.phase` turns a
score into a phase with the detector's thresholds.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import catalog, seasons, units
from ..catalog import Indicator

OUTPUT_COLUMNS = ["date", "value", "expected", "lower", "upper", "score", "severity", "explanation"]
# Sub-daily series keep their native sampling interval (minutes; `store.infer_frequency` picks it,
# an irregular feed gets its most common one). Their seasonal cycle is the time of day.
INTERVALS = {"1min": 1, "5min": 5, "10min": 10, "15min": 15, "30min": 30, "hourly": 60}
PERIODS = {"monthly": 12, "weekly": 52, "daily": 7, **{name: 24 * 60 // step for name, step in INTERVALS.items()}}
PANDAS_FREQ = {"monthly": "M", "weekly": "W", "daily": "D", "hourly": "h",
               **{name: "min" for name in INTERVALS if name != "hourly"}}

STEP_WORDS = {"monthly": "months", "weekly": "weeks", "daily": "days", "hourly": "hours",
              **{name: f"intervals of {step} min" for name, step in INTERVALS.items() if name != "hourly"}}


def is_subdaily(frequency: str) -> bool:
    return frequency in INTERVALS


def per_interval(table: dict, span: bool = False, most: int | None = None) -> dict:
    """`table` (keyed monthly, weekly, daily, hourly) with an entry for every sub-daily interval:
    the hourly one, converted when `span` from a count of hours to the same time in points of that
    interval (at most `most` points), so that a rule means the same time at every interval."""
    hourly = table["hourly"]
    out = dict(table)
    for name, step in INTERVALS.items():
        if name != "hourly":
            value = hourly * 60 // step if span else hourly
            out[name] = min(value, most) if span and most else value
    return out


@dataclass(frozen=True)
class SeriesInfo:
    """What a detector may know about a series besides its values."""

    indicator: str
    location: str
    item: str = ""
    price_type: str = ""
    unit: str = ""
    frequency: str = ""
    series_id: int | None = None
    # series metadata (JSON in the store), e.g. a job's per-source zone and crop_calendar settings
    metadata: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_store(cls, row, series_id: int | None = None) -> "SeriesInfo":
        """From a row of `Store.series()` (its metadata is stored as JSON text)."""
        return cls(indicator=row.indicator, location=row.location, item=row.item, price_type=row.price_type,
                   unit=row.unit, frequency=row.frequency, series_id=series_id, metadata=_metadata(row.metadata))

    def crop_calendar(self):
        """The crop calendar for this series' item and market, honouring a `zone` and
        `crop_calendar` override in its metadata (see `seasons.calendar_for`); None when none
        applies."""
        return seasons.calendar_for(self.item, self.metadata.get("zone") or seasons.DEFAULT_ZONE,
                                    self.metadata.get("crop_calendar"), location=self.location)

    @property
    def definition(self) -> Indicator:
        return catalog.get(self.indicator)

    def label(self) -> str:
        """'Millet retail price in Segou', 'Fuel availability (petrol) in Bamako'."""
        definition = self.definition
        if self.indicator.endswith("_price") and self.item:
            kind = f"{self.item.capitalize()} {self.price_type + ' ' if self.price_type else ''}price"
            return f"{kind} in {self.location}"
        detail = f" ({self.item})" if self.item else ""
        return f"{definition.title}{detail} in {self.location}"


def output_columns(date, value, expected, lower, upper, score, severity, explanation) -> dict:
    """A detector's output (`OUTPUT_COLUMNS`) as equal-length arrays or lists, for
    `DetectionResult(..., columns=...)`."""
    return dict(zip(OUTPUT_COLUMNS, (date, value, expected, lower, upper, score, severity, explanation)))


def output_frame(date, value, expected, lower, upper, score, severity, explanation) -> pd.DataFrame:
    """`output_columns` as a frame, built once: adding, selecting and dropping pandas columns one
    by one costs more than the statistics here."""
    return pd.DataFrame(output_columns(date, value, expected, lower, upper, score, severity, explanation))


_NO_OUTPUT = pd.DataFrame(columns=OUTPUT_COLUMNS)
_TEXT_COLUMNS = {"date", "severity", "explanation"}


class DetectionResult:
    """What a detector says about one series: `status` ("scored", "insufficient_history", ...),
    a `message`, and its output rows (`OUTPUT_COLUMNS`), given as a `frame` or as plain `columns`
    (`output_columns`). A frame is built from the columns only when asked for: the store and the
    workers take the columns, and a pandas frame for every detector of every series (most of them
    empty on a large store) costs more than most detectors' statistics."""

    __slots__ = ("status", "message", "_frame", "_columns")

    def __init__(self, status: str, message: str = "", frame: pd.DataFrame | None = None,
                 columns: dict | None = None):
        self.status, self.message = status, message
        self._frame, self._columns = frame, columns

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = _NO_OUTPUT.copy() if self._columns is None else pd.DataFrame(self._columns)
        return self._frame

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """The rows as one array per column of `OUTPUT_COLUMNS` (text columns as object arrays)."""
        if self._columns is None and self._frame is not None:
            return {name: self._frame[name].to_numpy(dtype=object if name in _TEXT_COLUMNS else "float64")
                    for name in OUTPUT_COLUMNS}
        source = self._columns or dict.fromkeys(OUTPUT_COLUMNS, ())
        return {name: np.asarray(source[name], dtype=object if name in _TEXT_COLUMNS else "float64")
                for name in OUTPUT_COLUMNS}

    @property
    def empty(self) -> bool:
        if self._columns is not None:
            return len(self._columns["date"]) == 0
        return self._frame is None or self._frame.empty

    def __repr__(self) -> str:
        return f"DetectionResult({self.status!r}, {self.message!r})"


class Detector:
    """Subclasses set `name`, `title`, `method` (a paragraph for the report's method note) and
    `thresholds`, and implement `_detect(values, info) -> DetectionResult` on a regular index."""

    name = ""
    title = ""
    method = ""
    thresholds: dict[str, float] = {}
    applies_to: tuple[str, ...] | None = None  # indicator names, or None for every series
    # "alarm": early warning from past data (raises consolidated alerts); "phase": a market-phase
    # classification (ALPS, IPA) shown with the alarms but capped at stress in the consolidated view.
    role = "alarm"

    def applies(self, info: SeriesInfo) -> bool:
        return self.applies_to is None or info.indicator in self.applies_to

    def detect(self, values: pd.Series, info: SeriesInfo) -> DetectionResult:
        return self.detect_regular(regularise(values, info), info)

    def detect_regular(self, regular: "pd.Series | DetectionResult", info: SeriesInfo) -> DetectionResult:
        """`detect` on `regularise(values, info)`, which every detector of a series can share
        (`score_series` validates and regularises a series once, not once per detector)."""
        if isinstance(regular, DetectionResult):
            return DetectionResult(regular.status, regular.message)
        return self._detect(regular, info, info.frequency or "daily")

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:  # pragma: no cover
        raise NotImplementedError


def regularise(values: pd.Series, info: SeriesInfo) -> "pd.Series | DetectionResult":
    """A series' values validated (a unique date index) and put on its regular calendar, or the
    `insufficient_history` result when it has no observations. The regular series is read-only:
    detectors share it."""
    missing = np.isnan(values.to_numpy(dtype="float64"))
    if missing.any():  # pandas' `dropna` costs more than this test when nothing is missing
        values = values[~missing]
    if values.empty:
        return DetectionResult("insufficient_history", "not enough history: no observations")
    if not values.index.is_unique:
        raise ValueError(f"{info.label()}: dates must be unique")
    if not values.index.is_monotonic_increasing:
        values = values.sort_index()
    regular = to_regular(values, info.frequency or "daily")
    regular.to_numpy().flags.writeable = False
    return regular


def observed_count(regular: pd.Series) -> int:
    """Observations on a regular calendar (its values that are not NaN), without pandas' per-call cost."""
    return int(np.count_nonzero(~np.isnan(regular.to_numpy(dtype="float64"))))


def _metadata(text) -> dict:
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


NUMPY_UNIT = {"monthly": "M", "daily": "D", "hourly": "h"}  # numpy ordinals = pandas Period ordinals


def to_regular(values: pd.Series, frequency: str) -> pd.Series:
    """Date strings -> a series on a regular PeriodIndex with NaN in the gaps (the last value
    wins when two dates fall in one period)."""
    freq = PANDAS_FREQ[frequency]
    if values.empty:
        return pd.Series(dtype="float64", index=pd.PeriodIndex([], freq=freq))
    numbers = values.to_numpy(dtype="float64")
    if is_subdaily(frequency) and frequency != "hourly":
        return _on_interval(values.index, numbers, INTERVALS[frequency])
    try:  # fast path: numpy parses the stored ISO 8601 dates itself
        ordinals = np.array(values.index, dtype=f"datetime64[{NUMPY_UNIT[frequency]}]").astype("int64")
    except (KeyError, ValueError):  # weekly periods, time zones: pandas
        stamps = pd.to_datetime(pd.Index(values.index), format="ISO8601")
        ordinals = stamps.to_period(freq).asi8
    first = int(ordinals.min())
    grid = np.full(int(ordinals.max()) - first + 1, np.nan)
    order = np.argsort(ordinals, kind="stable")
    grid[ordinals[order] - first] = numbers[order]
    index = pd.PeriodIndex.from_ordinals(np.arange(first, first + len(grid)), freq=freq)
    return pd.Series(grid, index=index)


def _on_interval(dates, numbers: np.ndarray, step: int) -> pd.Series:
    """Sub-hourly dates -> one position per `step` minutes (a time is put on the start of its
    interval; the last value wins when two fall in one). The index is minute periods, `step`
    apart, so that dates, labels and time of day stay those of the source."""
    try:
        minutes = np.array(dates, dtype="datetime64[m]").astype("int64")
    except (TypeError, ValueError):  # time zones: pandas
        minutes = pd.to_datetime(pd.Index(dates), format="ISO8601").to_period("min").asi8
    slots = minutes // step
    first = int(slots.min())
    grid = np.full(int(slots.max()) - first + 1, np.nan)
    order = np.argsort(slots, kind="stable")
    grid[slots[order] - first] = numbers[order]
    index = pd.PeriodIndex.from_ordinals((first + np.arange(len(grid))) * step, freq="min")
    return pd.Series(grid, index=index)


def calendar_months(index: pd.PeriodIndex) -> np.ndarray:
    """The calendar month (1-12) of each period of a monthly index, from its ordinals (months since
    1970-01): pandas' `.month` costs more than a detector's statistics on a short series."""
    return index.asi8 % 12 + 1


def period_label(period: pd.Period, frequency: str) -> str:
    """The stored date string for a period: YYYY-MM for monthly, YYYY-MM-DD otherwise."""
    if frequency == "monthly":
        return period.strftime("%Y-%m")
    if is_subdaily(frequency):
        return period.start_time.strftime("%Y-%m-%dT%H:%M:%S")
    return period.start_time.strftime("%Y-%m-%d")


def date_labels(index: pd.PeriodIndex, frequency: str) -> list[str]:
    """`period_label` for a whole index at once."""
    if frequency in ("monthly", "daily") and len(index):
        ordinals = index.asi8
        if (np.diff(ordinals) == 1).all():  # a regular calendar: most series of a store share a few
            return list(_calendar_labels(frequency, int(ordinals[0]), len(ordinals)))
    return _formatted_labels(index, frequency)


@lru_cache(maxsize=256)
def _calendar_labels(frequency: str, first: int, length: int) -> tuple[str, ...]:
    index = pd.PeriodIndex.from_ordinals(np.arange(first, first + length), freq=PANDAS_FREQ[frequency])
    return tuple(_formatted_labels(index, frequency))


def _formatted_labels(index: pd.PeriodIndex, frequency: str) -> list[str]:
    if frequency == "monthly":
        return index.strftime("%Y-%m").tolist()
    if is_subdaily(frequency):
        return index.start_time.strftime("%Y-%m-%dT%H:%M:%S").tolist()
    return index.start_time.strftime("%Y-%m-%d").tolist()


def is_price(info: "SeriesInfo") -> bool:
    """Price series (grain, food, fuel prices): where the price-only methods apply."""
    return info.indicator.endswith("_price") or units.dimension_of(info.unit) in ("price/mass", "price/volume")


def is_monthly_price(info: "SeriesInfo") -> bool:
    return is_price(info) and info.frequency == "monthly"


def orient(deviation: np.ndarray | float, bad_direction: str):
    """Signed deviation -> score in the bad direction (positive = worse)."""
    if bad_direction == "down":
        return -deviation
    if bad_direction == "both":
        return np.abs(deviation)
    return deviation
