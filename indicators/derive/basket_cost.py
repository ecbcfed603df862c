"""Food basket cost (REACH JMMI, WFP Market Monitor): the monthly cost of a basket for one
household in a market.

    value = household size x sum over components of (quantity per person per month x price)
    (or, with `per = "household"`, the sum of quantity per household per month x price)

Components are priced per KG or L, in the market's currency. A market-month is costed when the
market priced at least one component that month (else it was not surveyed). A component
without a price in the market that month falls back, in this order, to the median price of the same item that month in
the market's admin2, then its admin1, then the country (national median), then the market's own
value of last month (observed or imputed in space, never carried twice). A market-month with a
component that none of these gives has no basket value (counted as incomplete). Every imputed
component is flagged in the lineage detail and counted (`imputed`), and the explanation names it.
Month-on-month rises are scored as WFP's Market Monitor does (`rules.MonthOnMonthRise`).
"""
from __future__ import annotations

import pandas as pd

from .base import Derivation, Inputs, input_record, one_per_item, place_metadata
from .rules import MonthOnMonthRise

LEVELS = ("market", "admin2 median", "admin1 median", "national median", "last month")


class BasketCost(Derivation):
    name = "basket_cost"
    indicator = "basket_cost"
    title = "Food basket cost"
    formula = "household size x sum(quantity per person per month x price per KG or L), same market and month"
    method = ("Monthly cost of a food basket for one household per market; a missing price is imputed from the "
              "admin2, admin1 or national median of the month, then from the market's last month, and flagged. "
              "A rise of 10-25% on the previous month is high (alert), over 25% severe (crisis), as in WFP's "
              "Market Monitor.")
    reads = ("grain_price", "food_price")
    rules = (MonthOnMonthRise,)

    def _derive(self, inputs: Inputs, settings) -> pd.DataFrame:
        basket = settings.basket
        # market-months with a component priced nowhere; imputed components and the market-months with any
        self.notes = {"incomplete": 0, "imputed_components": 0, "imputed_market_months": 0}
        quantities = dict(basket.items)
        prices = one_per_item(inputs.table(["grain_price", "food_price"]), basket.price_type)
        prices = prices[prices["item"].isin(quantities) & prices["unit"].str.endswith(("/KG", "/L"))]
        frames = [self._country(group, basket, quantities) for _, group in prices.groupby("country", sort=True)]
        frames = [f for f in frames if f is not None and not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else None

    def _country(self, prices: pd.DataFrame, basket, quantities: dict) -> pd.DataFrame | None:
        currency = prices["currency"].mode().iloc[0]  # units must agree: one currency per basket
        prices = prices[prices["currency"] == currency]
        units = prices.drop_duplicates("item").set_index("item")["unit"].to_dict()  # e.g. XOF/KG
        markets = prices.drop_duplicates("location").set_index("location")[["admin1", "admin2", "meta"]]
        months = pd.period_range(min(prices["date"]), max(prices["date"]), freq="M").strftime("%Y-%m")
        grid = pd.MultiIndex.from_product([markets.index, list(quantities), months],
                                          names=["location", "item", "date"]).to_frame(index=False)
        grid = grid.join(markets[["admin1", "admin2"]], on="location")
        resolved = _resolve(grid, prices)
        resolved = _carry_last_month(resolved)
        # a market-month with no price of its own was not surveyed: no basket is made up for it
        surveyed = (resolved["level"] == "market").groupby([resolved["location"], resolved["date"]]).transform("any")
        resolved = resolved[surveyed]
        complete = resolved.groupby(["location", "date"])["price"].transform(lambda s: s.notna().all())
        self.notes["incomplete"] += int(resolved.loc[~complete, ["location", "date"]].drop_duplicates().shape[0])
        resolved = resolved[complete]
        if resolved.empty:
            return None
        rows = []
        for (location, date), part in resolved.groupby(["location", "date"], sort=True):
            persons = basket.household_size if basket.per == "person" else 1.0
            cost = persons * sum(quantities[i] * p for i, p in zip(part["item"], part["price"]))
            components = [{"item": r.item, "quantity": quantities[r.item], "unit": units[r.item],
                           "price": round(float(r.price), 6),
                           "imputed": r.level != "market", "source": r.level} for r in part.itertuples(index=False)]
            imputed = sum(c["imputed"] for c in components)
            self.notes["imputed_components"] += imputed
            self.notes["imputed_market_months"] += int(imputed > 0)
            rows.append({
                "indicator": self.indicator, "location": location, "item": f"{basket.name} basket",
                "price_type": "", "date": date, "value": cost, "unit": f"{currency}/MONTH", "currency": currency,
                "admin1": markets.at[location, "admin1"], "admin2": markets.at[location, "admin2"],
                "metadata": dict(place_metadata(markets.at[location, "meta"]),
                                 basket={"items": quantities, "household_size": basket.household_size,
                                         "per": basket.per}),
                "inputs": [i for r in part.itertuples(index=False) for i in r.inputs],
                "detail": {"components": components, "imputed": imputed, "household_size": basket.household_size},
                "explanation": _explain(basket, location, date, cost, currency, components),
            })
        return pd.DataFrame(rows)


def _resolve(grid: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """Each (market, item, month) priced by the first level of the hierarchy that has a price
    (market, admin2, admin1, national median); `inputs` lists the observations used."""
    own = prices.set_index(["location", "item", "date"])
    grid = grid.assign(price=float("nan"), level="", inputs=[[] for _ in range(len(grid))])
    keys = pd.MultiIndex.from_frame(grid[["location", "item", "date"]])
    found = keys.isin(own.index)
    hits = own.reindex(keys[found])
    grid.loc[found, "price"] = hits["value"].to_numpy()
    grid.loc[found, "level"] = "market"
    grid.loc[found, "inputs"] = pd.Series([[input_record(s, d, v, f"{i} (market)")] for s, d, v, i in
                                           zip(hits["series_id"], grid.loc[found, "date"], hits["value"],
                                               grid.loc[found, "item"])], index=grid.index[found], dtype=object)
    for level, keys in (("admin2 median", ["admin1", "admin2"]), ("admin1 median", ["admin1"]),
                        ("national median", [])):
        missing = grid["price"].isna()
        if keys:
            missing &= grid[keys[-1]].fillna("") != ""
        if not missing.any():
            break
        records = [input_record(s, d, v, f"{i} ({level})") for s, d, v, i in
                   zip(prices["series_id"], prices["date"], prices["value"], prices["item"])]
        groups = prices.assign(record=records).groupby(keys + ["item", "date"])
        medians = groups["value"].median()
        members = groups["record"].agg(list)
        index = pd.MultiIndex.from_frame(grid.loc[missing, keys + ["item", "date"]])
        values = medians.reindex(index).to_numpy()
        used = members.reindex(index).to_numpy()
        rows = grid.index[missing]
        have = ~pd.isna(values)
        grid.loc[rows[have], "price"] = values[have]
        grid.loc[rows[have], "level"] = level
        grid.loc[rows[have], "inputs"] = pd.Series(list(used[have]), index=rows[have], dtype=object)
    return grid


def _carry_last_month(grid: pd.DataFrame) -> pd.DataFrame:
    """A component still unpriced takes the market's value of the previous month, when that
    value was itself observed or imputed in space (a carried value is not carried again)."""
    grid = grid.sort_values(["location", "item", "date"]).reset_index(drop=True)
    previous = grid.groupby(["location", "item"])[["price", "level", "inputs"]].shift(1)
    carry = grid["price"].isna() & previous["price"].notna()
    grid.loc[carry, "price"] = previous.loc[carry, "price"]
    grid.loc[carry, "level"] = "last month"
    grid.loc[carry, "inputs"] = previous.loc[carry, "inputs"]
    return grid


def _explain(basket, location, date, cost, currency, components) -> str:
    parts = []
    for c in components:
        per = c["unit"].split("/", 1)[-1]
        text = f"{c['item']} {c['quantity']:g} {per} at {c['price']:,.0f} {c['unit']}"
        parts.append(text + (f" ({c['source']})" if c["imputed"] else ""))
    imputed = sum(c["imputed"] for c in components)
    whom = f"a household of {basket.household_size:g}" if basket.per == "person" else "a household"
    per = "person" if basket.per == "person" else "household"
    return (f"{basket.name.capitalize()} basket for {whom} in {location}, {date}: {cost:,.0f} {currency} per month "
            f"({'; '.join(parts)}, per {per}); {imputed} of {len(components)} components imputed.")
