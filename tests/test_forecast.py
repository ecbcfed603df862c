"""Projections: methods, no look-ahead, intervals, fallbacks, crisis regime, skill by hand."""
import warnings

import numpy as np
import pandas as pd
import pytest

from indicators.forecast import METHODS, project
from indicators.forecast.backtest import LEVELS, MIN_ERRORS, interval_widths
from indicators.forecast.episodes import ongoing_episodes
from indicators.forecast.project import SKILL_ORIGINS, WARMUP
from indicators.forecast.run import lean_horizon

from series_factory import AVAILABILITY, PRICE, daily_share, monthly_prices

warnings.simplefilter("ignore")


@pytest.mark.parametrize("name", list(METHODS))
def test_a_forecast_from_an_origin_ignores_later_data(name):
    """One fit serves many origins; the forecast from each origin must not change when the data
    after it change (or are cut off)."""
    values = monthly_prices(seed=3, months=96).to_numpy()
    anchor, origins = 60, np.arange(60, 80)
    full = METHODS[name].paths(values, anchor, origins, 6, 12).forecast
    altered = values.copy()
    altered[80:] *= 1.5
    assert np.allclose(METHODS[name].paths(altered, anchor, origins, 6, 12).forecast, full)
    assert np.allclose(METHODS[name].paths(values[:80], anchor, origins, 6, 12).forecast, full)


def test_intervals_at_an_origin_use_only_errors_already_observed():
    rng = np.random.default_rng(1)
    positions = np.arange(40)
    error = rng.normal(0, 0.05, (40, 6))
    later = error.copy()
    later[30:] *= 10  # errors of origins 30+ (targets after 30) must not reach origins <= 30
    for h in range(6):
        later[30 - h:30, h] = error[30 - h:30, h] * 10  # column h is horizon h + 1: targets after 30
    widths = interval_widths(error, positions, np.full(40, 0.05))
    changed = interval_widths(later, positions, np.full(40, 0.05))
    for k in LEVELS:
        assert np.allclose(widths[k][:31], changed[k][:31])
        assert not np.allclose(widths[k][35:], changed[k][35:])


@pytest.mark.parametrize("values,info", [(monthly_prices(seed=1, months=120), PRICE),
                                         (daily_share(seed=2, days=300), AVAILABILITY),
                                         (monthly_prices(seed=4, months=14), PRICE)])
def test_intervals_widen_with_the_horizon_and_nest(values, info):
    projection = project(values, info)
    assert not projection.frame.empty
    for method, rows in projection.frame.groupby("method"):
        rows = rows.sort_values("horizon")
        assert (rows["lower_95"] <= rows["lower_80"] + 1e-12).all()
        assert (rows["lower_80"] <= rows["forecast"] + 1e-12).all()
        assert (rows["forecast"] <= rows["upper_80"] + 1e-12).all()
        assert (rows["upper_80"] <= rows["upper_95"] + 1e-12).all()
        if info.unit != "share":  # a share's band is cut at 0% and 100%
            spread = np.log(rows["upper_95"] / rows["lower_95"])
            assert (spread.diff().dropna() >= -1e-9).all()
            # seasonal naive forecasts every month from the same season a year back: as uncertain at 1 as at 6
            assert spread.iloc[-1] > spread.iloc[0] or method == "seasonal_naive"


def test_a_long_series_is_projected_six_months_with_the_baseline_beside_it():
    projection = project(monthly_prices(seed=1, months=120), PRICE)
    assert projection.status == "projected"
    assert projection.origin == "2025-12"
    assert projection.method in METHODS
    assert "seasonal_naive" in set(projection.frame["method"])
    chosen = projection.frame[projection.frame["method"] == projection.method]
    assert list(chosen["date"]) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert "smallest mean absolute error over the errors known from the last 24 origins" in projection.reason
    assert set(projection.skill["method"]) >= {"naive", "seasonal_naive", "selected"}


@pytest.mark.parametrize("months,status,method", [(14, "short_history", "seasonal_naive"),
                                                  (8, "short_history", "naive"),
                                                  (2, "insufficient_history", "")])
def test_short_series_fall_back_to_a_named_baseline(months, status, method):
    projection = project(monthly_prices(seed=2, months=months), PRICE)
    assert projection.status == status
    assert projection.method == method
    assert "not enough history" in projection.reason
    if method:
        assert set(projection.frame["method"]) >= {method}
        assert len(projection.frame[projection.frame["method"] == method]) == 6
    else:
        assert projection.frame.empty


def test_an_ongoing_episode_is_projected_from_the_current_regime():
    values = monthly_prices(seed=1, months=120, shock_at=114, shock=0.4)
    projection = project(values, PRICE, episode_start="2025-07")
    assert projection.status == "episode_ongoing"
    assert projection.method == "naive"
    assert "current regime" in projection.reason and "episode continues" in projection.reason
    assert "2025-07" in projection.reason
    chosen = projection.frame[projection.frame["method"] == "naive"]
    assert np.allclose(chosen["forecast"], values.iloc[-1])


def test_statsmodels_agrees_with_the_vectorised_forecasts():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    values = monthly_prices(seed=7, months=84).to_numpy()
    last = len(values) - 1
    for name in ("ets_additive", "ets_multiplicative"):
        kind = METHODS[name].seasonal
        model = ETSModel(values, error=kind, trend="add", damped_trend=True, seasonal=kind, seasonal_periods=12,
                         initialization_method="heuristic")
        own = model.smooth(model.fit(disp=False, return_params=True)).forecast(6)
        assert np.allclose(METHODS[name].paths(values, last, np.array([last]), 6, 12).forecast[0], own, rtol=1e-6)
    paths = METHODS["sarimax"].paths(values, last, np.array([last]), 6, 12)
    order = tuple(int(c) for c in paths.spec.split("(")[1].split(")")[0].split(","))
    changes = np.diff(np.log(values))
    fitted = SARIMAX(changes, order=(order[0], 0, order[2]), trend="c", concentrate_scale=True).fit(disp=False,
                                                                                                       maxiter=50)
    own = np.exp(np.log(values[-1]) + np.cumsum(fitted.forecast(6)))
    assert np.allclose(paths.forecast[0], own, rtol=1e-6)


