"""The map: every place that has a series (`places.places`), coloured by its worst current phase,
over the admin-1 regions of the countries they are in (region names on hover) or, for a country
the bundled admin-1 file does not cover, its 1:110m outline (`boundaries.py`: Natural Earth,
bundled). A plain longitude/latitude scatter: plotly's geo maps fetch their outlines from a CDN,
which an offline report cannot do."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .assets import SEVERITY_COLOURS
from .figures import MARGIN, TEMPLATE, text, wrapped

REGION_LINE = {"color": "#90a4ae", "width": 0.8}
REGION_FILL = "rgba(236,239,241,0.6)"
LABEL_SPACING = 0.5  # degrees: a place closer than this to a labelled one is named on hover only


def _closed(rings) -> tuple[list, list]:
    """The rings as one closed line with gaps, to 3 decimals (about 100 m; a smaller page)."""
    xs, ys = [], []
    for ring in rings:
        xs += [round(p[0], 3) for p in ring] + [round(ring[0][0], 3), None]
        ys += [round(p[1], 3) for p in ring] + [round(ring[0][1], 3), None]
    return xs, ys


def _area(rings) -> float:
    """Shoelace area of the rings (square degrees), to draw large regions first."""
    return sum(abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(r, r[1:] + r[:1]))) / 2 for r in rings)


def _labelled(located: pd.DataFrame) -> set:
    """The places named on the map: the most severe first (the frame's order), skipping any place
    within LABEL_SPACING of one already named, so that names do not overprint each other."""
    named: list[tuple[float, float]] = []
    chosen = set()
    for index, x, y in zip(located.index, located["longitude"], located["latitude"]):
        if all(abs(x - a) > LABEL_SPACING or abs(y - b) > LABEL_SPACING / 2 for a, b in named):
            named.append((x, y))
            chosen.add(index)
    return chosen


def shapes_for(places: pd.DataFrame) -> tuple[dict, dict]:
    """(admin-1 regions of the countries the located places are in, 1:110m outlines of the
    countries of the places outside every bundled region)."""
    from .boundaries import outlines_around, regions_around

    located = places.dropna(subset=["latitude", "longitude"])
    if located.empty:
        return {}, {}
    regions = regions_around(located["longitude"], located["latitude"])
    # a place off every region but within a drawn region's box (a coastal or border market the
    # simplified boundaries miss) is covered: no other country's outline for it
    boxes = [ring.box for found in regions.values() for _, rings in found for ring in rings]
    outside = located[[not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)
                       for x, y in zip(located["longitude"], located["latitude"])]]
    outlines = outlines_around(outside["longitude"], outside["latitude"]) if not outside.empty else {}
    return regions, {name: rings for name, rings in outlines.items() if name not in regions}


def place_map(places: pd.DataFrame, regions: dict, outlines: dict) -> go.Figure:
    from .boundaries import CREDIT

    figure = go.Figure()
    shapes = [(name, country, rings) for country, found in regions.items() for name, rings in found]
    for name, country, rings in sorted(shapes, key=lambda s: -_area(s[2])):  # enclaves (Bamako) on top
        xs, ys = _closed(rings)
        label = text(f"{name}, {country}")
        figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=label, text=label, hoveron="fills",
                                    hoverinfo="text", showlegend=False, line=REGION_LINE, fill="toself",
                                    fillcolor=REGION_FILL))
    for name, rings in outlines.items():
        xs, ys = _closed(rings)
        figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=text(name), hoverinfo="skip", showlegend=False,
                                    line={**REGION_LINE, "width": 1.2}, fill="toself", fillcolor=REGION_FILL))
    located = places.dropna(subset=["latitude", "longitude"])
    named = _labelled(located)
    for phase, group in located.groupby("phase", sort=False):
        custom = np.column_stack([[text(v) for v in group["location"]],
                                  [wrapped(v, 60) for v in group["series_at_phase"]],
                                  [text(f"{n} series: {f}") for n, f in zip(group["series"], group["families"])]])
        figure.add_trace(go.Scatter(
            x=group["longitude"], y=group["latitude"], mode="markers+text", name=phase,
            text=[text(v) if i in named else "" for i, v in zip(group.index, group["location"])],
            textposition="top center", customdata=custom,
            marker={"size": 14, "color": SEVERITY_COLOURS.get(phase, SEVERITY_COLOURS["unscored"]),
                    "line": {"width": 1, "color": "#333"}},
            hovertemplate=f"%{{customdata[0]}}: <b>{phase}</b><br>%{{customdata[2]}}<br>%{{customdata[1]}}"
                          "<extra></extra>"))
    every = [p for found in regions.values() for _, rings in found for ring in rings for p in ring] \
        + [p for rings in outlines.values() for ring in rings for p in ring]
    longitudes = list(located["longitude"]) + [p[0] for p in every]
    latitudes = list(located["latitude"]) + [p[1] for p in every]
    pad = 0.6 if not every else 0.3
    low, high = (min(longitudes) - pad, max(longitudes) + pad) if longitudes else (-1.0, 1.0)
    middle = float(np.mean(latitudes)) if latitudes else 0.0
    if every:
        figure.add_annotation(text=CREDIT, xref="paper", yref="paper", x=1, y=0, xanchor="right", yanchor="bottom",
                              showarrow=False, font={"size": 9, "color": "#78909c"})
    figure.update_layout(
        template=TEMPLATE, height=560, margin=MARGIN, hovermode="closest",
        legend={"title": {"text": "worst current phase"}},
        xaxis={"title": "longitude", "range": [low, high], "showgrid": True, "zeroline": False},
        yaxis={"title": "latitude", "scaleanchor": "x", "scaleratio": 1 / max(np.cos(np.radians(middle)), 0.1),
               "showgrid": True, "zeroline": False})
    return figure
