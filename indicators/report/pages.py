"""The pages of a report: overview, one page per indicator family, seasonal view, market map,
method and provenance. Each page writes the tables it shows as CSV beside itself."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import catalog, units
from ..detect import CONSOLIDATION_RULE
from ..detect.explain import format_value
from ..store import SERIES_KEY, SEVERITY_RANK
from . import events as report_events, figures, maps, places as report_places, projections, sparklines, tables
from .data import ReportData
from .headlines import FAMILY_NAMES, headline
from .layout import chart, download, e, safe_name, severity_badge, shell, table
from .listing import filtered_table
from .rows import ChunkedCsv

ALERT_COLUMNS = {"severity": "severity", "title": "indicator", "location": "location", "item": "item",
                 "price_type": "price type", "date": "date", "detector": "detector", "explanation": "explanation"}
OVERVIEW_ALERTS = 12
# A page stays readable and under a few MB however many series a store holds: charts (worst
# series first) until one of these limits, then every series in a filtered table.
CHARTS_PER_PAGE = 100
CHART_BYTES_PER_PAGE = 1_500_000
PANEL_PLACES = 24  # cities on the fuel panel and areas on the power heat map (worst first)
CARDS_PER_FAMILY = 120  # overview sparklines per family (worst first); the rest are on the family page
TABLE_ROWS = 500  # rows of a plain table on a page (method page); every row is in its CSV
FUEL_PANEL_DAYS = 7
# The detectors' own sentence, shown after another sentence: it starts lower-case.
RULE = CONSOLIDATION_RULE[:1].upper() + CONSOLIDATION_RULE[1:]
NOT_RECORDED = "not recorded"  # a licence neither the collector (WFP: CC BY-IGO) nor the source's config gave
FAMILY_INTROS = {
    "grain": "Monthly market prices of staple cereals. See also the <a href=\"seasonal.html\">seasonal view</a> "
             "(prices against their usual harvest-season fall) and the <a href=\"map.html\">market map</a>.",
    "fuel": "Fuel availability at stations, queue times and pump versus parallel-market prices.",
    "power": "Hours without grid power per day and area.",
    "other": "Indicators outside the built-in families.",
}


def build(site, data: ReportData, root: str = "", up: tuple[str, str] | None = None, progress=None) -> None:
    """Write every page of `data` into `site`. `root` and `up`: see `layout.shell` (a country's
    pages in a region report); `progress(done, total)` is called after each page."""
    seasonal = _seasonal_series(data)
    places = report_places.places(data)
    present = {"index.html", "method.html"} | {f"{family}.html" for family in data.families()}
    present |= {"seasonal.html"} if seasonal else set()
    present |= {"map.html"} if not places.empty else set()
    present |= {"derived.html"} if data.lineage is not None and not data.lineage.empty else set()
    written: list[str] = []

    def write(name: str, title: str, body: str) -> None:
        site.write_text(name, shell(title, body, name, present, data, charts='class="chart"' in body, root=root, up=up))
        written.append(name)
        if progress:
            progress(len(written), len(present))

    write("index.html", "Economic impact indicators", overview(site, data))
    for family in data.families():
        write(f"{family}.html", FAMILY_NAMES[family], family_page(site, data, family))
    if seasonal:
        write("seasonal.html", "Seasonal view of prices", seasonal_page(site, data, seasonal))
    if not places.empty:
        write("map.html", "Map", map_page(site, places, data.events))
    if "derived.html" in present:
        from .derived import derived_page

        write("derived.html", "Derived indicators", derived_page(site, data))
    write("method.html", "Method and provenance", method_page(site, data))


# -- overview ------------------------------------------------------------------------------------
def overview(site, data: ReportData) -> str:
    items = []
    for family in data.families():
        sentence, severity = headline(family, data.family_series(family))
        items.append(f'<li>{severity_badge(severity)} <a href="{family}.html">{e(sentence)}</a></li>')
    with ChunkedCsv(site, "alerts.csv") as flagged:
        for part in data.parts(data.series["sid"], observations=False, flagged=True):
            flagged.add(part.scored[part.scored["severity"] != "normal"].drop(columns=["sid"]))
    site.write_csv("episodes.csv", data.episodes)
    href = site.write_csv("current_alerts.csv", data.current)
    current = _families_side_by_side(data.current.merge(data.series[SERIES_KEY + ["label", "family"]], on=SERIES_KEY,
                                                        how="left"))
    more = len(current) - OVERVIEW_ALERTS
    note = (f'<p class="note">{more} more in the CSV and on the family pages.</p>' if more > 0 else "")
    current_table = table(current.head(OVERVIEW_ALERTS), {"severity": "severity", "label": "series", "date": "date",
                                                          "detector": "detector", "explanation": "explanation"},
                          href, f"All {len(current)} current alerts", "No series is flagged at its latest date.")
    counts = data.counts
    alarms = (f"{len(data.new)} new since the last run ({_listed(data.new['severity'].value_counts().to_dict())})"
              if len(data.new) else "none new since the last run")
    view = f'<p class="note">{e(data.view_note)}</p>' if data.view_note else ""
    return (view + f'<p>{len(data.series)} series in {len(data.families())} families. '
            f'<a href="alerts.csv" download>Every flagged date (CSV)</a>.</p>'
            f'<ul class="headlines">{"".join(items)}</ul>'
            f'<p class="note">{counts["episodes"]} episodes ({counts["ongoing_episodes"]} ongoing) of dates at alert '
            f'or worse; alarms (an episode starting or getting worse): {alarms}. '
            f'<a href="episodes.csv" download>Every episode (CSV)</a>.</p>'
            f"<h2>Current alerts</h2><p class=\"note\">Series flagged at their latest date, most severe first "
            f"(<a href=\"method.html#consolidation\">how the detectors' severities are combined</a>).</p>"
            f"{current_table}{note}"
            f"<h2>All series</h2><p class=\"note\">Recent values of every series; the dot is coloured by the "
            f"series' latest severity. Click a card for its chart.</p>{_grid(data)}")


def _listed(by_severity: dict) -> str:
    return ", ".join(f"{by_severity[s]} {s}" for s in ("crisis", "alert", "stress") if s in by_severity)


def _families_side_by_side(current: pd.DataFrame) -> pd.DataFrame:
    """Current alerts most severe first, the families taking turns within a severity, so a page of
    fuel crises does not push the power and grain ones off the overview's short table."""
    if current.empty:
        return current
    rank = current["severity"].map(SEVERITY_RANK)
    turn = current.assign(_rank=rank).groupby(["_rank", "family"]).cumcount()
    return current.assign(_rank=rank, _turn=turn).sort_values(["_rank", "_turn"], ascending=[False, True],
                                                              kind="stable").drop(columns=["_rank", "_turn"])


