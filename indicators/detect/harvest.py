"""Harvest seasonality: prices that do not fall at harvest, FEWS NET style.

Crop calendars (`crop_calendar.toml`: harvest and lean-season months per crop and zone, a market
may override) say when prices usually fall. For every harvest month, this year's change from
the pre-harvest level (the mean of the two months before the harvest: August-September for
millet) is compared with the usual change, the median of the same change in earlier seasons (up
to `SEASONS`, at least `MIN_SEASONS`). The score is the excess over the usual change in robust
standard deviations of earlier changes of the same length (pooled over calendar months), in the
bad direction (a price that falls less than usual, or rises). The explanation also compares the
price with the same month last year and with the 5-year average, as FEWS NET does. Past data only.
"""
from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from .base import (DetectionResult, Detector, SeriesInfo, calendar_months, date_labels, is_monthly_price,
                   observed_count, orient, output_columns)
from .baseline import MAD_TO_SD, nanmean_rows, nanmedian_rows, small_sample_factor, windows
from .explain import compared_with_past, format_value, same_month_references
from .severity import classify, magnitude, size_rule

REFERENCE_MONTHS = 2  # the pre-harvest level: mean of the two months before the harvest
SEASONS = 10  # earlier seasons that define the usual change
MIN_SEASONS = 3
MIN_SPREAD = 0.02  # log points: a floor for very smooth series
SPREAD_WINDOW = 120  # months of earlier changes behind the spread

