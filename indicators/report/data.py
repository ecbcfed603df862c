"""What a report shows: series with their latest severity, the current alerts, episodes, counts
and detection status, read from the store in one pass a chunk of series at a time; the tables of
dates (observations, consolidated rows, expected bands) stay in the store and each page reads
the series it draws (`rows.StoreRows`), so memory is bounded by a chunk, not by the store.

Reports only read the store. Detectors are read generically: whatever names appear in the
`anomalies` table (and in `indicators.detect.DETECTORS`) are shown, so new detectors need no
change here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

import pandas as pd

from .. import catalog, series_states
from ..alerts import alarms_since_last_run, current_alerts
from ..episodes import episodes_and_alarms
from ..detect import SeriesInfo
from ..event_store import events as stored_events
from ..store import SERIES_KEY, SEVERITY_RANK, Store
from .projections import Projections, with_projection_sentences
from .projections import load as load_projections
from .rows import StoreRows

SIMULATED_MARK = "SIMULATED"
UNSCORED = "unscored"
# Display order of the family pages; `catalog.FAMILIES` is the vocabulary.
FAMILY_ORDER = ("grain", "fuel", "power", "other")


@dataclass
class ReportData:
    series: pd.DataFrame        # store.series() + sid, family, title, label, severity, scored_date, since
    rows: StoreRows             # the tables of dates, read per page (observations, scored, band)
    current: pd.DataFrame       # current alerts, most severe first
    counts: dict                # `episodes.state_counts`: the counts detect, run and alerts print too
    new: pd.DataFrame           # the alarms (episode starts, escalations) the latest run raised
    episodes: pd.DataFrame      # one row per episode (`alerts.episodes`)
    status: pd.DataFrame        # detection_status
    data_date: str
    run_time: str
    simulated: int              # how many series come from a source marked SIMULATED
    events: pd.DataFrame = field(default_factory=pd.DataFrame)  # indicators.event_store.events()
    projections: "Projections | None" = None  # stored projections, their choices and skill (forecast stage)
    lineage: pd.DataFrame = None  # derived values with formula, inputs and detail (indicators.derive.storage)
    view_note: str = ""  # what a --currency / --real view converted, and what it left out
    states: pd.DataFrame = None  # `series_states.per_series` rows of every series: the counts of any subset
    files: pd.DataFrame = None   # sid, source_file: the distinct source files of each series' observations
    detector_rows: pd.DataFrame = None  # series_id, detector, severity, rows: each detector's own rows counted
    last_dates: pd.Series = None  # sid -> the series' latest observed date

    def parts(self, sids, observations: bool = True, scored: bool = True, flagged: bool = False):
        """The tables of dates of `sids`, a chunk of series at a time (`StoreRows.parts`)."""
        return self.rows.parts(sids, observations, scored, flagged)

    def subset(self, sids) -> "ReportData":
        """The same report data for some series only (one country of a region report): every
        table keeps the rows of those series; counts are those of the subset."""
        keep = set(int(s) for s in sids)
        series = self.series[self.series["sid"].isin(keep)]
        keys = series[SERIES_KEY].drop_duplicates()

        def by_key(frame: pd.DataFrame) -> pd.DataFrame:
            if frame is None or frame.empty:
                return frame
            kept = frame.merge(keys, on=SERIES_KEY, how="inner")
            return kept.reset_index(drop=True)

        projections = self.projections
        if projections is not None:
            projections = Projections(*(frame[frame["sid"].isin(keep)] if "sid" in frame else frame
                                        for frame in (projections.fans, projections.choices, projections.skill)))
        lineage = self.lineage
        if lineage is not None and not lineage.empty:
            lineage = lineage[lineage["series_id"].isin(keep)]
        states = self.states[self.states["series_id"].isin(keep)]
        last_dates = self.last_dates[self.last_dates.index.isin(keep)]
        return replace(
            self, series=series, current=by_key(self.current), counts=state_totals(states), new=by_key(self.new),
            episodes=by_key(self.episodes), status=by_key(self.status), projections=projections, lineage=lineage,
            states=states, files=self.files[self.files["sid"].isin(keep)],
            detector_rows=self.detector_rows[self.detector_rows["series_id"].isin(keep)], last_dates=last_dates,
            data_date=str(last_dates.max()) if len(last_dates) else "no data", simulated=_simulated(series))

    def family_series(self, family: str) -> pd.DataFrame:
        return self.series[self.series["family"] == family]

    def families(self) -> list[str]:
        present = set(self.series["family"])
        return [f for f in FAMILY_ORDER if f in present]


def load(store: Store, run_id: int | None = None, view: dict | None = None) -> ReportData:
    """The report's data from one pass over the store, a chunk of series at a time."""
    series = _with_sid(store.series())
    reader = StoreRows(store, series, view)
    found = _Summaries()
    for part in reader.parts(series["sid"]):
        found.add(store, part, view)
    view_note = ""
    if view:
        from .views import note

        series = _with_sid(series.drop(columns=["unit", "sid"]).merge(pd.concat(found.kept, ignore_index=True),
                                                                    on=SERIES_KEY, how="inner"))
        view_note = note(view, reader.missing)
        reader = StoreRows(store, series, view)
    series = _describe(series, found.latest)
    keep = set(series["sid"])
    states = pd.concat(found.states, ignore_index=True)
    states = states[states["series_id"].isin(keep)].reset_index(drop=True)
    last_dates = pd.concat(found.last_dates)
    episodes = pd.concat(found.episodes, ignore_index=True).sort_values("series_id", kind="stable")
    projections = load_projections(store)
    return ReportData(
        series=series,
        rows=reader,
        current=_with_projections(reader, _ranked(found.currents), series, projections),
        counts=state_totals(states),
        new=alarms_since_last_run(store, run_id),
        episodes=episodes[episodes["series_id"].isin(keep)].drop(columns=["series_id"]).reset_index(drop=True),
        status=store.detection_status(),
        data_date=str(last_dates.max()) if len(last_dates) else "no data",
        run_time=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        simulated=_simulated(series),
        events=stored_events(store),
        projections=projections,
        lineage=_lineage(store),
        view_note=view_note,
        states=states,
        files=pd.concat(found.files, ignore_index=True),
        detector_rows=pd.concat(found.detector_rows, ignore_index=True),
        last_dates=last_dates,
    )


