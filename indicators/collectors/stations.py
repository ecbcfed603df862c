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

import pandas as pd

from .base import Collector, Parsed
from .tables import RowError, fold, parse_number, parse_timestamp, read_matched, require_fields

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
    """Validated reports (one per station, fuel type and day: the latest), rejects, skipped."""
    good, rejects, skipped, seen = [], [], Counter(), set()
    for record in table.rows.to_dict("records"):
        uuid = record.get("uuid", "")
        if uuid and uuid in seen:
            skipped["repeated _uuid"] += 1
            continue
        try:
            good.append(_report(record))
        except RowError as error:
            rejects.append(error.reject(record))
            continue
        if uuid:
            seen.add(uuid)
    reports = pd.DataFrame(good, columns=REPORT_COLUMNS)
    reports = reports.sort_values(["moment", "source_line"], kind="stable")
    earlier = reports.duplicated(["city", "station", "fuel", "day"], keep="last")
    if earlier.any():
        skipped["earlier report by the same station that day"] = int(earlier.sum())
    return reports[~earlier], rejects, skipped


REPORT_COLUMNS = ["city", "station", "fuel", "has_fuel", "day", "moment", "queue", "pump", "parallel", "currency",
                  "admin1", "admin2", "latitude", "longitude", "source", "source_line", "raw"]


def _report(record: dict) -> dict:
    """One report as typed values; raises `RowError` naming the field at fault."""
    moment = parse_timestamp(record.get("submission_time"))
    # a date that is written but unreadable (2025-02-30, 10/20/2025) is a reject, not the submission day
    day = parse_timestamp(record.get("date")) if str(record.get("date") or "").strip() else moment
    if day is None:
        field = "date" if str(record.get("date") or "").strip() else "submission_time"
        raise RowError(field, f"unreadable date {record.get(field, '')!r} (expected ISO 8601 or DD/MM/YYYY)")
    require_fields(record, ("city", "station"))
    fuel = FUEL_TYPES.get(fold(record["fuel_type"]))
    if fuel is None:
        raise RowError("fuel_type", f"unknown fuel type {record['fuel_type']!r} (expected one of "
                                    f"{', '.join(sorted(FUEL_TYPES))})")
    has_fuel = STATUSES.get(fold(record["status"]))
    if has_fuel is None:
        raise RowError("status", f"unknown status {record['status']!r} (expected one of {', '.join(sorted(STATUSES))})")
    queue = parse_number(record, "queue_hours")
    if queue is None and (minutes := parse_number(record, "queue_minutes")) is not None:
        queue = minutes / 60
    latitude, longitude = parse_number(record, "latitude", None), parse_number(record, "longitude", None)
    for name, number, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if number is not None and abs(number) > limit:
            raise RowError(name, f"{name} {record[name]!r} is not between -{limit} and {limit}")
    return {
        "city": record["city"], "station": fold(record["station"]), "fuel": fuel, "has_fuel": has_fuel,
        "day": day.strftime("%Y-%m-%d"), "moment": moment if moment is not None else day, "queue": queue,
        "pump": parse_number(record, "pump_price"), "parallel": parse_number(record, "parallel_price"),
        "currency": (record.get("currency") or "XOF").upper(), "admin1": record.get("admin1", ""),
        "admin2": record.get("admin2", ""), "latitude": latitude, "longitude": longitude,
        "source": record.get("source", ""), "source_line": record["source_line"], "raw": record["raw"],
    }


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
    base["latitude"] = groups["latitude"].median().map(_text)
    base["longitude"] = groups["longitude"].median().map(_text)
    base["lines"] = groups["own_line"].agg(lambda lines: [int(n) for n in lines.dropna()])
    base["others"] = groups["other_file"].sum()
    measures = [("fuel_availability", "", groups["has_fuel"].mean(), groups["own_line"].min())]
    for indicator, column, price_type in (("fuel_queue_time", "queue", ""), ("fuel_price", "pump", "pump"),
                                          ("fuel_price", "parallel", "parallel")):
        reported = by_line[by_line[column].notna()].groupby(keys, sort=True)
        measures.append((indicator, price_type, reported[column].median(), reported["own_line"].min()))
    out = []
    for indicator, price_type, values, first_lines in measures:
        for key, value in values.items():
            info = base.loc[key]
            lines = info["lines"]
            unit = {"fuel_availability": "share", "fuel_queue_time": "hours"}.get(indicator, f"{info['currency']}/L")
            others = f" and {int(info['others'])} from other exports" if info["others"] else ""
            out.append({
                "indicator": indicator, "location": key[0], "item": key[1], "price_type": price_type, "date": key[2],
                "value": float(value), "unit": unit, "currency": unit.split("/")[0] if "/" in unit else "",
                "admin1": info["admin1"], "admin2": info["admin2"], "latitude": info["latitude"],
                "longitude": info["longitude"], "source": info["source"] or f"{DEFAULT_SOURCE} ({path.name})",
                "metadata": {"method": METHOD, "collector": "stations"},
                "source_line": None if pd.isna(first_lines[key]) else int(first_lines[key]),
                "raw": f"{len(lines)} station reports, lines {', '.join(map(str, lines[:20]))}"
                       + (", ..." if len(lines) > 20 else "") + others,
            })
    return pd.DataFrame(out)


def _text(number: float) -> str:
    return "" if pd.isna(number) else f"{number:.6f}"
