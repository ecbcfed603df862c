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
        table = read_matched(path, COLUMNS, REQUIRED)
        reports, rejects, skipped = _reports(table)
        frame = _aggregate(reports, path)
        return Parsed(rows=frame, rows_read=table.rows_read, rejects=table.rejects + rejects, skipped=skipped)


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
                  "admin1", "admin2", "latitude", "longitude", "source", "source_line"]


def _report(record: dict) -> dict:
    """One report as typed values; raises `RowError` naming the field at fault."""
    moment = parse_timestamp(record.get("submission_time"))
    day = parse_timestamp(record.get("date")) or moment
    if day is None:
        field = "date" if record.get("date") else "submission_time"
        raise RowError(field, f"unreadable time {record.get(field, '')!r} (expected ISO 8601 or DD/MM/YYYY)")
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
    return {
        "city": record["city"], "station": fold(record["station"]), "fuel": fuel, "has_fuel": has_fuel,
        "day": day.strftime("%Y-%m-%d"), "moment": moment if moment is not None else day, "queue": queue,
        "pump": parse_number(record, "pump_price"), "parallel": parse_number(record, "parallel_price"),
        "currency": (record.get("currency") or "XOF").upper(), "admin1": record.get("admin1", ""),
        "admin2": record.get("admin2", ""), "latitude": latitude, "longitude": longitude,
        "source": record.get("source", ""), "source_line": record["source_line"],
    }


def _aggregate(reports: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Generic long rows: one per (indicator, city, fuel, price type, day)."""
    keys = ["city", "fuel", "day"]
    if reports.empty:
        return pd.DataFrame()
    by_line = reports.sort_values("source_line", kind="stable")
    groups = by_line.groupby(keys, sort=True)
    base = groups[["admin1", "admin2", "source", "currency"]].first()
    base["latitude"] = groups["latitude"].median().map(_text)
    base["longitude"] = groups["longitude"].median().map(_text)
    base["lines"] = groups["source_line"].agg(list)
    measures = [("fuel_availability", "", groups["has_fuel"].mean(), groups["source_line"].min())]
    for indicator, column, price_type in (("fuel_queue_time", "queue", ""), ("fuel_price", "pump", "pump"),
                                          ("fuel_price", "parallel", "parallel")):
        reported = by_line[by_line[column].notna()].groupby(keys, sort=True)
        measures.append((indicator, price_type, reported[column].median(), reported["source_line"].min()))
    out = []
    for indicator, price_type, values, first_lines in measures:
        for key, value in values.items():
            info = base.loc[key]
            lines = info["lines"]
            unit = {"fuel_availability": "share", "fuel_queue_time": "hours"}.get(indicator, f"{info['currency']}/L")
            out.append({
                "indicator": indicator, "location": key[0], "item": key[1], "price_type": price_type, "date": key[2],
                "value": float(value), "unit": unit, "currency": unit.split("/")[0] if "/" in unit else "",
                "admin1": info["admin1"], "admin2": info["admin2"], "latitude": info["latitude"],
                "longitude": info["longitude"], "source": info["source"] or f"{DEFAULT_SOURCE} ({path.name})",
                "metadata": {"method": METHOD, "collector": "stations"}, "source_line": int(first_lines[key]),
                "raw": f"{len(lines)} station reports, lines {', '.join(map(str, lines[:20]))}"
                       + (", ..." if len(lines) > 20 else ""),
            })
    return pd.DataFrame(out)


def _text(number: float) -> str:
    return "" if pd.isna(number) else f"{number:.6f}"
