"""plotly figures of the report, checked on their own: hover text, units, ordering."""
from __future__ import annotations

import pandas as pd

from indicators.report import figures

DATES = [f"2025-{m:02d}" for m in range(1, 13)]


def _series(severities: dict[str, str]):
    observed = pd.DataFrame({"date": DATES, "value": [float(v) for v in range(100, 112)]})
    band = pd.DataFrame({"date": DATES, "expected": 100.0, "lower": 95.0, "upper": 105.0, "band_detector": "seasonal"})
    scored = pd.DataFrame([{"date": d, "value": 0.0, "severity": severities.get(d, "normal"), "detector": "seasonal",
                            "explanation": f"explained <{d}>"} for d in DATES])
    return observed, band, scored


def test_each_date_hovers_with_its_own_severity_and_explanation():
    """plotly's unified hover also lists a point of another trace up to 20 px away: flags on
    separate traces would show a neighbouring month's explanation under this month."""
    observed, band, scored = _series({"2025-05": "alert", "2025-06": "crisis", "2025-07": "stress"})
    figure = figures.series_figure(observed, band, scored, "XOF/KG", "monthly")
    hovering = [t for t in figure.data if t.hoverinfo != "skip"]
    assert [t.name for t in hovering] == ["expected", "observed"]
    observed_trace = hovering[1]
    notes = dict(zip(observed_trace.x, observed_trace.customdata))
    assert "<b>crisis</b>" in notes["2025-06"] and "explained &lt;2025-06&gt;" in notes["2025-06"]
    assert "2025-05" not in notes["2025-06"] and "2025-07" not in notes["2025-06"]
    assert notes["2025-04"] == "" and notes["2025-08"] == ""
    markers = {t.name: list(t.x) for t in figure.data if t.mode == "markers"}
    assert markers == {"stress": ["2025-07"], "alert": ["2025-05"], "crisis": ["2025-06"]}


def test_shares_read_as_percentages():
    observed, band, scored = _series({})
    figure = figures.series_figure(observed.assign(value=0.45), band, scored, "share", "daily")
    assert (figure.layout.yaxis.tickformat, figure.layout.yaxis.rangemode) == (".0%", "tozero")
    assert "%{y:.0%}" in figure.data[-1].hovertemplate and "share" not in figure.data[-1].hovertemplate
    panel = figures.fuel_panel([("Fuel availability (share)", "share",
                                 pd.DataFrame({"location": "Kati", "item": "petrol", "date": DATES, "value": 0.5}))])
    assert panel.layout.yaxis.tickformat == ".0%"
    assert figures.series_figure(observed, band, scored, "XOF/KG", "monthly").layout.yaxis.tickformat is None


def test_heat_map_lists_areas_top_down_in_order():
    matrix = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=["Bamako Commune I", "Kati"], columns=DATES[:2])
    figure = figures.heat_map(matrix, "hours/day", 24)
    assert list(figure.data[0].y) == ["Bamako Commune I", "Kati"]
    assert figure.layout.yaxis.autorange == "reversed"
