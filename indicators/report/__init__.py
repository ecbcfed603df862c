"""Reports: plotly figures and HTML pages that only read the store."""
from .html import write_report

__all__ = ["write_report"]
