"""Generator families of the detection benchmark: labelled series, each family one documented way
the world makes series (docs/detection.md, "Generator families").

Every family is a function (rng, number, with_events) -> `Case`. Events are placed after a warm-up
(5 years monthly, 120 days daily); one series in five of every family has no event at all, so
false alarms per series-year are also measured where nothing happens.

Monthly, 15 years (grain prices: level, inflation trend, harvest seasonality of a Sahel profile,
millet and sorghum harvested October-December, rice November-January; events spike, shift,
failed_harvest):
- `sahel_prices` (the original generator): AR(1) noise, phi 0.3-0.7, innovations 1.5-3%, 3% of
  months missing;
- `prices_ar1_strong`: AR(1) noise, phi 0.7-0.8;
- `prices_ar2`: AR(2) noise, phi1 0.5-1.0 and phi2 from -0.25 with phi1 + phi2 <= 0.8;
- `prices_t`: Student's t innovations (2.5-5 degrees of freedom, unit variance), phi 0.3-0.7;
- `prices_inflation`: a permanent trend break (the yearly drift changes by -3 to +8 points at a
  random month, unlabelled: the detector must follow it) and, in most series, an inflation burst
  (4-8% a month for 3-6 months, prices then stay at the higher level: labelled `burst`);
- `prices_random_walk`: a local level (Harvey's random walk plus noise): the seasonally adjusted
  level moves by Gaussian steps of 3-5.5% a month and never returns, with measurement noise of
  0.3-1.2%; calibrated to the WFP Burkina Faso cereal series, whose deseasonalised month-to-month
  changes have a median robust spread of 4.7% and whose 12-month changes vary about as a random
  walk's do (variance ratio 0.84; the AR families' event-free series 0.13-0.38: `variance_ratio`);
- `prices_missing`: long missing stretches (one or two of 6-18 months) and monthly reporting gaps
  (runs of 1-3 months, about 8% of months);
- `fuel_administered`: monthly official pump prices (XOF/L) flat for 6-30 months, then stepping;
  small steps (-3 to +8%) are ordinary and unlabelled, large ones (+12 to +30%) are labelled
  `shift` events (a price that stays up: the event lasts 12 months).
Daily, 2 years (fuel availability as a share, fuel queue time in hours, power outage hours/day;
weekly patterns; events spike and shift, with 0-3 day ramps):
- `sahel_daily` (the original generator): AR(1) noise, 1% missing days;
- `outage_hot_season`: power outages with an annual cycle peaking in April (March-May, the Sahel's
  hot season: x1.2-1.6 of the yearly mean at the peak, x0.6-0.8 in the cool season), AR(1) noise;
- `fuel_holidays`: queues 1.3-1.8 times longer and availability 3-8 points lower on the 3 days
  before Eid al-Fitr, Tabaski, Mawlid, Christmas and New Year (2024-2025 dates);
- `survey_stations`: fuel availability reported as the share of 6-15 surveyed stations with fuel
  (whole stations: multiples of 1/k);
- `daily_ar_t`: AR(1) noise with phi 0.7-0.8 and Student's t innovations (3-5 degrees of freedom);
- `reporting_gaps`: whole weeks unreported (each week with probability 8%) and one or two whole
  months missing.

`TUNING_FAMILIES` and `TUNING_SEEDS` are what detection defaults may be tuned on;
`HELD_OUT_FAMILIES` and `HELD_OUT_SEEDS` are only reported.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators.detect import SeriesInfo

COARSE = np.log([0.95, 0.95, 0.97, 0.99, 1.01, 1.04, 1.07, 1.09, 1.09, 1.02, 0.95, 0.93])
RICE = np.log([0.98, 0.98, 0.99, 1.00, 1.01, 1.02, 1.03, 1.035, 1.035, 1.03, 1.00, 0.975])
CROPS = {"millet": (COARSE, (10, 11, 12)), "sorghum": (COARSE, (10, 11, 12)), "rice": (RICE, (11, 12, 1))}
DAILY_KINDS = {"fuel_availability": "share", "fuel_queue_time": "hours", "power_outage": "hours/day"}
MONTHS, DAYS = 180, 730
# Days before which fuel demand rises (Eid al-Fitr, Tabaski, Mawlid, Christmas, New Year; 2024-2025).
HOLIDAYS = ["2024-01-01", "2024-04-10", "2024-06-16", "2024-09-15", "2024-12-25", "2025-01-01", "2025-03-30",
            "2025-06-06", "2025-09-04", "2025-12-25"]


@dataclass
class Event:
    kind: str  # spike, shift, failed_harvest, burst
    start: int  # positions on the regular index
    end: int


@dataclass
class Case:
    info: SeriesInfo
    values: pd.Series  # date strings -> value, gaps dropped
    events: list[Event] = field(default_factory=list)
    family: str = ""
    # failed-harvest coverage (monthly grain prices): the usual harvest fall (pre-harvest month to
    # the mean of the harvest months) and the month-to-month noise (standard deviation of the noise's
    # monthly changes), both in log points; and the noise-free log price without events (the
    # oracle's truth; for shares of surveyed stations, the share each day would have had without an
    # event, before the stations are drawn: `survey_oracle.py`)
    harvest_fall: float = np.nan
    month_noise: float = np.nan
    clean: np.ndarray | None = None



# -- noise ----------------------------------------------------------------------------------------

def _ar1(rng, n, phi, sigma, innovations=None):
    e = (rng.standard_normal(n) if innovations is None else innovations) * sigma
    x = np.empty(n)
    x[0] = e[0] / np.sqrt(1 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def _ar2(rng, n, phi1, phi2, sigma):
    e = rng.standard_normal(n + 50) * sigma
    x = np.zeros(n + 50)
    for t in range(2, n + 50):
        x[t] = phi1 * x[t - 1] + phi2 * x[t - 2] + e[t]
    return x[50:]  # burn-in: start from the stationary distribution


def _t_innovations(rng, n, low, high):
    """Student's t draws scaled to unit variance (heavy tails, same spread as N(0, 1))."""
    df = rng.uniform(low, high)
    return rng.standard_t(df, n) * np.sqrt((df - 2) / df)


