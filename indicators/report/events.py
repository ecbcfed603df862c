"""Events on the report: markers on the fuel panel, on the fuel and price charts of the places an
event bears on (`indicators.event_context`) and on the map; the table of events on the fuel page;
the events sentence beside the fuel page's current alerts. Every text from the data is escaped
(`figures.text`, `layout.table`)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..event_context import EventContext, bearing_on, event_sentence, latest_event_sentence
from .figures import text, wrapped
from .layout import download, table

COLOUR = "#6a1b9a"
TABLE_COLUMNS = {"date": "date", "source": "source", "event_type": "type", "location": "place", "admin1": "region",
                 "corridor": "corridor", "fatalities": "fatalities", "description": "description", "url": "source URL"}
CSV_COLUMNS = ["date", "source", "event_id", "event_type", "sub_event_type", "actors", "location", "admin1", "admin2",
               "corridor", "latitude", "longitude", "fatalities", "description", "url"]


def context(data) -> EventContext:
    """The report's events with the places of its series."""
    return EventContext(data.events, data.series[["id", "location", "latitude", "longitude"]])


def for_places(data, locations) -> pd.DataFrame:
    """The events that bear on any of `locations` (coordinates from the report's series)."""
    if data.events.empty:
        return data.events
    places = context(data)
    found = [bearing_on(data.events, location, *places.coordinates_of(location)) for location in sorted(set(locations))]
    found = [f for f in found if not f.empty]
    if not found:
        return data.events.iloc[0:0]
    return pd.concat(found).drop_duplicates(["source", "event_id"]).sort_values("date")


def mark_chart(figure: go.Figure, events: pd.DataFrame, top: float | None, first: str | None = None,
               last: str | None = None) -> go.Figure:
    """Dotted vertical lines at the events' dates across the whole figure (every panel of a
    shared time axis) and one hoverable marker per event at `top` (the height of the data)."""
    if events.empty or top is None or pd.isna(top):
        return figure
    shown = events
    if first is not None and last is not None:
        shown = events[(events["date"] >= str(first)[:10]) & (events["date"] <= _end_of(last))]
    if shown.empty:
        return figure
    for date in sorted(set(shown["date"])):
        figure.add_shape(type="line", x0=date, x1=date, xref="x", y0=0, y1=1, yref="paper", layer="below",
                         line={"color": COLOUR, "width": 1, "dash": "dot"})
    figure.add_trace(go.Scatter(
        x=shown["date"], y=[top] * len(shown), mode="markers", name=text(legend(shown)),
        marker={"symbol": "triangle-down", "size": 11, "color": COLOUR, "line": {"width": 0.5, "color": "#fff"}},
        customdata=[hover(r) for r in shown.itertuples(index=False)],
        hovertemplate="%{customdata}<extra></extra>"))
    return figure


def map_note(events: pd.DataFrame | None) -> str:
    if events is None or events.empty:
        return ""
    return ('<p class="note">Purple crosses: dated events at their coordinates (see the '
            '<a href="fuel.html#events">table of events</a>).</p>')


def mark_map(figure: go.Figure, events: pd.DataFrame | None) -> go.Figure:
    """The events with coordinates on the market map, the axes widened to show them."""
    if events is None or events.empty:
        return figure
    located = events.dropna(subset=["latitude", "longitude"])
    if located.empty:
        return figure
    figure.add_trace(go.Scatter(
        x=located["longitude"], y=located["latitude"], mode="markers", name=text(legend(located)),
        marker={"symbol": "x", "size": 12, "color": COLOUR, "line": {"width": 1, "color": "#fff"}},
        customdata=[hover(r) for r in located.itertuples(index=False)], hovertemplate="%{customdata}<extra></extra>"))
    low, high = figure.layout.xaxis.range or (None, None)
    if low is not None:
        west, east = located["longitude"].min() - 0.6, located["longitude"].max() + 0.6
        figure.update_xaxes(range=[min(low, west), max(high, east)])
    return figure


def section(site, data) -> str:
    """The fuel page's table of events (all stored events), with its CSV."""
    if data.events.empty:
        return ""
    frame = data.events.sort_values("date", ascending=False)
    href = site.write_csv("events.csv", frame[CSV_COLUMNS])
    sources = ", ".join(sorted(set(frame["source"])))
    return (f"<h2 id=\"events\">Events on the supply routes</h2><p class=\"note\">{len(frame)} events "
            f"({text(sources)}), most recent first; they are marked on the fuel panel, on the charts of the "
            "places they bear on (the places their corridor names, or within their radius) and on the market map.</p>"
            + table(frame, TABLE_COLUMNS, href, "Events"))


def with_sentences(data, alerts: pd.DataFrame) -> pd.DataFrame:
    """`alerts` (rows with location and date) with an `events` column: the events sentence of
    `indicators.event_context.event_sentence` for each row, else the latest event before it
    (`latest_event_sentence`), else ""."""
    if alerts.empty or data.events.empty:
        return alerts.assign(events="")
    places = context(data)
    sentences = []
    for location, date in zip(alerts["location"], alerts["date"]):
        where = places.coordinates_of(location)
        sentences.append(event_sentence(data.events, location, str(date), *where)
                         or latest_event_sentence(data.events, location, str(date), *where))
    return alerts.assign(events=sentences)


def legend(events: pd.DataFrame) -> str:
    kinds = {k for k in events["event_type"].fillna("") if k}
    sources = ", ".join(sorted(set(events["source"])))
    what = kinds.pop() if len(kinds) == 1 else "event"
    return f"{what} ({sources})"


def hover(row) -> str:
    """One event as plotly hover text (escaped)."""
    head = " · ".join(text(v) for v in (row.date, row.event_type or "event", row.source) if v)
    where = ", ".join(text(v) for v in (row.location, row.admin1, row.corridor) if v)
    return f"<b>{head}</b><br>{where}<br>{wrapped(row.description, 60)}"


def _end_of(date) -> str:
    """The last day a chart's last date covers ('2025-11' is the whole of November)."""
    date = str(date)
    if len(date) == 7:
        return (pd.Timestamp(f"{date}-01") + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
    return date[:10]
