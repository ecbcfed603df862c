"""The change detector (`indicators/detect/change.py`): monthly prices against last month's price,
as a seasonal random walk, counted where the normal over years is stale (issue 10: real grain prices
behave close to random walks, and after a fall the seasonal baseline still expects the old level).
Small deterministic random walks with a harvest season; the consolidated view is what users see."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import DETECTORS, SeriesInfo, consolidate, get_detector
from indicators.detect import change

from series_factory import SEASON

PRICE = SeriesInfo("grain_price", "Gaoua", "maize", "retail", "XOF/KG", "monthly")
AT = 120  # the month of the injected events (2022-01)


def random_walk(seed, months=132, sigma=0.03, fall=0.0):
    """Log price: a random walk (monthly steps of sd `sigma`) plus a harvest season; with `fall`,
    prices fall that much (log points) over the 12 months from 2020-11, as Gaoua maize did in 2019."""
    rng = np.random.default_rng(seed)
    index = pd.period_range("2012-01", periods=months, freq="M")
    steps = rng.normal(0, sigma, months)
    steps[AT - 14:AT - 2] -= fall / 12
    log_price = np.log(250) + SEASON[index.month - 1] + np.cumsum(steps)
    return pd.Series(np.exp(log_price), index=index.strftime("%Y-%m"))


def consolidated(values, info=PRICE, leave_out=()):
    counted = [cls() for name, cls in DETECTORS.items() if cls.role in ("alarm", "phase") and name not in leave_out]
    frames = [d.detect(values, info).frame.assign(detector=d.name) for d in counted if d.applies(info)]
    rows = consolidate(pd.concat([f for f in frames if not f.empty]).assign(
        indicator=info.indicator, location="", item="", price_type=""))
    return rows.set_index("date")


def alerted(frame):
    return frame["severity"].isin(["alert", "crisis"])


def change_rows(values, info=PRICE):
    return get_detector("change").detect(values, info).frame.set_index("date")


def test_spike_after_a_fall_is_alerted():
    """+25% in one month after prices fell 30% in a year: the seasonal baseline still expects the
    old level (main at d448180: consolidated 'normal' here); against last month it is an alert."""
    values = random_walk(5, fall=0.3)
    values.iloc[AT] *= 1.25
    month = values.index[AT]
    rows = consolidated(values)
    assert rows.loc[month, "severity"] in ("alert", "crisis")
    assert "change" in rows.loc[month, "detector"].split("+")
    text = change_rows(values).loc[month, "explanation"]
    assert "above the usual" in text and "last month's price" in text


def test_shift_after_a_fall_stays_alert_while_it_lasts():
    """+20% for 8 months: alert in every month of the shift, not only the first (main: none)."""
    values = random_walk(5, fall=0.3)
    values.iloc[AT:AT + 8] *= 1.20
    months = values.index[AT:AT + 8]
    assert alerted(change_rows(values).loc[months]).all()
    assert alerted(consolidated(values).loc[months]).all()
    after = change_rows(values).loc[values.index[AT + 9]:]
    assert not alerted(after).any()  # and it ends when the shift does


def test_months_of_a_shift_say_which_price_they_are_compared_with():
    """After its first month a shift is scored against the price before the jump, not against last
    month's: the sentences say so, and the shift's first month still names last month's price."""
    values = random_walk(5, fall=0.3)
    values.iloc[AT:AT + 8] *= 1.20
    rows = change_rows(values)
    first, later = values.index[AT], values.index[AT + 1:AT + 8]
    assert "last month's price" in rows.loc[first, "explanation"]
    for month in later:
        text = rows.loc[month, "explanation"]
        assert f"the price before the rise of {first}" in text and "last month's price" not in text, text
    calm = [m for m in rows.index[rows["severity"] == "normal"] if m > first and rows.loc[m, "explanation"]
            .count("back within the usual range")]
    assert calm  # the months it takes to end are described against the same reference


@pytest.mark.parametrize("seed", [1, 3, 7])
@pytest.mark.parametrize("fall", [0.0, 0.3])
def test_random_walk_without_events_raises_no_alarm(seed, fall):
    """Neither the change detector nor the consolidated view with it raises an alarm the other
    detectors did not (ALPS has its own on some walks: a wander of the level)."""
    values = random_walk(seed, fall=fall)
    assert not alerted(change_rows(values)).any()
    with_change, without = consolidated(values), consolidated(values, leave_out={"change"})
    assert set(with_change.index[alerted(with_change)]) == set(without.index[alerted(without)])


