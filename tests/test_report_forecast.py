"""Projections in the report: fan charts, skill sentences, the baseline fallback, alert sentences."""
import warnings

import pandas as pd

from indicators.detect import run_detection
from indicators.forecast import run_forecasts
from indicators.report import write_report
from indicators.report.projections import Projections, alert_sentence

from series_factory import daily_share, monthly_prices

warnings.simplefilter("ignore")


def _fill(store):
    rows = [dict(indicator="grain_price", location="Segou", item="millet", price_type="retail", date=d, value=v,
                 unit="XOF/KG") for d, v in monthly_prices(seed=5, months=96, shock_at=90, shock=0.5).items()]
    rows += [dict(indicator="fuel_availability", location="Bamako", item="petrol", price_type="", date=d, value=v,
                  unit="share") for d, v in daily_share(seed=1, days=200).items()]
    frame = pd.DataFrame(rows)
    with store.transaction():
        frame["series_id"] = store.ensure_series(frame)
        store.ingest(frame.assign(source_file="test", source_line=None))


def test_fan_charts_and_sentences_are_in_the_report(store, tmp_path):
    _fill(store)
    run_detection(store)
    counts = run_forecasts(store, to_lean=True)
    assert counts["series"] == 2
    out = write_report(store, tmp_path / "report").parent
    grain = (out / "grain.html").read_text(encoding="utf-8")
    assert "projection (" in grain and "80% interval" in grain
    assert "past origins" in grain or "ongoing episode" in grain
    assert "how to read the fan" in grain
    assert "projection" in (out / "seasonal.html").read_text(encoding="utf-8")
    assert "projection (" in (out / "fuel.html").read_text(encoding="utf-8")
    method = (out / "method.html").read_text(encoding="utf-8")
    assert 'id="projections"' in method and "ets_multiplicative" in method
    assert (out / "forecast_skill.csv").exists()
    current = pd.read_csv(out / "current_alerts.csv")
    grain_alerts = current[current["indicator"] == "grain_price"]
    assert not grain_alerts.empty and grain_alerts["explanation"].str.contains("Projected to").all()


def _projections(mase: float, status: str = "projected") -> Projections:
    fans = pd.DataFrame([dict(sid=1, origin="2025-06", date=f"2025-{m:02d}", method=method, horizon=m - 6,
                              forecast=value, lower_80=value - 1, upper_80=value + 1, lower_95=value - 2,
                              upper_95=value + 2, chosen=int(method == "sarimax"))
                         for method, value in (("sarimax", 10.0), ("seasonal_naive", 20.0)) for m in (7, 8, 9)])
    choices = pd.DataFrame([dict(sid=1, origin="2025-06", method="sarimax", status=status, reason="",
                                 episode_start="2025-03" if status == "episode_ongoing" else None)])
    skill = pd.DataFrame([dict(sid=1, method=m, horizon=3, origins=36, mape=p, mape_baseline=11.2,
                               mase=r, coverage_80=0.78, coverage_95=0.94)
                          for m, p, r in (("sarimax", 7.9 if mase < 1 else 12.0, mase),
                                          ("seasonal_naive", 11.2, 1.0))])
    return Projections(fans, choices, skill)


def test_the_method_is_shown_when_it_beats_seasonal_naive():
    rows, sentence = _projections(0.7).shown(1, "monthly")
    assert set(rows["method"]) == {"sarimax"}
    assert sentence == ("Over 36 past origins the SARIMAX 3-month error was 7.9%, seasonal naive 11.2%; the 80% band "
                        "held 78% of the time and the 95% band 94%.")


def test_the_baseline_is_shown_when_the_method_does_not_beat_it():
    rows, sentence = _projections(1.07).shown(1, "monthly")
    assert set(rows["method"]) == {"seasonal_naive"}
    assert "did not beat seasonal naive" in sentence and "baseline is shown" in sentence


def test_during_an_episode_the_regime_projection_stays_and_says_what_it_assumes():
    rows, sentence = _projections(1.07, "episode_ongoing").shown(1, "monthly")
    assert set(rows["method"]) == {"sarimax"}
    assert sentence.startswith("Assumes the ongoing episode (since 2025-03) continues")


def test_alert_sentence_compares_the_peak_with_the_five_year_average():
    observed = pd.DataFrame({"date": pd.period_range("2019-01", "2025-06", freq="M").strftime("%Y-%m"),
                             "value": 100.0})
    rows = pd.DataFrame({"date": ["2025-07", "2025-08", "2025-09"], "forecast": [120.0, 152.0, 130.0]})
    assert alert_sentence(rows, observed, "XOF/KG", "monthly", "up") == \
        "Projected to peak at 152 XOF/KG in 2025-08, 52% above the 5-year average for that month."


def test_a_flat_daily_projection_is_not_compared_with_itself():
    observed = pd.DataFrame({"date": ["2025-11-19", "2025-11-20"], "value": [9.0, 10.0]})
    rows = pd.DataFrame({"date": ["2025-11-21", "2025-11-22"], "forecast": [10.0, 10.0]})
    assert alert_sentence(rows, observed, "hours/day", "daily", "up") == \
        "Projected to stay at 10.0 h/day through 2025-11-22."
