"""plotly figures. Every string that comes from input data goes through `text()` first: plotly
draws trace names, titles, tick labels and hover text as its own small HTML dialect, so a name
like `<b>` or `<img ...>` must arrive as `&lt;b&gt;` to be shown as typed."""
from __future__ import annotations

import html
import textwrap

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from .assets import SEVERITY_COLOURS

FLAGGED = ("stress", "alert", "crisis")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PALETTE = qualitative.D3
ITEM_DASH = ["solid", "dot", "dash", "dashdot"]
MARGIN = {"l": 55, "r": 20, "t": 40, "b": 35}
SHADES = {"harvest": "rgba(46,125,50,0.13)", "lean": "rgba(239,108,0,0.13)"}
RANGE_BUTTONS = {
    "monthly": [(1, "year", "1y"), (3, "year", "3y"), (5, "year", "5y")],
    "weekly": [(6, "month", "6m"), (1, "year", "1y"), (3, "year", "3y")],
}
# A small white template: plotly's named templates add about 6 kB to every chart's JSON.
_AXIS = {"gridcolor": "#ebf0f8", "zerolinecolor": "#ebf0f8", "linecolor": "#ebf0f8", "automargin": True}
TEMPLATE = go.layout.Template(layout={"paper_bgcolor": "white", "plot_bgcolor": "white", "font": {"color": "#2a3f5f"},
                                      "colorway": PALETTE, "xaxis": _AXIS, "yaxis": _AXIS,
                                      "hoverlabel": {"align": "left"}})
DAILY_BUTTONS = [(1, "month", "1m"), (3, "month", "3m"), (6, "month", "6m"), (1, "year", "1y")]


def text(value) -> str:
    """Data -> plotly text that displays exactly as typed."""
    return html.escape("" if value is None else str(value), quote=False)


def wrapped(sentence: str, width: int = 72) -> str:
    return "<br>".join(text(line) for line in textwrap.wrap(str(sentence or ""), width)) or ""


def range_selector(frequency: str) -> dict:
    buttons = [{"count": c, "step": s, "stepmode": "backward", "label": label}
               for c, s, label in RANGE_BUTTONS.get(frequency, DAILY_BUTTONS)]
    return {"buttons": buttons + [{"step": "all", "label": "all"}], "font": {"size": 10}, "x": 0, "y": 1.02}


# What a chart shows when it opens (the range buttons widen it): the recent past people look at.
INITIAL_SPAN = {"monthly": pd.DateOffset(years=5), "weekly": pd.DateOffset(months=6),
                "daily": pd.DateOffset(months=6), "hourly": pd.DateOffset(months=6)}


def initial_range(dates, frequency: str) -> list[str] | None:
    """[start, end] of the last 5 years (monthly) or 6 months (daily, weekly, hourly) of `dates`,
    or None when the data is shorter than that (plotly then shows it all)."""
    stamps = pd.to_datetime(pd.Series(list(dates), dtype=object), format="ISO8601", errors="coerce").dropna()
    if stamps.empty:
        return None
    first, last = stamps.min(), stamps.max()
    if frequency == "monthly":
        last = last + pd.offsets.MonthEnd(0)
    start = last - INITIAL_SPAN.get(frequency, INITIAL_SPAN["daily"])
    if start <= first:
        return None
    return [start.strftime("%Y-%m-%d"), (last + pd.Timedelta(days=1)).strftime("%Y-%m-%d")]


def is_flat(values) -> bool:
    """An administered price held for months: every value the same (to 1e-9 of its size)."""
    values = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").dropna()
    return not values.empty and float(values.max() - values.min()) <= 1e-9 * max(abs(float(values.max())), 1.0)


def value_axis(unit: str) -> dict:
    """y-axis settings for values in `unit`: shares as percentages from zero; otherwise plotly's own."""
    return {"tickformat": ".0%", "rangemode": "tozero"} if unit == "share" else {}


def number_format(unit: str) -> str:
    """d3 format of a value in hover text."""
    return ".0%" if unit == "share" else ",.4~g"


def hover_value(unit: str, field: str = "y") -> str:
    """A hovertemplate fragment showing `field` in `unit`: '%{y:,.4~g} XOF/KG', '%{y:.0%}'."""
    return f"%{{{field}:{number_format(unit)}}}" + ("" if unit == "share" else f" {text(unit)}")


