"""A small real database for report tests: generic long CSV files collected and scored by the
real collector and detectors, with a hostile location name in every indicator family."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from indicators.collectors import get_collector
from indicators.detect import run_detection
from indicators.store import Store

HOSTILE = "<img src=x onerror=alert(1)>"
HEADER = "indicator,location,item,price_type,date,value,unit,source,latitude,longitude\n"
SOURCE = "report test fixture"


def _rows(indicator, location, item, price_type, dates, values, unit, lat="", lon=""):
    return [f'{indicator},"{location}",{item},{price_type},{d},{v:.3f},{unit},{SOURCE},{lat},{lon}\n'
            for d, v in zip(dates, values)]


def write_inputs(folder: Path) -> list[Path]:
    rng = np.random.default_rng(5)
    months = [f"{y}-{m:02d}" for y in range(2019, 2026) for m in range(1, 13)][:-1]  # to 2025-11
    days = [f"2025-{m:02d}-{d:02d}" for m in (8, 9, 10) for d in range(1, 31)]  # 90 days: warm-up, then scored
    seasonal = np.array([0, -2, -3, 0, 4, 8, 12, 14, 10, 0, -8, -6], dtype=float)
    grain = []
    for location, lat, lon in (("Segou", 13.43, -6.22), (HOSTILE, 12.64, -8.00)):
        values = [250 + seasonal[int(m[5:]) - 1] * 3 + rng.normal(0, 3) for m in months]
        values[-3:] = [v * 1.35 for v in values[-3:]]  # prices that do not fall at harvest
        grain += _rows("grain_price", location, "millet", "retail", months, values, "XOF/KG", lat, lon)
    fuel = []
    for location in ("Bamako", HOSTILE):
        availability = np.clip(0.9 + rng.normal(0, 0.02, len(days)), 0, 1)
        availability[-12:] = 0.2
        queue = 1 + rng.normal(0, 0.1, len(days)) + np.where(np.arange(len(days)) >= len(days) - 12, 10, 0)
        pump = np.full(len(days), 775.0)
        parallel = pump * (1.05 + np.where(np.arange(len(days)) >= len(days) - 12, 1.0, 0) + rng.normal(0, 0.01, len(days)))
        fuel += _rows("fuel_availability", location, "petrol", "", days, availability, "share")
        fuel += _rows("fuel_queue_time", location, "petrol", "", days, queue, "hours")
        fuel += _rows("fuel_price", location, "petrol", "pump", days, pump, "XOF/L")
        fuel += _rows("fuel_price", location, "petrol", "parallel", days, parallel, "XOF/L")
    fuel += _rows("fuel_queue_time", "Kayes", "petrol", "", days[:5], [2.0] * 5, "hours")  # too short to score
    power = []
    for location in ("Commune I", HOSTILE):
        hours = np.clip(4 + rng.normal(0, 0.3, len(days)) + np.where(np.arange(len(days)) >= len(days) - 10, 12, 0), 0, 24)
        power += _rows("power_outage", location, "", "", days, hours, "hours/day")
    other = _rows("exchange_rate", HOSTILE, "", "", months[-30:], 600 + rng.normal(0, 5, 30), "XOF/USD")
    files = []
    for name, rows in (("grain.csv", grain), ("fuel.csv", fuel), ("power.csv", power), ("other.csv", other)):
        path = folder / name
        path.write_text(HEADER + "".join(rows), encoding="utf-8")
        files.append(path)
    return files


def build_database(folder: Path) -> Path:
    """Collect the inputs into folder/track.db and run detection; returns the database path."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "track.db"
    with Store(db) as store:
        for path in write_inputs(folder):
            get_collector("csv").collect_file(store, path)
        run_detection(store)
    return db


def collect_and_derive(store: Store, folder: Path) -> None:
    """The inputs collected into `store` and their derived series derived (nothing detected)."""
    from indicators.jobs import derive_job

    for path in write_inputs(folder):
        get_collector("csv").collect_file(store, path)
    derive_job(store)
    assert store.conn.execute("SELECT COUNT(*) FROM lineage").fetchone()[0] > 0  # derived series too
