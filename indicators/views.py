"""USD and real prices as views: stored values are never changed; `export`, `alerts` and `report`
convert what they show.

- `--currency USD`: a money value (unit `XOF/KG`, `AFN/HEAD`, `XOF/MONTH`, ...) is divided by the
  exchange rate (local currency per USD) of its country and month: the rates of a CSV given with
  `--rates FILE` first (columns `country` ISO3 or `currency`, `date` YYYY-MM, `rate` local
  currency per USD), else the stored `exchange_rate` series of that country (official before
  unofficial; the median over the country's markets that month). `usdprice` columns of WFP files
  are never used (some are wrong at the source). Rows without a rate are left out and their
  countries named (`Conversion.missing`).
- `--real YYYY-MM`: a money value is multiplied by CPI(base) / CPI(month), with the `cpi` series
  of its country (location the ISO3 code, e.g. `cpi,MLI,,,2025-01,104.2,index`, collected with
  `collect csv`). Deflation happens in local currency, before any conversion.

Every converted row says what it used (`rate`, `rate_source`; `deflator`, `deflator_source`).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .collectors.base import read_text_table
from .errors import InputError, TrackError
from .store import SERIES_KEY, Store

_MONEY = re.compile(r"^([A-Z]{3})/(?!USD$|EUR$)")
MONEY_COLUMNS = ("value", "expected", "lower", "upper")


class ViewError(TrackError):
    """A view cannot be made as asked (an unknown base month, a rates file without its columns)."""


@dataclass
class Conversion:
    """The outcome of a view: the converted rows and the countries left out, with why."""

    frame: pd.DataFrame
    missing: dict[str, str] = field(default_factory=dict)  # country -> reason

    def note(self) -> str:
        """One line naming the countries without a rate or index ('' when none)."""
        if not self.missing:
            return ""
        names = "; ".join(f"{c or 'no country'}: {why}" for c, why in sorted(self.missing.items()))
        return f"left out (no conversion): {names}"


def money_currency(unit: str) -> str:
    """'XOF/KG' -> 'XOF'; '' for units that are not money (share, hours, KG/HEAD, rates)."""
    match = _MONEY.match(unit or "")
    return match.group(1) if match else ""


def month_of(date: str) -> str:
    return str(date)[:7]


def series_places(store: Store) -> pd.DataFrame:
    """Each series' key with its unit and country (metadata `country`, else 'Market (ISO3)')."""
    from .derive.base import _as_dict, country_of

    series = store.series()
    return pd.DataFrame({**{k: series[k] for k in SERIES_KEY}, "series_id": series["id"], "unit": series["unit"],
                         "country": [country_of(_as_dict(m), loc) for m, loc in
                                     zip(series["metadata"], series["location"])]})


def exchange_rates(store: Store, rates_csv: str | Path | None = None) -> pd.DataFrame:
    """country, currency, month, rate (local currency per USD), source: one row per country and
    month; a rates file's rows take precedence over stored series."""
    places = series_places(store)
    rates = places[places["unit"].str.endswith("/USD") & (places["indicator"] == "exchange_rate")]
    frames = []
    if not rates.empty:
        observations = store.query_frame(
            "SELECT series_id, date, value FROM observations WHERE series_id IN (SELECT value FROM json_each(?))",
            [json.dumps([int(i) for i in rates["series_id"]])])
        stored = observations.merge(rates, on="series_id")
        stored = stored.assign(month=stored["date"].map(month_of), currency=stored["unit"].str[:3],
                               rank=(stored["price_type"] != "official").astype(int))
        best = stored[stored["rank"] == stored.groupby(["country", "month"])["rank"].transform("min")]
        grouped = best.groupby(["country", "currency", "month"])
        median = grouped["value"].median().rename("rate").reset_index()
        kinds = grouped["price_type"].first().to_numpy()
        markets = grouped["series_id"].nunique().to_numpy()
        median["source"] = [f"{kind or 'stored'} exchange rate {c} {m}, median of {n} market(s): {r:,.4g} {cur}/USD"
                            for kind, c, m, n, r, cur in zip(kinds, median["country"], median["month"], markets,
                                                             median["rate"], median["currency"])]
        frames.append(median)
    if rates_csv:
        frames.insert(0, _rates_file(Path(rates_csv)))
    if not frames:
        return pd.DataFrame(columns=["country", "currency", "month", "rate", "source"])
    return pd.concat(frames, ignore_index=True)


def _rates_file(path: Path) -> pd.DataFrame:
    header, rows = read_text_table(path)
    names = [h.strip().lower() for h in header]
    if "date" not in names or "rate" not in names or not ({"country", "currency"} & set(names)):
        raise InputError(path, "a rates file needs the columns date, rate and country (ISO3) or currency", line=1)
    out = []
    for line, fields, _ in rows:
        record = dict(zip(names, (f.strip() for f in fields)))
        try:
            rate = float(record["rate"])
        except ValueError:
            raise InputError(path, f"rate {record['rate']!r} is not a number", line=line, field="rate") from None
        if not rate > 0 or not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", record["date"]):
            raise InputError(path, "rate must be positive and date YYYY-MM", line=line, field="rate")
        out.append({"country": record.get("country", "").upper(), "currency": record.get("currency", "").upper(),
                    "month": month_of(record["date"]), "rate": rate,
                    "source": f"{path.name} line {line}: {rate:,.4g} per USD"})
    return pd.DataFrame(out)


