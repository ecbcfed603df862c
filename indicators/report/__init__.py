"""Reports: a small static site of plotly pages that only reads the store.

`write_report(store, out_dir)` writes the overview (`index.html`), one page per indicator family,
the seasonal view, the market map and the method page, with every table as CSV beside them.
"""
from .site import ReportError, write_report

__all__ = ["ReportError", "write_report"]