def imputed(seed=5, run=12, since=60, move=1.25):
    """The fallen random walk, from month `since` observed only every `run` months and carried
    forward in between (an imputed series), with an ordinary move at `AT` for a price left a year
    unchanged (+25%: the walk's own changes over a year, its season included, score 1.2 scales)."""
    values = random_walk(seed, fall=0.3)
    carried = values.copy()
    carried.iloc[since:] = np.nan
    carried.iloc[since::run] = values.iloc[since::run]
    carried = carried.ffill()
    carried.iloc[AT - run + 1:AT] = carried.iloc[AT - run]  # flat up to the move
    carried.iloc[AT] = carried.iloc[AT - run] * move
    return carried.iloc[:AT + 1]


def test_long_flat_runs_do_not_alert_on_the_first_ordinary_move(monkeypatch):
    """A price repeated for months is no new observation: the first move after a run is judged as
    a change over the whole run (a random walk's spread over a year), not against a spread of
    zeros. (Counted wherever it is scored here: the scale alone decides.)"""
    monkeypatch.setattr(change, "STALE", -np.inf)
    values = imputed()
    rows = change_rows(values)
    assert rows.loc[values.index[AT], "severity"] == "normal"
    assert values.index[AT - 1] not in rows.index  # a repeated month is not scored on its own


def test_flat_runs_matter(monkeypatch):
    """The same series with every repeated month taken as an observed change of zero alerts on the
    move: the case above tests the rule, not the noise."""
    monkeypatch.setattr(change, "STALE", -np.inf)
    values = imputed()
    jitter = values * (1 + 1e-9 * np.arange(len(values)))  # no two months exactly equal
    rows = change_rows(jitter)
    assert rows.loc[values.index[AT], "severity"] in ("alert", "crisis")


def test_stable_normal_leaves_the_jump_to_the_state_detector():
    """Noise about a stable normal (no fall: the normal over years is not stale): a +30% jump is the
    seasonal baseline's to flag; the change rule does not count there and does not score the month."""
    rng = np.random.default_rng(2)
    index = pd.period_range("2012-01", periods=132, freq="M")
    log_price = np.log(300) + SEASON[index.month - 1] + rng.normal(0, 0.03, 132)
    log_price[AT] += np.log(1.3)
    values = pd.Series(np.exp(log_price), index=index.strftime("%Y-%m"))
    assert values.index[AT] not in change_rows(values).index
    rows = consolidated(values)
    assert rows.loc[values.index[AT], "severity"] in ("alert", "crisis")
    assert "change" not in rows.loc[values.index[AT], "detector"].split("+")


def test_past_data_only():
    """A month's row does not change when later months arrive (the walk's episodes included)."""
    values = random_walk(5, fall=0.3)
    values.iloc[AT:AT + 8] *= 1.20
    full = change_rows(values)
    for stop in (AT, AT + 3, AT + 10):
        part = change_rows(values.iloc[:stop + 1])
        pd.testing.assert_frame_equal(part, full.loc[part.index], check_exact=False)


def test_short_series_has_not_enough_history():
    result = get_detector("change").detect(random_walk(1, months=20), PRICE)
    assert result.status == "insufficient_history"
    assert "24 earlier month-to-month changes" in result.message


def test_only_monthly_prices():
    daily = SeriesInfo("power_outage", "Kati", "", "", "hours/day", "daily")
    assert not get_detector("change").applies(daily)
    assert get_detector("change").applies(PRICE)
    assert change.MonthlyChange.role == "alarm"  # counted in the consolidated view


def test_usual_changes_use_earlier_years_only():
    """The usual change into a month is the median of that month's changes in the years before."""
    months = np.tile(np.arange(1, 13), 6)
    one_month = np.where(months == 3, 0.05, 0.0)[1:]  # March always +5%
    current = np.arange(1, len(months))
    one_month[current == 12 * 5 + 2] = 0.5  # the last March: +50%
    usual = change._usual_changes(one_month, current, months, len(months))
    march = np.flatnonzero(months == 3)
    assert usual[march[:3]].tolist() == [0.0, 0.0, 0.0]  # fewer than 3 earlier Marches
    assert usual[march[3:]].tolist() == pytest.approx([0.05, 0.05, 0.05])  # the last one's own +50% not used
