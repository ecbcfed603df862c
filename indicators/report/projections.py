"""Projections in the report: fan charts, the skill sentence beside each, a sentence for current alerts.

Reads what `track.py forecast` stored (each series' latest origin) and never computes a forecast.
When the projected method did not beat seasonal naive over its backtest, the baseline's fan is
drawn instead and the sentence says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..detect.explain import format_value, relative, same_month_references
from ..store import Store
from .figures import hover_value, text

BASELINE = "seasonal_naive"
FAN = {"95": "rgba(239,108,0,0.14)", "80": "rgba(239,108,0,0.28)"}
# the horizon quoted beside a chart (daily: not 7, where naive and seasonal naive coincide)
SKILL_HORIZON = {"monthly": 3, "weekly": 4, "daily": 3, "hourly": 24}
UNIT_WORD = {"monthly": "month", "weekly": "week", "daily": "day", "hourly": "hour"}
TITLES = {"naive": "naive (last value)", "seasonal_naive": "seasonal naive", "ets_additive": "ETS (additive seasons)",
          "ets_multiplicative": "ETS (multiplicative seasons)", "sarimax": "SARIMAX"}


@dataclass
class Projections:
    fans: pd.DataFrame     # latest origin's rows per series, every stored method, `chosen` flag
    choices: pd.DataFrame  # sid, origin, method, status, reason, episode_start
    skill: pd.DataFrame    # per series, method and horizon

    def shown(self, sid: int, frequency: str, unit: str = "") -> tuple[pd.DataFrame, str]:
        """(the rows to draw, the sentence beside them) for one series; empty rows when none stored."""
        choice = self.choices[self.choices["sid"] == sid]
        if choice.empty:
            return self.fans.iloc[:0], ""
        choice = choice.iloc[0]
        rows = self.fans[self.fans["sid"] == sid]
        method, sentence = choice["method"], skill_sentence(self.skill[self.skill["sid"] == sid], choice, frequency,
                                                          unit)
        if _beaten_by_baseline(self.skill[self.skill["sid"] == sid], method, frequency) and \
                choice["status"] == "projected":
            method = BASELINE
        return rows[rows["method"] == method].sort_values("date"), sentence


def load(store: Store) -> Projections:
    from ..forecast import storage

    skill = storage.series_skill(store)
    return Projections(storage.projections(store), storage.choices(store), skill)


def _reference(skill: pd.DataFrame, frequency: str) -> int:
    wanted = SKILL_HORIZON.get(frequency, 1)
    horizons = sorted(skill["horizon"].unique()) if not skill.empty else []
    return wanted if wanted in horizons else (horizons[-1] if horizons else wanted)


def _row(skill: pd.DataFrame, method: str, horizon: int):
    rows = skill[(skill["method"] == method) & (skill["horizon"] == horizon)]
    return None if rows.empty else rows.iloc[0]


def _beaten_by_baseline(skill: pd.DataFrame, method: str, frequency: str) -> bool:
    row = _row(skill, method, _reference(skill, frequency))
    return method != BASELINE and row is not None and not row["mase"] < 1


def skill_sentence(skill: pd.DataFrame, choice, frequency: str, unit: str = "") -> str:
    """'Over 36 past origins SARIMAX's 3-month error was 7.9%, seasonal naive 11.2%; the 80% band
    held 78% of the time.' with what the projection assumes."""
    method, status = choice["method"], choice["status"]
    horizon = _reference(skill, frequency)
    step = f"{horizon}-{UNIT_WORD.get(frequency, 'period')}"
    name = TITLES.get(method, method)
    if status == "short_history":
        return (f"Too little history for a backtest: the projection is the {name} baseline and its band is only "
                f"the spread of past changes, not a measured track record.")
    row, base = _row(skill, method, horizon), _row(skill, BASELINE, horizon)
    parts = []
    if status == "episode_ongoing":
        parts.append(f"Assumes the ongoing episode (since {choice['episode_start']}) continues: projected from the "
                     f"current level, not from the pre-crisis seasonal shape.")
    if row is not None and base is not None:
        own, baseline = _error(row, unit), _error(base, unit)
        record = (f"Over {int(row['origins'])} past origins the {name} {step} error was {own}, "
                  f"seasonal naive {baseline}; the 80% band held {row['coverage_80'] * 100:.0f}% of the "
                  f"time and the 95% band {row['coverage_95'] * 100:.0f}%.")
        parts.append(record)
        if status == "projected" and method != BASELINE and not row["mase"] < 1:
            parts.append(f"The {name} method did not beat seasonal naive at {step}s ahead, so the seasonal naive "
                         f"baseline is shown.")
    return " ".join(parts)