class HarvestSeasonality(Detector):
    name = "harvest"
    title = "Harvest seasonality (crop calendars)"
    thresholds = {"stress": 1.5, "alert": 2.0, "crisis": 4.0}
    band_width = 2.0
    method = (
        "Crop calendars (FEWS NET; Mali and the Sahel by default: millet and sorghum harvested October to "
        "December, rice November to January, a market may override) say when prices usually fall. For each "
        "harvest month, the price change since the pre-harvest level (mean of the two months before the "
        "harvest) is compared with the usual change, the median of the same change in up to 10 earlier seasons "
        "(at least 3). The score is the excess over the usual change in robust standard deviations of earlier "
        "changes of that length (at least 2%, widened for the uncertainty of the median and, Student's t, for "
        "the number of earlier changes behind it): stress from 1.5, alert from 2, crisis from 4, with the size "
        "rule (alert needs the price 10% above its usual harvest level; for a crop whose usual fall is smaller, a "
        "harvest failing in full, all of the usual fall missing, in two harvest months in a row). The explanation "
        "adds the comparisons with the same month last year and "
        "with the 5-year average (FEWS NET). Monthly food and grain prices only."
    )

    def applies(self, info: SeriesInfo) -> bool:
        return is_monthly_price(info) and info.indicator != "fuel_price" and info.crop_calendar() is not None

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        crop_calendar = info.crop_calendar()
        if frequency != "monthly" or crop_calendar is None:
            return DetectionResult("not_applicable", "harvest seasonality needs a monthly price with a crop calendar")
        prices = regular.to_numpy()
        months = calendar_months(regular.index)
        reference_month = (crop_calendar.harvest[0] - 2) % 12 + 1
        # A usual change needs the same month in MIN_SEASONS earlier years: a series spanning no more
        # than that has no harvest month to score (most short series of a large store stop here).
        table = (_harvest_months(prices, months, crop_calendar.harvest, reference_month)
                 if len(prices) > 12 * MIN_SEASONS else np.zeros((6, 0)))
        observed = observed_count(regular)
        first_month = (reference_month - REFERENCE_MONTHS) % 12 + 1
        month_names = list(calendar.month_name)  # looked up once: each lookup formats a date
        from_month = f"its {month_names[first_month]}-{month_names[reference_month]} level"
        if table.shape[1] == 0:
            return DetectionResult(
                "insufficient_history",
                f"not enough history: {observed} monthly observations; harvest seasonality needs the change from "
                f"{from_month} in {MIN_SEASONS} earlier harvests")
        table = table[:, np.argsort(table[0], kind="stable")]
        position = table[0].astype(int)
        reference, change, usual, spread, count = table[1:]
        base = np.exp(reference)
        score = orient((change - usual) / spread, info.definition.bad_direction)
        last_year, average = same_month_references(prices)
        dates = np.array(date_labels(regular.index, frequency), dtype=object)[position]
        value = prices[position]
        rule = size_rule(info)
        usual_price = base * np.exp(usual)
        size = magnitude(value, usual_price, info, rule)
        severity = classify(score, self.thresholds, size, rule)
        in_full = _failed_in_full(position, usual, size, score, self.thresholds["alert"], rule) & (severity != "crisis")
        severity = np.where(in_full, "alert", severity).astype(object)
        crop = crop_calendar.crop.capitalize() if crop_calendar.crop else "The price"
        label, unit = info.label(), info.unit
        explanation = [
            self._explain(f"{label}, {date}: {format_value(v, unit)}", unit, v, level, z, crop,
                          from_month, month_names[months[p]], c, u, int(n), last_year[p], average[p],
                          rule.words(rule.alert) if full else "")
            for date, v, level, z, p, c, u, n, full in zip(
                dates.tolist(), value.tolist(), severity, score.tolist(), position.tolist(),
                change.tolist(), usual.tolist(), count.tolist(), in_full.tolist())]
        rows = output_columns(dates, value, usual_price, base * np.exp(usual - self.band_width * spread),
                              base * np.exp(usual + self.band_width * spread), score, severity, explanation)
        return DetectionResult("scored", f"{len(position)} harvest months scored", columns=rows)

    @staticmethod
    def _explain(head, unit, value, severity, score, crop, from_month, to_month, change, usual, seasons_used,
                 last_year, average, alert_size: str = "") -> str:
        usual_pct, this_pct = (np.exp(usual) - 1) * 100, (np.exp(change) - 1) * 100
        usually = f"usually {'falls' if usual_pct < 0 else 'rises'} {abs(usual_pct):.0f}%"
        this_year = f"this year it {'fell' if this_pct < 0 else 'rose'} {abs(this_pct):.0f}%"
        text = (f"{head}. {crop} {usually} from {from_month} to {to_month} (median of {seasons_used} earlier "
                f"harvests); {this_year}")
        if severity == "normal":
            return text + ", within the usual range."
        if alert_size:
            text += (f": prices did not fall at harvest as usual, and the harvest failed in full in two harvest months "
                     f"in a row (a usual fall smaller than the {alert_size} alert size, all of it missing; score "
                     f"{score:.1f}, {severity})")
        elif usual_pct < 0 and this_pct > usual_pct:
            text += f": prices did not fall at harvest as usual (score {score:.1f}, {severity})"
        else:
            text += f" (score {score:.1f}, {severity})"
        comparison = compared_with_past(value, last_year, average, unit)
        return text + (f"; {comparison}" if comparison else "") + "."


def _failed_in_full(position, usual, size, score, alert: float, rule) -> np.ndarray:
    """Per scored harvest month (in time order): where a crop's usual fall is smaller than the
    alert size of the size rule, the harvest failing in full (the price at least the whole usual
    fall above its usual harvest price, the score at the alert bar) in this harvest month and the
    one before. The size rule alone would hold such a failure below alert for good, though the
    issue counts these crops (a usual fall at least twice their month-to-month noise); two months
    in a row tell a failed season from one noisy month or a harvest a month late."""
    if rule is None or rule.measure != "percent":
        return np.zeros(len(position), dtype=bool)
    fall = (1.0 - np.exp(usual)) * 100
    failed = (fall > 0) & (fall < rule.alert) & (size >= fall) & (score >= alert)
    return failed & np.r_[False, failed[:-1]] & (np.diff(position, prepend=-2) == 1)


