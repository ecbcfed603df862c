"""Harvest seasonality: prices that do not fall at harvest, FEWS NET style.

Crop calendars (`crop_calendar.toml`: harvest and lean-season months per crop and zone, a market
may override) say when prices usually fall. For every harvest month, this year's change from
the month before the harvest (September for millet) is compared with the usual change, the
median of the same change in earlier seasons (up to `SEASONS`, at least `MIN_SEASONS`). The
score is the excess in robust standard deviations of those earlier changes, in the bad direction
(a price that falls less than usual, or rises). The explanation also compares the price with
the same month last year and with the 5-year average, as FEWS NET does. Past data only.
"""
from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from .. import seasons
from .base import DetectionResult, Detector, SeriesInfo, date_labels, is_monthly_price, orient
from .baseline import MAD_TO_SD
from .explain import compared_with_past, format_value, same_month_references
from .severity import phase

SEASONS = 10  # earlier seasons that define the usual change
MIN_SEASONS = 3
MIN_SPREAD = 0.03  # log points: year-to-year noise below 3% is not believed from a few seasons


class HarvestSeasonality(Detector):
    name = "harvest"
    title = "Harvest seasonality (crop calendars)"
    thresholds = {"stress": 1.5, "alert": 2.5, "crisis": 4.0}
    band_width = 2.0
    zone = seasons.DEFAULT_ZONE
    method = (
        "Crop calendars (FEWS NET; Mali and the Sahel by default: millet and sorghum harvested October to "
        "December, rice November to January, a market may override) say when prices usually fall. For each "
        "harvest month, the price change since the month before the harvest is compared with the usual "
        "change, the median of the same change in up to 10 earlier seasons (at least 3). The score is the "
        "excess over the usual change in robust standard deviations of the earlier changes (at least 3%): "
        "stress from 1.5, alert from 2.5, crisis from 4. The explanation adds the comparisons with the same "
        "month last year and with the 5-year average (FEWS NET). Monthly food and grain prices only."
    )

    def applies(self, info: SeriesInfo) -> bool:
        return is_monthly_price(info) and info.indicator != "fuel_price" and self._calendar(info) is not None

    def _calendar(self, info: SeriesInfo):
        return seasons.calendar_for(info.item, self.zone, location=info.location)

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        crop_calendar = self._calendar(info)
        if frequency != "monthly" or crop_calendar is None:
            return DetectionResult("not_applicable", "harvest seasonality needs a monthly price with a crop calendar")
        prices = regular.to_numpy()
        logs = np.log(np.where(prices > 0, prices, np.nan))
        months = regular.index.month.to_numpy()
        reference_month = (crop_calendar.harvest[0] - 2) % 12 + 1
        rows = []
        for harvest_month in crop_calendar.harvest:
            offset = (harvest_month - reference_month) % 12
            positions = np.flatnonzero((months == harvest_month) & (np.arange(len(prices)) >= offset))
            changes = logs[positions] - logs[positions - offset]
            for k, position in enumerate(positions):
                earlier = changes[max(0, k - SEASONS):k]
                earlier = earlier[~np.isnan(earlier)]
                if np.isnan(changes[k]) or len(earlier) < MIN_SEASONS:
                    continue
                usual = float(np.median(earlier))
                spread = max(MAD_TO_SD * float(np.median(np.abs(earlier - usual))), MIN_SPREAD)
                rows.append((position, position - offset, changes[k], usual, spread, len(earlier)))
        observed = int(regular.notna().sum())
        if not rows:
            return DetectionResult(
                "insufficient_history",
                f"not enough history: {observed} monthly observations; harvest seasonality needs the change since "
                f"{calendar.month_name[reference_month]} in {MIN_SEASONS} earlier harvests")
        rows.sort()
        position, reference, change, usual, spread, count = (np.array(c) for c in zip(*rows))
        base = prices[reference]
        score = orient((change - usual) / spread, info.definition.bad_direction)
        last_year, average = same_month_references(prices)
        frame = pd.DataFrame({
            "date": np.array(date_labels(regular.index, frequency))[position], "value": prices[position],
            "expected": base * np.exp(usual), "lower": base * np.exp(usual - self.band_width * spread),
            "upper": base * np.exp(usual + self.band_width * spread), "score": score,
        })
        frame["severity"] = phase(frame["score"], self.thresholds)
        crop = crop_calendar.crop.capitalize() if crop_calendar.crop else "The price"
        frame["explanation"] = [
            self._explain(info, row, crop, calendar.month_name[reference_month],
                          calendar.month_name[months[p]], c, u, n, last_year[p], average[p])
            for row, p, c, u, n in zip(frame.itertuples(index=False), position, change, usual, count)]
        return DetectionResult("scored", f"{len(frame)} harvest months scored", frame)

    def _explain(self, info, row, crop, from_month, to_month, change, usual, seasons_used, last_year, average) -> str:
        unit = info.unit
        usual_pct, this_pct = (np.exp(usual) - 1) * 100, (np.exp(change) - 1) * 100
        usually = f"usually {'falls' if usual_pct < 0 else 'rises'} {abs(usual_pct):.0f}%"
        this_year = f"this year it {'fell' if this_pct < 0 else 'rose'} {abs(this_pct):.0f}%"
        text = (f"{info.label()}, {row.date}: {format_value(row.value, unit)}. {crop} {usually} from {from_month} "
                f"to {to_month} (median of {seasons_used} earlier harvests); {this_year}")
        if row.severity == "normal":
            text += ", within the usual range"
        elif usual_pct < 0 and this_pct > usual_pct:
            text += f": prices did not fall at harvest as usual (score {row.score:.1f}, {row.severity})"
        else:
            text += f" (score {row.score:.1f}, {row.severity})"
        comparison = compared_with_past(row.value, last_year, average, unit)
        return text + (f"; {comparison}" if comparison else "") + "."