def _error(row, unit: str) -> str:
    """Mean absolute percentage error; for shares (which come near zero) the mean absolute error in points."""
    if unit == "share" and "sum_abs" in row and row["origins"]:
        return f"{row['sum_abs'] / row['origins'] * 100:.0f} points"
    return f"{row['mape']:.1f}%"


def add_fan(figure: go.Figure, rows: pd.DataFrame, unit: str, start: tuple | None = None) -> None:
    """The projection as a fan on a date axis: 95% and 80% bands and the central path, starting
    from the last observation `start` = (date, value) so that the fan joins the observed line."""
    if rows.empty:
        return
    dates, frames = list(rows["date"]), {c: list(rows[c]) for c in ("forecast", "lower_80", "upper_80",
                                                                    "lower_95", "upper_95")}
    if start is not None:
        dates = [start[0]] + dates
        frames = {c: [start[1]] + v for c, v in frames.items()}
    method = text(TITLES.get(rows["method"].iloc[0], rows["method"].iloc[0]))
    for level in ("95", "80"):
        figure.add_trace(go.Scatter(x=dates, y=frames[f"upper_{level}"], mode="lines", line={"width": 0},
                                    hoverinfo="skip", showlegend=False))
        figure.add_trace(go.Scatter(x=dates, y=frames[f"lower_{level}"], mode="lines", line={"width": 0},
                                    fill="tonexty", fillcolor=FAN[level], name=f"{level}% interval",
                                    hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=dates, y=frames["forecast"], mode="lines", name=f"projection ({method})",
                                line={"color": "#ef6c00", "dash": "dot", "width": 1.6},
                                customdata=np.column_stack([frames["lower_80"], frames["upper_80"]]),
                                hovertemplate=f"projected: {hover_value(unit)} (80%: "
                                              f"{hover_value(unit, 'customdata[0]')} to "
                                              f"{hover_value(unit, 'customdata[1]')})<extra></extra>"))


def add_seasonal_fan(figure: go.Figure, rows: pd.DataFrame, this_year: int, unit: str) -> None:
    """The projected months on the seasonal view's month axis (13 = January of the next year)."""
    if rows.empty:
        return
    periods = pd.PeriodIndex(rows["date"], freq="M")
    position = list(periods.month + 12 * (periods.year - this_year))
    ahead = pd.DataFrame({"x": position, **{c: rows[c].to_numpy() for c in ("forecast", "lower_80", "upper_80")}})
    ahead = ahead[ahead["x"] >= 1]
    if ahead.empty:
        return
    figure.add_trace(go.Scatter(x=ahead["x"], y=ahead["upper_80"], mode="lines", line={"width": 0},
                                hoverinfo="skip", showlegend=False))
    figure.add_trace(go.Scatter(x=ahead["x"], y=ahead["lower_80"], mode="lines", line={"width": 0}, fill="tonexty",
                                fillcolor=FAN["80"], name="projection, 80% interval", hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=ahead["x"], y=ahead["forecast"], mode="lines+markers", name="projection",
                                line={"color": "#ef6c00", "dash": "dot", "width": 2}, marker={"size": 5},
                                hovertemplate=f"projected: {hover_value(unit)}<extra></extra>"))
    last = int(ahead["x"].max())
    if last > 12:
        months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        ticks = list(range(1, last + 1))
        figure.update_xaxes(tickvals=ticks, ticktext=[months[(t - 1) % 12] + (f" {this_year + 1}" if t == 13 else "")
                                                      for t in ticks], range=[0.5, last + 0.5])