def series_figure(observed: pd.DataFrame, band: pd.DataFrame, scored: pd.DataFrame, unit: str,
                  frequency: str) -> go.Figure:
    """Observed values, the expected value with its band, and flagged dates coloured by severity.

    observed: date, value; band: date, expected, lower, upper, band_detector;
    scored: consolidated rows (date, value, severity, explanation, detector)."""
    figure = go.Figure()
    flat = is_flat(observed["value"])
    if not band.empty and not flat:  # a flat administered price has no spread: its band would fill the plot
        detector = text(band["band_detector"].iloc[0])
        figure.add_trace(go.Scatter(x=band["date"], y=band["upper"], mode="lines", line={"width": 0},
                                    hoverinfo="skip", showlegend=False))
        figure.add_trace(go.Scatter(x=band["date"], y=band["lower"], mode="lines", line={"width": 0},
                                    fill="tonexty", fillcolor="rgba(120,144,156,0.25)", hoverinfo="skip",
                                    name=f"normal range ({detector})"))
        figure.add_trace(go.Scatter(x=band["date"], y=band["expected"], mode="lines", name="expected",
                                    line={"color": "#546e7a", "dash": "dash", "width": 1},
                                    hovertemplate=f"expected: {hover_value(unit)}<extra></extra>"))
    # Hover is unified on the date. Severity and explanation ride on the observed line, one entry
    # per observed date: plotly's unified hover also lists a point of another trace up to 20 px
    # away, so separate flag traces would put a neighbouring date's explanation under this date.
    flagged = scored[scored["severity"].isin(FLAGGED)].drop_duplicates("date")
    flags = observed[["date"]].merge(flagged[["date", "severity", "detector", "explanation"]], on="date", how="left")
    notes = ["" if pd.isna(severity) else f"<br><b>{text(severity)}</b> ({text(detector)})<br>{wrapped(explanation)}"
             for severity, detector, explanation in zip(flags["severity"], flags["detector"], flags["explanation"])]
    figure.add_trace(go.Scatter(
        x=observed["date"], y=observed["value"], mode="lines", name="observed", line={"color": "#1f3b57", "width": 1.4},
        customdata=notes, hovertemplate=f"value: {hover_value(unit)}%{{customdata}}<extra></extra>"))
    for severity in FLAGGED:
        hits = flagged[flagged["severity"] == severity]
        if hits.empty:
            continue
        figure.add_trace(go.Scatter(
            x=hits["date"], y=hits["value"], mode="markers", name=severity, hoverinfo="skip",
            marker={"color": SEVERITY_COLOURS[severity], "size": 7, "line": {"width": 0.5, "color": "#fff"}}))
    yaxis = {"title": text(unit), **value_axis(unit)}
    if flat and not observed.empty and unit != "share":
        level = float(observed["value"].iloc[0])
        yaxis["range"] = [level - 0.1 * abs(level or 1), level + 0.1 * abs(level or 1)]
    xaxis = {"rangeselector": range_selector(frequency), "type": "date"}
    opening = initial_range(observed["date"], frequency)
    if opening:
        xaxis["range"] = opening
    figure.update_layout(template=TEMPLATE, height=320, margin=MARGIN, hovermode="x unified", yaxis=yaxis,
                         legend={"orientation": "h", "y": -0.15, "font": {"size": 10}}, xaxis=xaxis)
    return figure


