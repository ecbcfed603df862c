"""The HTML report: offline, plotly.js once, names escaped, atomic replacement."""
import re

import numpy as np
import pandas as pd
from plotly.offline import get_plotlyjs

from indicators.collectors import get_collector
from indicators.detect import run_detection
from indicators.report import write_report

HOSTILE = "<img src=x onerror=alert(1)>"


def _load(store, tmp_path):
    rng = np.random.default_rng(1)
    dates = pd.date_range("2025-01-01", periods=60, freq="D").strftime("%Y-%m-%d")
    frame = pd.DataFrame({"indicator": "fuel_queue_time", "location": HOSTILE, "item": "petrol", "date": dates,
                          "value": np.round(0.3 + rng.normal(0, 0.05, 60).clip(-0.2), 2), "unit": "hours",
                          "source": "SIMULATED test data"})
    frame.loc[55:, "value"] = 30.0
    path = tmp_path / "queues.csv"
    frame.to_csv(path, index=False)
    get_collector("csv").collect_file(store, path)
    run_detection(store)


def test_report_is_offline_escaped_and_complete(store, tmp_path):
    _load(store, tmp_path)
    page = write_report(store, tmp_path / "site").read_text(encoding="utf-8")
    assert page.count("Plotly.newPlot") >= 1
    assert not re.search(r"<(script|link)[^>]+(src|href)=.https?:", page)  # nothing from the network
    assert page.count(get_plotlyjs()[:300]) == 1  # plotly.js once per page, not per chart
    assert HOSTILE not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Simulated data" in page
    current = pd.read_csv(tmp_path / "site" / "current_alerts.csv")
    assert current.loc[0, "severity"] == "crisis"


def test_report_folder_is_replaced_whole(store, tmp_path):
    _load(store, tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "stale.html").write_text("old")
    write_report(store, site)
    assert not (site / "stale.html").exists()
    assert (site / "index.html").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site-")]
