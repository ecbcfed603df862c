"""The job configuration file: parsing, clear errors, per-source settings reaching the data."""
from __future__ import annotations

import json

import pytest

from indicators.cli import cli
from indicators.collectors import COLLECTORS
from indicators.config import load_config
from indicators.detect.base import SeriesInfo
from indicators import detect
from indicators.detect.seasonal import SeasonalBaseline
from indicators.errors import ConfigError
from indicators.jobs import collector_for, run_job
from jobs_support import HEADER, availability_rows

FULL = """
db = "data/track.db"
reports = "out/reports"
raw = "data/raw"

[[sources]]
name = "bamako-fuel"
kind = "csv"
path = "inputs/*.csv"
strict = true
[sources.settings]
locations = { "Bamako (District)" = "Bamako", " Kati " = "Kati" }
zone = "sahel"
crop_calendar = { Millet = { harvest = [10, 11], lean = [6, 7, 8] } }

[[sources]]
kind = "csv"
path = "https://example.org/data/wfp_food_prices_mli.csv"
timeout = 12.5
retries = 1
keep = 3
"""


def write(tmp_path, text, name="track.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_example_with_paths_relative_to_the_config_file(tmp_path):
    config = load_config(write(tmp_path, FULL))
    assert config.db == str(tmp_path / "data/track.db")
    assert config.reports == str(tmp_path / "out/reports") and config.raw == str(tmp_path / "data/raw")
    local, remote = config.sources
    assert (local.label, local.kind, local.path, local.strict) == ("bamako-fuel", "csv", str(tmp_path / "inputs/*.csv"), True)
    assert local.settings.locations == {"Bamako (District)": "Bamako", "Kati": "Kati"}
    assert local.settings.series_metadata() == {"zone": "sahel",
                                                "crop_calendar": {"millet": {"harvest": [10, 11], "lean": [6, 7, 8]}}}
    assert remote.is_url and remote.path == "https://example.org/data/wfp_food_prices_mli.csv"
    assert (remote.label, remote.timeout, remote.retries, remote.keep) == ("wfp_food_prices_mli", 12.5, 1, 3)


def test_the_documented_example_is_valid(tmp_path):
    from pathlib import Path
    docs = (Path(__file__).resolve().parent.parent / "docs" / "scheduling.md").read_text(encoding="utf-8")
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    config = load_config(write(tmp_path, example))
    assert config.sources


@pytest.mark.parametrize("text, message", [
    ('colour = "blue"\n[[sources]]\nkind = "csv"\npath = "a.csv"\n', "unknown key(s) colour"),
    ('[[sources]]\nkind = "csv"\npaht = "a.csv"\n', "unknown key(s) sources[1].paht"),
    ('[[sources]]\nkind = "csv"\npath = "a.csv"\n[[sources]]\nkind = "csv"\npath = "b.csv"\nretry = 2\n',
     "unknown key(s) sources[2].retry"),
    ('[[sources]]\nkind = "csv"\npath = "a.csv"\n[sources.settings]\nrename = {}\n',
     "unknown key(s) sources[1].settings.rename"),
    ('[[sources]]\nkind = "csv"\npath = "a.csv"\n[sources.settings.crop_calendar.millet]\nharvest = [13]\nlean = [7]\n',
     "sources[1].settings.crop_calendar.millet.harvest must be a list of month numbers 1-12"),
    ('[[sources]]\nkind = "csv"\npath = "a.csv"\n[sources.settings.crop_calendar.millet]\nharvest = [9]\nlean = [7]\nwet = [8]\n',
     "unknown key(s) sources[1].settings.crop_calendar.millet.wet"),
    ('[[sources]]\nkind = "pdf"\npath = "a.pdf"\n', "sources[1].kind is 'pdf'; must be one of"),
    ('[[sources]]\nkind = "csv"\npath = "a.csv"\nsettings = { zone = "sahell" }\n',
     "sources[1].settings.zone is 'sahell'; must be a zone of crop_calendar.toml: andes, black_sea"),
    ('[[sources]]\nkind = "csv"\n', "sources[1].path is required"),
    ('[[sources]]\nkind = "csv"\npath = "ftp://example.org/a.csv"\n', "only http:// and https:// URLs"),
    ('[[sources]]\nkind = "csv"\npath = "a.csv"\nretries = "3"\n', "sources[1].retries must be a whole number"),
    ('[[sources]]\nkind = "csv"\npath = "a.csv"\nstrict = 1\n', "sources[1].strict must be true or false"),
    ('[[sources]]\nkind = "csv"\npath = "a.csv"\nkeep = 0\n', "sources[1].keep must be at least 1"),
    ('[[sources]]\nkind = "csv"\npath = "a.csv"\n[[sources]]\nkind = "csv"\npath = "other/a.csv"\n',
     "two sources share the name 'a'"),
    ('db = "x.db"\n', "no [[sources]] configured"),
    ('[[sources]\nkind = "csv"\n', "not valid TOML"),
])
def test_configuration_mistakes_are_named(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert message in str(raised.value) and str(path) in str(raised.value)


def test_kinds_come_from_the_registry_at_run_time(tmp_path):
    path = write(tmp_path, '[[sources]]\nkind = "satellite"\npath = "a.tif"\n')
    with pytest.raises(ConfigError, match="must be one of csv"):
        load_config(path)
    registry = dict(COLLECTORS, satellite=COLLECTORS["csv"])  # a collector registered later
    assert load_config(path, registry).sources[0].kind == "satellite"


def test_missing_config_file_is_one_line_exit_1(runner, tmp_path):
    result = runner.invoke(cli, ["run", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.toml'}: no such configuration file" in result.output


def test_missing_source_file_is_named_and_the_other_sources_still_run(store, tmp_path):
    (tmp_path / "here.csv").write_text(HEADER + "\n" + "\n".join(availability_rows("Kayes", 20)) + "\n")
    config = load_config(write(tmp_path, '[[sources]]\nkind = "csv"\npath = "gone.csv"\n'
                                         '[[sources]]\nkind = "csv"\npath = "none-*.csv"\n'
                                         '[[sources]]\nkind = "csv"\npath = "here.csv"\n'))
    result = run_job(store, config, tmp_path / "reports")
    assert result.exit_code() == 1
    gone, glob_source, here = result.sources
    assert gone.errors == [f"{tmp_path / 'gone.csv'}: no such file"]
    assert "none-*.csv' matches no file" in glob_source.errors[0]
    assert here.status == "collected" and here.totals()["new"] == 20


def test_settings_rename_locations_and_reach_the_detectors(store, tmp_path, monkeypatch):
    seen = {}

    class Spy(SeasonalBaseline):  # records what a detector is told about each series
        def detect(self, values, info):
            seen[info.location] = info.crop_calendar()
            return super().detect(values, info)

    monkeypatch.setitem(detect.DETECTORS, SeasonalBaseline.name, Spy)
    rows = availability_rows("Bamako (District)", 20) + availability_rows(" Kati ", 20)
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "a.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    config = load_config(write(tmp_path, FULL.split("[[sources]]\nkind = \"csv\"\npath = \"https")[0]))
    run_job(store, config, tmp_path / "reports")
    assert sorted(store.series()["location"]) == ["Bamako", "Kati"]
    assert sorted(seen) == ["Bamako", "Kati"]
    assert seen["Bamako"].zone == "sahel" and seen["Bamako"].crop == "petrol"  # the zone's default calendar
    millet = SeriesInfo("grain_price", "Bamako", item="Millet", metadata=json.loads(store.series()["metadata"][0]))
    assert (millet.crop_calendar().harvest, millet.crop_calendar().lean) == ((10, 11), (6, 7, 8))


def test_settings_merge_into_existing_series_metadata(store, tmp_path):
    (tmp_path / "a.csv").write_text(HEADER + "\n" + "\n".join(availability_rows("Kayes", 20)) + "\n")
    COLLECTORS["csv"]().collect_file(store, tmp_path / "a.csv")
    assert json.loads(store.series()["metadata"][0]) == {}
    config = load_config(write(tmp_path, '[[sources]]\nkind = "csv"\npath = "a.csv"\n[sources.settings]\nzone = "sahel"\n'))
    collector_for(config.sources[0]).collect_file(store, tmp_path / "a.csv")
    assert json.loads(store.series()["metadata"][0]) == {"zone": "sahel"}


def test_db_precedence_flag_then_environment_then_config(runner, tmp_path, monkeypatch):
    (tmp_path / "a.csv").write_text(HEADER + "\n" + "\n".join(availability_rows("Kayes", 20)) + "\n")
    config = write(tmp_path, 'db = "from-config.db"\nreports = "reports"\n[[sources]]\nkind = "csv"\npath = "a.csv"\n')
    monkeypatch.delenv("TRACK_DB", raising=False)
    assert runner.invoke(cli, ["run", "--config", str(config), "-q"]).exit_code == 0
    assert (tmp_path / "from-config.db").is_file() and (tmp_path / "reports" / "index.html").is_file()
    monkeypatch.setenv("TRACK_DB", str(tmp_path / "from-env.db"))
    assert runner.invoke(cli, ["run", "--config", str(config), "-q"]).exit_code == 0
    assert (tmp_path / "from-env.db").is_file()
    assert runner.invoke(cli, ["run", "--config", str(config), "-q", "--db", str(tmp_path / "flag.db")]).exit_code == 0
    assert (tmp_path / "flag.db").is_file()


def test_a_crop_calendar_override_changes_the_harvest_months_scored(tmp_path):
    from conftest import FIXTURES
    from indicators.store import Store

    prices = FIXTURES / "wfp_food_prices_bfa_diebougou_millet.csv"
    config = load_config(write(tmp_path, f'[[sources]]\nkind = "wfp"\npath = "{prices}"\n[sources.settings]\n'
                                         'crop_calendar = { millet = { harvest = [3, 4], lean = [12, 1] } }\n'))
    with Store(tmp_path / "track.db") as store:
        collector_for(config.sources[0]).collect_file(store, prices)
        detect.run_detection(store, ["harvest"])
        months = set(store.anomalies("harvest")["date"].str[5:7])
    assert months == {"03", "04"}


def test_a_rename_that_matches_no_location_is_a_warning_naming_it(store, tmp_path, caplog):
    rows = availability_rows("Kayes", 20) + availability_rows("Mopti", 20)
    (tmp_path / "a.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    config = load_config(write(tmp_path, '[[sources]]\nname = "fuel"\nkind = "csv"\npath = "a.csv"\n[sources.settings]\n'
                                         'locations = { "Kayes" = "Kayes town", "Segou" = "Ségou" }\n'))
    with caplog.at_level("WARNING", logger="indicators"):
        result = run_job(store, config, tmp_path / "reports")
    assert result.exit_code() == 0  # a warning, not an error: the file may simply lack that market today
    assert sorted(store.series()["location"]) == ["Kayes town", "Mopti"]
    [warning] = result.sources[0].warnings
    assert "settings.locations 'Segou' matched no location" in warning and "Kayes, Mopti" in warning
    assert warning in caplog.text and result.as_dict()["sources"][0]["warnings"] == [warning]