def legacy_noise(rng, n):
    return _ar1(rng, n, rng.uniform(0.3, 0.7), rng.uniform(0.015, 0.03))


def strong_ar1_noise(rng, n):
    return _ar1(rng, n, rng.uniform(0.7, 0.8), rng.uniform(0.015, 0.03))


def ar2_noise(rng, n):
    phi1 = rng.uniform(0.5, 1.0)
    phi2 = rng.uniform(-0.25, 0.8 - phi1)
    return _ar2(rng, n, phi1, phi2, rng.uniform(0.015, 0.025))


def random_walk_noise(rng, n):
    """A random-walk level (steps of 3-5.5% a month) plus white measurement noise (0.3-1.2%)."""
    steps = rng.standard_normal(n) * rng.uniform(0.03, 0.055)
    steps[0] = 0.0
    return np.cumsum(steps) + rng.standard_normal(n) * rng.uniform(0.003, 0.012)


def deseasonalised_changes(log_prices: pd.Series, months: np.ndarray) -> pd.Series:
    """One-month log changes less each calendar month's median change (the season is not noise)."""
    changes = log_prices.diff()
    return changes - changes.groupby(months).transform("median")


def variance_ratio(log_prices: pd.Series, months: np.ndarray, horizon: int = 12) -> float:
    """The variance of `horizon`-month log changes over `horizon` times the variance of
    deseasonalised one-month changes (Lo and MacKinlay, 1988): about 1 for a random walk, far below
    for noise about a stable level."""
    one = deseasonalised_changes(log_prices, months)
    return float(np.nanvar(log_prices.diff(horizon)) / (horizon * np.nanvar(one)))


def t_noise(rng, n):
    phi, sigma = rng.uniform(0.3, 0.7), rng.uniform(0.015, 0.03)
    return _ar1(rng, n, phi, sigma, _t_innovations(rng, n, 2.5, 5.0))


