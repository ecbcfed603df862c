"""A date at `normal` whose value lies outside the normal range drawn for it is not said to be
"within the normal range": the range is drawn at 2 scales, stress needs 2.5 (monthly) or a size
that matters, so 18 of Diebougou millet's 303 scored months (state) read "133 XOF/KG, within the
normal range (39.9 XOF/KG to 127 XOF/KG)"."""
import re

import pytest

from indicators.detect import get_detector
from indicators.detect.explain import normal_range_words

from test_detect_streaming import DIEBOUGOU, FIXTURE, diebougou_millet


@pytest.mark.parametrize("value, direction, expected", [
    (100.0, "up", "within the normal range (80 to 120)"),
    (130.0, "up", "above the normal range (80 to 120), but not far enough out to be unusual"),
    (70.0, "up", "below the normal range (80 to 120), which is no alarm for this indicator (only higher values are)"),
    (70.0, "down", "below the normal range (80 to 120), but not far enough out to be unusual"),
    (130.0, "down", "above the normal range (80 to 120), which is no alarm for this indicator (only lower values are)"),
    (130.0, "both", "above the normal range (80 to 120), but not far enough out to be unusual"),
    (float("nan"), "up", "within the normal range (80 to 120)"),
])
def test_normal_range_words(value, direction, expected):
    assert normal_range_words(value, 80.0, 120.0, "80", "120", direction) == expected


def test_back_after_an_episode():
    of = " of before the episode that began 2024-03"
    assert normal_range_words(100.0, 80.0, 120.0, "80", "120", "up", of=of, back=True) == \
        "back within the normal range of before the episode that began 2024-03 (80 to 120)"
    assert normal_range_words(125.0, 80.0, 120.0, "80", "120", "up", of=of, back=True).endswith(
        "(80 to 120), but no longer far enough out to be unusual")


@pytest.mark.parametrize("name", ["state", "seasonal"])
def test_no_value_outside_its_range_is_called_within_it(name):
    frame = get_detector(name).detect(diebougou_millet(FIXTURE), DIEBOUGOU).frame
    normal = frame[frame["severity"] == "normal"]
    within = normal["explanation"].str.contains("within the normal range")
    outside = (normal["value"] > normal["upper"]) | (normal["value"] < normal["lower"])
    assert outside.sum() >= 10  # the case occurs on this real series
    assert not (within & outside).any()
    above = normal[normal["value"] > normal["upper"]]["explanation"]
    above = above[~above.str.contains("new normal since")]  # scored against its new level: its own words
    assert above.str.contains(re.escape("above the normal range")).all()
