"""`track.py report`: an HTML page that opens offline (plotly.js inlined once per page).

Reports only read the store. Every name that comes from input data is HTML-escaped.
"""
from __future__ import annotations

import html
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from .. import catalog
from ..alerts import alerts, current_alerts
from ..detect import CONSOLIDATION_RULE, DETECTORS
from ..store import Store

SEVERITY_COLOURS = {"normal": "#2e7d32", "stress": "#f9a825", "alert": "#ef6c00", "crisis": "#c62828"}
FAMILY_TITLES = {"fuel": "Fuel", "power": "Power", "grain": "Grain and food prices", "other": "Other indicators"}
SIMULATED_MARK = "SIMULATED"


def write_report(store: Store, out_dir: str | Path = "reports") -> Path:
    """Write `index.html` (and its CSV tables) into `out_dir`, replacing it atomically."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        _build(store, staging)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir / "index.html"


def _swap(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` by `staging` so that readers see the old or the new report, never half."""
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
        os.replace(out_dir, old)
        os.replace(staging, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out_dir)


def _build(store: Store, folder: Path) -> None:
    series = store.series()
    observations = store.observations()
    flagged = alerts(store)
    current = current_alerts(store)
    current.to_csv(folder / "current_alerts.csv", index=False)
    flagged.to_csv(folder / "alerts.csv", index=False)
    simulated = bool(series["source"].str.contains(SIMULATED_MARK, case=False).any()) if not series.empty else False
    data_date = observations["date"].max() if not observations.empty else "no data"
    charts = []
    for family in ("fuel", "power", "grain", "other"):
        names = [n for n in series["indicator"].unique() if catalog.get(n).family == family] if not series.empty else []
        for indicator in sorted(names):
            charts.append((indicator, _figure(indicator, observations, flagged)))
    page = _page(series, current, charts, data_date, simulated)
    (folder / "index.html").write_text(page, encoding="utf-8")


def _figure(indicator: str, observations: pd.DataFrame, flagged: pd.DataFrame) -> go.Figure:
    definition = catalog.get(indicator)
    figure = go.Figure()
    data = observations[observations["indicator"] == indicator]
    marks = flagged[flagged["indicator"] == indicator]
    for (location, item, price_type), group in data.groupby(["location", "item", "price_type"], sort=True):
        name = " ".join(part for part in (location, item, price_type) if part)
        figure.add_trace(go.Scatter(x=_x(group["date"]), y=group["value"], mode="lines", name=name,
                                    legendgroup=name, line={"width": 1.2}))
        hits = marks[(marks["location"] == location) & (marks["item"] == item) & (marks["price_type"] == price_type)]
        if not hits.empty:
            figure.add_trace(go.Scatter(
                x=_x(hits["date"]), y=hits["value"], mode="markers", name=f"{name} (flagged)", legendgroup=name,
                showlegend=False, marker={"color": hits["severity"].map(SEVERITY_COLOURS), "size": 7},
                text=hits["explanation"], hovertemplate="%{text}<extra></extra>"))
    figure.update_layout(title=definition.label(), height=420, margin={"l": 50, "r": 20, "t": 50, "b": 40},
                         yaxis_title=definition.short_unit or definition.unit, hovermode="closest",
                         legend={"font": {"size": 10}})
    return figure


def _x(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates, format="ISO8601")


def _page(series: pd.DataFrame, current: pd.DataFrame, charts, data_date: str, simulated: bool) -> str:
    e = html.escape
    run_time = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    banner = ('<p class="simulated"><strong>Simulated data.</strong> The bundled demo is a documented simulation '
              'of Mali\'s late-2025 fuel blockade (datasets/README.md), not observations.</p>') if simulated else ""
    rows = "".join(
        f'<tr><td><span class="sev sev-{e(r.severity)}">{e(r.severity)}</span></td><td>{e(r.indicator)}</td>'
        f"<td>{e(r.location)}</td><td>{e(r.item)}</td><td>{e(r.date)}</td><td>{e(r.detector)}</td>"
        f"<td>{e(r.explanation)}</td></tr>"
        for r in current.itertuples(index=False))
    table = (f"<table><thead><tr><th>severity</th><th>indicator</th><th>location</th><th>item</th><th>date</th>"
             f"<th>detector</th><th>explanation</th></tr></thead><tbody>{rows}</tbody></table>"
             if rows else "<p>No series is flagged at its latest date.</p>")
    figures = "".join(
        f'<section><h3>{e(catalog.get(name).title)}</h3>'
        f'{figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})}</section>'
        for name, figure in charts)
    methods = "".join(f"<dt>{e(d.title)} (<code>{e(d.name)}</code>)</dt><dd>{e(d.method)}</dd>"
                      for d in (cls() for cls in DETECTORS.values()))
    sources = series[["indicator", "location", "item", "price_type", "unit", "source", "first_date", "last_date",
                      "last_collected"]] if not series.empty else pd.DataFrame()
    provenance = sources.to_html(index=False, escape=True, border=0, na_rep="") if not sources.empty else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Indicator tracker report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.85rem; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }}
.sev {{ padding: 0.1rem 0.4rem; border-radius: 3px; color: #fff; }}
.sev-crisis {{ background: {SEVERITY_COLOURS['crisis']}; }} .sev-alert {{ background: {SEVERITY_COLOURS['alert']}; }}
.sev-stress {{ background: {SEVERITY_COLOURS['stress']}; color: #222; }} .sev-normal {{ background: {SEVERITY_COLOURS['normal']}; }}
.simulated {{ background: #fff3cd; border: 1px solid #e0c36b; padding: 0.6rem; }}
</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>Economic impact indicators</h1>
{banner}
<p>Data up to <strong>{e(str(data_date))}</strong>; report written {e(run_time)}.
{len(series)} series. <a href="current_alerts.csv">Current alerts (CSV)</a> · <a href="alerts.csv">All flagged dates (CSV)</a></p>
<h2>Current alerts</h2>
<p>Series flagged at their latest date, most severe first. {e(CONSOLIDATION_RULE)}</p>
{table}
<h2>Indicators</h2>
{figures}
<h2>Method</h2>
<dl>{methods}</dl>
<h2>Data provenance</h2>
{provenance}
</body></html>
"""
