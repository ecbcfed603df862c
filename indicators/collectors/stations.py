"""`collect stations`: fuel-station survey exports (KoboToolbox / ODK), one row per report.

CSV, XLSX or JSON. Columns are matched by name, case- and accent-insensitively, ignoring Kobo
group prefixes (`station_info/city` is `city`), with French labels accepted (see `COLUMNS`).
Per city, fuel type and day, from each station's latest report that day:
- `fuel_availability`: share of reporting stations with fuel (`available` or `limited`);
- `fuel_queue_time`: median reported queue, in hours;
- `fuel_price` (`pump`, `parallel`): median reported price per litre.
An observation's provenance is the file and the line of its first contributing report; the
other contributing reports are the file's rows with the same city, fuel type and day (each
station's latest). Kobo exports are cumulative: re-collecting a later export recomputes every
day from the whole file, so days already stored are unchanged and only new days (or days with
late reports, as revisions) are written.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .base import Collector, Parsed
from .tables import RowChecks, fold, read_matched, timestamps

COLUMNS = {
    "submission_time": ("_submission_time", "submissiontime", "date_soumission", "heure_soumission"),
    "date": ("today", "jour", "date_observation", "date_releve", "date_visite"),
    "uuid": ("_uuid", "instanceid", "meta_instanceid"),
    "city": ("ville", "commune", "localite", "town"),
    "station": ("station_name", "nom_station", "station_id", "nom_de_la_station"),
    "fuel_type": ("fuel", "carburant", "type_carburant", "type_de_carburant", "produit"),
    "status": ("statut", "etat", "disponibilite", "availability"),
    "queue_minutes": ("attente_minutes", "file_attente_minutes", "temps_attente_minutes", "queue_min"),
    "queue_hours": ("attente_heures", "file_attente_heures", "temps_attente_heures", "queue_h"),
    "pump_price": ("prix_pompe", "prix_officiel", "official_price"),
    "parallel_price": ("prix_parallele", "prix_marche_noir", "prix_informel", "black_market_price"),
    "currency": ("devise", "monnaie"),
    "admin1": ("region",),
    "admin2": ("cercle", "district"),
    # Kobo writes a geopoint question `gps` as _gps_latitude, _gps_longitude, ...
    "latitude": ("lat", "_gps_latitude", "_geopoint_latitude", "_location_latitude", "_coordonnees_latitude"),
    "longitude": ("lon", "lng", "_gps_longitude", "_geopoint_longitude", "_location_longitude",
                  "_coordonnees_longitude"),
    "source": ("source_des_donnees",),
}
REQUIRED = ["city", "station", "fuel_type", "status", ("submission_time", "date")]
FUEL_TYPES = {"petrol": "petrol", "essence": "petrol", "super": "petrol", "gasoline": "petrol",
              "sans_plomb": "petrol", "diesel": "diesel", "gasoil": "diesel", "gazole": "diesel",
              "gas_oil": "diesel"}
# True: the station has fuel to sell (available or limited); False: it has none.
STATUSES = {"available": True, "disponible": True, "limited": True, "limite": True, "rationne": True,
            "partial": True, "partiel": True, "out": False, "rupture": False, "out_of_stock": False,
            "rupture_de_stock": False, "epuise": False, "empty": False, "vide": False, "sec": False}
DEFAULT_SOURCE = "fuel-station survey export"
METHOD = ("per city, fuel type and day, from each station's latest report that day: share of stations with "
          "fuel (available or limited), median queue in hours, median pump and parallel price per litre; "
          "source_line is the first contributing report")


class StationsCollector(Collector):
    name = "stations"
    description = ("Fuel-station survey export (KoboToolbox/ODK CSV, XLSX or JSON, one row per report): daily "
                   "availability, queue time, pump and parallel prices per city and fuel type")

    def read(self, path: Path) -> Parsed:
        table = read_matched(path, COLUMNS, REQUIRED, self.limits)
        reports, rejects, skipped = _reports(table)
        priced, currency_rejects = one_currency(reports)
        frame = aggregate(priced, path)
        return Parsed(rows=frame, rows_read=table.rows_read, rejects=table.rejects + rejects + currency_rejects,
                      skipped=skipped, details=reports)

    def combine(self, store, rows: pd.DataFrame, parsed: Parsed, path: Path, source_file: str):
        """With the reports other files gave for the same city, fuel and day (see station_reports.py)."""
        from .station_reports import combine_reports
        return combine_reports(store, rows, parsed.details, path, source_file)


def _reports(table: Parsed) -> tuple[pd.DataFrame, list[dict], Counter]:
    """Validated reports (one per station, fuel type and day: the latest), rejects, skipped.

    Checked on whole columns, once per distinct value (`columns.Distinct`), in the order a row
    is read (dates, city and station, fuel type, status, queue, coordinates, prices): a row's
    reject names the first check it fails."""
    rows = table.rows
    size = len(rows)
    check = RowChecks(rows)
    moment = check.rows("submission_time", timestamps)
    date_text = check.text("date")
    written = date_text != ""
    day = np.where(written, check.rows("date", timestamps), moment)
    unreadable = np.asarray([d is None for d in day], dtype=bool)
    for field, where in (("date", written), ("submission_time", ~written)):
        check.fail(unreadable & where, field, lambda at, field=field: [
            f"unreadable date {check.text(field)[i]!r} (expected ISO 8601 or DD/MM/YYYY)" for i in at])
    for field in ("city", "station"):
        check.fail(check.text(field) == "", field, f"missing {field}")
    fuel = check.rows("fuel_type", lambda cells: [FUEL_TYPES.get(fold(c)) for c in cells])
    check.fail(np.equal(fuel, None), "fuel_type", lambda at: [
        f"unknown fuel type {check.text('fuel_type')[i]!r} (expected one of {', '.join(sorted(FUEL_TYPES))})" for i in at])
    has_fuel = check.rows("status", lambda cells: [STATUSES.get(fold(c)) for c in cells])
    check.fail(np.equal(has_fuel, None), "status", lambda at: [
        f"unknown status {check.text('status')[i]!r} (expected one of {', '.join(sorted(STATUSES))})" for i in at])
    hours = check.number("queue_hours")
    minutes = check.number("queue_minutes", only=np.isnan(hours))
    latitude, longitude = check.number("latitude", minimum=None), check.number("longitude", minimum=None)
    for name, number, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        check.fail(np.abs(np.nan_to_num(number)) > limit, name, lambda at, name=name, limit=limit: [
            f"{name} {check.text(name)[i]!r} is not between -{limit} and {limit}" for i in at])
    pump, parallel = check.number("pump_price"), check.number("parallel_price")

    uuid = check.text("uuid")
    # a report whose _uuid an earlier good report had is skipped (a re-export), not rejected
    good_uuid = pd.Series(np.arange(size), dtype=np.int64)[check.ok & (uuid != "")]
    first_good = good_uuid.groupby(uuid[good_uuid.to_numpy()]).min()
    repeated = (uuid != "") & (np.arange(size) > pd.Series(uuid).map(first_good).fillna(size).to_numpy())
    skipped = Counter({"repeated _uuid": int(repeated.sum())} if repeated.any() else {})
    rejects = [r for i, r in zip(np.flatnonzero(~check.ok), check.rejects()) if not repeated[i]]
    keep = check.ok & ~repeated
    queue = np.where(np.isnan(hours), minutes / 60, hours)
    day_text = pd.DatetimeIndex(day[keep].tolist()).strftime("%Y-%m-%d") if keep.any() else []
    reports = pd.DataFrame({
        "city": check.text("city")[keep], "station": check.rows("station", lambda cells: [fold(c) for c in cells])[keep],
        "fuel": fuel[keep], "has_fuel": has_fuel[keep].tolist(), "day": list(day_text),
        "moment": [m if m is not None else d for m, d in zip(moment[keep], day[keep])],
        "queue": _numbers(queue[keep]), "pump": _numbers(pump[keep]), "parallel": _numbers(parallel[keep]),
        "currency": check.rows("currency", lambda cells: [(c or "XOF").upper() for c in cells])[keep],
        "admin1": check.text("admin1")[keep], "admin2": check.text("admin2")[keep],
        "latitude": _numbers(latitude[keep]), "longitude": _numbers(longitude[keep]),
        "source": check.text("source")[keep], "source_line": rows["source_line"].to_numpy()[keep],
        "raw": rows["raw"].to_numpy(dtype=object)[keep]}, columns=REPORT_COLUMNS)
    reports = reports.sort_values(["moment", "source_line"], kind="stable")
    earlier = reports.duplicated(["city", "station", "fuel", "day"], keep="last")
    if earlier.any():
        skipped["earlier report by the same station that day"] = int(earlier.sum())
    return reports[~earlier], rejects, skipped


REPORT_COLUMNS = ["city", "station", "fuel", "has_fuel", "day", "moment", "queue", "pump", "parallel", "currency",
                  "admin1", "admin2", "latitude", "longitude", "source", "source_line", "raw"]


def _numbers(values: np.ndarray) -> list:
    """Floats with None where missing: the column a frame built from row dicts would have."""
    return [None if v != v else v for v in values.tolist()]


def one_currency(reports: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Prices of one city, fuel and day are in one currency: that of most of its priced reports
    (on a tie, that of the first report). A price in another currency is not averaged with them
    (there is no exchange rate to convert it with): it becomes a reject, and the rest of that
    report (availability, queue) still counts. Reports from other files (a `source_file` column
    that is not empty) are judged with the others but give no reject here."""
    if reports.empty:
        return reports, []
    priced = reports[reports["pump"].notna() | reports["parallel"].notna()].sort_values("source_line", kind="stable")
    counts = priced.groupby(["city", "fuel", "day", "currency"], sort=False).size().rename("n").reset_index()
    counts["order"] = range(len(counts))  # first-seen order breaks ties
    main = counts.sort_values(["n", "order"], ascending=[False, True]).drop_duplicates(["city", "fuel", "day"])
    chosen = reports.merge(main[["city", "fuel", "day", "currency"]].rename(columns={"currency": "main"}),
                           on=["city", "fuel", "day"], how="left")
    chosen.index = reports.index
    other = chosen["main"].notna() & (chosen["currency"] != chosen["main"]) & \
        (chosen["pump"].notna() | chosen["parallel"].notna())
    own = other & (chosen["source_file"].fillna("") == "") if "source_file" in chosen else other
    rejects = [{"line": r.source_line, "field": "currency", "raw": r.raw,
                "reason": f"price in {r.currency} not averaged with the {r.main} prices of {r.city} {r.fuel} on {r.day} "
                          f"(no conversion; availability and queue from this report are kept)"}
               for r in chosen[own].itertuples(index=False)]
    kept = reports.copy()
    kept.loc[other, ["pump", "parallel"]] = float("nan")
    return kept, rejects


