"""Long lists on a page: every series of a family (or every country of a region) as one table
with a text filter and pages of rows, instead of thousands of charts.

The table is plain HTML (every row is there, readable without JavaScript); `filter.js` adds the
filter box and shows `ROWS_PER_PAGE` rows at a time. Cells are escaped here like `layout.table`.
"""
from __future__ import annotations

import pandas as pd

from .layout import e, number, severity_badge

ROWS_PER_PAGE = 100


def filtered_table(table_id: str, frame: pd.DataFrame, columns: dict[str, str], links: dict[str, str] | None = None,
                   row_ids: pd.Series | None = None, label: str = "Filter") -> str:
    """An escaped table of `columns` ({column: header}) with a filter box and paging.

    `links` ({column: column holding the href}) makes that column's cells links; `row_ids`
    (aligned with `frame`, empty for none) gives rows an id, so `page.html#s-12` reaches a row."""
    links = links or {}
    head = "".join(f"<th>{e(header)}</th>" for header in columns.values())
    ids = list(row_ids) if row_ids is not None else [""] * len(frame)
    hrefs = {column: list(frame[source]) for column, source in links.items()}
    rows = []
    for position, record in enumerate(frame[list(columns)].itertuples(index=False)):
        cells = []
        for column, value, header in zip(columns, record, columns.values()):
            label_attr = f' data-label="{e(header)}"'
            if column in ("severity", "phase", "worst"):
                cells.append(f"<td{label_attr}>{severity_badge(str(value))}</td>")
            elif isinstance(value, float):
                cells.append(f'<td class="num"{label_attr}>{number(value)}</td>')
            elif column in hrefs and hrefs[column][position]:
                cells.append(f'<td{label_attr}><a href="{e(hrefs[column][position])}">{e(str(value))}</a></td>')
            else:
                cells.append(f"<td{label_attr}>{e('' if value is None else str(value))}</td>")
        row_id = f' id="{e(ids[position])}"' if ids[position] else ""
        rows.append(f"<tr{row_id}>" + "".join(cells) + "</tr>")
    return (f'<p class="filter"><label>{e(label)} <input type="search" data-filter="{e(table_id)}" '
            f'placeholder="type part of a name, a severity, a date"></label> '
            f'<span id="{e(table_id)}-status" class="note">{len(frame)} rows</span> '
            f'<button type="button" id="{e(table_id)}-previous">previous</button> '
            f'<button type="button" id="{e(table_id)}-next">next</button></p>'
            f'<table class="cards filtered" id="{e(table_id)}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


# Every `input[data-filter]` filters the rows of its table (all typed words must occur in the
# row's text) and shows them a page at a time; a link to a row's id (#s-12) opens its page.
FILTER_JS = """(function () {
  "use strict";
  var PAGE = ROWS;
  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter]"), function (input) {
    var id = input.getAttribute("data-filter");
    var table = document.getElementById(id);
    var status = document.getElementById(id + "-status");
    var previous = document.getElementById(id + "-previous");
    var next = document.getElementById(id + "-next");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) {  // cell by cell: "2025-12" and "301" must not read "2025-12301"
      return Array.prototype.map.call(row.cells, function (cell) { return cell.textContent; }).join(" | ").toLowerCase();
    });
    var matching = rows, start = 0;
    function show() {
      rows.forEach(function (row) { row.hidden = true; });
      matching.slice(start, start + PAGE).forEach(function (row) { row.hidden = false; });
      status.textContent = matching.length === 0 ? "no matching row" :
        "rows " + (start + 1) + "-" + Math.min(start + PAGE, matching.length) + " of " + matching.length +
        (matching.length < rows.length ? " matching (" + rows.length + " in all)" : "");
      previous.disabled = start === 0;
      next.disabled = start + PAGE >= matching.length;
    }
    function filter() {
      var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
      matching = rows.filter(function (row, i) {
        return words.every(function (word) { return texts[i].indexOf(word) >= 0; });
      });
      start = 0;
      show();
    }
    function reveal() {
      var target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
      if (!target || target.parentNode !== table.tBodies[0]) { return; }
      if (matching.indexOf(target) < 0) { input.value = ""; matching = rows; }
      start = Math.floor(matching.indexOf(target) / PAGE) * PAGE;
      show();
      target.scrollIntoView();
    }
    input.addEventListener("input", filter);
    previous.addEventListener("click", function () { start = Math.max(0, start - PAGE); show(); });
    next.addEventListener("click", function () { start += PAGE; show(); });
    window.addEventListener("hashchange", reveal);
    filter();
    reveal();
  });
})();
""".replace("ROWS", str(ROWS_PER_PAGE))