# -- placement ------------------------------------------------------------------------------------

def _place(rng, n, warmup, count, length_range, gap, taken):
    """Non-overlapping event slots: (start, length) after the warm-up, `gap` apart."""
    slots = []
    for _ in range(count * 20):
        if len(slots) == count:
            break
        length = int(rng.integers(*length_range))
        start = int(rng.integers(warmup, n - length - 2))
        if all(start > s + l + gap or start + length + gap < s for s, l in taken + slots):
            slots.append((start, length))
    return slots


def _protected(n: int, events: list[Event]) -> np.ndarray:
    """Positions whose absence would make an event's label undecidable."""
    protected = np.zeros(n, dtype=bool)
    for event in events:
        protected[max(0, event.start - 1):event.end + 2] = True
    return protected


def _drop_gaps(rng, values: pd.Series, events: list[Event], share: float) -> pd.Series:
    """Missing observations, never inside an event (its label would be undecidable)."""
    missing = (rng.random(len(values)) < share) & ~_protected(len(values), events)
    missing[:3] = False
    return values[~missing]


def _drop_runs(values: pd.Series, events: list[Event], runs: list[tuple[int, int]]) -> pd.Series:
    """Drop whole stretches (start, length) of the regular index, except around events."""
    missing = np.zeros(len(values), dtype=bool)
    for start, length in runs:
        missing[start:start + length] = True
    missing &= ~_protected(len(values), events)
    missing[:3] = False
    return values[~missing]


# -- monthly grain prices ---------------------------------------------------------------------------

def monthly_case(rng, number: int, with_events: bool = True, noise=legacy_noise, structure=None,
                 family: str = "sahel_prices") -> Case:
    """A retail grain price series; `noise(rng, n)` gives the log noise, `structure(rng, n)`
    optional extra log terms and their labelled events (inflation bursts)."""
    n = MONTHS
    index = pd.period_range("2010-01", periods=n, freq="M")
    months = index.month.to_numpy()
    item = ["millet", "sorghum", "rice"][number % 3]
    season, harvest = CROPS[item]
    amplitude = rng.uniform(0.8, 1.3)
    clean = np.log(rng.uniform(150, 500)) + rng.uniform(0.01, 0.06) * np.arange(n) / 12 + amplitude * season[months - 1]
    noise_part = noise(rng, n)
    events, taken = [], []
    if structure is not None:
        extra, events = structure(rng, n, with_events)
        clean = clean + extra
        taken = [(e.start, e.end - e.start + 1) for e in events]
    log_price = clean + noise_part
    kinds = rng.choice(["spike", "shift", "failed_harvest", "none"], size=2, p=[0.3, 0.3, 0.3, 0.1])
    for kind in kinds if with_events else []:
        slots = []
        if kind == "spike":
            slots = _place(rng, n, 60, 1, (1, 2), 12, taken)
            for start, _ in slots:
                log_price[start] += rng.uniform(0.2, 0.4)
                events.append(Event("spike", start, start))
        elif kind == "shift":
            slots = _place(rng, n, 60, 1, (6, 19), 12, taken)
            for start, length in slots:
                log_price[start:start + length] += rng.uniform(0.15, 0.35)
                events.append(Event("shift", start, start + length - 1))
        elif kind == "failed_harvest":
            # the month before the first harvest month, in a season after the warm-up
            references = [t for t in range(60, n - 4) if months[t] == (harvest[0] - 2) % 12 + 1]
            rng.shuffle(references)
            for reference in references:
                if all(reference + 3 < s - 12 or reference > s + l + 12 for s, l in taken):
                    for k in range(1, 4):  # prices stay at or above the pre-harvest month
                        log_price[reference + k] += (amplitude * (season[months[reference] - 1]
                                                                  - season[months[reference + k] - 1])
                                                     + rng.uniform(0.0, 0.06))
                    events.append(Event("failed_harvest", reference + 1, reference + 3))
                    slots = [(reference + 1, 3)]
                    break
        taken += slots
    values = pd.Series(np.exp(log_price), index=index.strftime("%Y-%m"))
    values = _drop_gaps(rng, values, events, 0.03)
    info = SeriesInfo("grain_price", f"Market {number}", item, "retail", "XOF/KG", "monthly")
    pre = (harvest[0] - 2) % 12
    fall = amplitude * (season[pre] - season[[(h - 1) % 12 for h in harvest]].mean())
    return Case(info, values, sorted(events, key=lambda e: e.start), family, harvest_fall=float(fall),
                month_noise=float(np.std(np.diff(noise_part))), clean=clean)