@dataclass
class _Summaries:
    """What the load pass keeps of each chunk of series: a few rows per series, never their dates."""
    latest: dict = field(default_factory=dict)  # `_latest` of every series
    kept: list = field(default_factory=list)    # in a view: the series it keeps, with their converted unit
    files: list = field(default_factory=list)
    last_dates: list = field(default_factory=list)
    currents: list = field(default_factory=list)
    episodes: list = field(default_factory=list)
    states: list = field(default_factory=list)
    detector_rows: list = field(default_factory=list)

    def add(self, store: Store, part, view: dict | None) -> None:
        observed = part.observations
        if view:  # the series a view keeps: those with converted observations (others lack a rate or index)
            self.kept.append(observed.drop_duplicates(SERIES_KEY)[SERIES_KEY + ["unit"]])
        scored = part.scored[part.scored["sid"].isin(set(observed["sid"]))] if view else part.scored
        self.last_dates.append(observed.groupby("sid")["date"].max())
        self.files.append(observed[["sid", "source_file"]].drop_duplicates())
        self.latest.update(_latest(scored))
        self.currents.append(current_alerts(store, part.plain))
        by_id = scored.rename(columns={"sid": "series_id"})
        found = episodes_and_alarms(by_id)
        self.episodes.append(found[0])
        self.states.append(series_states.per_series(part.sids, by_id, found))
        anomalies = part.anomalies if not part.anomalies.empty else pd.DataFrame(
            columns=["series_id", "detector", "severity"])
        self.detector_rows.append(anomalies.groupby(["series_id", "detector", "severity"]).size()
                                  .rename("rows").reset_index())


def _with_sid(series: pd.DataFrame) -> pd.DataFrame:
    return series.assign(sid=series["id"].astype(int) if not series.empty else pd.Series(dtype=int))


def _simulated(series: pd.DataFrame) -> int:
    """How many series come from a source marked SIMULATED."""
    return int(series["source"].astype(str).str.contains(SIMULATED_MARK, case=False).sum()) if not series.empty else 0


def _ranked(currents: list[pd.DataFrame]) -> pd.DataFrame:
    """The current alerts of every chunk as one table, most severe first, then by score; ties in
    date order, then in series order."""
    current = pd.concat(currents, ignore_index=True)
    if current.empty:
        return current
    current = current.sort_values("date", kind="stable")
    order = current["severity"].map(SEVERITY_RANK)
    return current.assign(_order=order).sort_values(["_order", "score"], ascending=False, kind="stable") \
        .drop(columns="_order").reset_index(drop=True)


def _with_projections(reader: StoreRows, current: pd.DataFrame, series: pd.DataFrame,
                      projections: Projections) -> pd.DataFrame:
    """`projections.with_projection_sentences` a chunk of series at a time."""
    if current.empty or projections.fans.empty:
        return current
    sids = current.merge(series[SERIES_KEY + ["sid"]], on=SERIES_KEY, how="left")["sid"]
    parts, size = [], reader.chunk_series
    for start in range(0, len(current), size):
        rows = current.iloc[start:start + size]
        observed = reader.read(sids.iloc[start:start + size].dropna(), scored=False).observations
        parts.append(with_projection_sentences(rows, series, observed, projections))
    return pd.concat(parts)


