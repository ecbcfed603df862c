"""Headless Chromium from the system (Debian's `chromium`), for screenshots and the browser test.

Nothing is downloaded: the browser is found on PATH (or `$BROWSER_PATH`, the variable kaleido's
browser finder also honours) and runs with a fresh profile and no background networking.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio", "--allow-file-access-from-files"]
TIMEOUT = 120


def find_chromium() -> str | None:
    """Path of a Chromium or Chrome executable, or None."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and os.access(configured, os.X_OK):
        return configured
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def run(arguments: list[str], budget_ms: int = 5000, chromium: str | None = None) -> subprocess.CompletedProcess:
    """Run headless Chromium once with a throw-away profile; `budget_ms` of virtual time lets the
    page's scripts (plotly) finish before the DOM is dumped or the screenshot taken."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium or Chrome found (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="track-chromium-") as profile:
        command = [chromium, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}", *arguments]
        return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def dump_dom(page: Path, budget_ms: int = 5000) -> str:
    """The page's DOM after its scripts ran, as HTML."""
    result = run(["--dump-dom", Path(page).resolve().as_uri()], budget_ms)
    if result.returncode != 0:
        raise RuntimeError(f"chromium failed on {page}: {result.stderr.strip()[-500:]}")
    return result.stdout


def screenshot(page: Path, image: Path, width: int = 1280, height: int = 900, budget_ms: int = 5000) -> Path:
    """A PNG of the top `width` x `height` pixels of the page."""
    image = Path(image).resolve()
    image.parent.mkdir(parents=True, exist_ok=True)
    result = run([f"--screenshot={image}", f"--window-size={width},{height}", Path(page).resolve().as_uri()],
                 budget_ms)
    if result.returncode != 0 or not image.exists():
        raise RuntimeError(f"chromium could not take a screenshot of {page}: {result.stderr.strip()[-500:]}")
    return image
