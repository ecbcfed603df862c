"""Generate the bundled demo data: a SIMULATED Mali late-2025 fuel blockade.

THE OUTPUT OF THIS SCRIPT IS SIMULATED, NOT OBSERVED DATA. It exists so the tracker can run end
to end on a fresh machine (collect -> detect -> report) and so tests have a realistic, known
scenario. No value written here was measured by anyone; do not quote it as a fact about Mali.

Scenario
--------
In early September 2025 the armed group JNIM announced a blockade of fuel imports to Mali and
began attacking fuel convoys on the corridors from Senegal (north-west) and Cote d'Ivoire
(south-east) to Bamako. Fuel stations ran dry, people queued for days, the grid lost its
fuel-fired plants and generators stopped, and the usual fall of grain prices after the harvest
did not come. The simulation reproduces those patterns in four families of indicators.

What follows public reporting (shape and timing only; the numbers are invented):

* Crop calendar (FEWS NET, Mali): lean season June-September with grain prices peaking around
  August-September; millet, sorghum and maize harvested October-December, so prices usually
  fall from October (here ~10-15% from September to November/December); rice harvested
  November-January with a smaller seasonal swing. Sikasso is a surplus zone (cheaper); Kayes and
  Mopti are deficit or remote markets (dearer).
* 2022: ECOWAS sanctions on Mali (January-July 2022) and the regional price rise: grain prices
  +15-25% during 2022, fading through 2023 to a small lasting premium.
* Blockade timeline and convoy attacks (Bellingcat, "Mali under siege: tracking the fuel
  blockade crippling Bamako", 2025-12-03; see /work/shared/data/...bellingcat.csv in the
  project notes): blockade announced early September 2025 (the simulation starts it on
  2025-09-03); attacks on 2025-09-14 (Kayes region) and 2025-09-19 (NW of Bamako) on the
  Senegal corridor, 2025-10-17 and 2025-10-21 (Sikasso region) on the Cote d'Ivoire corridor,
  2025-10-28 (NW of Bamako) and 2025-11-06 (between Zegoua and Sikasso). Escorted convoys
  brought brief, partial relief in early-mid November before supply tightened again.
* Power: Mali already had heavy load shedding in 2024 (here 6-10 h/day in mid-2024, easing to
  ~3-6 h/day in early-mid 2025); from mid-September 2025 outages climb to 12-20 h/day.

Assumptions (invented, chosen to look plausible):

* Grain: 2016 annual-average retail levels of ~265 XOF/kg millet, ~245 sorghum, ~200 maize,
  ~380 rice; 2.5-3.2 %/yr trend inflation; market level and seasonal-amplitude factors per
  market; multiplicative AR(1) noise (a national component per item plus a market component,
  ~3% in total). A handful of months are missing (rows absent), never in 2025. In October and
  November 2025 the harvest dip fails: prices stay at, or rise 2-6% above, September 2025
  (fuel-driven transport costs), most in Bamako and Sikasso.
* Fuel availability: share of surveyed stations with fuel, normally 0.88-0.98 with a weekly
  pattern (lowest on Mondays after the weekend). Under the blockade a city "supply factor"
  (piecewise linear between dated anchor points around the attack dates) multiplies it: ~0.5-0.6
  by late September, ~0.15-0.3 by late October, ~0.35-0.45 during the November relief, then
  falling again. Kati tracks Bamako; Segou is milder; Sikasso is milder at first (southern
  corridor still open) and hit hardest after the 17 and 21 October attacks. Diesel is slightly
  scarcer than petrol.
* Queue time: typical hours in line, normally 0.1-0.6 h (longest on Mondays); under the blockade
  it grows as a power of the shortage, reaching 12-72 h in Bamako and Kati in late October,
  somewhat less elsewhere.
* Fuel prices: the official pump price is regulated and held constant (775 XOF/L petrol,
  725 XOF/L diesel, invented round figures). The parallel-market price sits 0-5% above the pump
  price in normal times and climbs with the (one-week smoothed) shortage to 1,500-3,000 XOF/L at
  the blockade peak; parallel prices are rounded to 5 XOF.
* Power: daily hours without grid power for four Bamako communes and Kati, around a common
  trend with area factors (Commune III, the administrative centre, least affected; Kati most),
  lower on weekends, AR(1) noise on the logit of the share of the day without power.

Output formats
--------------
The simulated truth above is written the way the data would reach an analyst, so the demo runs
through the format collectors (`track.py collect wfp|stations|outages`):

* ``wfp_food_prices_mli.csv``: the monthly grain prices as a WFP HDX country file (header, HXL
  hashtag row, dates on the 15th, ``priceflag``), plus a ``source`` column saying SIMULATED.
  Like real files: Kayes maize quoted per ``100 KG`` until 2018, a few exact duplicate rows,
  and WFP-style ``forecast`` rows for the three months after the last price.
* ``fuel_station_survey.csv``: a KoboToolbox-style export of a daily fuel-station survey from
  2024-07-01, one row per station report and fuel type, with Kobo group prefixes
  (``station_info/city``), French and English choice labels mixed by enumerator, a few earlier
  reports superseded the same day and a few repeated ``_uuid`` values. 36 stations in four
  cities; the collector's daily aggregates (share with fuel, median queue, median prices)
  follow the city paths above with a real survey's sampling noise.
* ``power_outage_log.csv``: one row per outage event (area, feeder, start, end or
  ``duration_hours``, cause). Each day's hours are cut into load-shedding blocks in a 01:00 to
  01:00 window, so some events cross midnight; some events overlap (a second feeder logging
  part of the same outage) and a few are logged twice. The collector's daily hours follow the
  power path above.

Determinism
-----------
Every series draws from its own numpy ``default_rng`` seeded with ``[2025, crc32(key)]``,
so adding or removing a series does not change the others. Values are rounded (prices to 0
decimals, parallel prices to 5 XOF, queues to 5 minutes, outage times to 5 minutes), columns
are in a fixed order, rows are in each format's natural order (date and market for WFP,
submission time for the survey, start time for the outage log), ``_uuid`` values come from the
seeded generator, and lines end in ``\\n``. Running the script twice gives byte-identical files
(with the same numpy version: numpy does not promise the same random streams across major
versions); ``tests/test_demo_data.py`` regenerates and compares.

Usage::

    python datasets/generate_demo.py               # writes the three files into datasets/demo/
    python datasets/generate_demo.py --out /tmp/x  # somewhere else (tests compare the two)

Licence: MIT, like the rest of the project (the generator and its output). The Bellingcat and
FEWS NET facts are cited, not copied.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import uuid
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

SEED = 2025
SOURCE = "SIMULATED demo data (datasets/generate_demo.py, seed 2025)"
# On every row of every demo file (short, since it is repeated; datasets/README.md says more).
ROW_SOURCE = "SIMULATED demo"
DEFAULT_OUT = Path(__file__).resolve().parent / "demo"

# name -> (admin1 region, latitude, longitude); approximate town / area centres, from places.csv
# (the report's map places series without coordinates from the same file).
PLACES = Path(__file__).resolve().parent / "places.csv"
with PLACES.open(encoding="utf-8", newline="") as _places:
    LOCATIONS: dict[str, tuple[str, float, float]] = {
        row["location"]: (row["admin1"], float(row["latitude"]), float(row["longitude"]))
        for row in csv.DictReader(_places)}

# The blockade as the simulation sees it (see module docstring for the sources).
BLOCKADE_START = "2025-09-03"
CONVOY_ATTACKS = ["2025-09-14", "2025-09-19", "2025-10-17", "2025-10-21", "2025-10-28", "2025-11-06"]

DAILY_START = dt.date(2024, 7, 1)
DAILY_END = dt.date(2025, 11, 20)
MONTHLY_START = (2016, 1)
MONTHLY_END = (2025, 11)


# --------------------------------------------------------------------------------------------
# helpers


def _rng(*key: str) -> np.random.Generator:
    """A generator of its own for one series: seed 2025 plus a stable hash of the key."""
    return np.random.default_rng([SEED, zlib.crc32("/".join(key).encode("utf-8"))])


def _ar1(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    """AR(1) path x_t = phi * x_{t-1} + e_t, e ~ N(0, sigma), started from its stationary law."""
    e = rng.standard_normal(n) * sigma
    x = np.empty(n)
    x[0] = e[0] / np.sqrt(1.0 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def _daily_dates() -> list[dt.date]:
    n = (DAILY_END - DAILY_START).days + 1
    return [DAILY_START + dt.timedelta(days=i) for i in range(n)]


def _months() -> list[tuple[int, int]]:
    out = []
    y, m = MONTHLY_START
    while (y, m) <= MONTHLY_END:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _piecewise(dates: Sequence[dt.date], anchors: Sequence[tuple[str, float]]) -> np.ndarray:
    """Linear interpolation between dated anchor values, flat before the first / after the last."""
    x = np.array([d.toordinal() for d in dates], dtype=float)
    xp = np.array([dt.date.fromisoformat(d).toordinal() for d, _ in anchors], dtype=float)
    fp = np.array([v for _, v in anchors], dtype=float)
    return np.interp(x, xp, fp)


def _fmt(value: float, decimals: int) -> str:
    s = f"{value:.{decimals}f}"
    if s.startswith("-") and float(s) == 0.0:  # never write "-0.00"
        s = s[1:]
    return s


def _row(indicator: str, location: str, item: str, price_type: str, date: str, value: str,
         unit: str, currency: str) -> list[str]:
    admin1, lat, lon = LOCATIONS[location]
    return [indicator, location, item, price_type, date, value, unit, currency, SOURCE,
            admin1, f"{lat:.4f}", f"{lon:.4f}"]


# --------------------------------------------------------------------------------------------
# 1. grain prices (monthly)

GRAIN_MARKETS = ["Bamako", "Kayes", "Segou", "Sikasso", "Mopti"]

# Seasonal index by calendar month before normalisation (mean 1). Coarse grains: lean-season
# peak in August-September, harvest October-December: September -> November about -13%.
COARSE_SEASON = [0.95, 0.95, 0.97, 0.99, 1.01, 1.04, 1.07, 1.09, 1.09, 1.02, 0.95, 0.93]
# Rice: harvest November-January, weaker swing (September -> December about -6%).
RICE_SEASON = [0.98, 0.98, 0.99, 1.00, 1.01, 1.02, 1.03, 1.035, 1.035, 1.03, 1.00, 0.975]

GRAIN_ITEMS = {
    # 2016 annual-average level (XOF/kg), trend growth per year, season, 2022 shock peak
    "millet": dict(level=265.0, growth=0.030, season=COARSE_SEASON, shock=0.22),
    "sorghum": dict(level=245.0, growth=0.030, season=COARSE_SEASON, shock=0.21),
    "maize": dict(level=200.0, growth=0.032, season=COARSE_SEASON, shock=0.20),
    "rice": dict(level=380.0, growth=0.025, season=RICE_SEASON, shock=0.16),
}

GRAIN_MARKET_FACTORS = {
    # level factor for coarse grains, for rice, seasonal amplitude, 2025 Oct / Nov rise over Sep
    "Bamako": dict(coarse=1.04, rice=1.00, amp=0.95, oct=0.030, nov=0.055),
    "Kayes": dict(coarse=1.10, rice=1.08, amp=1.10, oct=0.010, nov=0.025),
    "Segou": dict(coarse=0.97, rice=0.95, amp=1.00, oct=0.012, nov=0.030),
    "Sikasso": dict(coarse=0.90, rice=1.02, amp=0.90, oct=0.030, nov=0.050),
    "Mopti": dict(coarse=1.08, rice=0.98, amp=1.15, oct=0.005, nov=0.022),
}


def _shock_2022(months: list[tuple[int, int]], peak: float) -> np.ndarray:
    """ECOWAS sanctions / regional rise: ramps up over H1 2022, fades in 2023 to peak/5."""
    out = np.ones(len(months))
    for i, (y, m) in enumerate(months):
        if y == 2022:
            out[i] = 1.0 + peak * min(1.0, m / 6.0)
        elif y == 2023:
            out[i] = 1.0 + peak * (1.0 - 0.8 * m / 12.0)
        elif y > 2023:
            out[i] = 1.0 + peak * 0.2
    return out


def _grain_gaps(months: list[tuple[int, int]]) -> set[tuple[str, str, int]]:
    """A dozen missing (market, item, month index) gaps, 2016-02..2024-06, some two months long."""
    rng = _rng("grain", "gaps")
    series = [(mk, it) for mk in GRAIN_MARKETS for it in GRAIN_ITEMS]
    last_allowed = months.index((2024, 6))
    gaps: set[tuple[str, str, int]] = set()
    for _ in range(12):
        mk, it = series[int(rng.random() * len(series))]
        start = 1 + int(rng.random() * (last_allowed - 1))
        length = 2 if rng.random() < 0.25 else 1
        for k in range(length):
            gaps.add((mk, it, start + k))
    return gaps


def grain_rows() -> list[list[str]]:
    months = _months()
    n = len(months)
    years = np.array([(y - 2016) + (m - 1) / 12.0 for y, m in months])
    i_sep25 = months.index((2025, 9))
    gaps = _grain_gaps(months)
    rows = []
    for item, spec in GRAIN_ITEMS.items():
        season = np.array(spec["season"]) / np.mean(spec["season"])
        national = _ar1(_rng("grain", "national", item), n, phi=0.7, sigma=0.015)
        shock = _shock_2022(months, spec["shock"])
        for market in GRAIN_MARKETS:
            f = GRAIN_MARKET_FACTORS[market]
            rng = _rng("grain", market, item)
            level = spec["level"] * (f["rice"] if item == "rice" else f["coarse"])
            seas = np.array([1.0 + f["amp"] * (season[m - 1] - 1.0) for _, m in months])
            local = _ar1(rng, n, phi=0.5, sigma=0.02)
            price = level * np.exp(spec["growth"] * years) * seas * shock * np.exp(national + local)
            # 2025: the harvest dip fails. October and November are tied to September 2025.
            jitter = rng.standard_normal(2) * 0.004
            price[i_sep25 + 1] = price[i_sep25] * (1.0 + max(0.0, f["oct"] + jitter[0]))
            price[i_sep25 + 2] = price[i_sep25] * (1.0 + min(0.058, max(0.022, f["nov"] + jitter[1])))
            for i, (y, m) in enumerate(months):
                if (market, item, i) in gaps:
                    continue
                rows.append(_row("grain_price", market, item, "retail", f"{y:04d}-{m:02d}",
                                 _fmt(price[i], 0), "XOF/KG", "XOF"))
    return rows


# --------------------------------------------------------------------------------------------
# 2. fuel (daily): availability, queue time, pump and parallel prices

FUEL_CITIES = ["Bamako", "Kati", "Segou", "Sikasso"]
FUEL_ITEMS = ["petrol", "diesel"]

# Supply factor (share of normal availability) around the attack dates. Flat at 1 before.
BAMAKO_SUPPLY = [
    ("2025-09-02", 1.00),
    ("2025-09-13", 0.88),  # blockade announced, stocks running down
    ("2025-09-16", 0.80),  # 14 Sep ambush on the Senegal corridor (Kayes region)
    ("2025-09-21", 0.71),  # 19 Sep ambush < 70 km NW of Bamako
    ("2025-09-28", 0.61),
    ("2025-10-08", 0.55),
    ("2025-10-16", 0.50),
    ("2025-10-20", 0.40),  # 17 Oct ambush on the Cote d'Ivoire corridor
    ("2025-10-25", 0.27),  # 21 Oct ambush near Sikasso
    ("2025-10-31", 0.21),  # 28 Oct second ambush NW of Bamako
    ("2025-11-05", 0.20),
    ("2025-11-08", 0.36),  # escorted convoys arrive
    ("2025-11-12", 0.46),
    ("2025-11-15", 0.40),
    ("2025-11-20", 0.28),  # supply tightens again
]
SIKASSO_SUPPLY = [
    ("2025-09-02", 1.00),
    ("2025-09-20", 0.86),
    ("2025-09-30", 0.67),
    ("2025-10-16", 0.60),
    ("2025-10-19", 0.42),  # 17 Oct: 50 tankers burnt between Kolondieba and Kidiana
    ("2025-10-23", 0.24),  # 21 Oct: > 40 tankers destroyed near Sikasso
    ("2025-10-30", 0.15),
    ("2025-11-05", 0.14),
    ("2025-11-08", 0.12),  # 6 Nov ambush between Zegoua and Sikasso
    ("2025-11-13", 0.30),
    ("2025-11-16", 0.26),
    ("2025-11-20", 0.16),
]
# city: (base availability petrol, queue scale, how much of Bamako's loss applies)
FUEL_CITY = {
    "Bamako": dict(base=0.940, queue=1.00),
    "Kati": dict(base=0.925, queue=1.05),
    "Segou": dict(base=0.935, queue=0.60),
    "Sikasso": dict(base=0.950, queue=0.70),
}
WEEKLY_AVAIL = [-0.035, -0.010, 0.005, 0.010, 0.010, 0.000, -0.015]  # Mon..Sun
WEEKLY_QUEUE = [0.20, 0.05, 0.00, 0.00, 0.05, 0.10, -0.05]  # hours added to 0.25, Mon..Sun
PUMP_PRICE = {"petrol": 775.0, "diesel": 725.0}


def _supply(city: str, item: str, dates: list[dt.date]) -> np.ndarray:
    bamako = _piecewise(dates, BAMAKO_SUPPLY)
    if city == "Sikasso":
        f = _piecewise(dates, SIKASSO_SUPPLY)
    elif city == "Segou":
        f = 1.0 - 0.85 * (1.0 - bamako)
    else:  # Bamako, and Kati which tracks it
        f = bamako
    return f ** 1.1 if item == "diesel" else f


def fuel_paths() -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """The city-level truth the station survey samples: for each (city, item), daily arrays
    `avail` (share of stations with fuel), `queue` (hours), `pump` and `parallel` (XOF/L)."""
    dates = _daily_dates()
    n = len(dates)
    dow = np.array([d.weekday() for d in dates])
    # a Bamako-area shock shared by Bamako and Kati, so Kati tracks Bamako
    area = _ar1(_rng("fuel", "bamako-area"), n, phi=0.5, sigma=0.008)
    paths = {}
    for city in FUEL_CITIES:
        c = FUEL_CITY[city]
        for item in FUEL_ITEMS:
            rng = _rng("fuel", city, item)
            f = _supply(city, item, dates)
            loss = 1.0 - f
            base = c["base"] - (0.010 if item == "diesel" else 0.0)
            own = _ar1(rng, n, phi=0.5, sigma=0.010)
            noise = 0.7 * area + 0.5 * own if city in ("Bamako", "Kati") else own
            normal = base + np.array(WEEKLY_AVAIL)[dow] + noise
            crisis_noise = _ar1(rng, n, phi=0.6, sigma=0.035) * loss
            avail = np.clip(normal * f + crisis_noise, 0.0, 1.0)

            # queue: normal part 0.1-0.6 h; blockade part a power of the shortage
            shortage = np.clip(loss - crisis_noise / base, 0.0, 1.0)
            q_normal = np.clip((0.25 + np.array(WEEKLY_QUEUE)[dow])
                               * np.exp(rng.standard_normal(n) * 0.2), 0.1, 0.6)
            q_crisis = 64.0 * c["queue"] * shortage ** 1.9 * np.exp(_ar1(rng, n, 0.5, 0.12))
            queue = np.maximum(q_normal + q_crisis, 0.0)

            # prices: pump constant; parallel = pump * (1 + premium + f(7-day mean shortage))
            pump = PUMP_PRICE[item]
            smooth = np.convolve(np.concatenate([np.zeros(6), shortage]), np.ones(7) / 7.0,
                                 mode="valid")
            premium = np.clip(0.025 + _ar1(rng, n, phi=0.9, sigma=0.004), 0.0, 0.05)
            surge = 3.2 * smooth ** 1.5 * np.exp(_ar1(rng, n, phi=0.7, sigma=0.04))
            parallel = np.minimum(pump * (1.0 + premium + surge), 3000.0)
            paths[(city, item)] = dict(avail=avail, queue=queue, pump=np.full(n, pump), parallel=parallel)
    return paths


# The survey: stations per city (invented names of real neighbourhoods), each visited on most
# days by an enumerator whose form runs in French or English, so labels are mixed as in a real
# Kobo export where form languages differ between enumerators.
SURVEY_START = dt.date(2024, 7, 1)
VISIT_PROBABILITY = 0.9  # share of stations an enumerator reaches on a given day
STATIONS = {
    "Bamako": ["Total Hamdallaye", "Shell ACI 2000", "Oryx Badalabougou", "Star Sebenikoro",
               "Total Kalaban Coura", "Shell Magnambougou", "Oryx Banankabougou", "Star Lafiabougou",
               "Total Niarela", "Shell Sogoniko", "Oryx Djicoroni", "Star Missira"],
    "Kati": ["Total Kati Centre", "Shell Kati Gare", "Oryx Kati Malibougou", "Star Kati Farada",
             "Total Kati Sananfara", "Shell Kati Noumorila", "Oryx Kati Coco", "Star Kati Kognoumani"],
    "Segou": ["Total Segou Nord", "Shell Segou Gare", "Oryx Pelengana", "Star Segou Dar Salam",
              "Total Bougoufie", "Shell Segou Medine", "Oryx Segou Hamdallaye", "Star Sebougou"],
    "Sikasso": ["Total Sikasso Centre", "Shell Wayerma", "Oryx Medine", "Star Lafiabougou Sikasso",
                "Total Hamdallaye Sikasso", "Shell Sanoubougou", "Oryx Bougoula", "Star Mancourani"],
}
SURVEY_LABELS = {
    "fr": {"petrol": "Essence", "diesel": "Gasoil", "available": "Disponible", "limited": "Limité",
           "out": "Rupture"},
    "en": {"petrol": "petrol", "diesel": "diesel", "available": "available", "limited": "limited",
           "out": "out"},
}
SURVEY_COLUMNS = ["today", "station_info/region", "station_info/city", "station_info/station", "fuel/fuel_type",
                  "fuel/status", "fuel/queue_minutes", "fuel/pump_price", "fuel/parallel_price", "meta/source",
                  "_id", "_uuid", "_submission_time", "_index"]


def _uuid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def station_reports() -> list[list[str]]:
    """One row per station report (one per fuel type per visit), in submission order.

    Each day a station is visited with probability VISIT_PROBABILITY; each station visited has fuel with the
    probability given by the city share that day, so the daily share of the survey follows the city
    path with the sampling noise of a real survey; stations with fuel are `limited` rather than `available` more
    often as the share falls. Queues are the city queue times a station factor; parallel prices
    the city price times a station factor, rounded to 5 XOF. A few visits are reported twice the
    same day (an earlier report superseded by a later one) and a few submissions are exported
    twice with the same _uuid, as Kobo does after a resubmission."""
    dates = _daily_dates()
    first = dates.index(SURVEY_START)
    paths = fuel_paths()
    reports = []  # (submission time, fields without _id/_index)
    for city, stations in STATIONS.items():
        rng = _rng("survey", city)
        language = {s: ("fr" if rng.random() < 0.65 else "en") for s in stations}
        for i in range(first, len(dates)):
            day = dates[i]
            visited = [s for s in stations if rng.random() < VISIT_PROBABILITY] or stations[:1]
            for item in FUEL_ITEMS:
                path = {k: v[i] for k, v in paths[(city, item)].items()}
                for station in visited:
                    labels = SURVEY_LABELS[language[station]]
                    has_fuel = bool(rng.random() < path["avail"])
                    status = ("limited" if rng.random() < min(0.9, 1.6 * (1.0 - path["avail"])) else "available") \
                        if has_fuel else "out"
                    queue = path["queue"] * np.exp(rng.standard_normal() * 0.25)
                    parallel = path["parallel"] * np.exp(rng.standard_normal() * 0.04)
                    minute = 7 * 60 + int(rng.random() * 300)
                    stamp = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute, seconds=int(rng.random() * 60))
                    fields = [day.isoformat(), LOCATIONS[city][0], city, station, labels[item], labels[status],
                              str(int(5 * round(queue * 60 / 5))) if rng.random() < 0.92 else "",
                              _fmt(path["pump"], 0) if has_fuel else "",
                              _fmt(5.0 * round(parallel / 5.0), 0) if rng.random() < 0.85 else "",
                              ROW_SOURCE, _uuid(rng)]
                    if rng.random() < 0.03:  # an earlier report the same day, superseded later
                        early = stamp - dt.timedelta(hours=2)
                        stale = SURVEY_LABELS[language[station]]["available" if has_fuel else "limited"]
                        reports.append((early, fields[:5] + [stale] + fields[6:10] + [_uuid(rng)]))
                    reports.append((stamp, fields))
                    if rng.random() < 0.002:  # exported twice after a resubmission: same _uuid
                        reports.append((stamp, list(fields)))
    reports.sort(key=lambda r: (r[0], r[1][2], r[1][3], r[1][4], r[1][10]))
    return [fields[:10] + [str(41_000_000 + index), fields[10], stamp.isoformat(timespec="seconds"), str(index)]
            for index, (stamp, fields) in enumerate(reports, start=1)]


# --------------------------------------------------------------------------------------------
# 3. power outages (daily hours without grid power)

POWER_AREAS = {
    # area: factor on the common trend (Commune III, the administrative centre, is spared most)
    "Bamako Commune I": 0.97,
    "Bamako Commune III": 0.85,
    "Bamako Commune IV": 1.00,
    "Bamako Commune VI": 1.08,
    "Kati": 1.12,
}
POWER_TREND = [
    ("2024-07-01", 8.5),   # heavy load shedding through 2024
    ("2024-08-15", 9.0),
    ("2024-10-01", 8.0),
    ("2024-11-15", 6.5),   # cool season, lower demand
    ("2025-01-01", 5.5),
    ("2025-02-15", 4.2),
    ("2025-04-15", 5.0),   # hot-season demand peak
    ("2025-05-31", 5.2),
    ("2025-07-01", 4.0),
    ("2025-09-10", 4.0),
    ("2025-09-20", 6.0),   # blockade: fuel-fired plants and generators start to stop
    ("2025-10-01", 8.5),
    ("2025-10-15", 12.0),
    ("2025-10-25", 15.5),
    ("2025-11-05", 17.0),
    ("2025-11-12", 14.0),  # escorted convoys: brief relief
    ("2025-11-20", 16.5),
]
WEEKLY_POWER = [1.03, 1.03, 1.03, 1.03, 1.03, 0.96, 0.88]  # Mon..Sun


def power_hours() -> dict[str, np.ndarray]:
    """The truth the outage log is drawn from: target hours without power per area and day."""
    dates = _daily_dates()
    n = len(dates)
    dow = np.array([d.weekday() for d in dates])
    trend = _piecewise(dates, POWER_TREND) * np.array(WEEKLY_POWER)[dow]
    grid = _ar1(_rng("power", "grid"), n, phi=0.8, sigma=0.05)  # grid-wide shocks
    out = {}
    for area, factor in POWER_AREAS.items():
        local = _ar1(_rng("power", area), n, phi=0.6, sigma=0.07)
        # noise on the logit of the share of the day without power: roughly multiplicative
        # (~10%) at low levels, shrinking near 24 h so the peak stays around 12-20 h/day
        share = trend * factor / 24.0
        logit = np.log(share / (1.0 - share)) + grid + local
        out[area] = np.clip(24.0 / (1.0 + np.exp(-logit)), 0.0, 24.0)
    return out


FEEDERS = {  # two or three feeders (departs) per area, invented codes
    "Bamako Commune I": ["F11 Boulkassoumbougou", "F13 Djelibougou"],
    "Bamako Commune III": ["F31 Centre commercial", "F32 Bamako-Coura"],
    "Bamako Commune IV": ["F41 Lafiabougou", "F42 Djicoroni", "F43 Sebenikoro"],
    "Bamako Commune VI": ["F61 Sogoniko", "F62 Magnambougou", "F63 Niamakoro"],
    "Kati": ["F71 Kati Ville", "F72 Kati Camp"],
}
OUTAGE_COLUMNS = ["area", "feeder", "start", "end", "duration_hours", "cause", "source"]


def outage_events() -> list[list[str]]:
    """One row per outage event, sorted by start.

    Each day's target hours are cut into one to four load-shedding blocks placed, with gaps,
    in a 24-hour window that runs from 01:00 to 01:00 the next day, so some blocks cross
    midnight; times are on a 5-minute grid. A tenth of the blocks are also logged by a second
    feeder over part of the same time (overlapping events that must count once), a few rows are
    logged twice, and a third give `duration_hours` instead of an end time. Causes follow the
    period: load shedding, then fuel shortage at the plants from the blockade on."""
    dates = _daily_dates()
    hours = power_hours()
    blockade = dt.date.fromisoformat(BLOCKADE_START)
    rows = []
    for area, target in hours.items():
        rng = _rng("outages", area)
        feeders = FEEDERS[area]
        for i, day in enumerate(dates):
            total = round(target[i] * 12) * 5  # minutes, on the 5-minute grid
            if total <= 0:
                continue
            blocks = 1 + int(total > 240) + int(total > 600) + int(total > 900)
            lengths = _split_minutes(rng, total, blocks)
            gaps = _split_minutes(rng, 24 * 60 - total, blocks + 1)
            moment = dt.datetime.combine(day, dt.time(1, 0)) + dt.timedelta(minutes=gaps[0])
            cause = "fuel shortage" if day >= blockade and rng.random() < 0.7 else \
                ("fault" if rng.random() < 0.15 else "load shedding")
            for length, gap in zip(lengths, gaps[1:]):
                start, end = moment, moment + dt.timedelta(minutes=length)
                feeder = feeders[int(rng.random() * len(feeders))]
                as_duration = rng.random() < 0.33
                row = [area, feeder, start.strftime("%Y-%m-%d %H:%M"),
                       "" if as_duration else end.strftime("%Y-%m-%d %H:%M"),
                       _fmt(length / 60, 2).rstrip("0").rstrip(".") if as_duration else "", cause, ROW_SOURCE]
                rows.append(row)
                if rng.random() < 0.004:
                    rows.append(list(row))  # logged twice
                if length >= 60 and rng.random() < 0.10:  # a second feeder, inside the same block
                    inner = 5 * int(rng.random() * (length // 10))
                    other = feeders[(feeders.index(feeder) + 1) % len(feeders)]
                    o_start = start + dt.timedelta(minutes=inner)
                    o_end = o_start + dt.timedelta(minutes=5 * max(1, int((length - inner) / 5 * rng.random())))
                    rows.append([area, other, o_start.strftime("%Y-%m-%d %H:%M"), o_end.strftime("%Y-%m-%d %H:%M"),
                                 "", cause, ROW_SOURCE])
                moment = end + dt.timedelta(minutes=gap)
    rows.sort(key=lambda r: (r[2], r[0], r[1], r[3]))
    return rows


def _split_minutes(rng: np.random.Generator, total: int, parts: int) -> list[int]:
    """`total` minutes (a multiple of 5) cut into `parts` random multiples of 5 summing to it."""
    steps = total // 5
    cuts = sorted(int(c) for c in rng.integers(0, steps + 1, size=parts - 1))
    edges = [0] + cuts + [steps]
    return [5 * (b - a) for a, b in zip(edges, edges[1:])]


# --------------------------------------------------------------------------------------------
# 4. the grain prices in WFP's HDX country-file format

WFP_COLUMNS = ["date", "admin1", "admin2", "market", "market_id", "latitude", "longitude", "category",
               "commodity", "commodity_id", "unit", "priceflag", "pricetype", "currency", "price", "usdprice",
               "source"]
WFP_HXL = ["#date", "#adm1+name", "#adm2+name", "#loc+market+name", "#loc+market+code", "#geo+lat", "#geo+lon",
           "#item+type", "#item+name", "#item+code", "#item+unit", "#item+price+flag", "#item+price+type",
           "#currency+code", "#value", "#value+usd", "#meta+source"]
WFP_MARKETS = {  # market: (admin2 cercle, invented market id)
    "Bamako": ("Bamako", "9001"), "Kayes": ("Kayes", "9002"), "Segou": ("Segou", "9003"),
    "Sikasso": ("Sikasso", "9004"), "Mopti": ("Mopti", "9005"),
}
WFP_COMMODITIES = {"millet": ("Millet", "73"), "sorghum": ("Sorghum", "65"), "maize": ("Maize", "51"),
                   "rice": ("Rice", "52")}


def wfp_rows() -> list[list[str]]:
    """`grain_rows()` as WFP publishes prices on HDX: dates on the 15th, commodity names, a
    `priceflag`. Like the real files, Kayes maize is quoted per 100 KG until 2018, a few rows are
    exact duplicates, and WFP's forecasts for the three months after the last price are included
    (flag `forecast`: the collector skips them)."""
    rng = _rng("wfp", "format")
    rows = []
    for indicator, market, item, price_type, date, value, unit, currency, _, admin1, lat, lon in grain_rows():
        admin2, market_id = WFP_MARKETS[market]
        commodity, commodity_id = WFP_COMMODITIES[item]
        quantity, price = "KG", value
        if market == "Kayes" and item == "maize" and date < "2019-01":
            quantity, price = "100 KG", str(int(value) * 100)
        row = [f"{date}-15", admin1, admin2, market, market_id, lat, lon, "cereals and tubers", commodity,
               commodity_id, quantity, "actual", "Retail", currency, price, "", ROW_SOURCE]
        rows.append(row)
        if rng.random() < 0.004:
            rows.append(list(row))
        if date == f"{MONTHLY_END[0]:04d}-{MONTHLY_END[1]:02d}":
            for ahead, month in enumerate(["2025-12", "2026-01", "2026-02"], start=1):
                forecast = int(value) * (1.0 + 0.01 * ahead)
                rows.append([f"{month}-15"] + row[1:11] + ["forecast", "Retail", currency, _fmt(forecast, 0), "",
                                                         ROW_SOURCE])
    rows.extend(market_goods_rows())
    rows.sort(key=lambda r: (r[0], r[3], r[8], r[11]))
    return rows


# --------------------------------------------------------------------------------------------
# 5. other market goods for the derived indicators (terms of trade, food basket): goats per head,
#    a day of casual labour, cowpeas and vegetable oil. Added rows only: every grain row above is
#    unchanged (each series draws from a generator of its own).

# Pastoral season: livestock prices are lowest at the end of the dry season (poor body condition,
# April-May) and highest after the rains (September-October). Wages are flat with a small rise
# in the harvest months. Cowpeas follow the coarse-grain season; oil barely moves.
GOAT_SEASON = [0.98, 0.97, 0.95, 0.94, 0.94, 0.97, 1.00, 1.03, 1.05, 1.06, 1.05, 1.02]
WAGE_SEASON = [0.99, 0.99, 0.99, 0.99, 0.99, 1.00, 1.01, 1.01, 1.00, 1.02, 1.03, 1.01]
OIL_SEASON = [1.00, 1.00, 1.00, 1.00, 1.00, 1.01, 1.01, 1.01, 1.00, 0.99, 0.99, 0.99]
MARKET_GOODS = {
    # WFP commodity, id, category, unit, 2016 level (XOF), growth per year, season, 2022 shock,
    # 2025 October / November change against the usual path (the blockade), noise
    "goat": ("Livestock (Goat)", "171", "meat, fish and eggs", "Head", 32000.0, 0.030, GOAT_SEASON, 0.10,
             (-0.08, -0.12), 0.025),
    "wage": ("Wage (casual labour)", "300", "non-food", "Day", 1500.0, 0.025, WAGE_SEASON, 0.03, (0.0, -0.02),
             0.01),
    "cowpeas": ("Beans (niebe)", "60", "pulses and nuts", "KG", 420.0, 0.030, COARSE_SEASON, 0.15, (0.06, 0.09),
                0.025),
    "oil": ("Oil (vegetable)", "96", "oil and fats", "L", 900.0, 0.025, OIL_SEASON, 0.20, (0.04, 0.06), 0.015),
}
# Markets that do not price an item at all, or skip some months (the basket imputes them).
GOODS_ABSENT = {("Mopti", "cowpeas"), ("Kayes", "goat")}
GOODS_GAPS = {("Kayes", "oil"): ["2025-10", "2025-11"], ("Segou", "cowpeas"): ["2025-11"]}


def market_goods_rows() -> list[list[str]]:
    """WFP-format rows for the goods of MARKET_GOODS in the grain markets (SIMULATED)."""
    months = _months()
    n = len(months)
    years = np.array([(y - 2016) + (m - 1) / 12.0 for y, m in months])
    i_oct25 = months.index((2025, 10))
    rows = []
    for good, (commodity, commodity_id, category, unit, level, growth, season, shock, blockade, noise) in \
            MARKET_GOODS.items():
        season = np.array(season) / np.mean(season)
        national = _ar1(_rng("goods", "national", good), n, phi=0.7, sigma=noise * 0.6)
        for market in GRAIN_MARKETS:
            if (market, good) in GOODS_ABSENT:
                continue
            rng = _rng("goods", market, good)
            factor = GRAIN_MARKET_FACTORS[market]["coarse"]
            local = _ar1(rng, n, phi=0.5, sigma=noise)
            price = (level * factor * np.exp(growth * years) * np.array([season[m - 1] for _, m in months])
                     * _shock_2022(months, shock) * np.exp(national + local))
            price[i_oct25] *= 1.0 + blockade[0]
            price[i_oct25 + 1] *= 1.0 + blockade[1]
            admin1, lat, lon = LOCATIONS[market]
            admin2, market_id = WFP_MARKETS[market]
            for i, (y, m) in enumerate(months):
                date = f"{y:04d}-{m:02d}"
                if date in GOODS_GAPS.get((market, good), []):
                    continue
                value = _fmt(price[i], 0) if price[i] < 5000 else _fmt(50.0 * round(price[i] / 50.0), 0)
                rows.append([f"{date}-15", admin1, admin2, market, market_id, f"{lat:.4f}", f"{lon:.4f}", category,
                             commodity, commodity_id, unit, "actual", "Retail", "XOF", value, "", ROW_SOURCE])
    return rows


# --------------------------------------------------------------------------------------------


def _write_table(path: Path, header: list[str], rows: list[list[str]], extra: list[list[str]] = ()) -> int:
    """Write rows in the order given (each format has its own natural order) with \\n endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(extra)
        w.writerows(rows)
    return len(rows)


DEMO_FILES = ("wfp_food_prices_mli.csv", "fuel_station_survey.csv", "power_outage_log.csv")


def generate(out_dir: str | Path = DEFAULT_OUT) -> dict[str, int]:
    """Write the three demo inputs into out_dir; return {file name: data rows}."""
    out = Path(out_dir)
    return {
        "wfp_food_prices_mli.csv": _write_table(out / "wfp_food_prices_mli.csv", WFP_COLUMNS, wfp_rows(), [WFP_HXL]),
        "fuel_station_survey.csv": _write_table(out / "fuel_station_survey.csv", SURVEY_COLUMNS, station_reports()),
        "power_outage_log.csv": _write_table(out / "power_outage_log.csv", OUTAGE_COLUMNS, outage_events()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the SIMULATED Mali 2025 fuel-blockade demo inputs (deterministic, seed 2025).")
    parser.add_argument("--out", default=str(DEFAULT_OUT),
                        help="output directory (default: the demo/ folder beside this script)")
    args = parser.parse_args(argv)
    counts = generate(args.out)
    for name, rows in counts.items():
        print(f"{Path(args.out) / name}: {rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
