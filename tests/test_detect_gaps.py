"""Reporting gaps longer than the baseline's level window: the normal after the gap is the last one
the baseline had before it, carried across, its scale widened by the level's ordinary drift over
the gap (`state._Walk._across_gap`), not the normal of an older episode."""
from __future__ import annotations

import numpy as np
import pytest

from indicators.detect import SeverityState
from series_factory import PRICE, QUEUE, daily_hours, monthly_prices

AT_LEAST_ALERT = ("alert", "crisis")


def _without(series, start, length):
    return series.drop(series.index[start:start + length])


def _severity(frame, date):
    rows = frame[frame["date"] == date]
    return rows["severity"].iloc[0] if len(rows) else None


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("gap", [14, 18])
def test_first_price_after_a_long_gap_is_not_judged_against_an_old_episodes_normal(seed, gap):
    # a shock in year 5 opens and ends an episode; years later the market stops reporting for more
    # than a year and resumes on its own trend (3% a year): nothing happened
    prices = monthly_prices(seed=seed, months=168, shock_at=50, shock=0.35, shock_months=4)
    reported = _without(prices, 120, gap)
    frame = SeverityState().detect(reported, PRICE).frame
    assert _severity(frame, prices.index[52]) in AT_LEAST_ALERT  # the shock itself was found
    after = prices.index[120 + gap:120 + gap + 3]
    assert not frame[frame["date"].isin(after)]["severity"].isin(AT_LEAST_ALERT).any()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_price_shock_right_after_a_long_gap_is_still_found(seed):
    prices = monthly_prices(seed=seed, months=168, shock_at=120 + 15, shock=0.4)
    frame = SeverityState().detect(_without(prices, 120, 15), PRICE).frame
    assert _severity(frame, prices.index[135]) in AT_LEAST_ALERT


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_daily_surge_right_after_a_month_without_reports_is_found_at_once(seed):
    # a month unreported, then queues eight times as long from the first day back: no episode
    # before, so there is no older normal to fall back on; the last normal before the gap serves
    queues = daily_hours(seed=seed, days=260, surge_at=200, factor=8.0)
    frame = SeverityState().detect(_without(queues, 170, 30), QUEUE).frame
    first_days = queues.index[200:203]
    assert frame[frame["date"].isin(first_days)]["severity"].isin(AT_LEAST_ALERT).any()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ordinary_days_after_a_month_without_reports_raise_no_alert(seed):
    queues = daily_hours(seed=seed, days=260)
    frame = SeverityState().detect(_without(queues, 170, 30), QUEUE).frame
    after = frame[frame["date"] >= queues.index[200]]
    assert len(after) and not after["severity"].isin(AT_LEAST_ALERT).any()
    # the days just after the gap are scored (against the normal of before it), not skipped
    assert queues.index[200] in set(after["date"])
    assert np.isfinite(after["score"].iloc[0])
