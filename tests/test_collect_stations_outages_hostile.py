"""Silent wrong data from fuel-station exports and outage logs: bounded events, unreadable dates,
mixed currencies, impossible coordinates, ambiguous columns, exports that overlap."""
import pytest

from indicators.collectors import get_collector
from indicators.collectors.limits import Limits
from indicators.config import load_config
from indicators.errors import ConfigError, InputError
from indicators.jobs import collector_for


def values(store, indicator):
    frame = store.observations(indicator)
    return {(r.location, r.item, r.price_type, r.date): r.value for r in frame.itertuples()}


# -- outages ---------------------------------------------------------------------------------
def test_an_outage_ending_in_2205_is_a_reject_not_65744_days(tmp_path, store):
    path = tmp_path / "log.csv"
    path.write_text("area,start,end\nBamako,2025-10-20 08:00,2205-10-20 10:00\n"
                    "Bamako,2025-10-21 08:00,2025-10-21 12:00\n")
    summary = get_collector("outages").collect_file(store, path)
    assert summary.reject_lines == [2]
    assert "max_event_days" in store.rejects()["reason"][0]
    assert values(store, "power_outage") == {("Bamako", "", "", "2025-10-21"): 4.0}


def test_a_start_year_typed_2015_does_not_fill_ten_years_with_zeros(tmp_path, store):
    path = tmp_path / "log.csv"
    path.write_text("area,start,duration_hours\nBamako,2015-10-20 08:00,2\n"
                    "Bamako,2025-10-20 08:00,3\nBamako,2025-10-25 08:00,5\n")
    get_collector("outages").collect_file(store, path)
    stored = values(store, "power_outage")
    assert len(stored) == 1 + 6  # the stray day, then 2025-10-20..25 (zero-filled between events)
    assert stored[("Bamako", "", "", "2025-10-22")] == 0.0


def test_event_limit_is_configurable_per_source(tmp_path, store):
    path = tmp_path / "log.csv"
    path.write_text("area,start,end\nBamako,2025-08-01 00:00,2025-09-15 00:00\n")
    collector = get_collector("outages")
    assert collector.collect_file(store, path).rejected == 1
    collector.limits = Limits(max_event_days=60)
    assert collector.collect_file(store, path).new == 45
    config = tmp_path / "track.toml"
    config.write_text(f'[[sources]]\nkind = "outages"\npath = "{path}"\n'
                      '[sources.settings]\nlimits = {{ max_event_days = 90 }}\n'.replace("{{", "{").replace("}}", "}"))
    assert collector_for(load_config(config).sources[0]).limits.max_event_days == 90
    config.write_text(f'[[sources]]\nkind = "outages"\npath = "{path}"\n[sources.settings]\nlimits = {{ max_days = 9 }}\n')
    with pytest.raises(ConfigError, match="unknown limit.*max_event_days"):
        load_config(config)


# -- stations --------------------------------------------------------------------------------
HEADER = "_submission_time,date,city,station,fuel_type,status,queue_hours,pump_price,currency,latitude,longitude\n"


def stations_file(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines))
    return path


@pytest.mark.parametrize("date", ["2025-02-30", "10/20/2025", "yesterday"])
def test_an_unreadable_date_is_a_reject_not_the_submission_day(tmp_path, store, date):
    path = stations_file(tmp_path, "s.csv", [f"2025-10-21T09:00:00,{date},Bamako,A,petrol,available,2,775,XOF,,",
                                             "2025-10-21T09:00:00,2025-10-20,Bamako,B,petrol,out,,,XOF,,"])
    summary = get_collector("stations").collect_file(store, path)
    assert summary.reject_lines == [2]
    assert store.rejects()["field"].tolist() == ["date"]
    assert "2025-10-21" not in {k[3] for k in values(store, "fuel_availability")}


