"""Detection fanned out (local processes, a Dask cluster) stores exactly what one process stores."""
from __future__ import annotations

import pytest

from indicators.collectors import get_collector
from indicators.detect import run_detection
from indicators.detect.fanout import DaskCluster
from indicators.errors import ConfigError
from indicators.store import Store

from report_data import write_inputs

# what a run writes, without the time stamps and run ids that differ between any two runs
ANOMALIES = ("SELECT series_id, date, detector, value, expected, lower, upper, score, severity, explanation "
             "FROM anomalies ORDER BY series_id, date, detector")
STATUS = "SELECT series_id, detector, status, message, observations FROM detection_status ORDER BY series_id, detector"


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """A database with 14 series of every family (two too short to score), not yet scored."""
    folder = tmp_path_factory.mktemp("fanout")
    with Store(folder / "collected.db") as store:
        for path in write_inputs(folder):
            get_collector("csv").collect_file(store, path)
    return folder / "collected.db"


def detected(collected, tmp_path, name, **options) -> tuple[list, list, dict]:
    """Score a fresh copy of the collected database; (anomalies rows, status rows, counts)."""
    with Store(collected) as source:
        copy = source.backup(tmp_path / f"{name}.db")
    with Store(copy) as store:
        counts = run_detection(store, chunk_size=4, **options)  # several chunks in flight
        return store.conn.execute(ANOMALIES).fetchall(), store.conn.execute(STATUS).fetchall(), counts


@pytest.fixture(scope="module")
def sequential(collected, tmp_path_factory):
    return detected(collected, tmp_path_factory.mktemp("sequential"), "sequential")


def test_the_sequential_run_scores_every_family(sequential):
    anomalies, status, counts = sequential
    assert counts["series"] == 14 and counts["scored"] == 12 and counts["short_history"] == 2
    from indicators.detect import DETECTORS

    # `change` scores only months where a price stands 10% below its level of two years (none of these
    # series has one: its status says so); every other detector stores rows
    assert len(anomalies) > 1000 and {row[2] for row in anomalies} == set(DETECTORS) - {"change"}
    assert {row[1] for row in status} == set(DETECTORS)


def test_two_local_processes_store_every_row_as_one_process_does(collected, sequential, tmp_path):
    anomalies, status, counts = detected(collected, tmp_path, "workers", workers=2)
    assert anomalies == sequential[0]
    assert status == sequential[1] and counts == sequential[2]


def test_a_dask_local_cluster_stores_every_row_as_one_process_does(collected, sequential, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        anomalies, status, counts = detected(collected, tmp_path, "dask", scheduler=cluster.scheduler_address)
    assert anomalies == sequential[0]
    assert status == sequential[1] and counts == sequential[2]


def test_workers_and_scheduler_together_are_refused(collected, tmp_path):
    with pytest.raises(ConfigError, match="either --workers"):
        detected(collected, tmp_path, "both", workers=2, scheduler="tcp://127.0.0.1:1")


def test_an_unreachable_scheduler_is_one_clear_error():
    pytest.importorskip("dask.distributed")
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskCluster("tcp://127.0.0.1:9", timeout=1)


def test_detect_and_run_commands_take_workers_and_a_scheduler(track, tmp_path):
    paths = [str(p) for p in write_inputs(tmp_path)]
    assert track("collect", "csv", *paths).exit_code == 0
    result = track("detect", "--workers", "2")
    assert result.exit_code == 0 and "12 series scored, 2 skipped (short history)" in result.output, result.output
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        config = tmp_path / "track.toml"
        config.write_text(f'reports = "{tmp_path / "out"}"\n' + "".join(
            f'[[sources]]\nkind = "csv"\npath = "{p}"\n' for p in paths), encoding="utf-8")
        result = track("run", "--config", str(config), "--full", "--scheduler", cluster.scheduler_address)
    # the run also derives fuel-stress series from the fuel and power inputs: 2 more series to score
    assert result.exit_code == 0 and "detection: 14 series scored" in result.output, result.output


def test_text_columns_travel_joined_and_come_back_the_same():
    import numpy as np

    from indicators.detect.fanout import SEPARATOR, _packed, _unpacked_columns

    columns = {"date": np.array(["2025-10", "2025-11"], dtype=object), "value": np.array([412.0, np.nan]),
               "explanation": np.array(["Millet in Ségou: 38% above", ""], dtype=object),
               "severity": np.array([f"odd{SEPARATOR}text", "normal"], dtype=object)}
    packed = _packed(columns)
    assert isinstance(packed["date"], str) and isinstance(packed["explanation"], str)
    assert not isinstance(packed["severity"], str)  # holds the separator itself: sent as it is
    back = _unpacked_columns(packed)
    assert set(back) == set(columns)
    for name, values in columns.items():
        assert back[name].dtype == values.dtype
        np.testing.assert_array_equal(back[name], values)


def test_collections_are_fewer_during_a_run_and_restored_after():
    import gc

    from indicators.detect.fanout import fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == 50_000
        with fewer_collections():  # nested (a thread of an in-process cluster): the outer one restores
            pass
        assert gc.get_threshold()[0] == 50_000 and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def _niceness(_):
    import os

    return os.nice(0)


def test_local_workers_yield_the_cores_to_the_writing_process():
    import os

    from indicators.detect.fanout import WORKER_NICENESS, LocalProcesses

    executor = LocalProcesses(1)
    try:
        assert executor.pool.submit(_niceness, None).result() == min(os.nice(0) + WORKER_NICENESS, 19)
    finally:
        executor.close()
