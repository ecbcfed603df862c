"""Plain sentences for people: values in their units, deviations in percent."""
from __future__ import annotations

import math


def format_value(value: float, unit: str) -> str:
    """0.22 share -> '22%'; 13.5 hours -> '13.5 h'; 412 XOF/KG -> '412 XOF/KG'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit in ("hours", "hours/day"):
        return f"{value:.1f} h" + ("/day" if unit == "hours/day" else "")
    if abs(value) >= 100:
        number = f"{value:,.0f}"
    elif abs(value) >= 10:
        number = f"{value:.1f}"
    else:
        number = f"{value:.2f}"
    return f"{number} {unit}".strip()


def relative(value: float, expected: float, unit: str = "") -> str:
    """'38% above', '74% below', or in points for shares ('71 points below')."""
    if unit == "share":
        points = (value - expected) * 100
        return f"{abs(points):.0f} points {'above' if points >= 0 else 'below'}"
    if not expected:
        return "above" if value > expected else "below"
    change = (value - expected) / abs(expected) * 100
    return f"{abs(change):.0f}% {'above' if change >= 0 else 'below'}"