def _grid(data: ReportData) -> str:
    parts = []
    for family in data.families():
        cards = []
        rows = worst_first(data.family_series(family))
        observed = data.rows.read(rows.head(CARDS_PER_FAMILY)["sid"], scored=False).observations
        values = observed.groupby("sid")["value"]
        last = observed.groupby("sid")[["date", "value"]].last()
        for row in rows.head(CARDS_PER_FAMILY).itertuples(index=False):
            series_values = values.get_group(row.sid) if row.sid in last.index else []
            shown_unit = units.per_period(row.unit, row.frequency)
            latest = (f"{last.loc[row.sid, 'date']}: {format_value(last.loc[row.sid, 'value'], shown_unit)}"
                      if row.sid in last.index else "no data")
            cards.append(
                f'<a class="card sev-border-{e(row.severity)}" href="{family}.html#s-{row.sid}" title="{e(row.label)}">'
                f'<span class="name">{e(row.label)}</span>'
                f"{sparklines.sparkline(series_values, row.frequency, row.severity, row.label)}"
                f'<span class="last">{e(latest)} · {e(row.severity)}</span></a>')
        more = (f'<p class="note">The {CARDS_PER_FAMILY} most severe of {len(rows)} series; every series is in '
                f'the table of the <a href="{family}.html#all-series">{e(FAMILY_NAMES[family])} page</a>.</p>'
                if len(rows) > CARDS_PER_FAMILY else "")
        parts.append(f"<h3>{e(FAMILY_NAMES[family])}</h3><div class=\"grid\">{''.join(cards)}</div>{more}")
    return "".join(parts)


