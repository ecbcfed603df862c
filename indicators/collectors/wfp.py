"""`collect wfp`: WFP market prices as published on HDX, or as WFP DataBridges returns them.

Inputs (the content decides, not the extension):
- HDX country files `wfp_food_prices_<iso3>.csv`: a header, then an HXL hashtag row (skipped
  only when its first field starts with `#`);
- HDX global files: the same columns with `countryiso3` first, no HXL row;
- DataBridges `MarketPrices/PriceMonthly` JSON pages (`items`, `page`, `totalItems`).

Series: cereals -> `grain_price`, other foods -> `food_price`, fuel -> `fuel_price` (items
petrol, diesel, gas, kerosene), livestock -> `livestock_price` (item: the animal as WFP names it,
`goat`), wages -> `wage` (item: the kind of labour, `casual labour`), exchange rates ->
`exchange_rate` (price type `official` or `unofficial`); other non-food rows are skipped and
counted. Things sold by count keep a unit of their own (per UNIT, HEAD, CYLINDER or DAY; see
`indicators.units`); a currency that was redenominated is converted at collection (see
`indicators.redenominations`). The location is the market
qualified by its country, `Market (ISO3)`, so that the same market name in two countries is two
locations; the country comes from `countryiso3`, else from the file name. Prices become per KG
or per L. Only `actual` and `aggregate` prices are kept; for one series and month an actual
price is preferred over an aggregate one, then the first line (see docs/collectors.md).
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .. import seasons, units
from .base import Collector, Parsed, rows_to_frame
from .columns import Distinct
from .tables import RowChecks, fold, match_columns, parse_timestamp, plain, read_table

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
        frame, rejects, skipped = _prices(table, name_iso3.group(1).upper() if name_iso3 else "")
        return Parsed(rows=frame, rows_read=table.rows_read, rejects=list(table.rejects) + rejects,
                      skipped=table.skipped + skipped)


def _prices(table: Parsed, default_iso3: str) -> tuple[pd.DataFrame, list[dict], Counter]:
    """Generic long rows from the matched columns, checked on whole columns: each check runs
    once per distinct value (a commodity, a unit, a price flag), in the order a row is read, so
    a row's reject names the first check it fails; skipped rows are counted, not rejected."""
    check = RowChecks(table.rows)
    for field in ("market", "commodity", "pricetype"):
        check.fail(check.text(field) == "", field, f"missing {field}")
    kind = Distinct.pairs(check.distinct("commodity"), check.distinct("category")).map(
        lambda pairs: pd.Series([classify(commodity, category) for commodity, category in pairs], dtype=object))
    kinds = kind.rows()
    skip = check.ok & np.asarray([k[0] == "skip" for k in kind.uniques], dtype=bool)[kind.codes]
    skipped = Counter(k[1] for k in kinds[skip])
    flags = check.rows("priceflag", lambda cells: [
        frozenset(f.strip() for f in plain(c).split(",") if f.strip()) for c in cells])
    forecast = check.ok & ~skip & (flags == frozenset({"forecast"}))
    skipped.update({"forecast": int(forecast.sum())} if forecast.any() else {})
    skip |= forecast
    known = np.asarray([bool(f) and f <= set(FLAG_RANK) for f in flags], dtype=bool)
    check.fail(~skip & ~known, "priceflag", lambda at: [
        f"price flag {check.text('priceflag')[i]!r} is not actual, aggregate or forecast" for i in at])
    triple = Distinct.pairs(Distinct.pairs(kind, check.distinct("currency")), check.distinct("unit"))
    resolved = []
    for (kind_of, currency), quantity in triple.uniques:  # few distinct (indicator, currency, unit)
        if kind_of[0] == "skip":
            resolved.append(("", ""))
            continue
        try:
            resolved.append((_unit(kind_of[0], currency, quantity), ""))
        except units.UnitError as error:
            resolved.append(("", f"unit {quantity!r}: {error}"))
    unit, unit_error = (np.asarray([r[i] for r in resolved], dtype=object)[triple.codes] for i in range(2))
    check.fail(~skip & (unit_error != ""), "unit", lambda at: unit_error[at])
    good = check.ok & ~skip
    rejects = check.rejects()
    if not good.any():
        return pd.DataFrame(), rejects, skipped
    iso3 = check.rows("countryiso3", lambda cells: [(c or default_iso3).strip().upper() for c in cells])
    market = check.text("market")
    rank = np.asarray([min((FLAG_RANK[f] for f in group), default=0) if known_group else 0
                       for group, known_group in zip(flags, known)], dtype=np.int64)
    rows = {
        "indicator": [k[0] for k in kinds], "location": np.where(iso3 != "", market + " (" + iso3 + ")", market),
        "item": [k[1] for k in kinds],
        "price_type": np.where([bool(k[2]) for k in kinds], [k[2] for k in kinds],
                               check.rows("pricetype", lambda cells: [fold(c) for c in cells])),
        "date": check.rows("date", lambda cells: [_month(c) for c in cells]), "value": check.text("price"),
        "unit": unit, "currency": check.rows("currency", lambda cells: [c.upper() for c in cells]),
        "source": check.rows("source", lambda cells: [c or SOURCE for c in cells]),
        "admin1": check.text("admin1"), "admin2": check.text("admin2"),
        "latitude": check.text("latitude"), "longitude": check.text("longitude"),
        "metadata": _metadata(check, iso3), "preference": rank,
        "preference_label": np.where(rank == 0, "an actual price", "an aggregate"),
        "source_line": table.rows["source_line"].to_numpy(), "raw": table.rows["raw"].to_numpy(dtype=object),
    }
    return pd.DataFrame({name: np.asarray(column, dtype=None if name in ("preference", "source_line") else object)[good]
                         for name, column in rows.items()}), rejects, skipped


METADATA = ("market_id", "admin1", "admin2", "latitude", "longitude", "commodity_id", "category")


def _metadata(check: RowChecks, iso3: np.ndarray) -> np.ndarray:
    """Each row's series metadata, made once per distinct combination of the cells it is made
    of (the rows of one market and commodity share one)."""
    names = METADATA + ("market", "commodity")
    combined = Distinct.of(iso3)
    for name in names:
        combined = Distinct.pairs(combined, check.distinct(name))
    firsts = np.unique(combined.codes, return_index=True)[1]  # a row of each combination, in code order
    text = {name: check.text(name) for name in names}
    made = np.empty(len(firsts), dtype=object)
    made[:] = [_series_metadata({k: text[k][i] for k in METADATA}, iso3[i], text["market"][i], text["commodity"][i])
               for i in firsts]
    return made[combined.codes]


def _series_metadata(cells: dict, iso3: str, market: str, commodity: str) -> dict:
    metadata = {k: _number(v) if k in ("latitude", "longitude") else v for k, v in cells.items() if v}
    metadata.update(country=iso3, market=market, commodity=commodity, licence=LICENCE)
    if iso3:  # the country's crop calendar zone (a job's settings.zone still overrides it)
        metadata["zone"] = seasons.zone_for_country(iso3)
    return metadata


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
        return ("exchange_rate", "usd", "unofficial" if "unofficial" in inside else "official")
    if head == "wage":
        return ("wage", inside.strip() or "labour", "")
    if head == "livestock" and inside and "feed" not in name:  # before the non-food test: some files
        return ("livestock_price", inside.strip(), "")              # file livestock under non-food
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
    units.price_unit(currency, quantity)  # raises for a unit the tracker cannot read (a bag, a package)
    return f"{currency}/{quantity.strip()}"


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