def inflation_structure(rng, n, with_events):
    """A permanent trend break (unlabelled) and, in 70% of series with events, an inflation burst."""
    t = np.arange(n)
    brk = int(rng.integers(36, n - 24))
    extra = rng.uniform(-0.03, 0.08) / 12 * np.clip(t - brk, 0, None)
    events = []
    if with_events and rng.random() < 0.7:
        start, length = int(rng.integers(60, n - 18)), int(rng.integers(3, 7))
        rate = rng.uniform(0.04, 0.08)
        extra = extra + rate * np.clip(t - start + 1, 0, length)
        events.append(Event("burst", start, start + 11))
    return extra, events


def administered_case(rng, number: int, with_events: bool = True, family: str = "fuel_administered") -> Case:
    """Official pump prices: flat, then a step; large steps after the warm-up are labelled."""
    n = MONTHS
    index = pd.period_range("2010-01", periods=n, freq="M")
    price, t, events = rng.uniform(500, 750), 0, []
    values = np.empty(n)
    big = set()
    if with_events:
        for start, _ in _place(rng, n, 60, int(rng.integers(1, 3)), (1, 2), 24, []):
            big.add(start)
    while t < n:
        length = int(rng.integers(6, 31))
        upcoming = [b for b in big if t < b < t + length]
        if upcoming:
            length = upcoming[0] - t
        values[t:t + length] = price
        t += length
        if t in big:
            price *= 1 + rng.uniform(0.12, 0.30)
            events.append(Event("shift", t, min(t + 11, n - 1)))
        else:
            price *= 1 + rng.uniform(-0.03, 0.08)
        price = 5 * round(price / 5)  # official prices are round numbers
    series = pd.Series(values, index=index.strftime("%Y-%m"))
    series = _drop_gaps(rng, series, events, 0.02)
    info = SeriesInfo("fuel_price", f"Zone {number}", "petrol", "pump", "XOF/L", "monthly")
    return Case(info, series, events, family)


# -- daily fuel and power -----------------------------------------------------------------------------