def test_skill_recomputed_by_hand_on_a_small_series():
    from scipy import stats

    values = monthly_prices(seed=11, months=40, sigma=0.03)
    projection = project(values, PRICE, horizon=2, methods=["naive", "seasonal_naive"])
    y = np.log(values.to_numpy())
    last = len(y) - 1
    first = max(0, last - SKILL_ORIGINS["monthly"] - WARMUP["monthly"])  # the earliest backtest origin

    forecasts = {"naive": (lambda s, h: y[s], first), "seasonal_naive": (lambda s, h: y[s + h - 12], max(first, 12))}

    def scale(o, h, method="naive"):
        """RMS (the larger of plain and half-life-12 weighted) of a method's h-step log errors known at o."""
        forecast, earliest = forecasts[method]
        starts = [s for s in range(earliest, o) if s + h <= o]
        errors = np.array([y[s + h] - forecast(s, h) for s in starts])
        weights = 0.5 ** ((o - np.array(starts)) / 12)
        return np.sqrt(max(np.mean(errors ** 2), np.sum(weights * errors ** 2) / weights.sum())), len(starts)

    def width95(o, h, method="naive"):
        one, n1 = scale(o, 1, method)
        assert n1 >= MIN_ERRORS  # the empirical case (the random-walk fallback is tested elsewhere)
        width = stats.t.ppf(0.975, n1 - 1) * one
        if h == 2:  # its own errors, at least the one-step band grown as a random walk (x sqrt 2)
            two, n2 = scale(o, 2, method)
            width = max(stats.t.ppf(0.975, n2 - 1) * two, width * np.sqrt(2))
        return width

    origins = [o for o in range(last) if o >= last - SKILL_ORIGINS["monthly"] and o >= 12]
    for h in (1, 2):
        pairs = [(o, o + h) for o in origins if o + h <= last]
        level = np.exp(y)
        row = projection.skill[(projection.skill["method"] == "naive") & (projection.skill["horizon"] == h)].iloc[0]
        assert row["origins"] == len(pairs)
        assert row["mape"] == pytest.approx(np.mean([abs(level[t] - level[o]) / level[t] * 100 for o, t in pairs]))
        assert row["mase"] == pytest.approx(sum(abs(level[t] - level[o]) for o, t in pairs)
                                            / sum(abs(level[t] - level[t - 12]) for o, t in pairs))
        hits = sum(abs(y[t] - y[o]) <= width95(o, h) for o, t in pairs)
        assert row["coverage_95"] == pytest.approx(hits / len(pairs))
        frame = projection.frame
        band = frame[(frame["method"] == "seasonal_naive") & (frame["horizon"] == h)].iloc[0]
        assert np.log(band["upper_95"] / band["forecast"]) == pytest.approx(width95(last, h, "seasonal_naive"))


def test_ongoing_episodes_from_the_severity_state(store):
    ids = store.ensure_series(pd.DataFrame([
        {"indicator": "grain_price", "location": "Segou", "item": "millet", "price_type": "retail"},
        {"indicator": "grain_price", "location": "Kayes", "item": "millet", "price_type": "retail"}]))
    severities = {int(ids[0]): ["normal", "stress", "alert", "stress", "alert", "crisis", "alert"],
                  int(ids[1]): ["alert", "crisis", "normal", "normal", "normal"]}
    with store.transaction():
        for series_id, levels in severities.items():
            frame = pd.DataFrame({"date": [f"2025-{m:02d}" for m in range(1, len(levels) + 1)], "value": 1.0,
                                  "expected": 1.0, "lower": 0.5, "upper": 1.5, "score": 0.0, "severity": levels,
                                  "explanation": ""})
            store.replace_anomalies(series_id, "state", frame)
    # one month below alert inside an episode does not end it (indicators.episodes.GAP_TOLERANCE)
    assert ongoing_episodes(store) == {int(ids[0]): "2025-03"}


def test_lean_horizon_reaches_the_end_of_the_coming_lean_season():
    assert lean_horizon(PRICE, "2025-11") == 10  # lean season June-September: to 2026-09
    assert lean_horizon(PRICE, "2025-07") == 2
    assert lean_horizon(AVAILABILITY, "2025-07-01") is None


def test_a_series_that_breaks_a_method_is_recorded_not_fatal(store, monkeypatch):
    from indicators.forecast import run_forecasts

    frame = pd.DataFrame({"indicator": "grain_price", "location": "Segou", "item": "millet", "price_type": "retail",
                          "date": monthly_prices(months=40).index, "value": monthly_prices(months=40).to_numpy(),
                          "unit": "XOF/KG", "source_file": "test", "source_line": None})
    with store.transaction():
        frame["series_id"] = store.ensure_series(frame)
        store.ingest(frame)

    def broken(*args, **kwargs):
        raise ValueError("odd input")

    monkeypatch.setattr("indicators.forecast.run.project", broken)
    counts = run_forecasts(store)
    assert counts["status:error"] == 1
    reason = store.conn.execute("SELECT status, reason FROM forecast_choices").fetchone()
    assert reason == ("error", "projection failed on this series: odd input")
