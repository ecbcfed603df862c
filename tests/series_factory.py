"""Synthetic series for detector tests: monthly prices with a harvest season, daily indicators
with a weekly pattern (deterministic, small)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.detect import SeriesInfo

# Log seasonal effect per calendar month: lean-season peak in August-September, harvest fall to December.
SEASON = np.log([0.95, 0.95, 0.97, 0.99, 1.01, 1.04, 1.07, 1.09, 1.09, 1.02, 0.95, 0.93])

PRICE = SeriesInfo("grain_price", "Segou", "millet", "retail", "XOF/KG", "monthly")
RICE = SeriesInfo("grain_price", "Segou", "rice", "retail", "XOF/KG", "monthly")
AVAILABILITY = SeriesInfo("fuel_availability", "Bamako", "petrol", "", "share", "daily")
QUEUE = SeriesInfo("fuel_queue_time", "Bamako", "petrol", "", "hours", "daily")
OUTAGE = SeriesInfo("power_outage", "Bamako Commune IV", "", "", "hours/day", "daily")


def ar1_noise(rng, n, phi, sigma):
    """AR(1) noise: each value phi times the one before plus a normal shock of sd `sigma`."""
    noise = np.zeros(n)
    for t in range(1, n):
        noise[t] = phi * noise[t - 1] + sigma * rng.standard_normal()
    return noise


def monthly_prices(seed=0, months=120, start="2016-01", sigma=0.015, shock_at=None, shock=0.0, shock_months=None,
                   failed_harvest_year=None, season=SEASON):
    """Monthly prices with trend, season and noise. `shock` multiplies from `shock_at` (for
    `shock_months` months, or to the end); `failed_harvest_year` keeps October-December of that
    year at the September level plus 3%."""
    rng = np.random.default_rng(seed)
    index = pd.period_range(start, periods=months, freq="M")
    log_price = np.log(300) + 0.0025 * np.arange(months) + season[index.month - 1] + rng.normal(0, sigma, months)
    if failed_harvest_year is not None:
        for month in (10, 11, 12):
            position = index.get_loc(pd.Period(f"{failed_harvest_year}-{month:02d}", "M"))
            september = index.get_loc(pd.Period(f"{failed_harvest_year}-09", "M"))
            log_price[position] = log_price[september] + 0.03 + 0.0025 * (position - september)
    if shock_at is not None:
        end = months if shock_months is None else shock_at + shock_months
        log_price[shock_at:end] += np.log1p(shock)
    return pd.Series(np.exp(log_price), index=index.strftime("%Y-%m"))


def daily_share(seed=0, days=200, start="2025-01-01", drop_at=None, drop=0.0, drop_days=None, spike_at=None):
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=days, freq="D")
    values = 0.9 + 0.03 * (index.day_of_week == 0) + rng.normal(0, 0.01, days)
    if drop_at is not None:
        values[drop_at:drop_at + drop_days if drop_days else days] += drop
    if spike_at is not None:
        values[spike_at] -= 0.3
    return pd.Series(np.clip(values, 0, 1), index=index.strftime("%Y-%m-%d"))


def daily_hours(seed=0, days=200, start="2025-01-01", level=0.3, surge_at=None, factor=1.0, surge_days=None):
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=days, freq="D")
    values = level * np.exp(0.2 * (index.day_of_week == 0) + rng.normal(0, 0.1, days))
    if surge_at is not None:
        values[surge_at:surge_at + surge_days if surge_days else days] *= factor
    return pd.Series(values, index=index.strftime("%Y-%m-%d"))
