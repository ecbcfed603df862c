"""The command line starts at once: help and `collect` never load statsmodels or plotly
(detection and reports are imported by the commands that use them)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT

HEAVY = ("statsmodels", "plotly")


def loaded_after(code: str) -> dict:
    """Run `code` in a fresh interpreter; which of pandas, statsmodels and plotly it loaded."""
    probe = code + "\nimport json, sys\nprint(json.dumps({m: m in sys.modules for m in ('pandas',) + %r}))" % (HEAVY,)
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def invoking(*args: str) -> str:
    return ("from indicators.cli import cli\n"
            f"try:\n    cli({list(args)!r})\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n")


def test_importing_the_cli_loads_no_heavy_module():
    loaded = loaded_after("import indicators.cli")
    assert not any(loaded.values()), loaded


def test_top_level_help_loads_not_even_pandas():
    loaded = loaded_after(invoking("--help"))
    assert not any(loaded.values()), loaded


@pytest.mark.parametrize("command", [["collect"], ["collect", "csv"], ["collect", "wfp"], ["detect"], ["alerts"],
                                     ["report"], ["run"], ["series"], ["export"], ["rejects"], ["backup"]])
def test_help_of_every_command_loads_neither_statsmodels_nor_plotly(command):
    loaded = loaded_after(invoking(*command, "--help"))
    assert not any(loaded[m] for m in HEAVY), (command, loaded)


def test_collect_csv_loads_neither_statsmodels_nor_plotly(tmp_path):
    source = tmp_path / "fuel.csv"
    source.write_text("indicator,location,item,date,value,unit\n"
                      "fuel_price,Bamako,petrol,2025-01-01,800,XOF/L\n"
                      "fuel_price,Bamako,petrol,2025-01-02,805,XOF/L\n", encoding="utf-8")
    loaded = loaded_after(invoking("collect", "csv", "--db", str(tmp_path / "t.db"), str(source)))
    assert loaded["pandas"] and not any(loaded[m] for m in HEAVY), loaded


def test_the_public_api_still_imports_by_name():
    from indicators import COLLECTORS, Store, alerts, run_detection, write_report
    import indicators.alerts  # noqa: F401 - loading the submodule must not rebind the public function

    import indicators
    assert callable(alerts) and indicators.alerts is alerts
    assert "csv" in COLLECTORS and callable(run_detection) and callable(write_report) and Store


def test_a_wrong_detector_name_lists_the_known_ones(runner, tmp_path):
    from indicators.cli import cli

    result = runner.invoke(cli, ["detect", "--db", str(tmp_path / "t.db"), "--detector", "nope"])
    assert result.exit_code == 2 and "seasonal" in result.output
