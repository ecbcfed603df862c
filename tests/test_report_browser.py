"""Open every page of a generated report in headless Chromium (Debian's `chromium`): every chart
is drawn, no script error occurs, and a hostile location name stays text.

A small script is injected into a copy of each page before it loads: it records script errors,
failed resources, network requests (blocked by a Content-Security-Policy that allows only files),
unhandled promise rejections, console.error and alert() calls, then, once
plotly has drawn, counts the charts and writes its findings onto the <html> element, which
`chromium --dump-dom` prints.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser

import pytest

from indicators.report import write_report
from indicators.report.assets import FIRST_CHARTS
from indicators.report.browser import dump_dom, find_chromium
from indicators.store import Store
from report_data import HOSTILE, build_database

CHROMIUM = find_chromium()
if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("CI must run the browser test: chromium is not installed (.ci/run installs it)", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

# First in <head>: a Content-Security-Policy that lets the page load only files (and data: or
# blob: URLs), so any request to the network is blocked and reported, even on a machine online.
CSP = "default-src file: data: blob: 'unsafe-inline' 'unsafe-eval'"
PROBE = """<meta http-equiv="Content-Security-Policy" content="CSP">
<script>
(function () {
  var found = [];
  function note(text) {
    found.push(String(text));
    document.documentElement.setAttribute("data-errors", JSON.stringify(found));
  }
  document.documentElement.setAttribute("data-errors", "[]");
  window.addEventListener("error", function (event) {
    var target = event.target && (event.target.src || event.target.href);
    note(target ? "failed to load " + target : "error: " + event.message);
  }, true);
  document.addEventListener("securitypolicyviolation", function (event) {
    note("network request blocked: " + event.blockedURI + " (" + event.violatedDirective + ")");
  });
  window.addEventListener("unhandledrejection", function (event) { note("rejection: " + event.reason); });
  var consoleError = console.error;
  console.error = function () { note("console.error: " + Array.from(arguments).join(" ")); consoleError.apply(console, arguments); };
  window.alert = function (message) { note("alert(" + message + ")"); };
  window.addEventListener("load", function () {
    // Charts are drawn as they come into view: count those drawn on their own (the first
    // screen), then draw the rest through the page's own hook (the one printing uses).
    setTimeout(function () {
      var onScreen = document.querySelectorAll(".js-plotly-plot").length;
      if (window.drawAllCharts) { window.drawAllCharts(); }
      setTimeout(function () { check(onScreen); }, 500);
    }, 500);
  });
  function check(onScreen) {
    {
      var plots = Array.from(document.querySelectorAll(".js-plotly-plot"));
      var drawn = plots.filter(function (gd) {
        return gd.querySelector(".main-svg") && gd._fullData && gd._fullData.length > 0 &&
               gd.querySelectorAll(".trace, .hm").length > 0;
      });
      var svgText = Array.from(document.querySelectorAll(".main-svg text")).map(function (t) { return t.textContent; });
      // Hover, as a mouse would, the first point that carries custom data (a flagged date's
      // severity and explanation, a market) and keep the hover label's text.
      var hovers = [];
      plots.forEach(function (gd) {
        var target = null;
        (gd._fullData || []).some(function (trace, curve) {
          var point = (trace.customdata || []).findIndex(function (d) { return d && d.length; });
          if (point >= 0) { target = {trace: trace, curve: curve, point: point}; }
          return target !== null;
        });
        if (!target) { return; }
        try {
          if (gd._fullLayout.hovermode === "x unified") {
            Plotly.Fx.hover(gd, {xval: gd._fullLayout.xaxis.d2c(target.trace.x[target.point])});
          } else {
            Plotly.Fx.hover(gd, [{curveNumber: target.curve, pointNumber: target.point}]);
          }
        } catch (e) { note("hover: " + e); }
        var layer = gd.querySelector(".hoverlayer");
        hovers.push(layer ? layer.textContent : "");
      });
      document.documentElement.setAttribute("data-report", JSON.stringify({
        plotly: typeof window.Plotly, plots: plots.length, drawn: drawn.length,
        images: document.querySelectorAll("img").length,
        textHasHostile: document.body.innerText.indexOf(HOSTILE) >= 0,
        svgHasHostile: svgText.some(function (t) { return t.indexOf(HOSTILE) >= 0; }),
        hovers: hovers.length, emptyHovers: hovers.filter(function (t) { return !t; }).length,
        hoverHasHostile: hovers.some(function (t) { return t.indexOf(HOSTILE) >= 0; }),
        onScreen: onScreen,
        // drawn charts with no data point in any trace (an empty frame drawn as axes only)
        emptyCharts: drawn.filter(function (gd) {
          return !gd._fullData.some(function (t) {
            return (t.x && t.x.length) || (t.y && t.y.length) || (t.z && t.z.length);
          });
        }).length,
        // overview cards whose series name is cut off (the location comes last in a name)
        clippedNames: Array.from(document.querySelectorAll(".card .name")).filter(function (el) {
          return el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
        }).length
      }));
    }
  }
})();
</script>""".replace("HOSTILE", json.dumps(HOSTILE)).replace("CSP", CSP, 1)


class _Html(HTMLParser):
    """The <html> element's attributes and the tags seen in a dumped DOM."""

    def __init__(self):
        super().__init__()
        self.root: dict = {}
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.root = attributes
        self.tags.append((tag, attributes))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    with Store(build_database(folder / "db")) as store:
        write_report(store, folder / "report")
    return folder / "report"


