"""Terms of trade (FEWS NET): kilograms of a cereal that one head of livestock, or one day's wage,
buys in the same market and month.

    value = price of one HEAD (or one DAY of work) / price of one KG of the cereal

Both prices must be in the same market, month and currency (OWID's rule: units agree); the
result is KG/HEAD or KG/DAY. Pairs: every livestock and labour item with every cereal of the
market (or the configured `cereals`, or explicit `pairs`). The bad direction is down: FEWS NET
reads a fall of 15% or more against the five-year average of the same month as a significant
loss of purchasing power (`rules.FiveYearFall`).
"""
from __future__ import annotations

import pandas as pd

from .base import Derivation, Inputs, input_record, one_per_item, place_metadata
from .rules import FiveYearFall

PER = {"livestock_price": ("HEAD", "head"), "wage": ("DAY", "day's wage")}


class TermsOfTrade(Derivation):
    name = "terms_of_trade"
    indicator = "terms_of_trade"
    title = "Terms of trade"
    formula = "price of one head of livestock (or one day's wage) / price of one KG of the cereal, same market, month and currency"
    method = ("Kilograms of a cereal that one head of livestock or one day's wage buys in the same market and "
              "month (FEWS NET). A fall of 15% or more against the 5-year average of the same month is an alert.")
    reads = ("livestock_price", "wage", "grain_price")
    rules = (FiveYearFall,)

    def _derive(self, inputs: Inputs, settings) -> pd.DataFrame:
        options = settings.terms_of_trade
        sellers = one_per_item(inputs.table(["livestock_price", "wage"]), options.price_type)
        cereals = one_per_item(inputs.table(["grain_price"]), options.price_type)
        if options.cereals:
            cereals = cereals[cereals["item"].isin(options.cereals)]
        pairs = sellers.merge(cereals, on=["location", "date"], suffixes=("", "_cereal"))
        pairs = pairs[(pairs["currency"] == pairs["currency_cereal"]) & (pairs["value_cereal"] > 0)]
        pairs = pairs[pairs["unit_cereal"].str.endswith("/KG")]
        if options.pairs:
            wanted = set(options.pairs)
            keep = [(a, c) in wanted or (a.split(",")[0].strip(), c) in wanted
                    for a, c in zip(pairs["item"], pairs["item_cereal"])]
            pairs = pairs[keep]
        if pairs.empty:
            return None
        per = pairs["indicator"].map(lambda i: PER[i][0])
        value = pairs["value"] / pairs["value_cereal"]
        return pd.DataFrame({
            "indicator": self.indicator, "location": pairs["location"],
            "item": pairs["item"] + " / " + pairs["item_cereal"], "price_type": "",
            "date": pairs["date"], "value": value, "unit": "KG/" + per, "currency": "",
            "admin1": pairs["admin1"], "admin2": pairs["admin2"],
            "metadata": [place_metadata(m) for m in pairs["meta"]],
            "inputs": [[input_record(a, d, va, "seller"), input_record(c, d, vc, "cereal")]
                       for a, c, d, va, vc in zip(pairs["series_id"], pairs["series_id_cereal"], pairs["date"],
                                                  pairs["value"], pairs["value_cereal"])],
            "detail": [{"per": PER[i][1]} for i in pairs["indicator"]],
            "explanation": [_explain(r, v) for r, v in zip(pairs.itertuples(index=False), value)],
        })


def _explain(row, value: float) -> str:
    seller = (f"one day's wage ({row.item})" if row.indicator == "wage" else f"one head of {row.item}")
    return (f"{row.item.capitalize()} / {row.item_cereal} terms of trade in {row.location}, {row.date}: "
            f"{seller} buys {value:,.1f} KG of {row.item_cereal} ({row.value:,.0f} {row.unit}; "
            f"{row.item_cereal} {row.value_cereal:,.0f} {row.unit_cereal}).")
