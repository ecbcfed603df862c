"""HTML building blocks shared by every page: the page shell with its navigation, escaped tables
with their CSV download link, and plotly charts that use the folder's one `plotly.min.js`.

Everything from input data is escaped with `e()` here; pages never format raw data into HTML.
"""
from __future__ import annotations

import hashlib
import html
import re
import unicodedata

import pandas as pd

from .assets import CHARTS_JS, PLOTLY_JS, STYLE_CSS

e = html.escape
NAVIGATION = [
    ("index.html", "Overview"), ("grain.html", "Grain prices"), ("seasonal.html", "Seasonal view"),
    ("map.html", "Map"), ("fuel.html", "Fuel"), ("power.html", "Power"), ("other.html", "Other indicators"),
    ("derived.html", "Derived indicators"), ("method.html", "Method and provenance"),
]
SLUG_LENGTH = 60
DATE_COLUMNS = ("date", "month", "since")  # kept on one line: "2025-11" must not break at its dash


def shell(title: str, body: str, here: str, present: set[str], data, charts: bool) -> str:
    """A complete page: navigation, simulated-data banner, data and run dates, body."""
    current = ' class="here"'
    links = "".join(f'<a href="{href}"{current if href == here else ""}>{e(name)}</a>'
                    for href, name in NAVIGATION if href in present)
    script = f'<script src="{PLOTLY_JS}"></script>\n<script src="{CHARTS_JS}" defer></script>\n' if charts else ""
    body, index = page_index(body)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)} - indicator tracker</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{STYLE_CSS}">
{script}</head><body>
<nav>{links}</nav>
<main>
<h1>{e(title)}</h1>
{banner(data)}<p class="meta">Data up to <strong>{e(data.data_date)}</strong> · report written {e(data.run_time)}</p>
{index}{body}
</main></body></html>
"""


INDEX_MIN_HEADINGS = 4  # a page with fewer sections needs no index
_HEADING = re.compile(r'<(h[23])(?: id="([^"]*)")?>(.*?)</\1>', re.DOTALL)


def page_index(body: str) -> tuple[str, str]:
    """(body with an id on each h2/h3, an in-page index linking to them) for long pages: h3
    entries nest under their h2. Headings are already escaped HTML: the index reuses their text
    with tags (and severity badges) removed."""
    headings = _HEADING.findall(body)
    if len(headings) < INDEX_MIN_HEADINGS:
        return body, ""
    used: set[str] = set()
    entries: list[tuple[str, str, str]] = []

    def anchor(match) -> str:
        level, given, inner = match.group(1), match.group(2), match.group(3)
        plain = re.sub(r"<[^>]+>", "", re.sub(r'<span class="sev[^"]*">.*?</span>', "", inner)).strip()
        slug = given or "s-" + (re.sub(r"[^a-z0-9]+", "-", html.unescape(plain).lower()).strip("-")[:40] or "section")
        while slug in used and not given:
            slug += "-2"
        used.add(slug)
        entries.append((level, slug, plain))
        return f'<{level} id="{slug}">{inner}</{level}>'
    body = _HEADING.sub(anchor, body)
    items, open_sub = [], False
    for level, slug, plain in entries:
        if level == "h3" and not open_sub:
            items.append("<ul>")
            open_sub = True
        elif level == "h2" and open_sub:
            items.append("</ul>")
            open_sub = False
        items.append(f'{"" if level == "h3" or not items else "</li>"}<li><a href="#{slug}">{plain}</a>'
                     + ("</li>" if level == "h3" else ""))
    items.append(("</ul>" if open_sub else "") + "</li>")
    return body, ('<nav class="toc" aria-label="On this page"><strong>On this page</strong>'
                  f'<ol>{"".join(items)}</ol></nav>\n')


def banner(data) -> str:
    if not data.simulated:
        return ""
    total = len(data.series)
    count = f"all {total} series" if data.simulated >= total else f"{data.simulated} of {total} series"
    return (f'<p class="simulated"><strong>SIMULATED DATA:</strong> {count} come from a source marked as '
            'simulated (<a href="method.html#provenance">provenance</a>); they are not observations.</p>\n')


def severity_badge(severity: str) -> str:
    return f'<span class="sev sev-{e(severity)}">{e(severity)}</span>'


def download(href: str, label: str) -> str:
    return f'<p class="download"><a href="{e(href)}" download>{e(label)} (CSV)</a></p>'


def table(frame: pd.DataFrame, columns: dict[str, str], href: str | None = None, label: str = "Download",
          empty: str = "Nothing to show.") -> str:
    """An escaped HTML table of `columns` ({column: header}); a `severity` column shows as a
    badge, numbers are right-aligned. `href` adds the link to the same table as CSV."""
    link = download(href, label) if href else ""
    if frame.empty:
        return f"<p>{e(empty)}</p>{link}"
    head = "".join(f"<th>{e(header)}</th>" for header in columns.values())
    labels = [f' data-label="{e(header)}"' for header in columns.values()]  # the card layout's cell labels
    rows = []
    for record in frame[list(columns)].itertuples(index=False):
        cells = []
        for column, value, label in zip(columns, record, labels):
            if column in ("severity", "phase"):
                cells.append(f"<td{label}>{severity_badge(str(value))}</td>")
            elif isinstance(value, float):
                cells.append(f'<td class="num"{label}>{number(value)}</td>')
            elif column in DATE_COLUMNS:
                cells.append(f'<td class="date"{label}>{e("" if value is None else str(value))}</td>')
            else:
                cells.append(f"<td{label}>{e('' if value is None else str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'{link}<table class="cards"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def number(value: float) -> str:
    """A table cell's number: 4 significant digits, but never exponent notation (12,345 not 1.234e+04)."""
    if pd.isna(value):
        return ""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"


def chart(site, figure, name: str, title: str) -> str:
    """An empty div that `charts.js` fills from the figure's JSON when it comes into view; `name`
    (already a safe file name) is the div id and the static export's file name, `title` (plain
    text: the page shows it as a heading) titles the exported image. plotly's JSON writes `<` as
    `\\u003c`, so no data can close the script element early."""
    site.add_figure(name, figure, title)
    height = figure.layout.height or 450
    return (f'<div class="chart"><div id="{name}" class="plotly-graph-div" style="height:{height}px;width:100%">'
            f'</div><script type="application/json" data-chart="{name}">{figure.to_json()}</script></div>')


def safe_name(*parts: str) -> str:
    """A file name from data (series names): lower-case ASCII letters, digits and dashes, never
    empty, never a path, and unique per input thanks to a short hash of the exact parts."""
    text = " ".join(str(p) for p in parts if p)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_LENGTH].strip("-")
    digest = hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:8]
    return f"{slug or 'series'}-{digest}"
