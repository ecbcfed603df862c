"""Files every page shares, written once per report folder: plotly.js and the style sheet.

Pages refer to them by relative links (`<script src="plotly.min.js">`), so a report opens
offline from any folder, with no server and nothing fetched from the network.
"""
from __future__ import annotations

from plotly.offline import get_plotlyjs

PLOTLY_JS = "plotly.min.js"
STYLE_CSS = "style.css"
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
.sev { padding: 0.05rem 0.4rem; border-radius: 3px; color: #fff; white-space: nowrap; }
ul.headlines { list-style: none; padding: 0; font-size: 1.05rem; }
ul.headlines li { margin: 0.3rem 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 0.5rem; }
.card { border: 1px solid #ddd; border-left: 6px solid #9e9e9e; padding: 0.3rem 0.4rem; font-size: 0.78rem;
        color: inherit; text-decoration: none; display: block; }
.card .name { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.card .last { color: #555; }
.card svg { display: block; width: 100%; height: 36px; }
.download { font-size: 0.85rem; }
.chart { margin-bottom: 0.6rem; }
dl dt { font-weight: bold; margin-top: 0.8rem; }
"""


def write(site) -> None:
    site.write_text(PLOTLY_JS, get_plotlyjs())
    by_severity = "".join(
        f".sev-{name} {{ background: {colour};{' color: #222;' if name == 'stress' else ''} }}\n"
        f".card.sev-border-{name} {{ border-left-color: {colour}; }}\n"
        for name, colour in SEVERITY_COLOURS.items())
    site.write_text(STYLE_CSS, STYLE.lstrip() + by_severity)
