"""Shared fixtures: real SQLite files on disk, a click runner, small input files."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(ROOT))

from indicators.cli import cli  # noqa: E402
from indicators.store import Store  # noqa: E402


@pytest.fixture
def db_path(tmp_path) -> Path:
    """A path for a fresh database file on disk."""
    return tmp_path / "track.db"


@pytest.fixture
def store(db_path):
    with Store(db_path) as opened:
        yield opened


@pytest.fixture
def memory_store():
    with Store(":memory:") as opened:
        yield opened


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def track(runner, db_path):
    """Run `track COMMAND ... --db <temp file>`; returns the click Result."""
    def invoke(*args: str, input: str | None = None):
        args = list(args)
        # --db goes after the command name(s): after "collect KIND" or after the first word.
        position = 2 if args and args[0] == "collect" else 1
        args[position:position] = ["--db", str(db_path)]
        return runner.invoke(cli, args, input=input, catch_exceptions=False)
    return invoke


@pytest.fixture
def write_csv(tmp_path):
    """Write text to a CSV file in the test's folder and return its path."""
    def write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding=encoding)
        return path
    return write
