"""Severity as a state, alarms as events (docs/detection.md, "State and alarms"): a crisis stays a
crisis for as long as it lasts, sizes that matter, ALPS month by month, episodes and alarms."""
import io
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from indicators.detect import SeriesInfo, get_detector
from indicators.detect.alps import DISCOUNT, SHORT_DISCOUNT, _design, expanding_fit, local_fit
from indicators.detect.severity import SIZE_RULES, classify_one, magnitude
from indicators.episodes import series_episodes

from series_factory import AVAILABILITY, OUTAGE, PRICE, QUEUE, daily_hours, daily_share, monthly_prices
from test_detect_alps import DIEBOUGOU, FIXTURE, SHARED, diebougou_millet

PHASE_WORDS = re.compile(r"\b(normal|stress|alert|crisis)\b")


def state(values, info):
    return get_detector("state").detect(values, info).frame.set_index("date")


# -- a crisis stays a crisis ----------------------------------------------------------------------

@pytest.mark.parametrize("name, values, info, start, days, floor", [
    ("availability falls to 20% for 60 days", daily_share(seed=1, days=260, drop_at=180, drop=-0.7, drop_days=60),
     AVAILABILITY, 180, 60, "crisis"),
    ("queues go from 20 minutes to 12 h for 45 days", daily_hours(seed=2, days=260, surge_at=190, factor=40,
                                                                    surge_days=45), QUEUE, 190, 45, "crisis"),
    ("prices up 60% for a year", monthly_prices(seed=3, months=150, shock_at=120, shock=0.6, shock_months=11),
     PRICE, 120, 11, "alert"),
])
def test_every_date_of_a_lasting_shock_stays_alert_or_worse(name, values, info, start, days, floor):
    frame = state(values, info)
    inside = frame.loc[values.index[start + 2:start + days]]
    assert inside["severity"].isin(["alert", "crisis"] if floor == "alert" else ["crisis"]).all(), (
        name, inside.loc[~inside["severity"].isin(["alert", "crisis"]), "explanation"].head(3).tolist())
    # The band drawn during the episode is the pre-episode normal, not a band that follows the shock.
    before = frame.loc[values.index[start - 5:start], "upper"].max()
    assert (inside["upper"] <= before * 1.25 + 1e-9).all() if info.definition.bad_direction == "up" else \
        (inside["lower"] >= frame.loc[values.index[start - 5:start], "lower"].min() - 0.1).all()


def test_after_the_episode_the_series_is_normal_again_and_its_values_stay_out_of_the_baseline():
    values = daily_share(seed=4, days=330, drop_at=150, drop=-0.6, drop_days=50)
    frame = state(values, AVAILABILITY)
    after = frame.loc[values.index[215:]]
    assert (after["severity"] == "normal").mean() > 0.95
    # the expected value after the episode is the old normal (about 90%), not a mix with 30%
    assert after["expected"].between(0.85, 0.97).all()
    assert frame["explanation"].str.contains("the episode has ended").any()


def test_an_episode_that_lasts_becomes_the_new_normal_explicitly():
    values = monthly_prices(seed=5, months=160, shock_at=110, shock=0.5)  # prices 50% up for good
    frame = state(values, PRICE)
    declared = frame[frame["explanation"].str.contains("new normal since")]
    assert len(declared) == 1
    assert "after 12 months at this level" in declared["explanation"].iloc[0]
    assert (frame.loc[values.index[125:], "severity"] == "normal").mean() > 0.9


def test_a_flat_administered_price_with_a_small_step_is_not_a_crisis():
    index = pd.period_range("2012-01", periods=120, freq="M").strftime("%Y-%m")
    values = pd.Series(np.where(np.arange(120) < 108, 350.0, 360.0), index=index)  # +3% after 9 years
    for name in ("state", "alps", "harvest"):
        frame = get_detector(name).detect(values, PRICE).frame
        assert not frame["severity"].isin(["alert", "crisis"]).any(), (name, frame.tail(3).to_dict("records"))
    ipa = get_detector("ipa").detect(values, PRICE).frame
    assert ipa["score"].abs().max() < 10  # no division by a zero spread


@pytest.mark.parametrize("rule, size, score, expected", [
    ("percent", 3.0, 50.0, "normal"),     # 3%: never a crisis however small the noise
    ("percent", 7.0, 50.0, "stress"),
    ("percent", 12.0, 2.6, "stress"),     # sized for alert, but the score is only stress
    ("percent", 60.0, 3.2, "crisis"),     # decisive size, out of the noise
    ("points", 80.0, 3.1, "crisis"),      # 0% where 80-90% is usual, however noisy
    ("points", 45.0, 1.0, "normal"),      # a large size inside the noise of the series
    ("hours", 0.3, 9.0, "normal"),        # 20 minutes more queue is nobody's crisis
    ("hours", 15.0, 3.5, "crisis"),
])
def test_severity_needs_a_score_and_a_size(rule, size, score, expected):
    thresholds = {"stress": 2.5, "alert": 3.5, "crisis": 5.0}
    assert ["normal", "stress", "alert", "crisis"][classify_one(score, thresholds, size, SIZE_RULES[rule])] == expected