def daily_case(rng, indicator: str, number: int, with_events: bool = True, phi=None, innovations=None,
               extra=None, stations=None, family: str = "sahel_daily") -> Case:
    """A daily series. `phi` overrides the indicator's AR(1) coefficient, `innovations(rng, n)`
    draws the noise's innovations (Gaussian by default), `extra(rng, index, indicator)` adds a
    pattern (logs for queues and outages, levels for availability) before the events, `stations`
    reports availability as a share of that many stations."""
    n = DAYS
    index = pd.period_range("2024-01-01", periods=n, freq="D")
    weekday = index.day_of_week.to_numpy()
    taken = []
    shift_slots = _place(rng, n, 120, int(rng.integers(0, 3)), (20, 91), 30, taken)
    taken += shift_slots
    spike_slots = _place(rng, n, 120, int(rng.integers(0, 3)), (1, 2), 14, taken)
    if not with_events:
        shift_slots, spike_slots = [], []

    def noise(default_phi, sigma):
        draws = innovations(rng, n) if innovations else None
        return _ar1(rng, n, default_phi if phi is None else phi, sigma, draws)

    def pattern():
        return extra(rng, index, indicator) if extra else 0.0

    if indicator == "fuel_availability":
        values = rng.uniform(0.85, 0.97) + np.array([-0.03, -0.01, 0.005, 0.01, 0.01, 0.0, -0.015])[weekday] \
            + noise(0.5, rng.uniform(0.008, 0.015)) + pattern()
        normal = np.clip(values, 0, 1)  # the share each day would have had without an event (the oracle's truth)
        for start, length in shift_slots:
            # the shift's first day already moves, as for queues and outages (it was 0 here
            # until 2026-12-01: the labelled start then came a day before the shortfall began)
            ramp = np.minimum(np.arange(1, length + 1) / max(1, rng.integers(0, 4)), 1.0)
            values[start:start + length] -= rng.uniform(0.25, 0.6) * ramp
        for start, _ in spike_slots:
            values[start] -= rng.uniform(0.15, 0.3)
        values = np.clip(values, 0, 1)
        if stations:
            values = rng.binomial(stations, values) / stations
    elif indicator == "fuel_queue_time":
        log_q = np.log(rng.uniform(0.2, 0.5)) + np.array([0.4, 0.1, 0, 0, 0.1, 0.2, -0.1])[weekday] \
            + noise(0.3, 0.2) + pattern()
        for start, length in shift_slots:
            ramp = np.minimum(np.arange(1, length + 1) / max(1, rng.integers(1, 4)), 1.0)
            log_q[start:start + length] += np.log(rng.uniform(4, 15)) * ramp
        for start, _ in spike_slots:
            log_q[start] += np.log(rng.uniform(4, 8))
        values = np.exp(log_q)
    else:
        base = rng.uniform(3, 8)
        values = base * np.array([1.03, 1.03, 1.03, 1.03, 1.03, 0.96, 0.88])[weekday] \
            * np.exp(noise(0.6, 0.08) + pattern())
        for start, length in shift_slots:
            ramp = np.minimum(np.arange(1, length + 1) / max(1, rng.integers(1, 4)), 1.0)
            values[start:start + length] += rng.uniform(4, 10) * ramp
        for start, _ in spike_slots:
            values[start] += rng.uniform(6, 10)
        values = np.clip(values, 0, 24)
    events = [Event("shift", s, s + l - 1) for s, l in shift_slots] + [Event("spike", s, s) for s, _ in spike_slots]
    series = pd.Series(values, index=index.strftime("%Y-%m-%d"))
    series = _drop_gaps(rng, series, events, 0.01)
    info = SeriesInfo(indicator, f"Area {number}", "petrol" if indicator.startswith("fuel") else "", "",
                      DAILY_KINDS[indicator], "daily")
    return Case(info, series, sorted(events, key=lambda e: e.start), family,
                clean=normal if stations else None)


def hot_season(rng, index, indicator):
    """Outage hours follow the heat: highest in April, lowest in the cool season (log terms)."""
    day = index.day_of_year.to_numpy()
    return rng.uniform(0.2, 0.45) * np.cos(2 * np.pi * (day - 105) / 365.25)


def holiday_demand(rng, index, indicator):
    """Fuel demand before holidays: queues longer (logs), availability lower (levels)."""
    dates = pd.PeriodIndex(HOLIDAYS, freq="D")
    before = np.zeros(len(index), dtype=bool)
    for date in dates:
        before |= (index >= date - 3) & (index < date)
    if indicator == "fuel_queue_time":
        return np.where(before, np.log(rng.uniform(1.3, 1.8)), 0.0)
    if indicator == "fuel_availability":
        return np.where(before, -rng.uniform(0.03, 0.08), 0.0)
    return 0.0


def _daily_family(name, indicators=tuple(DAILY_KINDS), gaps=None, **options):
    def make(rng, number, with_events):
        indicator = indicators[number % len(indicators)]
        drawn = {key: value(rng) if callable(value) else value for key, value in options.items()
                 if key in ("phi", "stations")}
        case = daily_case(rng, indicator, number, with_events, family=name, **{**options, **drawn})
        if gaps:
            case.values = gaps(rng, case)
        return case
    return make


def _full(case: Case, labels) -> pd.Series:
    """The case's values on its whole regular calendar (NaN where missing)."""
    return case.values.reindex(labels)