def worst_first(series: pd.DataFrame) -> pd.DataFrame:
    """Series rows most severe first (unscored last), then by name: who gets a chart or a card."""
    ranked = series.assign(_rank=-series["severity"].map(SEVERITY_RANK).fillna(-1))
    return ranked.sort_values(["_rank", "indicator", "location", "item", "price_type"], kind="stable") \
        .drop(columns="_rank")


class ChartBudget:
    """How many more charts a page takes: `CHARTS_PER_PAGE` and `CHART_BYTES_PER_PAGE`."""

    def __init__(self):
        self.charts, self.size = 0, 0

    def room(self) -> bool:
        return self.charts < CHARTS_PER_PAGE and self.size < CHART_BYTES_PER_PAGE

    def spend(self, html: str) -> str:
        self.charts, self.size = self.charts + 1, self.size + len(html)
        return html


def _with_titles(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(title=[catalog.get(name).title for name in frame["indicator"]])


# -- family pages --------------------------------------------------------------------------------
def family_page(site, data: ReportData, family: str) -> str:
    series = data.family_series(family)
    sentence, severity = headline(family, series)
    parts = [f"<p>{severity_badge(severity)} {e(sentence)}</p><p class=\"note\">{FAMILY_INTROS[family]}</p>"]
    if family == "fuel":
        parts.append(_fuel_panel(site, data, series))
        parts.append(report_events.section(site, data))
    if family == "power":
        parts.append(_power_heat_map(site, data, series))
    current = data.current[data.current["indicator"].isin(set(series["indicator"]))]
    files = _series_files(site, data, series, f"alerts-{family}.csv")
    href = site.write_csv(f"current_alerts-{family}.csv", current)
    columns = ALERT_COLUMNS
    if family == "fuel" and not data.events.empty:  # the events behind the fuel alerts, beside each one
        current = report_events.with_sentences(data, current)
        columns = {**ALERT_COLUMNS, "events": "events nearby"}
    parts.append("<h2>Current alerts</h2>" + download(f"alerts-{family}.csv", "Every flagged date of this page")
                 + table(_with_titles(current), columns, href, "Current alerts of this page",
                         "No series here is flagged at its latest date.", limit=TABLE_ROWS))
    budget, sections = ChartBudget(), {}
    ranked = worst_first(series)
    charted = data.rows.read(ranked.head(CHARTS_PER_PAGE)["sid"])  # the series a chart may be drawn for
    for row in ranked.itertuples(index=False):
        if not budget.room():
            break
        sections[row.sid] = budget.spend(_series_section(site, data, row, files[row.sid], charted))
    for indicator, group in series.groupby("indicator", sort=True):
        shown = [sections[sid] for sid in group["sid"] if sid in sections]
        if not shown:
            continue
        definition = catalog.get(indicator)
        parts.append(f"<h2>{e(definition.title)}</h2><p class=\"note\">{e(definition.description)}</p>")
        parts.extend(shown)
    if len(sections) < len(series):
        parts.append(_series_list(family, series, files, set(sections)))
    return "".join(parts)


def _series_list(family: str, series: pd.DataFrame, files: dict, charted: set) -> str:
    """Every series of a page too long to chart them all: a filtered table; the name of a series
    with a chart links to it, every row links to the series' CSV; rows without a chart carry the
    series' anchor (`#s-<id>`), so links to it still land on the series."""
    rows = worst_first(series)
    shown = rows.assign(
        latest=[format_value(v, units.per_period(u, f)) if pd.notna(v) else ""
                for v, u, f in zip(rows["latest_value"], rows["unit"], rows["frequency"])],
        chart_href=[f"#s-{sid}" if sid in charted else "" for sid in rows["sid"]],
        csv="CSV", csv_href=[files[sid] for sid in rows["sid"]])
    row_ids = pd.Series(["" if sid in charted else f"s-{sid}" for sid in rows["sid"]])
    return (f'<h2 id="all-series">All {len(rows)} series of this page</h2><p class="note">Charts are drawn above '
            f"for the {len(charted)} most severe; every series is listed here, most severe first, with its "
            "values, expected band and flags as CSV.</p>"
            + filtered_table(f"series-{family}", shown,
                             {"label": "series", "severity": "severity", "scored_date": "latest scored date",
                              "since": "since", "latest": "latest value", "csv": "data"},
                             {"label": "chart_href", "csv": "csv_href"}, row_ids, "Filter the series"))


def _series_files(site, data: ReportData, series: pd.DataFrame, flagged_csv: str) -> dict[int, str]:
    """Write `data/<series>.csv` for every series of a page (date, value, expected band, flags),
    and every flagged date of the page's series into `flagged_csv`, a chunk of series at a time;
    returns {sid: link}."""
    names = {row.sid: f"data/{safe_name(row.indicator, row.location, row.item, row.price_type)}.csv"
             for row in series.itertuples(index=False)}
    files = {}
    with ChunkedCsv(site, flagged_csv) as flagged:
        for part in data.parts(series["sid"]):
            flagged.add(part.scored[part.scored["severity"] != "normal"].drop(columns=["sid"]))
            scored = part.scored[["sid", "date", "severity", "detector", "explanation"]]
            rows = part.observations[["sid", "date", "value"]].merge(part.band, on=["sid", "date"], how="left") \
                .merge(scored, on=["sid", "date"], how="left")
            files.update(site.write_csv_parts(rows, "sid", {sid: names[sid] for sid in part.sids}))
    return files


def _series_section(site, data: ReportData, row, href: str, charted) -> str:
    """A series' chart with its links; `charted`: a `rows.Part` holding the series."""
    name = safe_name(row.indicator, row.location, row.item, row.price_type)
    observed, band, scored = (charted.of(table, row.sid) for table in ("observations", "band", "scored"))
    figure = figures.series_figure(observed, band, scored, units.per_period(row.unit, row.frequency), row.frequency)
    if row.family in ("fuel", "grain") and not observed.empty:
        report_events.mark_chart(figure, report_events.for_places(data, [row.location]), observed["value"].max(),
                                 observed["date"].min(), observed["date"].max())
    fan, skill_note = _fan(site, data, row, observed, name)
    projections.add_fan(figure, fan, row.unit, _last_point(observed))
    return (f'<h3 id="s-{row.sid}">{e(row.label)} {severity_badge(row.severity)}</h3>'
            f'<p class="download"><a href="{e(href)}" download>values, expected band and flags (CSV)</a></p>'
            + chart(site, figure, name, row.label) + skill_note)


def _fan(site, data: ReportData, row, observed: pd.DataFrame, name: str) -> tuple[pd.DataFrame, str]:
    """The projection drawn on a series' charts (grain and fuel families) and the note beside it."""
    if data.projections is None or row.family not in ("grain", "fuel"):
        return pd.DataFrame(), ""
    fan, sentence = data.projections.shown(row.sid, row.frequency, row.unit)
    if fan.empty:
        return fan, ""
    href = site.write_csv(f"data/{name}-projection.csv", fan.drop(columns=["sid"]))
    return fan, (f'<p class="note">{e(sentence)} <a href="{e(href)}" download>Projection (CSV)</a> · '
                 f'<a href="method.html#projections">how to read the fan</a></p>')


def _last_point(observed: pd.DataFrame):
    return None if observed.empty else (observed["date"].iloc[-1], float(observed["value"].iloc[-1]))


def _worst_places(series: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The series of the `PANEL_PLACES` most severe places (all of them when there are fewer), and
    a note saying so when some were left out."""
    places = worst_first(series)["location"].drop_duplicates()
    if len(places) <= PANEL_PLACES:
        return series, ""
    kept = series[series["location"].isin(set(places.head(PANEL_PLACES)))]
    return kept, (f'<p class="note">The {PANEL_PLACES} places with the most severe series of {len(places)}; every '
                  'series has its own chart or row below.</p>')


def _fuel_panel(site, data: ReportData, series: pd.DataFrame) -> str:
    series, left_out = _worst_places(series)
    observations = data.rows.read(series["sid"], scored=False, full=True).observations
    premium = tables.fuel_premium(observations)
    panels = [(catalog.get(name).label(), catalog.get(name).unit, observations[observations["indicator"] == name])
              for name in ("fuel_availability", "fuel_queue_time") if (observations["indicator"] == name).any()]
    if not premium.empty:
        panels.append(("Parallel-market premium over pump price (%)", "%",
                       premium.rename(columns={"premium_percent": "value"})))
    if not panels:
        return ""
    panels = [(title, unit, tables.trailing_mean(frame, FUEL_PANEL_DAYS)) for title, unit, frame in panels]
    shown = pd.concat([frame.assign(panel=title) for title, _, frame in panels], ignore_index=True)
    links = download(site.write_csv("fuel_panel.csv", shown[["panel", "location", "item", "date", "value"]]),
                     f"The panel's {FUEL_PANEL_DAYS}-day averages")
    if not premium.empty:
        links += download(site.write_csv("fuel_premium.csv", premium),
                          "Daily pump and parallel prices with the premium")
    return ("<h2>Fuel panel</h2><p class=\"note\">Availability, queues and the parallel-market premium per city "
            f"on shared time axes (solid and dotted lines: products), each a {FUEL_PANEL_DAYS}-day average so that "
            "the cities can be compared; the charts below show the daily values with their flags.</p>" + left_out
            + chart(site, report_events.mark_chart(figures.fuel_panel(panels),
                                                   report_events.for_places(data, shown["location"]),
                                                   panels[0][2]["value"].max(), shown["date"].min(),
                                                   shown["date"].max()), "fuel-panel", "Fuel panel") + links)


def _power_heat_map(site, data: ReportData, series: pd.DataFrame) -> str:
    series, left_out = _worst_places(series)
    observations = data.rows.read(series["sid"], scored=False, full=True).observations
    # hours within each period of a sub-daily series: their mean over a day, times the periods of a day
    per_day = series.set_index("sid")["frequency"].map(lambda f: units.periods_per_day(f) or 1)
    observations = observations.assign(value=observations["value"] * observations["sid"].map(per_day).fillna(1))
    labels = {r.sid: " ".join(p for p in (r.location, r.item) if p) for r in series.itertuples(index=False)}
    matrix = tables.daily_matrix(observations, labels)
    if matrix.empty:
        return ""
    unit = series["unit"].iloc[0]
    long = matrix.stack().rename("value").reset_index().rename(columns={"row": "area"})
    href = site.write_csv("power_daily.csv", long)
    zmax = 24.0 if unit == "hours/day" else None
    return ("<h2>Outages by area and day</h2><p class=\"note\">Each row an area, each column a day; darker "
            "means more hours without power.</p>" + left_out
            + chart(site, figures.heat_map(matrix, unit, zmax), "power-heat-map", "Power outages by area and day")
            + download(href, "Outage hours by area and day"))


# -- seasonal view -------------------------------------------------------------------------------
def _seasonal_series(data: ReportData) -> list:
    grain = data.family_series("grain")
    ranked = grain.assign(_rank=-grain["severity"].map(SEVERITY_RANK).fillna(-1))
    return list(ranked.sort_values(["_rank", "indicator", "item", "location"]).itertuples(index=False))


def seasonal_page(site, data: ReportData, rows: list) -> str:
    parts, profiles, summary = [], [], []
    budget = ChartBudget()
    every = {}
    for part in data.parts([row.sid for row in rows], scored=False):
        every.update(tables.seasonal_profiles(part.observations))
    rows = [row for row in rows if row.sid in every and not (every[row.sid][0]["last_year"].isna().all()
                                                              and not every[row.sid][2])]
    charted = data.rows.read([row.sid for row in rows[:CHARTS_PER_PAGE]], scored=False)
    for row in rows:
        profile, this_year, past = every[row.sid]
        key = {"indicator": row.indicator, "location": row.location, "item": row.item, "price_type": row.price_type}
        profiles.append(profile.assign(year=this_year, past_years=past, **key))
        latest = profile.dropna(subset=["this_year"]).tail(1)
        if not latest.empty:
            month = latest.iloc[0]
            summary.append({**key, "label": row.label, "severity": row.severity,
                            "month": f"{this_year}-{int(month['month']):02d}", "value": month["this_year"],
                            "average": month["average"],
                            "difference": (month["this_year"] / month["average"] - 1) * 100
                            if month["average"] else float("nan")})
        if not budget.room():
            continue  # the page has enough charts: this series is in the table and the CSV
        figure = figures.seasonal_figure(profile, this_year, past, row.unit, row.calendar)
        observed = charted.of("observations", row.sid)
        name = "seasonal-" + safe_name(row.indicator, row.location, row.item, row.price_type)
        fan, skill_note = _fan(site, data, row, observed, name)
        projections.add_seasonal_fan(figure, fan, this_year, row.unit)
        parts.append(budget.spend(f"<h3>{e(row.label)} {severity_badge(row.severity)}</h3>"
                                  + chart(site, figure, name, f"{row.label}: seasonal view") + skill_note))
    if not parts:
        return "<p>No price series has a past year to compare with.</p>"
    href = site.write_csv("seasonal.csv", pd.concat(profiles, ignore_index=True))
    summary = pd.DataFrame(summary)
    # shown rounded like a price bulletin (the CSV keeps full precision)
    shown = summary.round({"value": 0, "average": 0, "difference": 1})
    summary_table = table(shown, {"label": "series", "severity": "severity", "month": "latest month", "value": "value",
                                  "average": "past-years average", "difference": "difference (%)"},
                          site.write_csv("seasonal_latest.csv", summary), "Latest month against the usual level",
                          limit=TABLE_ROWS)
    return ("<p class=\"note\">For each price series: the latest year (red) against the year before (blue) and the "
            "average of the previous five years with their lowest and highest value (grey band), by month. Green "
            "shading marks harvest months and orange the lean season (crop calendars, FEWS NET). Prices usually "
            "fall after harvest; a red line that stays above the band did not.</p>"
            + download(href, "Monthly profiles of every series") + "".join(parts)
            + "<h2>Latest month against the usual level</h2>" + summary_table)


# -- map -----------------------------------------------------------------------------------------
PLACE_COLUMNS = {"location": "place", "locations": "locations in the data", "phase": "worst current phase", "since": "since", "families": "families",
                 "series_at_phase": "series at that phase", "region": "region (boundaries)", "admin1": "admin1 (data)",
                 "coordinates": "coordinates from", "latitude": "latitude", "longitude": "longitude"}


def map_page(site, places: pd.DataFrame, events: pd.DataFrame | None = None) -> str:
    regions, outlines = maps.shapes_for(places)
    places = report_places.with_regions(places, regions)
    href = site.write_csv("places.csv", places)
    located = places.dropna(subset=["latitude", "longitude"])
    unlocated = places[places["latitude"].isna() | places["longitude"].isna()]
    missing = ("<h2 id=\"without-coordinates\">Places without coordinates</h2>"
               f"<p class=\"note\">{len(unlocated)} place{'s' * (len(unlocated) != 1)} with series could not be put "
               "on the map: neither their series, nor another series of the same place, nor the bundled "
               "<code>datasets/places.csv</code> give coordinates. Add <code>latitude</code> and "
               "<code>longitude</code> to their input (or to that file) to map them.</p>"
               + table(unlocated, {k: v for k, v in PLACE_COLUMNS.items() if k not in ("latitude", "longitude",
                                                                                      "coordinates", "region")})
               if not unlocated.empty else "")
    return ("<p class=\"note\">Every place that has a series (markets, the cities of fuel-station surveys, outage "
            "areas, other locations) at its coordinates, coloured by the worst current phase of its series, over "
            "the admin-1 regions of its country (hover a region for its name). Boundaries: Natural Earth "
            "(public domain), admin-1 regions at 1:10m simplified and country outlines at 1:110m, bundled with "
            "the tracker; drawn on plain longitude/latitude axes, so the page needs no map tiles or outlines "
            f"from the network. {len(located)} of {len(places)} places are on the map"
            + (f"; {len(unlocated)} without coordinates are <a href=\"#without-coordinates\">listed below it</a>."
               if not unlocated.empty else ".") + "</p>"
            + report_events.map_note(events)
            + chart(site, report_events.mark_map(maps.place_map(located, regions, outlines), events), "market-map",
                    "Places by worst current phase")
            + missing
            + table(places, PLACE_COLUMNS, href, "Places"))


# -- method and provenance -----------------------------------------------------------------------
def method_page(site, data: ReportData) -> str:
    detectors = tables.detectors(data)
    entries = "".join(f"<dt>{e(r.title)} (<code>{e(r.detector)}</code>)</dt><dd><p>{e(r.method)}</p>"
                      f"<p>Thresholds on the score: {e(r.thresholds or 'none')}.</p></dd>"
                      for r in detectors.itertuples(index=False))
    counts = {"detector": "detector", "series_scored": "series scored", "series_not_scored": "not scored",
              **{f"dates_{s}": f"{s} dates" for s in ("normal", "stress", "alert", "crisis")}}
    not_scored = data.status[data.status["status"] != "scored"]
    status_href = site.write_csv("detection_status.csv", data.status)
    provenance = tables.provenance(data)
    shown = provenance.assign(licence=provenance["licence"].replace("", NOT_RECORDED))
    folder = tables.data_folder(data.files["source_file"]) if not data.files.empty else ""
    sources = shown.groupby(["source", "licence"], sort=True).size().rename("series").reset_index()
    projection_section = projections.method_section(site, data.projections) if data.projections else ""
    return (f"<h2>Detectors</h2><dl>{entries}</dl>"
            f"<p id=\"consolidation\">Severities follow WFP's ALPS phases: normal, stress, alert, crisis. "
            f"{e(RULE)}</p>"
            + table(detectors, counts, site.write_csv("detectors.csv", detectors),
                    "Detectors with thresholds and counts")
            + "<h3>Series a detector could not score</h3>"
            + table(not_scored, {"indicator": "indicator", "location": "location", "item": "item",
                                 "detector": "detector", "message": "why"}, status_href,
                    "Detection status of every series", "Every detector scored every series it applies to.",
                    limit=TABLE_ROWS)
            + '<h2 id="provenance">Data provenance</h2>'
            + "<h3>Sources and licences</h3>"
            + table(sources, {"source": "source", "licence": "licence", "series": "series"})
            + "<h3>Series</h3>"
            + (f'<p class="note">Files are shown relative to the data folder <code>{e(Path(folder).name or folder)}'
               "</code>.</p>" if folder else "")
            + table(shown, {"indicator": "indicator", "location": "location", "item": "item",
                            "price_type": "price type", "unit": "unit", "source": "source", "files": "files",
                            "licence": "licence", "last_collected": "last collected"},
                    site.write_csv("series.csv", provenance), "Series with source, files and licence",
                    limit=TABLE_ROWS)
            + projection_section)
