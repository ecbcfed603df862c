"""Files every page shares, written once per report folder: plotly.js, the chart loader and the
style sheet.

Pages refer to them by relative links (`<script src="plotly.min.js">`), so a report opens
offline from any folder, with no server and nothing fetched from the network.
"""
from __future__ import annotations

import json

from plotly.offline import get_plotlyjs

PLOTLY_JS = "plotly.min.js"
CHARTS_JS = "charts.js"
FILTER_JS = "filter.js"
STYLE_CSS = "style.css"
CHART_CONFIG = {"displaylogo": False, "responsive": True}
FIRST_CHARTS = 4
# Each chart's figure sits in the page as JSON (<script type="application/json" data-chart=ID>).
# The first few are drawn at once (the first screen, screenshots); the others when they come near
# the screen, so a family page with hundreds of series opens at once instead of drawing every
# chart first. Printing, and `drawAllCharts()`, draw them all.
CHARTS = """(function () {
  "use strict";
  var config = CONFIG;
  function draw(holder) {
    if (holder.getAttribute("data-drawn")) { return; }
    holder.setAttribute("data-drawn", "1");
    var source = document.querySelector('script[data-chart="' + holder.id + '"]');
    var figure = JSON.parse(source.textContent);
    Plotly.newPlot(holder, figure.data, figure.layout || {}, config);
  }
  function drawAll() { Array.prototype.forEach.call(document.querySelectorAll(".plotly-graph-div"), draw); }
  window.drawAllCharts = drawAll;
  window.addEventListener("beforeprint", drawAll);
  var holders = Array.prototype.slice.call(document.querySelectorAll(".plotly-graph-div"));
  holders.slice(0, FIRST).forEach(draw);
  if (!("IntersectionObserver" in window)) { drawAll(); return; }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
    });
  }, {rootMargin: "800px 0px"});
  holders.slice(FIRST).forEach(function (holder) { observer.observe(holder); });
})();
""".replace("CONFIG", json.dumps(CHART_CONFIG)).replace("FIRST", str(FIRST_CHARTS))
SEVERITY_COLOURS = {"normal": "#2e7d32", "stress": "#f9a825", "alert": "#ef6c00", "crisis": "#c62828",
                    "unscored": "#9e9e9e"}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; }
main { max-width: 1200px; margin: 0 auto; padding: 0.5rem 1rem 2rem; }
nav { background: #263238; padding: 0.5rem 1rem; }
nav a { color: #eceff1; margin-right: 1.2rem; text-decoration: none; }
nav a.here { font-weight: bold; border-bottom: 2px solid #eceff1; }
h1 { font-size: 1.5rem; margin: 0.8rem 0 0.3rem; }
h2 { font-size: 1.2rem; margin-top: 1.6rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1rem; margin: 1rem 0 0.2rem; }
.meta, .note { color: #555; font-size: 0.9rem; }
.simulated { background: #fff3cd; border: 1px solid #e0c36b; padding: 0.6rem; margin: 0.6rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.date { white-space: nowrap; }
.sev { padding: 0.05rem 0.4rem; border-radius: 3px; color: #fff; white-space: nowrap; }
ul.headlines { list-style: none; padding: 0; font-size: 1.05rem; }
ul.headlines li { margin: 0.3rem 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 0.5rem; }
.card { border: 1px solid #ddd; border-left: 6px solid #9e9e9e; padding: 0.3rem 0.4rem; font-size: 0.78rem;
        color: inherit; text-decoration: none; display: block; }
.card .name { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; overflow: hidden;
              overflow-wrap: anywhere; line-height: 1.25; min-height: 2.5em; }
.card .last { color: #555; }
.card svg { display: block; width: 100%; height: 36px; }
.download { font-size: 0.85rem; }
.chart { margin-bottom: 0.6rem; }
dl dt { font-weight: bold; margin-top: 0.8rem; }
nav.toc { background: #f5f7fa; border: 1px solid #e0e4ea; padding: 0.4rem 0.8rem; margin: 0.6rem 0; font-size: 0.88rem; }
nav.toc ol { margin: 0.2rem 0; padding-left: 1.2rem; columns: 2 16rem; }
nav.toc ol > li { break-inside: avoid-column; }
nav.toc ul { padding-left: 1rem; margin: 0.1rem 0; }
nav.toc a { color: #1f3b57; }
p.filter input { min-width: 16rem; }
table.filtered tr[hidden] { display: none !important; }
/* Phones: every table becomes a stack of cards, one per row, each cell labelled by its column. */
@media (max-width: 600px) {
  nav a { display: inline-block; margin: 0.15rem 0.8rem 0.15rem 0; }
  table.cards thead { display: none; }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: auto; }
  table.cards tr { border: 1px solid #ddd; border-radius: 4px; margin: 0 0 0.6rem; padding: 0.3rem 0.5rem; }
  table.cards td { border: none; padding: 0.12rem 0; text-align: left; overflow-wrap: anywhere; }
  table.cards td:empty { display: none; }
  table.cards td::before { content: attr(data-label) ": "; font-weight: 600; color: #555; }
}
"""


def write(site) -> None:
    site.write_text(PLOTLY_JS, get_plotlyjs())
    site.write_text(CHARTS_JS, CHARTS)
    from .listing import FILTER_JS as filter_script

    site.write_text(FILTER_JS, filter_script)
    by_severity = "".join(
        f".sev-{name} {{ background: {colour};{' color: #222;' if name == 'stress' else ''} }}\n"
        f".card.sev-border-{name} {{ border-left-color: {colour}; }}\n"
        for name, colour in SEVERITY_COLOURS.items())
    site.write_text(STYLE_CSS, STYLE.lstrip() + by_severity)