def test_prices_in_two_currencies_are_not_averaged(tmp_path, store):
    path = stations_file(tmp_path, "s.csv", ["2025-10-20T09:00:00,,Bamako,A,petrol,available,2,775,XOF,,",
                                             "2025-10-20T09:10:00,,Bamako,B,petrol,available,4,1.35,USD,,",
                                             "2025-10-20T09:20:00,,Bamako,C,petrol,available,6,785,XOF,,"])
    summary = get_collector("stations").collect_file(store, path)
    assert summary.reject_lines == [3]
    assert "USD" in store.rejects()["reason"][0] and "XOF" in store.rejects()["reason"][0]
    assert values(store, "fuel_price")[("Bamako", "petrol", "pump", "2025-10-20")] == 780.0
    assert store.series("fuel_price")["unit"].tolist() == ["XOF/L"]
    assert values(store, "fuel_queue_time")[("Bamako", "petrol", "", "2025-10-20")] == 4.0  # B still counts


def test_a_station_at_latitude_999_rejects_its_own_row_only(tmp_path, store):
    path = stations_file(tmp_path, "s.csv", ["2025-10-20T09:00:00,,Bamako,A,petrol,available,2,775,XOF,999,-8",
                                             "2025-10-20T09:10:00,,Bamako,B,petrol,out,,,XOF,12.6,-8.0"])
    summary = get_collector("stations").collect_file(store, path)
    assert summary.reject_lines == [2] and store.rejects()["field"].tolist() == ["latitude"]
    assert values(store, "fuel_availability") == {("Bamako", "petrol", "", "2025-10-20"): 0.0}


def test_two_columns_that_read_as_city_are_refused(tmp_path, store):
    path = tmp_path / "s.csv"
    path.write_text("_submission_time,grp_a/city,grp_b/city,station,fuel_type,status\n"
                    "2025-10-20T09:00:00,Bamako,Kati,A,petrol,available\n")
    with pytest.raises(InputError, match="grp_a/city.*grp_b/city.*which one"):
        get_collector("stations").collect_file(store, path)


FRENCH = ["2025-10-20T09:00:00,,Bamako,Total Sebenikoro,petrol,available,10,,XOF,,",
          "2025-10-20T09:05:00,,Bamako,Shell ACI,petrol,available,10,,XOF,,"]
ENGLISH = ["2025-10-20T10:00:00,,Bamako,Oryx Badalabougou,petrol,available,4,,XOF,,",
           "2025-10-20T10:05:00,,Bamako,Star Lafiabougou,petrol,out,5,,XOF,,"]


@pytest.mark.parametrize("order", [("fr", "en"), ("en", "fr")])
def test_two_exports_for_the_same_city_and_day_combine_their_stations(tmp_path, db_path, order):
    from indicators.store import Store
    files = {"fr": stations_file(tmp_path, "fr.csv", FRENCH), "en": stations_file(tmp_path, "en.csv", ENGLISH)}
    collector = get_collector("stations")
    with Store(db_path) as store:
        for name in order:
            collector.collect_file(store, files[name])
        key = ("Bamako", "petrol", "", "2025-10-20")
        assert values(store, "fuel_queue_time")[key] == 7.5  # median of 10, 10, 4, 5
        assert values(store, "fuel_availability")[key] == 0.75
        again = collector.collect_file(store, files[order[0]])
        assert (again.new, again.revised) == (0, 0)
        assert values(store, "fuel_queue_time")[key] == 7.5


def test_a_later_report_of_the_same_station_in_another_export_replaces_its_earlier_one(tmp_path, store):
    first = stations_file(tmp_path, "a.csv", ["2025-10-20T09:00:00,,Bamako,A,petrol,available,10,,XOF,,",
                                              "2025-10-20T09:00:00,,Bamako,B,petrol,available,2,,XOF,,"])
    second = stations_file(tmp_path, "b.csv", ["2025-10-20T15:00:00,,Bamako,A,petrol,out,,,XOF,,"])
    collector = get_collector("stations")
    collector.collect_file(store, first)
    collector.collect_file(store, second)
    key = ("Bamako", "petrol", "", "2025-10-20")
    assert values(store, "fuel_availability")[key] == 0.5  # A is out now, B still has fuel
    assert values(store, "fuel_queue_time")[key] == 2.0  # A's later report has no queue