def _harvest_months(prices: np.ndarray, months: np.ndarray, harvest: tuple[int, ...], reference_month: int) -> np.ndarray:
    """(6, k): position, pre-harvest reference, change, usual change, spread and seasons behind the
    usual change of every harvest month that can be scored, in calendar order of `harvest`."""
    logs = np.log(np.where(prices > 0, prices, np.nan))
    wanted = months[None, :] == np.array(harvest, dtype=months.dtype)[:, None]  # (harvest months, n)
    change, usual, spread, count, reference = _usual_change(
        logs, [(harvest_month - reference_month) % 12 for harvest_month in harvest], int(months[0]) - 1, wanted)
    parts = []
    for row in range(len(harvest)):
        positions = np.flatnonzero(wanted[row] & ~np.isnan(change[row]) & ~np.isnan(usual[row])
                                   & ~np.isnan(spread[row]))
        parts.append(np.vstack([positions, reference[row, positions], change[row, positions], usual[row, positions],
                                spread[row, positions], count[row, positions]]))
    return np.hstack(parts)


def _usual_change(logs: np.ndarray, offsets: list[int], first_column: int, wanted: np.ndarray):
    """For every harvest month (a row per `offsets` entry, the months since the pre-harvest
    reference month) and position: the log change over that many months, its usual value (median
    of the same calendar month in up to `SEASONS` earlier years, at least `MIN_SEASONS`), the
    robust spread of all earlier changes of that length around their usual values (pooled over
    calendar months: a few seasons alone say little about spread; needed where `wanted` only),
    the number of seasons behind the median and the pre-harvest reference level. The harvest
    months are computed together: the same arithmetic for each, in one pass."""
    n, k = len(logs), len(offsets)
    # The pre-harvest level: the mean of the last REFERENCE_MONTHS months before the harvest (one
    # noisy month would make every harvest month of the season look odd).
    lagged = np.full((k, n, REFERENCE_MONTHS), np.nan)
    for row, offset in enumerate(offsets):
        for back in range(REFERENCE_MONTHS):
            lag = offset + back
            if n > lag:
                lagged[row, lag:, back] = logs[:n - lag]
    reference = nanmean_rows(lagged)
    change = logs - reference
    # years as the first axis, calendar months as the last: (years, harvest months, 12)
    rows = -(-(first_column + n) // 12)
    grid = np.full((k, rows * 12), np.nan)
    grid[:, first_column:first_column + n] = change
    years = np.concatenate([np.full((SEASONS, k, 12), np.nan), grid.reshape(k, rows, 12).transpose(1, 0, 2)])
    earlier = windows(years, SEASONS)[:rows]
    count = (~np.isnan(earlier)).sum(axis=-1)
    usual = np.where(count >= MIN_SEASONS, nanmedian_rows(earlier), np.nan)
    usual = usual.transpose(1, 0, 2).reshape(k, -1)[:, first_column:first_column + n]
    count = count.transpose(1, 0, 2).reshape(k, -1)[:, first_column:first_column + n]
    deviation = change - usual
    which, rows_wanted = np.nonzero(wanted)  # the spread is only needed in the harvest month
    past = windows(np.concatenate([np.full((SPREAD_WINDOW, k), np.nan), deviation.T]), SPREAD_WINDOW)[
        rows_wanted, which]  # the SPREAD_WINDOW deviations before each
    spread = np.full((k, n), np.nan)
    behind = (~np.isnan(past)).sum(axis=1)
    enough = np.zeros((k, n), dtype=bool)
    enough[which, rows_wanted] = behind >= 12
    centre = nanmedian_rows(past)
    # A spread from few earlier changes is uncertain itself: the same predictive widening as the
    # seasonal baseline's scale.
    spread[which, rows_wanted] = (MAD_TO_SD * nanmedian_rows(np.abs(past - centre[:, None]))
                                  * small_sample_factor(behind))
    # The usual change is a median of a few seasons and uncertain itself (variance of a median:
    # about pi/2 x sigma^2 / count): widen the spread to the predictive one.
    spread = np.fmax(spread, MIN_SPREAD) * np.sqrt(1.0 + (np.pi / 2) / np.maximum(count, 1))
    spread = np.where(enough, spread, np.nan)
    return change, usual, spread, count, reference
