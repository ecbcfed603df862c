"""The benchmark's generator and scoring (the benchmark itself runs on demand, not here)."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import detection_benchmark as bench  # noqa: E402

from indicators.detect import SeriesInfo  # noqa: E402


def test_generator_is_deterministic_and_labelled():
    first, second = bench.generate(6, 6), bench.generate(6, 6)
    assert [c.values.sum() for c in first] == [c.values.sum() for c in second]
    assert {c.info.indicator for c in first} == {"grain_price", "fuel_availability", "fuel_queue_time",
                                                "power_outage"}
    kinds = {e.kind for c in bench.generate(30, 0) for e in c.events}
    assert kinds == {"spike", "shift", "failed_harvest"}
    for case in first:
        assert case.values.index.is_monotonic_increasing
        for event in case.events:
            assert 0 <= event.start <= event.end < 730


def _case(events):
    index = pd.period_range("2010-01", periods=24, freq="M").strftime("%Y-%m")
    info = SeriesInfo("grain_price", "x", "millet", "retail", "XOF/KG", "monthly")
    return bench.Case(info, pd.Series(1.0, index=index), events)


@pytest.mark.parametrize("flagged, found, delay, false_alarms", [
    ([10, 11, 12], True, 0, 0),          # episode starts at the event start
    ([11], True, 1, 0),                  # within the one-month tolerance
    ([12], False, None, 0),              # too late to count, but inside the event window: not false
    ([3, 10], True, 0, 1),               # an episode before the event is a false alarm
    ([20], False, None, 1),              # after the window
])
def test_scoring_by_event(flagged, found, delay, false_alarms):
    case = _case([bench.Event("shift", 10, 14)])
    flags = np.zeros(24, dtype=bool)
    flags[flagged] = True
    result, count, _ = bench.score_case(case, flags)
    assert (result[0][1] is not None) == found and result[0][1] == delay
    assert count == false_alarms


def test_state_level_scores_count_periods_after_the_first_detection():
    index = pd.period_range("2010-01", periods=80, freq="M").strftime("%Y-%m")
    case = bench.Case(SeriesInfo("grain_price", "x", "millet", "retail", "XOF/KG", "monthly"),
                      pd.Series(1.0, index=index), [bench.Event("shift", 62, 69)])
    flags = np.zeros(80, dtype=bool)
    flags[[63, 64, 66, 75]] = True  # found at 63 (delay 1); 65, 67-69 missed; 75 is event-free
    _, false_alarms, state = bench.score_case(case, flags)
    assert state["in_event"] == 7 and state["in_event_flagged"] == 3  # 63..69
    assert state["free"] == 80 - 60 - 9 and state["free_flagged"] == 1  # after the warm-up, outside 62..70
    assert false_alarms == 1
