"""The report's page of derived indicators: per derivation its method and formula, each derived
series' latest value and severity with its explanation, links to its chart on the family page,
imputed basket components counted, and the lineage as CSV."""
from __future__ import annotations

import json

import pandas as pd

from .. import catalog
from .layout import download, e, table


def derived_page(site, data) -> str:
    from ..derive import DERIVATIONS

    lineage = data.lineage
    series = data.series.set_index("sid")
    parts = ["<p class=\"note\">Derived series are stored like any other: every detector scores them and "
             "their charts, with the expected band and flags, are on the family pages (links below). Each "
             "value keeps its lineage: the formula, the input observations it used and, for the basket, which "
             "components were imputed.</p>"]
    for name, cls in DERIVATIONS.items():
        rows = lineage[lineage["derivation"] == name]
        if rows.empty:
            continue
        definition = catalog.get(cls.indicator)
        latest = rows.sort_values("date").groupby("series_id").tail(1)
        summary = pd.DataFrame({
            "series": [f'{r.location} {r.item}'.strip() for r in latest.itertuples(index=False)],
            "date": latest["date"].to_numpy(), "value": latest["value"].round(2).to_numpy(),
            "unit": latest["unit"].to_numpy(),
            "severity": [series.at[s, "severity"] if s in series.index else "" for s in latest["series_id"]],
            "explanation": latest["explanation"].to_numpy(),
            "chart": [f"{definition.family}.html#s-{int(s)}" for s in latest["series_id"]]})
        columns = {"series": "series", "date": "latest date", "value": "value", "unit": "unit",
                   "severity": "severity", "explanation": "explanation"}
        if name == "basket_cost":
            imputed = [json.loads(d).get("imputed", 0) for d in rows["detail"]]
            counts = rows.assign(imputed=imputed).groupby("series_id")["imputed"]
            summary["imputed components"] = counts.sum().reindex(latest["series_id"]).to_numpy()
            summary["months with an imputed component"] = (counts.apply(lambda s: int((s > 0).sum()))
                                                           .reindex(latest["series_id"]).to_numpy())
            columns.update({"imputed components": "imputed components (all months)",
                            "months with an imputed component": "months with an imputed component"})
        summary = summary.sort_values("series", kind="stable")
        href = site.write_csv(f"derived-{name}.csv", rows.drop(columns=["series_id"]))
        links = " · ".join(f'<a href="{e(c)}">{e(s)}</a>' for s, c in zip(summary["series"], summary["chart"]))
        parts.append(f"<h2>{e(cls.title)} (<code>{e(name)}</code>)</h2><p>{e(cls.method)}</p>"
                     f"<p class=\"note\">Formula: {e(cls.formula)}.</p>"
                     + table(summary, columns, None, "", "No derived values.")
                     + f"<p class=\"note\">Charts: {links}</p>"
                     + download(href, f"Every {cls.title.lower()} value with its formula, inputs and detail"))
    return "".join(parts)
