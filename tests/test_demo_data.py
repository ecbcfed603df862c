"""The bundled demo: deterministic, small, clearly SIMULATED, and read by the new collectors."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from indicators.jobs import DEMO_DIR, demo_config

from conftest import ROOT


def load_generator():
    spec = importlib.util.spec_from_file_location("generate_demo", ROOT / "datasets" / "generate_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regenerating_matches_committed_files_byte_for_byte(tmp_path):
    generator = load_generator()
    counts = generator.generate(tmp_path)
    assert set(counts) == set(generator.DEMO_FILES)
    for name in generator.DEMO_FILES:
        assert (tmp_path / name).read_bytes() == (DEMO_DIR / name).read_bytes(), name


def test_demo_is_small_and_labelled_simulated():
    files = [p for p in DEMO_DIR.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 7_000_000  # the demo stays small enough to commit (6.1 MB)
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        data = [line for line in lines[1:] if not line.startswith("#")]
        assert data and all("SIMULATED demo" in line for line in data), path.name
    assert "SIMULATED" in (ROOT / "datasets" / "README.md").read_text(encoding="utf-8")


def test_demo_config_uses_the_format_collectors():
    sources = {(s.kind, Path(s.path).name) for s in demo_config().sources}
    assert sources == {("wfp", "wfp_food_prices_mli.csv"), ("stations", "fuel_station_survey.csv"),
                       ("outages", "power_outage_log.csv"),
                       ("events", "mali_fuel_convoy_attacks_2025_bellingcat.csv")}
    for source in demo_config().sources:
        assert all(path.is_file() for path in source.files())


def test_demo_aggregates_reproduce_the_scenario(store):
    from indicators.collectors import get_collector

    for source in demo_config().sources:
        for path in source.files():
            summary = get_collector(source.kind).collect_file(store, path)
            assert summary.rejected == 0, summary.line()

    def mean(indicator, location, start, end, item="", price_type=""):
        return store.conn.execute(
            "SELECT AVG(o.value) FROM observations o JOIN series s ON s.id = o.series_id WHERE s.indicator = ? "
            "AND s.location = ? AND s.item = ? AND s.price_type = ? AND o.date BETWEEN ? AND ?",
            (indicator, location, item, price_type, start, end)).fetchone()[0]

    normal, peak = ("2025-07-01", "2025-08-15"), ("2025-10-24", "2025-10-31")
    assert mean("fuel_availability", "Bamako", *normal, item="petrol") > 0.85
    assert mean("fuel_availability", "Bamako", *peak, item="petrol") < 0.4
    assert mean("fuel_queue_time", "Bamako", *normal, item="petrol") < 1
    assert mean("fuel_queue_time", "Bamako", *peak, item="petrol") > 20  # queues of days
    assert mean("fuel_price", "Bamako", *peak, item="petrol", price_type="pump") == 775
    assert mean("fuel_price", "Bamako", *peak, item="petrol", price_type="parallel") > 1500
    assert mean("power_outage", "Kati", "2025-01-15", "2025-03-15") < 7
    assert 12 <= mean("power_outage", "Bamako Commune IV", *peak) <= 20
    sep, nov = mean("grain_price", "Bamako (MLI)", "2025-09", "2025-09", item="millet", price_type="retail"), \
        mean("grain_price", "Bamako (MLI)", "2025-11", "2025-11", item="millet", price_type="retail")
    assert nov >= sep  # the harvest dip fails in 2025
    sources = {s for (s,) in store.conn.execute("SELECT DISTINCT source FROM series")}
    assert sources == {"SIMULATED demo"}
