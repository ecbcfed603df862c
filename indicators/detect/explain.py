"""Plain sentences for people: values in their units, deviations in percent."""
from __future__ import annotations

import numpy as np


def format_value(value: float, unit: str) -> str:
    """0.22 share -> '22%'; 13.5 hours -> '13.5 h'; 412 XOF/KG -> '412 XOF/KG'."""
    if value is None or value != value:  # None or NaN
        return "n/a"
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit in ("hours", "hours/day"):
        return f"{value:.1f} h" + ("/day" if unit == "hours/day" else "")
    if unit == "hours/hour":  # within one period of a sub-daily series (`units.per_period`)
        return f"{value:.1f} h in the hour"
    if unit.startswith("hours/") and unit.endswith("min"):
        minutes, step = value * 60, int(unit[len("hours/"):-len("min")])
        number = f"{minutes:.0f}" if minutes >= 10 else f"{minutes:.1f}".removesuffix(".0")
        return f"{number} min in the " + ("minute" if step == 1 else f"{step} minutes")
    if abs(value) >= 100:
        number = f"{value:,.0f}"
    elif abs(value) >= 10:
        number = f"{value:.1f}"
    else:
        number = f"{value:.2f}"
    return f"{number} {unit}".strip()


def is_duration(unit: str) -> bool:
    """Hours, hours a day, or hours within a sub-daily period ('hours/hour', 'hours/5min')."""
    return unit == "hours" or unit.startswith("hours/")


def format_values(values, unit: str) -> list[str]:
    """`format_value` of every value of a column, the same text at a fraction of the calls (a
    detector writes a sentence for every scored date)."""
    if unit == "share" or is_duration(unit):
        return [format_value(v, unit) for v in values]
    suffix = f" {unit}".rstrip()  # `format_value` strips the text: only trailing space can go
    size = np.abs(np.asarray(values, dtype="float64"))
    # Most columns have every value in one of the three ranges (prices in hundreds): one format then
    for spec, within in ((",.0f", size >= 100), (".1f", (size >= 10) & (size < 100)), (".2f", size < 10)):
        if within.all():
            return _formatted(values, spec, suffix)
    return ["n/a" if v != v else f"{v:,.0f}{suffix}" if v >= 100 or v <= -100 else
            f"{v:.1f}{suffix}" if v >= 10 or v <= -10 else f"{v:.2f}{suffix}" for v in values]


def _formatted(values, spec: str, suffix: str) -> list[str]:
    """f"{value:{spec}}{suffix}" of every value, in one `str.format` call for the whole column
    (a loop of f-strings costs twice as much)."""
    if "\0" in suffix:
        return [f"{v:{spec}}{suffix}" for v in values]
    template = f"{{:{spec}}}" + suffix.replace("{", "{{").replace("}", "}}") + "\0"
    return (template * len(values)).format(*values).split("\0")[:-1]


def relative(value: float, expected: float, unit: str = "") -> str:
    """'38% above', '74% below', or in points for shares ('71 points below')."""
    if unit == "share":
        points = (value - expected) * 100
        return f"{abs(points):.0f} points {'above' if points >= 0 else 'below'}"
    if not expected:
        return "above" if value > expected else "below"
    change = (value - expected) / abs(expected) * 100
    return f"{abs(change):.0f}% {'above' if change >= 0 else 'below'}"


