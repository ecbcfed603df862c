"""A report for a region: a store whose series come from several countries gets the pages of a
one-country report for each country, in `countries/<code>/`, and an index that ranks the
countries, and each country's indicator families, by their worst current state.

A series' country is its metadata's `country` (the WFP collector's ISO3 code), else the ISO3 in
a location named `Market (ISO3)` (`derive.base.country_of`); series without one are grouped as
"no country". The ranking reads the consolidated current view the other pages read: each
series' latest severity (`data._describe`), the current alerts (`alerts.current_alerts`) and the
ongoing episodes (`episodes.state_counts`).
"""
from __future__ import annotations

import re

import pandas as pd

from ..derive.base import _as_dict, country_of
from ..store import SERIES_KEY, SEVERITY_RANK
from . import pages
from .data import UNSCORED, ReportData
from .headlines import FAMILY_NAMES, headline
from .layout import e, shell, table
from .listing import filtered_table
from .tables import worst

FOLDER = "countries"
NO_COUNTRY = "no country"
LEVELS = ("crisis", "alert", "stress", "normal", UNSCORED)
REGION_ALERTS = 20  # current alerts shown on the region's index; all of them in current_alerts.csv


def countries(series: pd.DataFrame) -> pd.Series:
    """Each series' country code (aligned with `series`), NO_COUNTRY when it has none."""
    if series.empty:
        return pd.Series(dtype=object)
    codes = [country_of(_as_dict(meta), str(location)) or NO_COUNTRY
             for meta, location in zip(series["metadata"], series["location"])]
    return pd.Series(codes, index=series.index)


def is_region(series: pd.DataFrame) -> bool:
    """Two countries or more: a region report. One country keeps the one-country layout."""
    return countries(series).drop_duplicates().pipe(lambda c: len(c[c != NO_COUNTRY])) >= 2


def folder_of(code: str) -> str:
    """`countries/<code>` from a country code: lower-case letters and digits only."""
    return f"{FOLDER}/{re.sub(r'[^a-z0-9]+', '-', code.lower()).strip('-') or 'none'}"


def build(site, data: ReportData, progress=None) -> list:
    """Write each country's pages and the region's index; returns every site written (the
    country folders, for static export). `progress(done, total)` after each country."""
    codes = countries(data.series)
    groups = sorted(data.series.groupby(codes.to_numpy(), sort=True)["sid"], key=lambda item: item[0] == NO_COUNTRY)
    country_rows, family_rows, written = [], [], []
    for done, (code, sids) in enumerate(groups, start=1):
        part = data.subset(sids)
        folder = folder_of(code)
        country_site = type(site)(site.folder / folder, keep_figures=site.keep_figures)
        pages.build(country_site, part, root="../../", up=("../../index.html", "All countries"))
        written.append(country_site)
        country_rows.append(_country_row(code, folder, part))
        family_rows += _family_rows(code, folder, part)
        if progress:
            progress(done, len(groups) + 1)
    ranked = _ranked(pd.DataFrame(country_rows))
    by_family = _ranked(pd.DataFrame(family_rows))
    site.write_text("index.html", shell("Economic impact indicators: all countries",
                                        _index(site, data, codes, ranked, by_family), "index.html", {"index.html"},
                                        data, charts=False))
    if progress:
        progress(len(groups) + 1, len(groups) + 1)
    return written


def _levels(series: pd.DataFrame) -> dict:
    counts = series["severity"].value_counts()
    return {level: int(counts.get(level, 0)) for level in LEVELS}


def _country_row(code: str, folder: str, part: ReportData) -> dict:
    heads = [(family, *headline(family, part.family_series(family))) for family in part.families()]
    top = worst(part.series["severity"])
    worst_family = [sentence for _, sentence, severity in heads if severity == top]
    return {"country": code, "href": f"{folder}/index.html", "worst": top, "series": len(part.series),
            **_levels(part.series), "current_alerts": len(part.current),
            "ongoing_episodes": int(part.counts.get("ongoing_episodes", 0)), "data_date": part.data_date,
            "headline": worst_family[0] if worst_family else ""}


