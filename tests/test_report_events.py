"""The events behind the numbers: which events bear on a place, the sentence for explanations,
and the report's markers (fuel panel, charts of nearby places, map) and table, escaped."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from indicators.collectors import get_collector
from indicators.collectors.events import EventSettings, EventsCollector
from indicators.event_context import (EventContext, event_sentence, event_sentence_for, latest_event_sentence,
                                      plural)
from indicators.jobs import DEMO_DIR, DEMO_EVENT_SETTINGS
from indicators.report import write_report

BELLINGCAT = DEMO_DIR / "real" / "mali_fuel_convoy_attacks_2025_bellingcat.csv"


def event(date, corridor="", latitude=None, longitude=None, places=(), source="Bellingcat",
          event_type="attack on fuel convoy", radius_km=200.0, location="site"):
    return {"source": source, "event_id": f"{date}-{location}", "date": date, "event_type": event_type,
            "sub_event_type": "", "location": location, "corridor": corridor, "latitude": latitude,
            "longitude": longitude, "places": json.dumps(list(places)), "radius_km": radius_km}


EVENTS = pd.DataFrame([
    event("2025-09-14", "Senegal-Bamako (northwest)", 14.55, -9.98, ["Senegal", "Bamako"], location="a"),
    event("2025-09-19", "Senegal-Bamako (northwest)", 12.90, -8.56, ["Senegal", "Bamako"], location="b"),
    event("2025-08-20", "Senegal-Bamako (northwest)", 12.90, -8.56, ["Senegal", "Bamako"], location="old"),
    event("2025-09-18", "", 11.17, -5.63, [], source="ACLED", event_type="", location="c"),
])


@pytest.mark.parametrize("location, date, coordinates, expected", [
    ("Bamako", "2025-09-20", (None, None),
     "2 attacks on fuel convoys on the Senegal-Bamako corridor in the previous 14 days (Bellingcat)"),
    ("Bamako (MLI)", "2025-09-20", (None, None),
     "2 attacks on fuel convoys on the Senegal-Bamako corridor in the previous 14 days (Bellingcat)"),
    ("Bamako Commune IV", "2025-09-15", (None, None),
     "1 attack on a fuel convoy on the Senegal-Bamako corridor in the previous 14 days (Bellingcat)"),
    ("Sikasso", "2025-09-20", (11.32, -5.67), "1 event near Sikasso in the previous 14 days (ACLED)"),
    ("Sikasso", "2025-09-20", (None, None), ""),  # no coordinates, not on a named corridor
    ("Segou", "2025-09-20", (13.43, -6.26), ""),  # 250 km from the nearest event
    ("Bamako", "2025-10-15", (None, None), ""),  # the attacks are older than 14 days
    ("Bamako", "2025-09", (None, None),
     "2 attacks on fuel convoys on the Senegal-Bamako corridor in 2025-09 (Bellingcat)"),
])
def test_event_sentence(location, date, coordinates, expected):
    assert event_sentence(EVENTS, location, date, *coordinates) == expected


def test_a_radius_overrides_the_events_own():
    assert event_sentence(EVENTS, "Segou", "2025-09-20", 13.43, -6.26, radius_km=300) == \
        ("1 attack on a fuel convoy on the Senegal-Bamako corridor and 1 event near Segou in the previous 14 days "
         "(ACLED, Bellingcat)")


def test_the_latest_event_before_a_date():
    assert latest_event_sentence(EVENTS, "Bamako", "2025-10-03") == \
        "latest: 2025-09-19, an attack on a fuel convoy on the Senegal-Bamako corridor, 14 days earlier (Bellingcat)"
    assert latest_event_sentence(EVENTS, "Bamako", "2025-08-01") == ""


@pytest.mark.parametrize("phrase, expected", [("attack on fuel convoy", "attacks on fuel convoys"),
                                              ("armed clash", "armed clashes"), ("attack", "attacks"),
                                              ("violence against civilians", "violences against civilians")])
def test_plural(phrase, expected):
    assert plural(phrase) == expected


@pytest.fixture
def fuel_store(store, write_csv):
    rows = ["indicator,location,item,price_type,date,value,unit,latitude,longitude"]
    for day in pd.date_range("2025-08-01", "2025-11-20"):
        rows.append(f"fuel_availability,Bamako,petrol,,{day.date()},0.8,share,,")
        rows.append(f"fuel_availability,Kati,petrol,,{day.date()},0.7,share,,")
        rows.append(f"fuel_availability,<b>Segou</b>,petrol,,{day.date()},0.9,share,,")
    for month in pd.period_range("2024-01", "2025-11", freq="M"):
        rows.append(f"grain_price,Bamako (MLI),millet,retail,{month},300,XOF/KG,12.65,-8.0")
        rows.append(f"grain_price,Segou (MLI),millet,retail,{month},280,XOF/KG,13.43,-6.26")
    get_collector("csv").collect_file(store, write_csv("series.csv", "\n".join(rows) + "\n"))
    EventsCollector(EventSettings.from_config(DEMO_EVENT_SETTINGS)).collect_file(store, BELLINGCAT)
    return store


def test_event_sentence_for_a_stored_series(fuel_store):
    ids = dict(fuel_store.conn.execute("SELECT location || ' ' || indicator, id FROM series").fetchall())
    assert event_sentence_for(fuel_store, ids["Bamako fuel_availability"], "2025-09-20") == \
        "2 attacks on fuel convoys on the Senegal-Bamako corridor in the previous 14 days (Bellingcat)"
    assert event_sentence_for(fuel_store, ids["Kati fuel_availability"], "2025-10-25") == ""  # Kati: Senegal road
    assert event_sentence_for(fuel_store, ids["Kati fuel_availability"], "2025-10-30") == \
        "1 attack on a fuel convoy on the Senegal-Bamako corridor in the previous 14 days (Bellingcat)"
    assert event_sentence_for(fuel_store, ids["<b>Segou</b> fuel_availability"], "2025-10-25") == ""
    context = EventContext.load(fuel_store)  # many sentences from one read of the store
    assert context.sentence(ids["Bamako fuel_availability"], "2025-09-20") == \
        event_sentence_for(fuel_store, ids["Bamako fuel_availability"], "2025-09-20")
    assert context.sentence(99999, "2025-09-20") == ""


def charts(page: str) -> dict:
    """Every chart of a report page: {div id: figure JSON}."""
    import re
    return {name: json.loads(body) for name, body in
            re.findall(r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>', page)}


def event_traces(figure: dict) -> list:
    return [t for t in figure["data"] if t.get("marker", {}).get("symbol") in ("triangle-down", "x")]


def test_the_report_marks_the_attacks(fuel_store, tmp_path):
    index = write_report(fuel_store, tmp_path / "report")
    fuel = (index.parent / "fuel.html").read_text(encoding="utf-8")
    assert "Events on the supply routes" in fuel and "between Zegoua and Sikasso" in fuel
    figures = charts(fuel)
    panel = event_traces(figures["fuel-panel"])
    assert len(panel) == 1 and sorted(panel[0]["x"]) == ["2025-09-14", "2025-09-19", "2025-10-17", "2025-10-21",
                                                         "2025-10-28", "2025-11-06"]
    assert len([s for s in figures["fuel-panel"]["layout"]["shapes"] if s.get("line", {}).get("dash") == "dot"]) == 6
    by_place = {name.split("-")[2]: event_traces(figure) for name, figure in figures.items() if name != "fuel-panel"}
    assert len(by_place["kati"][0]["x"]) == 3  # the Senegal-Bamako corridor only
    assert by_place["b"] == []  # <b>Segou</b>: no event bears on it
    grain = charts((index.parent / "grain.html").read_text(encoding="utf-8"))
    bamako = next(f for name, f in grain.items() if "bamako" in name)
    assert len(event_traces(bamako)[0]["x"]) == 6
    map_figure = charts((index.parent / "map.html").read_text(encoding="utf-8"))["market-map"]
    assert len(event_traces(map_figure)[0]["customdata"]) == 6 and map_figure["layout"]["xaxis"]["range"][0] < -9.98
    events_csv = pd.read_csv(index.parent / "events.csv")
    assert len(events_csv) == 6 and set(events_csv["source"]) == {"Bellingcat"}


def test_event_names_are_escaped(store, write_csv, tmp_path):
    rows = ["indicator,location,item,date,value,unit"]
    rows += [f"fuel_availability,Bamako,petrol,{day.date()},0.8,share"
             for day in pd.date_range("2025-08-01", "2025-10-01")]
    get_collector("csv").collect_file(store, write_csv("series.csv", "\n".join(rows) + "\n"))
    hostile = write_csv("events.csv", "date,location,corridor,description,event_type,source\n2025-09-20,"
                                      "<img src=x onerror=alert(1)>,Senegal-Bamako,<script>alert(2)</script>,"
                                      "<b>attack</b>,<i>Evil</i>\n")
    EventsCollector().collect_file(store, hostile)
    index = write_report(store, tmp_path / "report")
    for page in index.parent.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<img src=x" not in text and "<script>alert" not in text and "<b>attack" not in text, page.name
    assert "&lt;img src=x onerror=alert(1)&gt;" in (index.parent / "fuel.html").read_text(encoding="utf-8")