def test_sizes_are_in_the_units_people_use():
    assert magnitude(0.2, 0.9, AVAILABILITY) == pytest.approx(70)  # points below
    assert magnitude(49.2, 0.2, QUEUE) == pytest.approx(49)  # hours above
    assert magnitude(18.0, 6.0, OUTAGE) == pytest.approx(12)
    assert magnitude(412, 298, PRICE) == pytest.approx(38.26, abs=0.01)  # percent above


def test_explanations_on_tiny_bases_stay_readable():
    values = daily_hours(seed=6, days=240, level=0.2, surge_at=200, factor=250)
    text = state(values, QUEUE).loc[values.index[210], "explanation"]
    assert "against a usual 0.2 h" in text and "%" not in text


# -- badges and words agree -----------------------------------------------------------------------

def test_every_explanation_names_its_own_severity_and_no_other(demo):
    from indicators.alerts import alerts
    from indicators.store import Store

    with Store(demo.path) as store:
        rows = alerts(store, include_normal=True)
    for row in rows.itertuples():
        words = set(PHASE_WORDS.findall(row.explanation.split(":", 1)[1]))
        assert words <= {row.severity} and (row.severity == "normal" or words == {row.severity}), (
            row.severity, row.explanation)


# -- ALPS as published month by month ------------------------------------------------------------

def test_alps_month_by_month_is_the_weighted_ols_on_past_data_and_has_no_look_ahead():
    values = diebougou_millet(FIXTURE)
    full = get_detector("alps").detect(values, DIEBOUGOU).frame.set_index("date")
    from indicators.detect.base import to_regular
    regular = to_regular(values, "monthly")
    prices, observed, design = _design(regular)
    # month s weighs the product of the later months' forgetting factors (DISCOUNT, or
    # SHORT_DISCOUNT where inflation changed for good: `alps.forgetting`)
    factor = np.where(local_fit(prices, observed, design).shortened, SHORT_DISCOUNT, DISCOUNT)
    for t in (60, 150, 250, len(regular) - 1):  # an independent weighted lstsq on the data up to month t
        window = observed & (np.arange(len(regular)) <= t)
        weights = np.array([np.prod(factor[s + 1:t + 1]) for s in np.flatnonzero(window)])
        root = np.sqrt(weights)[:, None]
        beta, *_ = np.linalg.lstsq(design[window] * root, prices[window] * root[:, 0], rcond=None)
        residuals = prices[window] - design[window] @ beta
        spread = np.sqrt((weights * residuals ** 2).sum() / (weights.sum() - 1))
        date = regular.index[t].strftime("%Y-%m")
        if date in full.index:
            assert full.loc[date, "score"] == pytest.approx((prices[t] - design[t] @ beta) / spread)
    for cut in (120, 200, 300):
        part = get_detector("alps").detect(values.iloc[:cut], DIEBOUGOU).frame.set_index("date")
        pd.testing.assert_frame_equal(full.loc[part.index], part)
    fitted, spread = expanding_fit(prices, observed, design)
    assert np.isnan(spread[:13]).all()  # fewer observed months than coefficients: no fit yet


@pytest.mark.parametrize("path", [
    FIXTURE,
    pytest.param(SHARED, marks=pytest.mark.skipif(not SHARED.exists(), reason="shared/data not found beside the checkout or above it")),
], ids=["fixture subset", "full HDX country file"])
def test_the_2005_lean_season_peak_of_diebougou_millet_is_a_crisis(path):
    values = diebougou_millet(path)
    rows = pd.concat([get_detector(name).detect(values, DIEBOUGOU).frame.assign(detector=name)
                      for name in ("state", "alps", "harvest")])
    rows = rows.assign(indicator="grain_price", location="Diebougou", item="millet", price_type="retail")
    from indicators.detect import consolidate
    merged = consolidate(rows).set_index("date")
    assert merged.loc["2005-08", "severity"] == "crisis"
    assert merged.loc[["2005-06", "2005-08", "2005-09"], "severity"].isin(["alert", "crisis"]).all()


# -- episodes and alarms --------------------------------------------------------------------------

@pytest.mark.parametrize("name, severities, episodes, alarms", [
    ("one episode, one alarm", ["normal", "alert", "alert", "alert", "normal", "normal"], 1, [(1, "start")]),
    ("an escalation is a second alarm", ["normal", "alert", "crisis", "crisis", "alert", "normal"], 1,
     [(1, "start"), (2, "escalation")]),
    ("a one-period dip below alert does not split it", ["alert", "stress", "alert", "normal", "normal"], 1,
     [(0, "start")]),
    ("two months below alert do", ["alert", "stress", "normal", "alert"], 2, [(0, "start"), (3, "start")]),
    ("a downgrade is not an alarm", ["crisis", "alert", "alert"], 1, [(0, "start")]),
    ("stress is not an episode", ["stress", "stress", "normal"], 0, []),
])
def test_episodes_and_their_alarms(name, severities, episodes, alarms):
    dates = pd.period_range("2025-01", periods=len(severities), freq="M").strftime("%Y-%m")
    found = series_episodes(dates, severities)
    assert len(found) == episodes, name
    assert [a for episode in found for a in episode["alarms"]] == alarms, name