def seasonal_figure(table: pd.DataFrame, this_year: int, past_years: int, unit: str, calendar) -> go.Figure:
    """This year against last year and the past years' average with its min-max range, by month,
    harvest and lean seasons shaded: the picture of prices that did not fall at harvest."""
    months = table["month"]
    figure = go.Figure()
    if calendar is not None:
        for season, months_in in (("harvest", calendar.harvest), ("lean", calendar.lean)):
            # every run is labelled: a harvest from November to January is two runs (Jan; Nov-Dec)
            for first, last in month_runs(months_in):
                figure.add_vrect(x0=first - 0.5, x1=last + 0.5, fillcolor=SHADES[season], line_width=0, layer="below")
                figure.add_annotation(x=first - 0.45, y=1, yref="paper", yanchor="top", xanchor="left",
                                      text="lean season" if season == "lean" else season, showarrow=False,
                                      font={"size": 10, "color": "#555"})
    unit_text = text(unit)
    hover = f"%{{x}}: %{{y:,.0f}} {unit_text}<extra>%{{fullData.name}}</extra>"
    if past_years:
        figure.add_trace(go.Scatter(x=months, y=table["maximum"], mode="lines", line={"width": 0},
                                    hoverinfo="skip", showlegend=False))
        figure.add_trace(go.Scatter(x=months, y=table["minimum"], mode="lines", line={"width": 0}, fill="tonexty",
                                    fillcolor="rgba(120,144,156,0.25)", name=f"{past_years}-year min-max",
                                    hoverinfo="skip"))
        figure.add_trace(go.Scatter(x=months, y=table["average"], mode="lines", name=f"{past_years}-year average",
                                    line={"color": "#546e7a", "dash": "dash"}, hovertemplate=hover))
    figure.add_trace(go.Scatter(x=months, y=table["last_year"], mode="lines+markers", name=str(this_year - 1),
                                line={"color": "#1e88e5", "width": 1.5}, marker={"size": 4}, hovertemplate=hover))
    figure.add_trace(go.Scatter(x=months, y=table["this_year"], mode="lines+markers", name=str(this_year),
                                line={"color": "#c62828", "width": 2.5}, marker={"size": 6}, hovertemplate=hover))
    figure.update_layout(template=TEMPLATE, height=330, margin=MARGIN, yaxis_title=unit_text, hovermode="x unified",
                         legend={"orientation": "h", "y": -0.12, "font": {"size": 10}},
                         xaxis={"tickmode": "array", "tickvals": list(range(1, 13)), "ticktext": MONTHS,
                                "range": [0.5, 12.5]})
    return figure


def month_runs(months) -> list[tuple[int, int]]:
    """Calendar months as contiguous (first, last) runs: [11, 12, 1] -> [(11, 12), (1, 1)]."""
    runs: list[list[int]] = []
    for month in sorted(set(months)):
        if runs and month == runs[-1][1] + 1:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    return [(a, b) for a, b in runs]


def fuel_panel(panels: list[tuple[str, str, pd.DataFrame]]) -> go.Figure:
    """Fuel panels on shared time axes, one line per (city, product): panels are
    (title, unit, frame with location, item, date, value)."""
    figure = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                           subplot_titles=[text(title) for title, _, _ in panels])
    locations = sorted({loc for _, _, frame in panels for loc in frame["location"]})
    items = sorted({item for _, _, frame in panels for item in frame["item"]})
    colour = {loc: PALETTE[i % len(PALETTE)] for i, loc in enumerate(locations)}
    dash = {item: ITEM_DASH[i % len(ITEM_DASH)] for i, item in enumerate(items)}
    seen = set()
    for row, (title, unit, frame) in enumerate(panels, start=1):
        for (location, item), group in frame.groupby(["location", "item"], sort=True):
            name = text(f"{location} {item}".strip())
            figure.add_trace(go.Scatter(
                x=group["date"], y=group["value"], mode="lines", name=name, legendgroup=name,
                showlegend=name not in seen, line={"color": colour[location], "dash": dash[item], "width": 1.3},
                hovertemplate=f"{name}<br>%{{x}}: {hover_value(unit)}<extra>{text(title)}</extra>"), row=row, col=1)
            seen.add(name)
        figure.update_yaxes(value_axis(unit), row=row, col=1)
    figure.update_layout(template=TEMPLATE, height=250 * len(panels) + 60, margin={**MARGIN, "t": 60},
                         hovermode="closest",
                         legend={"font": {"size": 10}})
    figure.update_xaxes(rangeselector=range_selector("daily"), row=1, col=1)
    opening = initial_range([d for _, _, frame in panels for d in frame["date"]], "daily")
    figure.update_xaxes(type="date", **({"range": opening} if opening else {}))
    return figure


def heat_map(matrix: pd.DataFrame, unit: str, zmax: float | None) -> go.Figure:
    """Rows (areas, top to bottom in the matrix's order) by days, coloured by value (outage hours)."""
    figure = go.Figure(go.Heatmap(
        z=matrix.to_numpy(dtype="float64"), x=list(matrix.columns), y=[text(r) for r in matrix.index],
        colorscale="YlOrRd", zmin=0, zmax=zmax, colorbar={"title": {"text": text(unit)}},
        hovertemplate="%{y}<br>%{x}: " + hover_value(unit, "z") + "<extra></extra>"))
    opening = initial_range(matrix.columns, "daily")
    figure.update_layout(template=TEMPLATE, height=140 + 28 * len(matrix), margin={**MARGIN, "l": 150},
                         xaxis={"type": "date", "rangeselector": range_selector("daily"),
                                **({"range": opening} if opening else {})},
                         yaxis={"autorange": "reversed"})
    return figure
