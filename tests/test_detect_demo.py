"""The bundled demo: the blockade's start, the queue surge, the outage surge and the failed 2025
harvest dip are each flagged, with readable explanations, and nothing before the blockade."""
import json

import pytest

from indicators.alerts import alerts
from indicators.store import Store


@pytest.fixture(scope="module")
def flagged(tmp_path_factory):
    from click.testing import CliRunner

    from indicators.cli import cli
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "track.db"
    result = CliRunner().invoke(cli, ["run", "--db", str(db), "--out", str(folder / "reports"), "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0 and json.loads(result.output)["errors"] == []
    with Store(db) as store:
        rows = alerts(store, min_severity="alert")
    return rows


@pytest.mark.parametrize("indicator, first_window, words, before", [
    ("fuel_availability", ("2025-09-03", "2025-09-30"), "episode since", 10),
    ("fuel_queue_time", ("2025-09-03", "2025-09-20"), "episode since", 0),
    ("power_outage", ("2025-09-10", "2025-09-30"), "episode since", 0),
])
def test_blockade_flagged_at_its_start(flagged, indicator, first_window, words, before):
    rows = flagged[flagged["indicator"] == indicator].sort_values("date")
    assert not rows.empty
    # Before the blockade: only the days when 3 or more of a small town's 7-8 surveyed stations were
    # dry (35 points or more below the usual share, alert by size): at most `before` such days per
    # series over the 14 months before it.
    early = rows[rows["date"] < "2025-09-01"].groupby(["location", "item"]).size()
    assert early.max() <= before if len(early) else True, early
    blockade = rows[rows["date"] >= "2025-09-01"].groupby(["location", "item"])["date"]
    first = blockade.min()
    assert first.between(*first_window).mean() >= 0.5, first.to_dict()
    assert rows["explanation"].str.contains(words).any()


def test_failed_harvest_dip_flagged_in_october_november_2025(flagged):
    grain = flagged[flagged["indicator"] == "grain_price"]
    harvest = grain[grain["date"].isin(["2025-10", "2025-11"])]
    coarse = harvest[harvest["item"].isin(["millet", "sorghum", "maize"])]
    assert set(coarse["location"]) == {f"{town} (MLI)" for town in ("Bamako", "Kayes", "Mopti", "Segou", "Sikasso")}
    assert coarse["detector"].str.contains("harvest").all()
    assert coarse["explanation"].str.contains("prices did not fall at harvest").any()
    assert coarse["explanation"].str.contains("5-year average").any()
