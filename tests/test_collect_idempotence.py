"""Collecting the same file again changes no table, for every collector, byte for byte."""
import sqlite3

import pytest

from indicators.collectors import get_collector

from conftest import FIXTURES

TABLES = ["series", "observations", "revisions", "rejects", "anomalies", "detection_status", "imports"]


def table_contents(db_path):
    connection = sqlite3.connect(db_path)
    try:
        return {t: sorted(connection.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    finally:
        connection.close()


@pytest.mark.parametrize("kind, fixture", [
    ("wfp", "hdx_wfp_food_prices_global_2026_Q1_subset.csv"),
    ("wfp", "databridges_MarketPrices_PriceMonthly_response_sample.json"),
    ("stations", "kobo_fuel_stations_en.csv"),
    ("stations", "kobo_fuel_stations_api.json"),
    ("outages", "journal_coupures_fr.csv"),
])
def test_recollecting_a_file_leaves_every_table_as_it_was(store, db_path, kind, fixture):
    collector = get_collector(kind)
    collector.collect_file(store, FIXTURES / fixture)
    before = table_contents(db_path)
    summary = collector.collect_file(store, FIXTURES / fixture)
    assert (summary.new, summary.revised) == (0, 0)
    assert table_contents(db_path) == before