def to_usd(store: Store, frame: pd.DataFrame, rates_csv=None) -> Conversion:
    """`frame` (rows with the series key and a date) with money values in USD."""
    rows = _with_places(store, frame)
    rates = exchange_rates(store, rates_csv)
    rows["currency_code"] = rows["unit"].map(money_currency)
    rows["month"] = rows["date"].map(month_of)
    # the first row of each key wins: a rates file's rows come first
    by_country = rates[rates["country"] != ""].drop_duplicates(["country", "month"]) \
        .set_index(["country", "month"])[["rate", "source"]]
    by_currency = rates[rates["currency"] != ""].drop_duplicates(["currency", "month"]) \
        .set_index(["currency", "month"])[["rate", "source"]]
    first = by_country.reindex(pd.MultiIndex.from_frame(rows[["country", "month"]]))
    second = by_currency.reindex(pd.MultiIndex.from_frame(rows[["currency_code", "month"]]))
    rate = first["rate"].fillna(pd.Series(second["rate"].to_numpy(), index=first.index)).to_numpy()
    source = first["source"].fillna(pd.Series(second["source"].to_numpy(), index=first.index)).to_numpy()
    money = (rows["currency_code"] != "") & (rows["currency_code"] != "USD")
    has = ~pd.isna(rate)
    missing = {}
    for country, codes in rows.loc[money & ~has].groupby("country")["currency_code"]:
        missing[country] = f"no {'/'.join(sorted(set(codes)))} per USD exchange rate for some or all months"
    rows["rate"], rows["rate_source"] = float("nan"), ""
    converted = (money & has).to_numpy()
    if converted.any():
        used = pd.to_numeric(pd.Series(rate[converted]), errors="coerce").to_numpy(dtype="float64")
        for column in MONEY_COLUMNS:
            if column in rows:
                rows[column] = pd.to_numeric(rows[column], errors="coerce").astype("float64")
                rows.loc[converted, column] = rows.loc[converted, column] / used
        rows.loc[converted, "rate"] = used
        rows.loc[converted, "rate_source"] = source[converted]
        rows.loc[converted, "unit"] = "USD/" + rows.loc[converted, "unit"].str.split("/", n=1).str[1]
        if "currency" in rows:
            rows.loc[converted, "currency"] = "USD"
    return Conversion(_drop_helpers(rows[~(money & ~has)]), missing)


def to_real(store: Store, frame: pd.DataFrame, base: str) -> Conversion:
    """`frame` with money values at `base` month prices (deflated by the country's `cpi` series)."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", base or ""):
        raise ViewError(f"--real {base!r}: the base must be a month, YYYY-MM")
    rows = _with_places(store, frame)
    cpi = store.query_frame(
        "SELECT s.location AS country, o.date, o.value FROM observations o JOIN series s ON s.id = o.series_id "
        "WHERE s.indicator = 'cpi'")
    cpi = cpi.assign(month=cpi["date"].map(month_of)).drop_duplicates(["country", "month"], keep="last")
    index = cpi.set_index(["country", "month"])["value"]
    rows["month"] = rows["date"].map(month_of)
    rows["currency_code"] = rows["unit"].map(money_currency)
    money = rows["currency_code"] != ""
    at = index.reindex(pd.MultiIndex.from_frame(rows[["country", "month"]])).to_numpy()
    base_value = index.reindex(pd.MultiIndex.from_arrays([rows["country"], [base] * len(rows)])).to_numpy()
    has = ~pd.isna(at) & ~pd.isna(base_value)
    missing = {}
    for country in rows.loc[money & ~has, "country"].drop_duplicates():
        known = set(cpi.loc[cpi["country"] == country, "month"])
        missing[country] = (f"no cpi series (location {country or 'ISO3'})" if not known else
                            f"its cpi has no value for {base}" if base not in known else "its cpi lacks some months")
    converted = (money & has).to_numpy()
    rows["deflator"], rows["deflator_source"] = float("nan"), ""
    if converted.any():
        factor = (base_value[converted] / at[converted]).astype("float64")
        for column in MONEY_COLUMNS:
            if column in rows:
                rows[column] = pd.to_numeric(rows[column], errors="coerce").astype("float64")
                rows.loc[converted, column] = rows.loc[converted, column] * factor
        rows.loc[converted, "deflator"] = factor
        rows.loc[converted, "deflator_source"] = [
            f"cpi {c}: {base} {b:g} / {m} {a:g}" for c, m, a, b in
            zip(rows.loc[converted, "country"], rows.loc[converted, "month"], at[converted], base_value[converted])]
    return Conversion(_drop_helpers(rows[~(money & ~has).to_numpy()]), missing)


def apply_views(store: Store, frame: pd.DataFrame, currency: str | None = None, real: str | None = None,
                rates_csv=None) -> Conversion:
    """Deflate (`real`, a base month) then convert (`currency`, only USD) a frame of rows."""
    missing = {}
    if real:
        done = to_real(store, frame, real)
        frame, missing = done.frame, dict(done.missing)
    if currency:
        if currency.upper() != "USD":
            raise ViewError(f"--currency {currency!r}: only USD is supported (rates are quoted per USD)")
        done = to_usd(store, frame, rates_csv)
        frame = done.frame
        missing.update(done.missing)
    return Conversion(frame, missing)


def _with_places(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each row's series unit and country (columns in their order, new ones last)."""
    places = series_places(store).drop(columns=["series_id"])
    merged = frame.drop(columns=[c for c in ("unit", "country") if c in frame.columns]).merge(
        places, on=SERIES_KEY, how="left")
    merged.index = frame.index
    merged["unit"] = merged["unit"].fillna("")
    merged["country"] = merged["country"].fillna("")
    order = list(frame.columns) + [c for c in merged.columns if c not in frame.columns]
    return merged[order]


def _drop_helpers(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.drop(columns=[c for c in ("month", "currency_code") if c in rows.columns])
