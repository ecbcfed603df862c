"""The report's tables of dates (observations, each series' consolidated rows, its expected band,
every detector's rows), read from the store a set of series at a time.

A page reads only the series it draws, and a table of every series (a CSV per series, every
flagged date) is written a chunk of series at a time, so a report's memory is bounded by a page
and a chunk, not by the store (issue 11: 10,000 series of 2.4 million observations). Rows come in
the order of the whole-store tables they replace (series key, then date): the chunks together
are those tables, written part by part.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from ..alerts import ALERT_COLUMNS, _alert_columns, with_events
from ..detect import DETECTORS
from ..detect.consolidate import consolidate
from ..store import SERIES_KEY, Store

CHUNK_SERIES = 200  # series read at a time: some 50,000 dated rows of 10 years of monthly or a year of daily data
BAND_COLUMNS = ["sid", "date", "expected", "lower", "upper", "band_detector"]


@dataclass
class Part:
    """The tables of some series (`sids`, in series key order)."""
    sids: list
    observations: pd.DataFrame  # sid, date, value, source_file (`StoreRows.read`), in series then date order
    anomalies: pd.DataFrame     # every detector's own rows (converted)
    plain: pd.DataFrame         # the consolidated rows, normal included, in `alerts.ALERT_COLUMNS`, unconverted
    scored: pd.DataFrame        # the same rows converted, of the series the view keeps, + sid
    band: pd.DataFrame          # `BAND_COLUMNS`: one detector's expected band per series
    _indices: dict = field(default_factory=dict, repr=False)  # table name -> {sid: row positions}

    def of(self, name: str, sid: int) -> pd.DataFrame:
        """The rows of one series in the table `name` ("observations", "band", "scored")."""
        frame = getattr(self, name)
        if name not in self._indices:
            self._indices[name] = frame.groupby("sid", sort=False).indices if not frame.empty else {}
        positions = self._indices[name].get(sid)
        return frame.iloc[positions] if positions is not None else frame.iloc[:0]


class StoreRows:
    """Reads `Part`s of the series in `keys` (SERIES_KEY + sid, in the report's series order) from
    `store`, converted by `view` (`report.views`) when one is given."""

    def __init__(self, store: Store, keys: pd.DataFrame, view: dict | None = None, chunk_series: int | None = None):
        self.store, self.view, self.chunk_series = store, view, chunk_series or CHUNK_SERIES
        self.missing: dict = {}  # {country: why}: what the view left out of the observations read so far
        self.keys = keys[SERIES_KEY + ["sid"]].reset_index(drop=True)
        self._position = {int(sid): n for n, sid in enumerate(self.keys["sid"])}

    def ordered(self, sids) -> list[int]:
        """`sids` (those the report knows) in series key order."""
        return sorted({int(s) for s in sids if int(s) in self._position}, key=self._position.get)

    def parts(self, sids, observations: bool = True, scored: bool = True, flagged: bool = False):
        """`Part`s of `sids`, `chunk_series` series each, in series key order (`read`)."""
        ordered = self.ordered(sids)
        if not ordered:  # one empty part: its tables' columns make the header of an empty CSV
            yield self.read([], observations, scored, flagged=flagged)
        for start in range(0, len(ordered), self.chunk_series):
            yield self.read(ordered[start:start + self.chunk_series], observations, scored, flagged=flagged)

    def read(self, sids, observations: bool = True, scored: bool = True, full: bool = False,
             flagged: bool = False) -> Part:
        """One `Part` of `sids` (read together: keep them to a chunk). `observations`, `scored`
        (consolidated rows and band): what to read, the other tables stay empty. Observations
        have the columns of `Store.observations` when `full` (and in a view, which converts
        them), else sid, date, value and source_file. `flagged`: only the consolidated rows at
        stress or worse (a date is flagged by the rows that flag it alone, see `consolidate`)."""
        sids = self.ordered(sids)
        keys = self.keys[self.keys["sid"].isin(set(sids))]
        observed = self._observations(sids, full) if observations else _EMPTY_OBSERVATIONS
        if not scored:
            return Part(sids, observed, pd.DataFrame(), pd.DataFrame(columns=ALERT_COLUMNS),
                        pd.DataFrame(columns=ALERT_COLUMNS + ["sid"]), pd.DataFrame(columns=BAND_COLUMNS))
        anomalies = self.store.anomalies(series_ids=sids, flagged=flagged) if sids else pd.DataFrame()
        rows = consolidate(anomalies) if not anomalies.empty else anomalies
        plain = _alert_columns(with_events(self.store, rows)) if not rows.empty \
            else pd.DataFrame(columns=ALERT_COLUMNS)
        converted = plain
        if self.view:
            anomalies, converted = self._convert(anomalies), self._convert(plain)
        return Part(sids, observed, anomalies, plain, converted.merge(keys, on=SERIES_KEY, how="inner"),
                    band(anomalies) if not flagged else pd.DataFrame(columns=BAND_COLUMNS))

    def _observations(self, sids: list[int], full: bool) -> pd.DataFrame:
        if not (full or self.view):  # what the big tables need: a few columns cost a third of the time
            return self.store.query_frame(
                "SELECT series_id AS sid, date, value, source_file FROM observations "
                "WHERE series_id IN (SELECT value FROM json_each(?)) ORDER BY series_id, date", [json.dumps(sids)]) \
                if sids else _EMPTY_OBSERVATIONS[["sid", "date", "value", "source_file"]]
        frame = self.store.observations(series_ids=sids) if sids else _EMPTY_OBSERVATIONS
        if self.view:
            from .views import convert

            frame, missing = convert(self.store, frame, self.view)
            self.missing.update(missing)
        return frame.rename(columns={"series_id": "sid"})

    def _convert(self, frame: pd.DataFrame) -> pd.DataFrame:
        from .views import convert

        return convert(self.store, frame, self.view)[0]


_EMPTY_OBSERVATIONS = pd.DataFrame(columns=["indicator", "location", "item", "price_type", "date", "value", "unit",
                                            "currency", "source", "admin1", "admin2", "pcode", "latitude",
                                            "longitude", "source_file", "source_line", "collected_at", "sid"])


def band(anomalies: pd.DataFrame) -> pd.DataFrame:
    """Each series' expected value and band from one detector, so the band does not jump between
    detectors: an early-warning detector (role "alarm": past data only, the band the alerts are
    judged against) before a market-phase one (ALPS is refitted on the whole series), then the
    one with the most dates that have an expected value, then registry order."""
    if anomalies.empty:
        return pd.DataFrame(columns=BAND_COLUMNS)
    rows = anomalies[anomalies["expected"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=BAND_COLUMNS)
    order = {name: position for position, name in enumerate(DETECTORS)}
    counts = rows.groupby(["series_id", "detector"]).size().rename("n").reset_index()
    counts["order"] = counts["detector"].map(order).fillna(len(order))
    counts["phase"] = [getattr(DETECTORS.get(name), "role", "alarm") != "alarm" for name in counts["detector"]]
    best = counts.sort_values(["series_id", "phase", "n", "order"], ascending=[True, True, False, True]) \
        .drop_duplicates("series_id")[["series_id", "detector"]]
    chosen = rows.merge(best, on=["series_id", "detector"])
    return chosen.rename(columns={"series_id": "sid", "detector": "band_detector"})[BAND_COLUMNS] \
        .sort_values(["sid", "date"]).reset_index(drop=True)


class ChunkedCsv:
    """One CSV written a table at a time (tables with the same columns): the file `site.write_csv`
    writes of their concatenation, without holding it. A CSV given no rows at all gets the header
    of the first table it was given.

        with ChunkedCsv(site, "alerts.csv") as csv:
            for part in data.parts(sids):
                csv.add(part.scored)
    """

    def __init__(self, site, relative: str):
        from ..output import spreadsheet_safe

        self.relative, self._safe = relative, spreadsheet_safe
        self._handle = site.path(relative).open("w", encoding="utf-8", newline="")
        self._header = True

    def add(self, frame: pd.DataFrame) -> None:
        if self._header or len(frame):
            self._safe(frame).to_csv(self._handle, index=False, header=self._header, lineterminator="\n")
        self._header = False

    def __enter__(self) -> "ChunkedCsv":
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()
