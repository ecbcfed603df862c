"""What a report shows, read once from the store: series with their latest severity, observations,
the consolidated detector view, each series' expected band, and detection status.

Reports only read the store. Detectors are read generically: whatever names appear in the
`anomalies` table (and in `indicators.detect.DETECTORS`) are shown, so new detectors need no
change here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd

from .. import catalog
from ..alerts import alarms_since_last_run, alerts, current_alerts
from ..episodes import episodes_and_alarms, state_counts
from ..detect import DETECTORS, SeriesInfo
from ..event_store import events as stored_events
from ..store import SERIES_KEY, SEVERITY_RANK, Store
from .projections import Projections, with_projection_sentences
from .projections import load as load_projections

SIMULATED_MARK = "SIMULATED"
UNSCORED = "unscored"
# Display order of the family pages; `catalog.FAMILIES` is the vocabulary.
FAMILY_ORDER = ("grain", "fuel", "power", "other")


@dataclass
class ReportData:
    series: pd.DataFrame        # store.series() + sid, family, title, label, severity, scored_date, since
    observations: pd.DataFrame  # store.observations() + sid
    scored: pd.DataFrame        # consolidated rows (normal included) + sid
    band: pd.DataFrame          # sid, date, expected, lower, upper, band_detector: one detector per series
    anomalies: pd.DataFrame     # every detector's own rows
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
    alarms: pd.DataFrame = None  # every alarm row (`episodes_and_alarms`), with series_id: counts of a subset
    _rows: dict = field(default_factory=dict, repr=False)  # frame name -> {sid: row positions}

    def rows_of(self, name: str, sid: int) -> pd.DataFrame:
        """The rows of one series in the frame `name` ("observations", "band", "scored"), found
        through an index built once: a filter per series would read the whole frame every time."""
        frame = getattr(self, name)
        if name not in self._rows:
            self._rows[name] = frame.groupby("sid", sort=False).indices if not frame.empty else {}
        positions = self._rows[name].get(sid)
        return frame.iloc[positions] if positions is not None else frame.iloc[:0]

    def subset(self, sids) -> "ReportData":
        """The same report data for some series only (one country of a region report): every
        table keeps the rows of those series; counts are those of the subset."""
        from dataclasses import replace

        keep = set(int(s) for s in sids)
        series = self.series[self.series["sid"].isin(keep)]
        keys = series[SERIES_KEY].drop_duplicates()

        def by_key(frame: pd.DataFrame) -> pd.DataFrame:
            if frame is None or frame.empty:
                return frame
            kept = frame.merge(keys, on=SERIES_KEY, how="inner")
            return kept.reset_index(drop=True)

        scored = self.scored[self.scored["sid"].isin(keep)]
        alarms = self.alarms[self.alarms["series_id"].isin(keep)] if self.alarms is not None else None
        episodes = by_key(self.episodes)
        counts = self.counts
        if alarms is not None:
            counts = state_counts(scored.rename(columns={"sid": "series_id"}), (episodes, alarms))
        projections = self.projections
        if projections is not None:
            projections = Projections(*(frame[frame["sid"].isin(keep)] if "sid" in frame else frame
                                        for frame in (projections.fans, projections.choices, projections.skill)))
        lineage = self.lineage
        if lineage is not None and not lineage.empty:
            lineage = lineage[lineage["series_id"].isin(keep)]
        observations = self.observations[self.observations["sid"].isin(keep)]
        return replace(
            self, series=series, observations=observations, scored=scored,
            band=self.band[self.band["sid"].isin(keep)], anomalies=self.anomalies[self.anomalies["series_id"].isin(keep)]
            if not self.anomalies.empty else self.anomalies,
            current=by_key(self.current), counts=counts, new=by_key(self.new), episodes=episodes,
            status=by_key(self.status), projections=projections, lineage=lineage, alarms=alarms,
            data_date=str(observations["date"].max()) if not observations.empty else "no data",
            simulated=int(series["source"].astype(str).str.contains(SIMULATED_MARK, case=False).sum())
            if not series.empty else 0, _rows={})

    def family_series(self, family: str) -> pd.DataFrame:
        return self.series[self.series["family"] == family]

    def families(self) -> list[str]:
        present = set(self.series["family"])
        return [f for f in FAMILY_ORDER if f in present]


def load(store: Store, run_id: int | None = None, view: dict | None = None) -> ReportData:
    series = store.series()
    observations = store.observations()
    anomalies = store.anomalies()
    scored = plain = alerts(store, include_normal=True)
    view_note = ""
    if view:
        from .views import converted

        series, observations, anomalies, scored, view_note = converted(store, series, observations, anomalies,
                                                                       scored, view)
    series = series.assign(sid=series["id"].astype(int) if not series.empty else pd.Series(dtype=int))
    keys = series[SERIES_KEY + ["sid"]]
    scored = scored.merge(keys, on=SERIES_KEY, how="inner")
    observations = observations.rename(columns={"series_id": "sid"})
    series = _describe(series, scored)
    simulated = int(series["source"].astype(str).str.contains(SIMULATED_MARK, case=False).sum()) \
        if not series.empty else 0
    projections = load_projections(store)
    found = episodes_and_alarms(scored.rename(columns={"sid": "series_id"}))
    return ReportData(
        series=series,
        observations=observations,
        scored=scored,
        band=_band(anomalies),
        anomalies=anomalies,
        current=with_projection_sentences(current_alerts(store, plain), series, observations, projections),
        counts=state_counts(scored.rename(columns={"sid": "series_id"}), found),
        new=alarms_since_last_run(store, run_id),
        episodes=found[0].drop(columns=["series_id"]),
        status=store.detection_status(),
        data_date=str(observations["date"].max()) if not observations.empty else "no data",
        run_time=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        simulated=simulated,
        events=stored_events(store),
        projections=projections,
        lineage=_lineage(store),
        view_note=view_note,
        alarms=found[1],
    )


def _lineage(store: Store) -> pd.DataFrame:
    from ..derive.storage import lineage

    return lineage(store)


def _describe(series: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """Family, readable label, latest consolidated severity and since when it has held."""
    if series.empty:
        return series.assign(family="", title="", label="", calendar=None, severity="", scored_date="", since="",
                             latest_value=None, suspect=False, licence="")
    latest, values, suspect = {}, {}, {}
    for sid, rows in scored.sort_values("date").groupby("sid"):
        latest[int(sid)] = _latest_run(rows)
        values[int(sid)] = float(rows["value"].iloc[-1])
        suspect[int(sid)] = _suspect(rows)
    series = series.copy()
    series["family"] = [catalog.get(name).family for name in series["indicator"]]
    series["title"] = [catalog.get(name).title for name in series["indicator"]]
    infos = [SeriesInfo.from_store(r) for r in series.itertuples(index=False)]
    series["label"] = [info.label() for info in infos]
    # the crop calendar the harvest detector used (zone and overrides from the series metadata)
    series["calendar"] = [info.crop_calendar() for info in infos]
    series["severity"] = [latest.get(sid, (UNSCORED, "", ""))[0] for sid in series["sid"]]
    series["scored_date"] = [latest.get(sid, (UNSCORED, "", ""))[1] for sid in series["sid"]]
    series["since"] = [latest.get(sid, (UNSCORED, "", ""))[2] for sid in series["sid"]]
    series["latest_value"] = [values.get(sid) for sid in series["sid"]]
    series["suspect"] = [suspect.get(sid, False) for sid in series["sid"]]
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


def _band(anomalies: pd.DataFrame) -> pd.DataFrame:
    """Each series' expected value and band from one detector, so the band does not jump between
    detectors: an early-warning detector (role "alarm": past data only, the band the alerts are
    judged against) before a market-phase one (ALPS is refitted on the whole series), then the
    one with the most dates that have an expected value, then registry order."""
    columns = ["sid", "date", "expected", "lower", "upper", "band_detector"]
    if anomalies.empty:
        return pd.DataFrame(columns=columns)
    rows = anomalies[anomalies["expected"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    order = {name: position for position, name in enumerate(DETECTORS)}
    counts = rows.groupby(["series_id", "detector"]).size().rename("n").reset_index()
    counts["order"] = counts["detector"].map(order).fillna(len(order))
    counts["phase"] = [getattr(DETECTORS.get(name), "role", "alarm") != "alarm" for name in counts["detector"]]
    best = counts.sort_values(["series_id", "phase", "n", "order"], ascending=[True, True, False, True]) \
        .drop_duplicates("series_id")[["series_id", "detector"]]
    chosen = rows.merge(best, on=["series_id", "detector"])
    return chosen.rename(columns={"series_id": "sid", "detector": "band_detector"})[columns] \
        .sort_values(["sid", "date"]).reset_index(drop=True)
