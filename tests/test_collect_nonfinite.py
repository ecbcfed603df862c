"""Numbers that are not finite (as written, or once converted to the canonical unit) are rejects
in every collector; JSON outputs never print Infinity or NaN."""
import io
import json

import numpy as np
import pandas as pd

from indicators.collectors import get_collector
from indicators.output import write_frame

CSV = """indicator,location,item,price_type,date,value,unit
grain_price,Segou,millet,retail,2025-10,1e308,XOF/500 G
fuel_queue_time,Bamako,petrol,,2025-10-20,1.7e308,days
fuel_queue_time,Bamako,petrol,,2025-10-21,inf,hours
grain_price,Segou,millet,retail,2025-11,412,XOF/KG
"""


def test_generic_csv_rejects_values_that_overflow(tmp_path, store):
    path = tmp_path / "big.csv"
    path.write_text(CSV)
    collector = get_collector("csv")
    first = collector.collect_file(store, path)
    assert (first.new, first.rejected, first.reject_lines) == (1, 3, [2, 3, 4])
    reasons = store.rejects()["reason"].tolist()
    assert any("not a finite number in XOF/KG" in r for r in reasons)
    assert np.isfinite(store.observations()["value"]).all()
    again = collector.collect_file(store, path)
    assert (again.new, again.revised, again.unchanged) == (0, 0, 1)


def test_wfp_rejects_a_price_that_overflows_per_kg(tmp_path, store):
    header = "date,admin1,admin2,market,market_id,latitude,longitude,category,commodity,commodity_id,unit,priceflag," \
             "pricetype,currency,price,usdprice\n"
    rows = ("2025-10-15,Segou,Segou,Segou,1,13.4,-6.2,cereals and tubers,Millet,73,500 G,actual,Retail,XOF,1e308,\n"
            "2025-11-15,Segou,Segou,Segou,1,13.4,-6.2,cereals and tubers,Millet,73,KG,actual,Retail,XOF,400,\n")
    path = tmp_path / "wfp_food_prices_mli.csv"
    path.write_text(header + rows)
    summary = get_collector("wfp").collect_file(store, path)
    assert (summary.new, summary.rejected, summary.reject_lines) == (1, 1, [2])


def test_stations_reject_the_report_with_an_infinite_price_only(tmp_path, store):
    path = tmp_path / "stations.csv"
    path.write_text("date,city,station,fuel_type,status,pump_price,queue_hours\n"
                    "2025-10-20,Bamako,A,petrol,available,1e309,2\n"
                    "2025-10-20,Bamako,B,petrol,available,780,4\n")
    summary = get_collector("stations").collect_file(store, path)
    assert summary.reject_lines == [2]
    prices = store.observations("fuel_price")
    assert prices["value"].tolist() == [780.0]


def test_outages_reject_an_infinite_duration(tmp_path, store):
    path = tmp_path / "outages.csv"
    path.write_text("area,start,duration_hours\nBamako,2025-10-20 08:00,inf\nBamako,2025-10-21 08:00,2\n")
    summary = get_collector("outages").collect_file(store, path)
    assert summary.reject_lines == [2]
    assert np.isfinite(store.observations()["value"]).all()


def test_json_output_never_prints_infinity_or_nan():
    frame = pd.DataFrame({"value": [np.inf, -np.inf, np.nan, 1.5], "score": np.array([np.inf, 1, 2, 3], "float32")})
    stream = io.StringIO()
    write_frame(frame, "json", stream)
    text = stream.getvalue()
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text)[0] == {"value": None, "score": None}


def test_alerts_json_with_an_infinite_score_in_an_old_store_is_valid_json(store, track):
    series_id = int(store.ensure_series(pd.DataFrame([{"indicator": "grain_price", "location": "Segou",
                                                        "item": "millet", "price_type": "retail"}])).iloc[0])
    with store.transaction():
        store.replace_anomalies(series_id, "seasonal", pd.DataFrame([{
            "date": "2025-11", "value": 1e308, "expected": 300.0, "lower": 250.0, "upper": 350.0,
            "score": float("inf"), "severity": "crisis", "explanation": "x"}]))
    result = track("alerts", "--format", "json", "--detector", "seasonal")
    assert result.exit_code == 0
    assert json.loads(result.output)[0]["score"] is None