def alert_sentence(rows: pd.DataFrame, observed: pd.DataFrame, unit: str, frequency: str, bad_direction: str) -> str:
    """'Projected to peak at 470 XOF/KG in 2026-08, 52% above the 5-year average for that month.'"""
    if rows.empty:
        return ""
    flat = np.ptp(rows["forecast"]) <= 0.005 * max(abs(rows["forecast"]).max(), 1e-12)
    worst = rows.index[-1] if flat else rows["forecast"].idxmin() if bad_direction == "down" \
        else rows["forecast"].idxmax()
    value, date = float(rows.loc[worst, "forecast"]), str(rows.loc[worst, "date"])
    verb = "stay at" if flat else "fall to" if bad_direction == "down" else "peak at"
    sentence = f"Projected to {verb} {format_value(value, unit)} {'through' if flat else 'in'} {date}"
    if frequency == "monthly" and not observed.empty:
        series = pd.Series(observed["value"].to_numpy(dtype="float64"),
                           index=pd.PeriodIndex(observed["date"], freq="M")).groupby(level=0).mean()
        target = pd.Period(date, freq="M")
        index = pd.period_range(series.index.min(), target, freq="M")
        extended = series.reindex(index).to_numpy()
        _, average = same_month_references(extended)
        if average[-1] == average[-1]:
            return f"{sentence}, {relative(value, average[-1], unit)} the 5-year average for that month."
    latest = float(observed["value"].iloc[-1]) if not observed.empty else float("nan")
    if latest == latest and not flat:  # a flat path is the latest value: nothing to compare
        return f"{sentence}, {relative(value, latest, unit)} the latest value."
    return sentence + "."


def with_projection_sentences(current: pd.DataFrame, series: pd.DataFrame, observations: pd.DataFrame,
                              projections: Projections) -> pd.DataFrame:
    """Current alerts with the projection's sentence appended to their explanation."""
    if current.empty or projections.fans.empty:
        return current
    from .. import catalog
    from ..store import SERIES_KEY

    keyed = series.set_index(SERIES_KEY)
    explanations = []
    for row in current.itertuples(index=False):
        key = (row.indicator, row.location, row.item, row.price_type)
        if key not in keyed.index:
            explanations.append(row.explanation)
            continue
        info = keyed.loc[key]
        rows, _ = projections.shown(int(info["sid"]), info["frequency"], info["unit"])
        sentence = alert_sentence(rows, observations[observations["sid"] == info["sid"]], info["unit"],
                                  info["frequency"], catalog.get(row.indicator).bad_direction)
        explanations.append(f"{row.explanation} {sentence}".strip())
    return current.assign(explanation=explanations)


def method_section(site, projections: Projections) -> str:
    """The method page's projection section: the methods with their sources, the pooled skill."""
    from ..forecast import METHODS
    from ..forecast.backtest import pooled
    from .layout import e, table

    entries = "".join(f"<dt>{e(m.title)} (<code>{e(name)}</code>)</dt><dd><p>{e(m.method)}</p>"
                      f"<p class=\"note\">Source: {e(m.source)}.</p></dd>" for name, m in METHODS.items())
    skill = projections.skill
    pooled_table = pooled(skill.assign(country=skill.get("country", "")), ["indicator", "method", "horizon"]) \
        if not skill.empty else pd.DataFrame()
    shown = pooled_table.round({"mape": 1, "mape_baseline": 1, "mase": 2, "coverage_80": 2, "coverage_95": 2}) \
        if not pooled_table.empty else pooled_table
    columns = {"indicator": "indicator", "method": "method", "horizon": "horizon", "series": "series",
               "origins": "origins", "mape": "MAPE (%)", "mape_baseline": "seasonal naive MAPE (%)",
               "mase": "MASE", "coverage_80": "80% coverage", "coverage_95": "95% coverage"}
    skill_table = table(shown, columns, site.write_csv("forecast_skill.csv", pooled_table),
                        "Backtest skill per indicator, method and horizon", "No projection stored yet.") \
        if not shown.empty else "<p>No projection stored yet (<code>python track.py forecast</code>).</p>"
    return ("<h2 id=\"projections\">Projections</h2><p>Each series is projected from its last date (the origin) "
            "with 80% and 95% intervals. Every method is backtested from rolling origins, each fitted only on the "
            "data up to that origin; the method with the smallest recent error is projected, beside the seasonal "
            "naive baseline. During an ongoing alert episode the projection is the current level (naive), assuming "
            "the episode continues. Intervals come from each method's own past errors at the same horizon. MASE "
            "is the method's mean absolute error over seasonal naive's on the same origins and targets; "
            "<code>selected</code> is the whole procedure, choosing at each origin with what was known then.</p>"
            f"<dl>{entries}</dl>" + skill_table)