def _family_rows(code: str, folder: str, part: ReportData) -> list[dict]:
    rows = []
    for family in part.families():
        series = part.family_series(family)
        sentence, severity = headline(family, series)
        rows.append({"country": code, "family": FAMILY_NAMES[family], "href": f"{folder}/{family}.html",
                     "worst": severity, "series": len(series), **_levels(series), "headline": sentence})
    return rows


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """Worst current state first, then most series in crisis, on alert, under stress."""
    if frame.empty:
        return frame
    frame = frame.assign(_rank=frame["worst"].map(SEVERITY_RANK).fillna(-1))
    order = ["_rank", "crisis", "alert", "stress", "country"]
    return frame.sort_values(order, ascending=[False, False, False, False, True], kind="stable") \
        .drop(columns="_rank").reset_index(drop=True).assign(rank=lambda f: range(1, len(f) + 1))


def _index(site, data: ReportData, codes: pd.Series, ranked: pd.DataFrame, by_family: pd.DataFrame) -> str:
    counts = {level: int((ranked["worst"] == level).sum()) for level in LEVELS}
    states = ", ".join(f"{counts[level]} with a series {words}" for level, words in
                       (("crisis", "in crisis"), ("alert", "on alert"), ("stress", "under stress")) if counts[level])
    country_of_series = pd.DataFrame({"country": codes.to_numpy()}, index=data.series.index)
    keyed = data.series[SERIES_KEY].assign(country=country_of_series["country"])
    current = data.current.merge(keyed, on=SERIES_KEY, how="left")
    current = current[["country"] + [c for c in current.columns if c != "country"]]
    current_href = site.write_csv("current_alerts.csv", current)
    episodes = data.episodes.merge(keyed, on=SERIES_KEY, how="left")
    episodes_href = site.write_csv("episodes.csv", episodes[["country"] + [c for c in episodes.columns
                                                                           if c != "country"]])
    country_columns = {"rank": "rank", "country": "country", "worst": "worst current state", "series": "series",
                       "crisis": "crisis", "alert": "alert", "stress": "stress", "normal": "normal",
                       UNSCORED: "unscored", "ongoing_episodes": "ongoing episodes", "data_date": "data up to",
                       "headline": "worst family"}
    family_columns = {"rank": "rank", "country": "country", "family": "family", "worst": "worst current state",
                      "series": "series", "crisis": "crisis", "alert": "alert", "stress": "stress",
                      "headline": "headline"}
    countries_href = site.write_csv("countries.csv", ranked.drop(columns=["href"]))
    families_href = site.write_csv("country_families.csv", by_family.drop(columns=["href"]))
    shown_alerts = current.head(REGION_ALERTS)
    view = f'<p class="note">{e(data.view_note)}</p>' if data.view_note else ""  # a --currency / --real view
    return (view + f"<p>{len(data.series)} series in {len(ranked)} countries"
            + (f"; {states}" if states else "") + ". Each country has its own pages (overview, indicator "
            "families, seasonal view, map, method): follow its name.</p>"
            "<h2>Countries by their worst current state</h2>"
            "<p class=\"note\">A country's worst current state is the most severe latest state of its series "
            "(consolidated over the detectors); ties go to the country with more series in crisis, then on "
            "alert, then under stress.</p>"
            + f'<p class="download"><a href="{e(countries_href)}" download>The ranking (CSV)</a></p>'
            + filtered_table("countries", ranked, country_columns, {"country": "href"}, label="Filter the countries")
            + "<h2>Countries and indicator families</h2>"
            "<p class=\"note\">Each family of each country with its headline, worst first.</p>"
            + f'<p class="download"><a href="{e(families_href)}" download>Every country and family (CSV)</a></p>'
            + filtered_table("families", by_family, family_columns, {"family": "href"},
                             label="Filter the countries and families")
            + "<h2>Current alerts</h2>"
            + table(shown_alerts, {"country": "country", "severity": "severity", "indicator": "indicator",
                                   "location": "location", "item": "item", "date": "date",
                                   "explanation": "explanation"}, current_href,
                    f"All {len(current)} current alerts", "No series is flagged at its latest date.")
            + (f'<p class="note">The {REGION_ALERTS} most severe; every current alert is in the CSV and on its '
               "country's pages.</p>" if len(current) > REGION_ALERTS else "")
            + f'<p class="download"><a href="{e(episodes_href)}" download>Every episode of every country (CSV)</a></p>')
