"""`collect wfp`: WFP market prices as published on HDX, or as WFP DataBridges returns them.

Inputs (the content decides, not the extension):
- HDX country files `wfp_food_prices_<iso3>.csv`: a header, then an HXL hashtag row (skipped
  only when its first field starts with `#`);
- HDX global files: the same columns with `countryiso3` first, no HXL row;
- DataBridges `MarketPrices/PriceMonthly` JSON pages (`items`, `page`, `totalItems`).

Series: cereals -> `grain_price`, other foods -> `food_price`, fuel -> `fuel_price` (items
petrol, diesel, gas, kerosene), unofficial exchange rates -> `exchange_rate`; wages, official
exchange rates and other non-food rows are skipped and counted. The location is the market
qualified by its country, `Market (ISO3)`, so that the same market name in two countries is two
locations; the country comes from `countryiso3`, else from the file name. Prices become per KG
or per L. Only `actual` and `aggregate` prices are kept; for one series and month an actual
price is preferred over an aggregate one, then the first line (see docs/collectors.md).
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from .. import units
from .base import Collector, Parsed, rows_to_frame
from .tables import RowError, fold, match_columns, parse_timestamp, plain, read_table, require_fields

SOURCE = "World Food Programme (WFP), via HDX (CC BY-IGO)"
LICENCE = "CC BY-IGO"  # HDX's licence for WFP's food price data; a source's `licence` in the config overrides it
COLUMNS = {
    "countryiso3": ("countryiso3", "country_iso3", "iso3"),
    "date": ("commoditypricedate",),
    "admin1": ("adm1name",),
    "admin2": ("adm2name",),
    "market": ("marketname",),
    "market_id": ("marketid",),
    "latitude": (),
    "longitude": (),
    "category": (),
    "commodity": ("commodityname",),
    "commodity_id": ("commodityid",),
    "unit": ("commodityunitname",),
    "priceflag": ("commoditypriceflag",),
    "pricetype": ("pricetypename",),
    "currency": ("currencyname",),
    "price": ("commodityprice",),
    "source": (),  # not in WFP files: lets a copy say what it is (the bundled demo says SIMULATED)
}
REQUIRED = ["date", "market", "commodity", "unit", "priceflag", "pricetype", "currency", "price"]

# First word of a commodity name that makes it a cereal (grain_price); other foods are food_price.
CEREALS = {"millet", "sorghum", "maize", "rice", "wheat", "teff", "barley", "fonio", "oats", "rye", "bulgur"}
# WFP fuel names -> tracker items: "Fuel (petrol-gasoline)" -> petrol.
FUELS = {"petrol": "petrol", "gasoline": "petrol", "diesel": "diesel", "gas": "gas", "kerosene": "kerosene"}
# Non-food goods without a series of their own, recognised by name when there is no category
# column to say so (DataBridges pages).
NON_FOOD_WORDS = {"soap", "firewood", "charcoal", "fertilizer", "transport", "milling", "toothpaste",
                  "toothbrush", "shampoo", "disinfecting", "sanitary", "hand", "handwash", "surgical", "straw",
                  "feed", "cement", "livestock"}
FLAG_RANK = {"actual": 0, "aggregate": 1}
_ISO3_IN_NAME = re.compile(r"wfp_food_prices_([a-z]{3})(?:[^a-z]|$)", re.IGNORECASE)


class WFPCollector(Collector):
    name = "wfp"
    description = ("WFP market prices: HDX country files (with the HXL row), HDX global files, or DataBridges "
                   "PriceMonthly JSON pages")

    def read(self, path: Path) -> Parsed:
        header, rows = read_table(path, self.limits)
        if rows and rows[0][1] and rows[0][1][0].strip().startswith("#"):
            rows = rows[1:]  # the HXL hashtag row is metadata, not a price
        columns = match_columns(path, header, COLUMNS, REQUIRED)
        table = rows_to_frame(path, header, rows, columns, REQUIRED, max_chars=self.limits.max_cell_chars)
        name_iso3 = _ISO3_IN_NAME.search(path.name)
        default_iso3 = name_iso3.group(1).upper() if name_iso3 else ""
        good, rejects, skipped = [], list(table.rejects), table.skipped
        for record in table.rows.to_dict("records"):
            try:
                require_fields(record, ("market", "commodity", "pricetype"))
            except RowError as error:
                rejects.append(error.reject(record))
                continue
            kind = classify(record.get("commodity", ""), record.get("category", ""))
            if kind[0] == "skip":
                skipped[kind[1]] += 1
                continue
            indicator, item, price_type = kind
            flags = {f.strip() for f in plain(record["priceflag"]).split(",") if f.strip()}
            if flags == {"forecast"}:
                skipped["forecast"] += 1
                continue
            if not flags or not flags <= set(FLAG_RANK):
                rejects.append(RowError("priceflag", f"price flag {record['priceflag']!r} is not actual, aggregate "
                                                     "or forecast").reject(record))
                continue
            try:
                unit = _unit(indicator, record["currency"], record["unit"])
            except units.UnitError as error:
                rejects.append(RowError("unit", f"unit {record['unit']!r}: {error}").reject(record))
                continue
            good.append(_row(record, indicator, item, price_type or fold(record["pricetype"]), unit,
                             min(FLAG_RANK[f] for f in flags), record.get("countryiso3") or default_iso3))
        frame = pd.DataFrame(good)
        return Parsed(rows=frame, rows_read=table.rows_read, rejects=rejects, skipped=skipped)


def classify(commodity: str, category: str = "") -> tuple[str, str, str]:
    """(indicator, item, price type or '') for a WFP commodity, or ('skip', reason, '')."""
    name = plain(commodity)
    head = re.split(r"[\s(,]", name, maxsplit=1)[0]
    inside = name[name.find("(") + 1:name.rfind(")")] if "(" in name else ""
    if head == "fuel":
        fuel = next((FUELS[w] for w in re.split(r"[\s,\-]+", inside) if w in FUELS), None)
        if fuel is None:
            return ("skip", "other fuel", "")
        return ("fuel_price", fuel, "parallel" if "parallel" in inside else "")
    if head == "exchange":
        return ("exchange_rate", "usd", "unofficial") if "unofficial" in inside else ("skip", "official exchange rate", "")
    if head == "wage":
        return ("skip", "wage", "")
    if fold(category) == "non_food" or (not category and head in NON_FOOD_WORDS):
        return ("skip", "other non-food", "")
    return ("grain_price" if head in CEREALS else "food_price", name, "")


def _unit(indicator: str, currency: str, quantity: str) -> str:
    """The unit text for validation: 'XOF/100 KG'; exchange rates are local currency per USD."""
    currency = currency.strip().upper()
    if indicator == "exchange_rate":
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise units.UnitError(f"currency {currency!r} is not an ISO 4217 code")
        return f"{currency}/USD"
    units.price_unit(currency, quantity)  # raises for a unit that is not a mass or a volume
    return f"{currency}/{quantity.strip()}"


def _row(record: dict, indicator: str, item: str, price_type: str, unit: str, rank: int, iso3: str) -> dict:
    market = record["market"]
    iso3 = iso3.strip().upper()
    metadata = {key: record.get(key, "") for key in ("market_id", "admin1", "admin2", "latitude", "longitude",
                                                     "commodity_id", "category")}
    metadata = {k: _number(v) if k in ("latitude", "longitude") else v for k, v in metadata.items() if v}
    metadata.update(country=iso3, market=market, commodity=record["commodity"], licence=LICENCE)
    return {
        "indicator": indicator, "location": f"{market} ({iso3})" if iso3 else market, "item": item,
        "price_type": price_type, "date": _month(record["date"]),
        "value": record["price"], "unit": unit, "currency": record["currency"].upper(),
        "source": record.get("source") or SOURCE,
        "admin1": record.get("admin1", ""), "admin2": record.get("admin2", ""),
        "latitude": record.get("latitude", ""), "longitude": record.get("longitude", ""),
        "metadata": metadata, "preference": rank, "preference_label": "an actual price" if rank == 0 else "an aggregate",
        "source_line": record["source_line"], "raw": record["raw"],
    }


@functools.lru_cache(maxsize=4096)  # a file has few distinct dates
def _month(text: str) -> str:
    """WFP dates a month's price on the 15th: '2025-01-15' -> '2025-01'. Unreadable text is
    returned as written, so that the row is rejected naming it."""
    moment = parse_timestamp(text)
    return moment.strftime("%Y-%m") if moment is not None else text


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return text
