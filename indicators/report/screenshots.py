"""Screenshots of a written report, for the README: the overview and the seasonal view.

    python -m indicators.report.screenshots REPORT_DIR IMAGE_DIR [--width 1280 --height 900]

writes IMAGE_DIR/report-overview.png and IMAGE_DIR/report-seasonal.png with the system's headless
Chromium (nothing is downloaded).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .browser import find_chromium, screenshot

PAGES = {"report-overview.png": "index.html", "report-seasonal.png": "seasonal.html"}


def take(report_dir: Path, image_dir: Path, width: int = 1280, height: int = 900) -> list[Path]:
    """One PNG per page of PAGES that the report has."""
    written = []
    for image, page in PAGES.items():
        source = Path(report_dir) / page
        if source.exists():
            written.append(screenshot(source, Path(image_dir) / image, width, height))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indicators.report.screenshots",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("report_dir", type=Path, help="a folder written by `track.py report`")
    parser.add_argument("image_dir", type=Path, help="where the PNG files go (for example docs/img)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args(argv)
    if not (args.report_dir / "index.html").exists():
        print(f"error: {args.report_dir}/index.html not found; write a report first (python track.py report)",
              file=sys.stderr)
        return 1
    if find_chromium() is None:
        print("error: no Chromium or Chrome found (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    for path in take(args.report_dir, args.image_dir, args.width, args.height):
        print(f"screenshot written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
