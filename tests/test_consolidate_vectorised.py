"""The consolidated view computed set-wise (`consolidate`) equals the max-severity rule written
the plain way, row group by row group, on random detector rows: ties, missing scores, missing
keys, uncounted detectors and dates no counted detector flags."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect.consolidate import KEY, consolidate, uncounted_detectors
from indicators.detect.severity import rank


def reference(anomalies: pd.DataFrame) -> pd.DataFrame:
    """The rule with pandas' groupby: per (series, date) the top row by severity then score; its
    detector column lists the flagging detectors in that order."""
    anomalies = anomalies[~anomalies["detector"].isin(uncounted_detectors())]
    frame = anomalies.assign(_rank=rank(anomalies["severity"]), _score=anomalies["score"].fillna(float("-inf")))
    frame = frame.sort_values(KEY + ["_rank", "_score"], ascending=[True] * len(KEY) + [False] * 2)
    contributors = frame[frame["_rank"] > 0].groupby(KEY, sort=False)["detector"].agg("+".join)
    best = frame.drop_duplicates(KEY, keep="first").set_index(KEY)
    best["detector"] = contributors.reindex(best.index).fillna(best["detector"])
    return best.reset_index().drop(columns=["_rank", "_score"]).sort_values(KEY).reset_index(drop=True)


def random_rows(seed: int, rows: int = 3000, missing_keys: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    detectors = ["state", "harvest", "alps", "ipa", "seasonal", "regime", "alps_whole", "derived_rule"]
    frame = pd.DataFrame({
        "indicator": rng.choice(["grain_price", "fuel_price"], rows),
        "location": rng.choice(["Bamako", "Segou", "Mopti"], rows),
        "item": rng.choice(["millet", "rice", ""], rows),
        "price_type": rng.choice(["retail", ""], rows),
        "date": rng.choice([f"2025-{m:02d}" for m in range(1, 13)], rows),
        "value": rng.normal(100, 10, rows),
        "score": np.where(rng.random(rows) < 0.1, np.nan, rng.integers(0, 4, rows).astype(float)),  # ties
        "severity": rng.choice(["normal", "normal", "stress", "alert", "crisis"], rows),
        "detector": rng.choice(detectors, rows),
        "explanation": [f"row {i}" for i in range(rows)],
    })
    frame = frame.drop_duplicates(KEY + ["detector"]).reset_index(drop=True)
    if missing_keys:
        frame["item"] = frame["item"].where(rng.random(len(frame)) > 0.05)
    return frame


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("missing_keys", [False, True])
def test_consolidate_equals_the_rule_group_by_group(seed, missing_keys):
    rows = random_rows(seed, missing_keys=missing_keys)
    result = consolidate(rows)
    pd.testing.assert_frame_equal(result, reference(rows), check_exact=True)
    assert not result.duplicated(KEY).any()
    assert result["detector"].str.contains(r"\+").any()  # some dates flagged by several detectors


def test_contributors_are_listed_top_first():
    rows = pd.DataFrame({"indicator": "grain_price", "location": "Segou", "item": "millet", "price_type": "retail",
                         "date": "2025-11", "value": 412.0, "score": [2.0, 5.0, 1.0, 9.0],
                         "severity": ["alert", "crisis", "normal", "stress"],
                         "detector": ["alps", "state", "ipa", "harvest"], "explanation": ["a", "s", "i", "h"]})
    [row] = consolidate(rows).to_dict("records")
    assert (row["detector"], row["severity"], row["explanation"]) == ("state+alps+harvest", "crisis", "s")