def _load(report, page, probed):
    """Copy the page with the probe injected first thing in <head>, open it, parse the DOM."""
    source = (report / page).read_text(encoding="utf-8")
    target = probed / page
    target.write_text(source.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    parser = _Html()
    parser.feed(dump_dom(target, budget_ms=8000))
    return parser


def test_every_page_draws_every_chart_without_errors(report, tmp_path):
    probed = tmp_path / "probed"
    shutil.copytree(report, probed)
    pages = sorted(p.name for p in report.glob("*.html"))
    assert {"index.html", "grain.html", "fuel.html", "power.html", "other.html", "seasonal.html", "map.html",
            "method.html"} <= set(pages)
    charts_seen = 0
    for page in pages:
        parsed = _load(report, page, probed)
        expected = len(re.findall(r'class="plotly-graph-div"', (report / page).read_text(encoding="utf-8")))
        assert "data-report" in parsed.root, f"{page}: the page never finished loading"
        found = json.loads(parsed.root["data-report"])
        errors = json.loads(parsed.root.get("data-errors", "[]"))
        assert errors == [], f"{page}: {errors}"
        assert found["plots"] == expected, f"{page}: {found['plots']} plotly divs, {expected} in the HTML"
        assert found["drawn"] == expected, f"{page}: only {found['drawn']} of {expected} charts drawn"
        assert found["emptyCharts"] == 0, f"{page}: {found['emptyCharts']} charts have no data"
        if expected:
            assert found["plotly"] == "object", f"{page}: plotly.min.js did not load"
            # The first charts draw by themselves; the others as they scroll into view.
            assert found["onScreen"] >= min(expected, FIRST_CHARTS), f"{page}: {found['onScreen']} drawn at first"
        # The hostile name is in every page's data: it must show as text, never become an element.
        assert found["images"] == 0, f"{page}: an <img> element was created"
        assert not [t for t, a in parsed.tags if "onerror" in a], f"{page}: an element with onerror exists"
        assert found["textHasHostile"] or found["svgHasHostile"], f"{page}: the hostile name is not shown"
        assert found["clippedNames"] == 0, f"{page}: {found['clippedNames']} series names cut off"
        charts_seen += expected
    # 14 series charts on the family pages + fuel panel + heat map + market map + 2 seasonal charts
    assert charts_seen == 19


def test_hostile_name_is_text_inside_charts(report, tmp_path):
    """plotly draws trace names and tick labels from JSON in a script tag: the name must show
    as typed in the SVG (legend, heat map rows, market labels), not as markup."""
    probed = tmp_path / "probed"
    shutil.copytree(report, probed)
    for page in ("fuel.html", "power.html", "map.html"):
        parsed = _load(report, page, probed)
        found = json.loads(parsed.root["data-report"])
        assert json.loads(parsed.root["data-errors"]) == []
        assert found["svgHasHostile"], f"{page}: the hostile name is not drawn as text in a chart"
        assert found["images"] == 0
        if page != "power.html":  # flagged dates and markets carry hover text with the name
            assert found["hovers"] > 0 and found["emptyHovers"] == 0, f"{page}: {found}"
            assert found["hoverHasHostile"], f"{page}: the hostile name is not in a hover label as text"


def test_screenshot_command_writes_the_overview_and_seasonal_view(report, tmp_path, capsys):
    import struct

    from indicators.report import screenshots

    assert screenshots.main([str(report), str(tmp_path / "img"), "--width", "800", "--height", "600"]) == 0
    for name in ("report-overview.png", "report-seasonal.png"):
        data = (tmp_path / "img" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (800, 600)
    assert "screenshot written" in capsys.readouterr().out
    assert screenshots.main([str(tmp_path / "nowhere"), str(tmp_path / "img")]) == 1