def state_totals(states: pd.DataFrame) -> dict:
    """`episodes.state_counts` of the series of `series_states.per_series` rows (their sums)."""
    def by(prefix: str, severities) -> dict:
        return {s: int(states[f"{prefix}_{s}"].sum()) for s in severities if states[f"{prefix}_{s}"].sum()}
    current = states["current"].value_counts()
    return {"series": int(states["scored"].sum()), "flagged_dates": by("flagged", series_states.FLAGGED),
            "episodes": int(states["episodes"].sum()), "ongoing_episodes": int(states["ongoing_episodes"].sum()),
            "current": {s: int(current[s]) for s in series_states.FLAGGED if current.get(s)},
            "alarms": by("alarms", series_states.ALARMED)}


def _lineage(store: Store) -> pd.DataFrame:
    from ..derive.storage import lineage

    return lineage(store)


def _latest(scored: pd.DataFrame) -> dict:
    """{sid: (`_latest_run`, latest value, `_suspect`)} of the series with consolidated rows."""
    return {int(sid): (_latest_run(rows), float(rows["value"].iloc[-1]), _suspect(rows))
            for sid, rows in scored.sort_values("date").groupby("sid")}


def _describe(series: pd.DataFrame, latest: dict) -> pd.DataFrame:
    """Family, readable label, latest consolidated severity and since when it has held (`latest`:
    `_latest` of every series)."""
    if series.empty:
        return series.assign(family="", title="", label="", calendar=None, severity="", scored_date="", since="",
                             latest_value=None, suspect=False, licence="")
    runs = {sid: found[0] for sid, found in latest.items()}
    series = series.copy()
    series["family"] = [catalog.get(name).family for name in series["indicator"]]
    series["title"] = [catalog.get(name).title for name in series["indicator"]]
    infos = [SeriesInfo.from_store(r) for r in series.itertuples(index=False)]
    series["label"] = [info.label() for info in infos]
    # the crop calendar the harvest detector used (zone and overrides from the series metadata)
    series["calendar"] = [info.crop_calendar() for info in infos]
    series["severity"] = [runs.get(sid, (UNSCORED, "", ""))[0] for sid in series["sid"]]
    series["scored_date"] = [runs.get(sid, (UNSCORED, "", ""))[1] for sid in series["sid"]]
    series["since"] = [runs.get(sid, (UNSCORED, "", ""))[2] for sid in series["sid"]]
    series["latest_value"] = [latest[sid][1] if sid in latest else None for sid in series["sid"]]
    series["suspect"] = [latest[sid][2] if sid in latest else False for sid in series["sid"]]
    series["licence"] = [_licence(text) for text in series["metadata"]]
    return series


def _suspect(rows: pd.DataFrame) -> bool:
    """The series' current episode is its latest date alone and began with a jump of several times
    the previous value (the state detector's words): possibly a data error, not a market in crisis."""
    from .headlines import DATA_ERROR_WORDS

    last = rows.iloc[-1]
    ranks = rows["severity"].map(SEVERITY_RANK).fillna(0).to_numpy()
    alone = len(rows) < 2 or ranks[-2] < SEVERITY_RANK["alert"]
    return bool(ranks[-1] >= SEVERITY_RANK["alert"] and alone and DATA_ERROR_WORDS in str(last["explanation"]))


def _latest_run(rows: pd.DataFrame) -> tuple[str, str, str]:
    """(severity at the latest scored date, that date, since when: the start of the ongoing
    episode when the series is at alert or worse, else the first date of the unbroken run of dates
    at that severity or worse that leads up to it)."""
    from ..episodes import series_episodes

    ranks = rows["severity"].map(SEVERITY_RANK).fillna(0).to_numpy()
    dates = rows["date"].to_numpy()
    level = ranks[-1]
    if level >= SEVERITY_RANK["alert"]:
        episodes = series_episodes(dates, rows["severity"].to_numpy())
        if episodes and episodes[-1]["ongoing"]:
            return str(rows["severity"].iloc[-1]), str(dates[-1]), str(dates[episodes[-1]["first"]])
    start = len(ranks) - 1
    while start > 0 and ranks[start - 1] >= level:
        start -= 1
    return str(rows["severity"].iloc[-1]), str(dates[-1]), str(dates[start])


def _licence(metadata: str) -> str:
    try:
        fields = json.loads(metadata or "{}")
    except (TypeError, ValueError):
        return ""
    if not isinstance(fields, dict):
        return ""
    return str(fields.get("licence") or fields.get("license") or "")