def reporting_gaps(rng, case: Case) -> pd.Series:
    """Whole weeks unreported (8% of weeks) and one or two whole months missing."""
    runs = [(7 * week, 7) for week in range(DAYS // 7) if rng.random() < 0.08]
    runs += [(int(rng.integers(30, DAYS - 30)), 30) for _ in range(int(rng.integers(1, 3)))]
    labels = pd.period_range("2024-01-01", periods=DAYS, freq="D").strftime("%Y-%m-%d")
    return _drop_runs(_full(case, labels), case.events, runs).dropna()


def missing_stretches(rng, case: Case) -> pd.Series:
    """One or two long stretches of 6-18 months and monthly reporting gaps (runs of 1-3 months)."""
    runs = [(int(rng.integers(24, MONTHS - 18)), int(rng.integers(6, 19))) for _ in range(int(rng.integers(1, 3)))]
    runs += [(int(s), int(rng.integers(1, 4))) for s in np.flatnonzero(rng.random(MONTHS) < 0.04)]
    labels = pd.period_range("2010-01", periods=MONTHS, freq="M").strftime("%Y-%m")
    return _drop_runs(_full(case, labels), case.events, runs).dropna()


def _monthly_family(name, gaps=None, **options):
    def make(rng, number, with_events):
        case = monthly_case(rng, number, with_events, family=name, **options)
        if gaps:
            case.values = gaps(rng, case)
        return case
    return make


FAMILIES = {
    "sahel_prices": _monthly_family("sahel_prices"),
    "prices_ar1_strong": _monthly_family("prices_ar1_strong", noise=strong_ar1_noise),
    "prices_ar2": _monthly_family("prices_ar2", noise=ar2_noise),
    "prices_t": _monthly_family("prices_t", noise=t_noise),
    "prices_random_walk": _monthly_family("prices_random_walk", noise=random_walk_noise),
    "prices_inflation": _monthly_family("prices_inflation", structure=inflation_structure),
    "prices_missing": _monthly_family("prices_missing", gaps=missing_stretches),
    "fuel_administered": lambda rng, number, with_events: administered_case(rng, number, with_events),
    "sahel_daily": _daily_family("sahel_daily"),
    "outage_hot_season": _daily_family("outage_hot_season", indicators=("power_outage",), extra=hot_season),
    "fuel_holidays": _daily_family("fuel_holidays", indicators=("fuel_queue_time", "fuel_availability"),
                                   extra=holiday_demand),
    "survey_stations": _daily_family("survey_stations", indicators=("fuel_availability",),
                                     stations=lambda rng: int(rng.integers(6, 16))),
    "daily_ar_t": _daily_family("daily_ar_t", phi=lambda rng: rng.uniform(0.7, 0.8), innovations=lambda rng, n: _t_innovations(rng, n, 3, 5)),
    "reporting_gaps": _daily_family("reporting_gaps", gaps=reporting_gaps),
}
TUNING_FAMILIES = ("sahel_prices", "prices_ar1_strong", "prices_t", "prices_inflation", "prices_random_walk",
                   "prices_missing", "sahel_daily", "outage_hot_season", "survey_stations")
HELD_OUT_FAMILIES = ("prices_ar2", "fuel_administered", "fuel_holidays", "daily_ar_t", "reporting_gaps")
TUNING_SEEDS = (1, 2)
HELD_OUT_SEEDS = (7, 2025)
EVENT_FREE_EVERY = 5  # one series in five has no event


def generate_family(name: str, count: int, seed: int) -> list[Case]:
    """`count` series of one family; the stream depends on the seed and the family's name only."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    make = FAMILIES[name]
    return [make(rng, number, number % EVENT_FREE_EVERY != EVENT_FREE_EVERY - 1) for number in range(count)]


def generate(monthly: int, daily: int, seed: int = 2025) -> list[Case]:
    """The original benchmark (seed 2025 in earlier rounds): `sahel_prices` and `sahel_daily` drawn
    from one stream, every series with events."""
    rng = np.random.default_rng(seed)
    cases = [monthly_case(rng, i) for i in range(monthly)]
    for indicator in DAILY_KINDS:
        cases += [daily_case(rng, indicator, i) for i in range(daily // len(DAILY_KINDS))]
    return cases
