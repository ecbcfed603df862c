"""Crop calendars by country: a series takes its country's zone from its ISO3 code."""
from __future__ import annotations

import pytest

from indicators import seasons
from indicators.collectors.wfp import WFPCollector
from indicators.detect import SeriesInfo

HEADER = ("countryiso3,date,admin1,admin2,market,market_id,latitude,longitude,category,commodity,commodity_id,"
          "unit,priceflag,pricetype,currency,price,usdprice")


@pytest.mark.parametrize("iso3, zone", [
    ("MLI", "sahel"), ("BFA", "sahel"), ("NER", "sahel"), ("MWI", "southern_africa"), ("AFG", "central_asia"),
    ("BDI", "east_africa_bimodal"), ("SSD", "south_sudan"), ("XYZ", "sahel")])
def test_zone_for_country(iso3, zone):
    assert seasons.zone_for_country(iso3) == zone


def test_every_country_of_the_global_file_has_a_zone_of_its_own_or_is_sahelian():
    countries = ["AFG", "ARM", "BDI", "BOL", "CMR", "COD", "DZA", "EGY", "ETH", "IDN", "IRN", "IRQ", "KGZ", "LBY",
                 "MDA", "MDG", "MMR", "MRT", "MWI", "NGA", "PAK", "PHL", "RWA", "SDN", "SSD", "TJK", "TLS", "TUR",
                 "ZMB"]
    listed = {c for zone in seasons.zones() for c in seasons._calendars()[zone].get("countries", [])}
    assert set(countries) <= listed
    for zone in seasons.zones():
        assert seasons.zone_source(zone), zone
        entry = seasons.calendar_for("millet", zone)
        assert entry and all(1 <= m <= 12 for m in entry.harvest + entry.lean)


def test_calendar_chosen_by_country(write_csv, store):
    rows = [f"{iso3},2026-01-15,A,B,{market},1,0,0,cereals and tubers,Maize,1,KG,actual,Retail,{cur},100,"
            for iso3, market, cur in (("MWI", "Lilongwe", "MWK"), ("AFG", "Kabul", "AFN"), ("MLI", "Bamako", "XOF"))]
    rows.append("AFG,2026-01-15,A,B,Kabul,1,0,0,cereals and tubers,Wheat,1,KG,actual,Retail,AFN,30,")
    WFPCollector().collect_file(store, write_csv("global.csv", "\n".join([HEADER] + rows) + "\n"))
    calendars = {(row.location, row.item): SeriesInfo.from_store(row).crop_calendar()
                 for row in store.series().itertuples(index=False)}
    assert calendars[("Lilongwe (MWI)", "maize")].harvest == (4, 5, 6)  # not the Sahel's September-November
    assert calendars[("Kabul (AFG)", "wheat")].harvest == (6, 7, 8)
    assert calendars[("Bamako (MLI)", "maize")].zone == "sahel"
    assert calendars[("Bamako (MLI)", "maize")].harvest == (9, 10, 11)