def test_an_ongoing_episode_and_its_duration_in_days():
    dates = pd.date_range("2025-09-01", periods=10, freq="D").strftime("%Y-%m-%d")
    [episode] = series_episodes(dates, ["normal"] * 3 + ["crisis"] * 7)
    assert episode["ongoing"] and episode["duration"] == 7


# -- one set of counts ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from click.testing import CliRunner

    from indicators.cli import cli
    folder = tmp_path_factory.mktemp("state-demo")
    db = folder / "track.db"
    first = CliRunner().invoke(cli, ["run", "--db", str(db), "--out", str(folder / "reports")], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    first_index = (folder / "reports" / "index.html").read_text(encoding="utf-8")
    second = CliRunner().invoke(cli, ["run", "--db", str(db), "--out", str(folder / "reports"), "--json"],
                                catch_exceptions=False)
    return SimpleNamespace(path=db, first=first.output, second=second.output, reports=folder / "reports",
                           first_index=first_index)


def test_a_second_run_on_the_same_data_raises_no_alarm(demo):
    import json

    summary = json.loads(demo.second)
    assert summary["new_alerts"]["count"] == 0


def test_each_blockade_series_raises_its_start_and_escalations_only(demo):
    from indicators.store import Store

    with Store(demo.path) as store:
        raised = store.query_frame(
            """SELECT s.indicator, s.location, s.item, s.price_type, r.date, r.severity FROM run_alerts r
               JOIN series s ON s.id = r.series_id WHERE s.indicator != 'grain_price' AND r.date >= '2025-09'""")
    per_series = raised.groupby(["indicator", "location", "item", "price_type"]).size()
    assert not per_series.empty and per_series.max() <= 3, per_series[per_series > 3]


def test_counts_agree_across_detect_run_report_and_alerts(demo):
    from click.testing import CliRunner

    from indicators.alerts import alerts, summary
    from indicators.cli import cli
    from indicators.store import Store

    with Store(demo.path) as store:
        counts = summary(store)
        flagged = alerts(store)
    episodes = CliRunner().invoke(cli, ["alerts", "--episodes", "--format", "csv", "--db", str(demo.path)]).output
    assert sum(counts["flagged_dates"].values()) == len(flagged)
    assert counts["episodes"] == len(pd.read_csv(io.StringIO(episodes)))
    run_line = next(line for line in demo.first.splitlines() if line.startswith("detection: "))
    detect = CliRunner().invoke(cli, ["detect", "--db", str(demo.path)]).output.strip().splitlines()[-1]
    same = (f"flagged dates: {counts['flagged_dates'].get('stress', 0)} stress, "
            f"{counts['flagged_dates'].get('alert', 0)} alert, {counts['flagged_dates'].get('crisis', 0)} crisis; "
            f"episodes: {counts['episodes']} ({counts['ongoing_episodes']} ongoing)")
    assert same in run_line and same in detect
    index = (demo.reports / "index.html").read_text(encoding="utf-8")
    assert f"{counts['episodes']} episodes ({counts['ongoing_episodes']} ongoing)" in index
    # the report written inside the second run: that run raised no alarm, and says so
    assert "none new since the last run" in index


def test_the_report_of_a_run_counts_the_alarms_that_run_raises(demo):
    raised = int(re.search(r"new alarms: (\d+)", demo.first).group(1))
    assert raised > 0
    assert f"{raised} new since the last run" in demo.first_index


def test_fuel_alerts_say_which_attacks_on_convoys_preceded_them(demo):
    from indicators.alerts import alerts
    from indicators.store import Store

    with Store(demo.path) as store:
        rows = alerts(store, min_severity="alert")
    fuel = rows[rows["indicator"].str.startswith("fuel_") & (rows["date"] >= "2025-09-15")
                & (rows["date"] <= "2025-10-15")]
    with_events = fuel[fuel["explanation"].str.contains("attacks? on fuel convoys", regex=True)]
    assert len(with_events) >= 50  # the days within 14 days after an attack on a corridor they depend on
    assert with_events["explanation"].str.endswith("(Bellingcat).").all()
    assert not rows[rows["indicator"] == "grain_price"]["explanation"].str.contains("convoy").any()


def test_an_index_around_zero_is_compared_by_difference_not_percent():
    from indicators.detect.explain import against_usual

    text = against_usual(0.86, -0.03, "index")
    assert "%" not in text and "0.89 above the usual" in text