def relatives(values, expected, unit: str = "") -> list[str]:
    """`relative` of every pair of two columns (the same text)."""
    if unit == "share":
        return [f"{abs(p):.0f} points {'above' if p >= 0 else 'below'}" for p in
                ((v - e) * 100 for v, e in zip(values, expected))]
    value, base = np.asarray(values, dtype="float64"), np.asarray(expected, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (value - base) / np.abs(base) * 100  # `relative`'s arithmetic, a column at a time
    return [(f"{size:.0f}% above" if c >= 0 else f"{size:.0f}% below") if e else ("above" if v > e else "below")
            for v, e, c, size in zip(values, expected, change.tolist(), np.abs(change).tolist())]


def same_month_references(values, period: int = 12, years: int = 5):
    """For each position: the value a year earlier and the average of the same month over the
    previous `years` years (FEWS NET's comparisons; the average needs 3 of them)."""
    values = np.asarray(values, dtype="float64")
    n = len(values)
    lagged = np.full((years, n), np.nan)
    for k in range(1, years + 1):
        lagged[k - 1, k * period:] = values[:n - k * period] if n > k * period else []
    present = ~np.isnan(lagged)
    count = present.sum(axis=0)
    average = np.where(count >= 3, np.where(present, lagged, 0.0).sum(axis=0) / np.maximum(count, 1), np.nan)
    return lagged[0], average


def compared_with_past(value: float, last_year: float, average: float, unit: str, when: str = "") -> str:
    """'18% above a year earlier (350 XOF/KG) and 25% above the 5-year average (330 XOF/KG)'."""
    parts = []
    if last_year == last_year and last_year:
        parts.append(f"{relative(value, last_year, unit)} a year earlier ({format_value(last_year, unit)})")
    if average == average and average:
        parts.append(f"{relative(value, average, unit)} the 5-year average{when} ({format_value(average, unit)})")
    return " and ".join(parts)


def compared_with_past_all(values, last_year, average, unit: str) -> list[str]:
    """`compared_with_past` of every value of a column (the same text)."""
    year_words, average_words = relatives(values, last_year, unit), relatives(values, average, unit)
    out = []
    for year, mean, shown_year, shown_mean, versus_year, versus_mean in zip(
            last_year, average, format_values(last_year, unit), format_values(average, unit), year_words,
            average_words):
        parts = []
        if year == year and year:
            parts.append(f"{versus_year} a year earlier ({shown_year})")
        if mean == mean and mean:
            parts.append(f"{versus_mean} the 5-year average ({shown_mean})")
        out.append(" and ".join(parts))
    return out


def against_usual(value: float, usual: float, unit: str) -> str:
    """The size of a value against the usual one, in the words people use and readable on tiny
    bases: '38% above the usual 298 XOF/KG', '71 points below the usual 93%', '49.2 h against a
    usual 0.2 h'."""
    if is_duration(unit):
        return f"against a usual {format_value(usual, unit)}"
    if unit == "share":
        return f"{relative(value, usual, unit)} the usual {format_value(usual, unit)}"
    if unit == "index" or not usual > 0:
        # an index around 0 (fuel stress) or a non-positive base: a difference, never a percent
        change = value - usual
        return f"{abs(change):.2f} {'above' if change >= 0 else 'below'} the usual {format_value(usual, unit)}"
    if usual and value / usual >= 3:
        return f"{value / usual:.1f} times the usual {format_value(usual, unit)}"
    return f"{relative(value, usual, unit)} the usual {format_value(usual, unit)}"


def normal_range_words(value: float, lower: float, upper: float, low: str, high: str, direction: str,
                       of: str = "", back: bool = False) -> str:
    """A date at `normal` against its normal range (`lower` to `upper`, shown as `low` to `high`):
    "within the normal range ..." where the value is inside it. Where it is outside, it says so
    instead of calling the value within: on the side that is bad for the indicator (`direction`:
    up, down or both) the range is drawn at 2 scales and stress needs more (or a size that
    matters), so the words name no phase (the date is normal); on the other side a value is no
    alarm at all. `of` qualifies the range ("of before the episode that began ..."), `back` says
    it is back there after an episode's abnormal dates."""
    if not value > upper and not value < lower:  # inside, or unknown
        return f"{'back ' if back else ''}within the normal range{of} ({low} to {high})"
    side = "above" if value > upper else "below"
    text = f"{side} the normal range{of} ({low} to {high})"
    if direction in ("both", "up" if side == "above" else "down"):
        return text + (", but no longer" if back else ", but not") + " far enough out to be unusual"
    return text + f", which is no alarm for this indicator (only {'higher' if side == 'below' else 'lower'} values are)"
