"""Docs stay in step with the collector registry: each collector has CLI help and a docs section."""
from __future__ import annotations

import pytest

from indicators.collectors import COLLECTORS

from conftest import ROOT

DOCS = (ROOT / "docs" / "collectors.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(COLLECTORS))
def test_every_collector_has_help_and_docs(runner, name):
    from indicators.cli import cli

    result = runner.invoke(cli, ["collect", name, "--help"])
    assert result.exit_code == 0 and "Example: python track.py collect" in result.output
    assert f"collect {name}" in DOCS
