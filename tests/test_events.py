"""Events: `collect events` for ACLED exports and simple lists (the bundled Bellingcat attacks),
idempotent, revisions kept, bad rows rejected with their line; `track.py events`."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from indicators.collectors.events import EventSettings, EventsCollector
from indicators.config import JobConfig, Source, SourceSettings, load_config
from indicators.errors import ConfigError, StrictModeError
from indicators.event_store import event_revisions, events
from indicators.jobs import DEMO_DIR, demo_config, run_job

from conftest import ROOT

BELLINGCAT = DEMO_DIR / "real" / "mali_fuel_convoy_attacks_2025_bellingcat.csv"
ACLED_HEADER = ("event_id_cnty,event_date,year,event_type,sub_event_type,actor1,actor2,admin1,admin2,location,"
                "latitude,longitude,fatalities,notes,source")
ACLED_ROWS = [
    'MLI34001,14 September 2025,2025,Violence against civilians,Attack,JNIM,Civilians (Mali),Kayes,Kayes,Kayes,'
    '14.4469,-11.4445,3,"Convoy of fuel tankers ambushed, trucks burned.",Le Monde',
    'MLI34002,2025-09-19,2025,Battles,Armed clash,JNIM,Military Forces of Mali (2021-),Koulikoro,Kati,Kati,'
    '12.7441,-8.0726,0,Clash near Kati.,Studio Tamani',
]


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_bellingcat_list_gives_six_events_idempotently(store):
    collector = EventsCollector(EventSettings(event_type="attack on fuel convoy"))
    first = collector.collect_file(store, BELLINGCAT)
    assert (first.rows_read, first.new, first.rejected) == (6, 6, 0)
    assert first.line().startswith("mali_fuel_convoy_attacks_2025_bellingcat.csv: 6 rows read; events 6 new")
    again = collector.collect_file(store, BELLINGCAT)
    assert (again.new, again.revised, again.unchanged) == (0, 0, 6)
    stored = events(store)
    assert list(stored["date"]) == ["2025-09-14", "2025-09-19", "2025-10-17", "2025-10-21", "2025-10-28", "2025-11-06"]
    assert set(stored["source"]) == {"Bellingcat"}  # the publisher of the source URL
    first_event = stored.iloc[0]
    assert first_event["admin1"] == "Kayes" and first_event["corridor"] == "Senegal-Bamako (northwest)"
    assert (first_event["latitude"], first_event["longitude"]) == (14.55455, -9.98426)
    assert json.loads(first_event["places"]) == ["Senegal", "Bamako"]
    assert "tankers_destroyed_evidence: >50 tankers at site" in first_event["description"]
    assert first_event["url"].startswith("https://www.bellingcat.com/news/2025/12/03/")
    assert store.conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == 0


def test_acled_export_columns(store, tmp_path):
    path = write(tmp_path / "acled.csv", ACLED_HEADER, ACLED_ROWS)
    summary = EventsCollector().collect_file(store, path)
    assert (summary.new, summary.rejected) == (2, 0)
    stored = events(store).set_index("event_id")
    assert set(stored["source"]) == {"ACLED"}
    attack = stored.loc["MLI34001"]
    assert attack["date"] == "2025-09-14"  # "14 September 2025", as older ACLED exports write it
    assert (attack["event_type"], attack["sub_event_type"]) == ("Violence against civilians", "Attack")
    assert attack["actors"] == "JNIM; Civilians (Mali)"
    assert attack["fatalities"] == 3 and attack["admin2"] == "Kayes"
    assert attack["description"] == "Convoy of fuel tankers ambushed, trucks burned."
    assert json.loads(attack["extra"])["reported_by"] == "Le Monde"


def test_a_changed_event_is_revised_and_its_old_version_kept(store, tmp_path):
    path = write(tmp_path / "acled.csv", ACLED_HEADER, ACLED_ROWS)
    EventsCollector().collect_file(store, path)
    write(path, ACLED_HEADER, [ACLED_ROWS[0].replace(",3,", ",5,"), ACLED_ROWS[1]])
    summary = EventsCollector().collect_file(store, path)
    assert (summary.new, summary.revised, summary.unchanged) == (0, 1, 1)
    assert events(store).set_index("event_id").loc["MLI34001", "fatalities"] == 5
    history = event_revisions(store)
    assert list(history["event_id"]) == ["MLI34001"]
    assert json.loads(history["previous"][0])["fatalities"] == 3 and history["new_source_line"][0] == 2


@pytest.mark.parametrize("row, field, reason", [
    ("2025-02-30,Kati,12.74,-8.07,x,https://example.org/a", "date", "is not a date"),
    (",Kati,12.74,-8.07,x,https://example.org/a", "date", "missing date"),
    ("2025-09-20,Kati,999,-8.07,x,https://example.org/a", "latitude", "is not between -90 and 90"),
    ("2025-09-20,Kati,12.74,,x,https://example.org/a", "longitude", "given together"),
])
def test_bad_rows_are_rejected_with_file_line_and_field(store, tmp_path, row, field, reason):
    good = "2025-09-21,Bamako,12.65,-8.0,queue at the depot,https://example.org/b"
    path = write(tmp_path / "list.csv", "date,place,lat,lon,description,url", [good, row])
    summary = EventsCollector().collect_file(store, path)
    assert (summary.new, summary.rejected, summary.reject_lines) == (1, 1, [3])
    reject = store.rejects().iloc[0]
    assert reject["source_file"] == str(path.resolve()) and reject["line"] == 3
    assert reject["field"] == field and reason in reject["reason"]
    assert list(events(store)["location"]) == ["Bamako"]
    with pytest.raises(StrictModeError, match="line 3"):
        EventsCollector().collect_file(store, path, strict=True)


def test_a_conflicting_duplicate_id_is_rejected_naming_the_kept_line(store, tmp_path):
    path = write(tmp_path / "acled.csv", ACLED_HEADER, ACLED_ROWS + [ACLED_ROWS[0].replace(",3,", ",4,")])
    summary = EventsCollector().collect_file(store, path)
    assert summary.rejected == 1 and "conflicts with line 2" in store.rejects()["reason"][0]


def test_a_column_mapping_in_the_config(store, tmp_path):
    path = write(tmp_path / "incidents.csv", "when,where,y,x,what,link",
                 ["20/10/2025,Route de Segou,13.1,-7.2,tanker burned,https://news.example.org/1"])
    config = tmp_path / "track.toml"
    config.write_text(f'''
[[sources]]
kind = "events"
path = "{path.name}"
[sources.settings.events]
columns = {{ date = "when", location = "where", latitude = "y", longitude = "x", description = "what" }}
source = "Local monitors"
event_type = "attack on fuel convoy"
corridors = {{ "Segou road" = ["Segou", "Bamako"] }}
radius_km = 50
''')
    result = run_job(store, load_config(config), tmp_path / "reports")
    assert result.exit_code() == 0, result.errors
    event = events(store).iloc[0]
    assert (event["date"], event["location"], event["source"]) == ("2025-10-20", "Route de Segou", "Local monitors")
    assert (event["latitude"], event["description"], event["radius_km"]) == (13.1, "tanker burned", 50)
    assert event["url"] == "https://news.example.org/1" and event["event_type"] == "attack on fuel convoy"


@pytest.mark.parametrize("table, message", [
    ('columns = { when = "date" }', "unknown field(s) when"),
    ("radius = 5", "unknown key(s) sources[1].settings.events.radius"),
    ('radius_km = "far"', "radius_km must be a number"),
])
def test_event_settings_are_checked(tmp_path, table, message):
    config = tmp_path / "track.toml"
    config.write_text(f'[[sources]]\nkind = "events"\npath = "x.csv"\n[sources.settings.events]\n{table}\n')
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        load_config(config)


def test_a_configured_column_missing_from_the_file_names_it(store, tmp_path):
    path = write(tmp_path / "list.csv", "date,place", ["2025-09-21,Bamako"])
    with pytest.raises(Exception, match="column 'when' \\(configured for date\\) is not in the file"):
        EventsCollector(EventSettings(columns={"date": "when"})).collect_file(store, path)


def test_events_command(track, tmp_path):
    assert track("collect", "events", str(BELLINGCAT)).exit_code == 0
    table = track("events")
    assert table.exit_code == 0 and "between Zegoua and Sikasso" in table.output
    rows = list(csv.DictReader(track("events", "--format", "csv", "--since", "2025-10-20").output.splitlines()))
    assert [r["date"] for r in rows] == ["2025-10-21", "2025-10-28", "2025-11-06"]
    assert len(json.loads(track("events", "--format", "json").output)) == 6
    bad = track("events", "--since", "yesterday")
    assert bad.exit_code == 1 and "--since 'yesterday' is not a date" in bad.output


def test_the_demo_collects_the_attacks_and_its_blockade_follows_them(store):
    source = next(s for s in demo_config().sources if s.kind == "events")
    assert source.settings.events["source"] == "Bellingcat"
    import importlib.util
    spec = importlib.util.spec_from_file_location("generate_demo", ROOT / "datasets" / "generate_demo.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    with BELLINGCAT.open(encoding="utf-8") as handle:
        dates = [row["date"] for row in csv.DictReader(handle)]
    assert generator.CONVOY_ATTACKS == dates  # the simulated blockade is timed on the real attacks
    assert generator.BLOCKADE_START < dates[0]