def aggregate(reports: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Generic long rows: one per (indicator, city, fuel, price type, day). Reports with a
    `source_file` (from other exports, when combining) count in the values; the provenance line
    is the first contributing report of this file."""
    keys = ["city", "fuel", "day"]
    if reports.empty:
        return pd.DataFrame()
    by_line = reports.sort_values("source_line", kind="stable")
    other_file = by_line["source_file"].fillna("") != "" if "source_file" in by_line else pd.Series(False, by_line.index)
    own_line = by_line["source_line"].where(~other_file)
    by_line = by_line.assign(own_line=own_line, other_file=other_file)
    groups = by_line.groupby(keys, sort=True)
    base = groups[["admin1", "admin2", "source", "currency"]].first()
    priced = by_line[by_line["pump"].notna() | by_line["parallel"].notna()].groupby(keys)["currency"].first()
    base["currency"] = priced.reindex(base.index).fillna(base["currency"])
    for name in ("latitude", "longitude"):  # as numbers: the median of an object column is Python per value
        base[name] = by_line[name].astype("float64").groupby([by_line[k] for k in keys], sort=True).median().map(_text)
    base["lines"] = _lines_per_group(groups.ngroup().to_numpy(), own_line.to_numpy(), len(base))
    base["others"] = groups["other_file"].sum()
    measures = [("fuel_availability", "", groups["has_fuel"].mean(), groups["own_line"].min())]
    for indicator, column, price_type in (("fuel_queue_time", "queue", ""), ("fuel_price", "pump", "pump"),
                                          ("fuel_price", "parallel", "parallel")):
        reported = by_line[by_line[column].notna()].groupby(keys, sort=True)
        measures.append((indicator, price_type, reported[column].median(), reported["own_line"].min()))
    # what every measure of a (city, fuel, day) shares, once per key (not once per measure)
    others = base["others"].astype(int)
    base["raw"] = [f"{len(lines)} station reports, lines {', '.join(map(str, lines[:20]))}"
                   + (", ..." if len(lines) > 20 else "") + (f" and {n} from other exports" if n else "")
                   for lines, n in zip(base["lines"], others)]
    base["source"] = base["source"].where(base["source"].fillna("") != "", f"{DEFAULT_SOURCE} ({path.name})")
    parts = []
    for indicator, price_type, values, first_lines in measures:
        if values.empty:
            continue
        info = base.reindex(values.index)
        unit = ({"fuel_availability": "share", "fuel_queue_time": "hours"}[indicator] if indicator != "fuel_price"
                else (info["currency"].astype(str) + "/L").to_numpy(dtype=object))
        first = first_lines.reindex(values.index).tolist()
        parts.append(pd.DataFrame({
            "indicator": indicator, "location": values.index.get_level_values("city"),
            "item": values.index.get_level_values("fuel"), "price_type": price_type,
            "date": values.index.get_level_values("day"), "value": values.astype(float).to_numpy(),
            "unit": unit, "currency": "" if isinstance(unit, str) else [u.split("/")[0] for u in unit],
            "admin1": info["admin1"].to_numpy(dtype=object), "admin2": info["admin2"].to_numpy(dtype=object),
            "latitude": info["latitude"].to_numpy(dtype=object), "longitude": info["longitude"].to_numpy(dtype=object),
            "source": info["source"].to_numpy(dtype=object),
            "metadata": [{"method": METHOD, "collector": "stations"} for _ in range(len(values))],
            "source_line": pd.Series([None if pd.isna(n) else int(n) for n in first], dtype=object),
            "raw": info["raw"].to_numpy(dtype=object),
        }))
    out = pd.concat(parts, ignore_index=True)
    # as a frame built from the rows would have it: line numbers as integers when none is missing
    return out.assign(source_line=pd.Series(out["source_line"].tolist()))


def _lines_per_group(groups: np.ndarray, lines: np.ndarray, count: int) -> list[list[int]]:
    """For each of `count` groups, its rows' line numbers (missing ones left out), in row order."""
    present = ~np.isnan(lines.astype("float64"))
    groups, lines = groups[present], lines[present].astype(np.int64)
    order = np.argsort(groups, kind="stable")
    bounds = np.cumsum(np.bincount(groups, minlength=count))[:-1]
    return [part.tolist() for part in np.split(lines[order], bounds)]


def _text(number: float) -> str:
    return "" if pd.isna(number) else f"{number:.6f}"
