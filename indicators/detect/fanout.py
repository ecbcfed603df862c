"""Where the per-series work runs: in this process, on local processes, or on a Dask cluster.

Detection has one shape whatever runs it (STYLE.md): `score_series(values, info, detectors)`
is a pure function from one series' values and info to each detector's result; the coordinating
process reads the series from the store in chunks, hands each chunk to an executor, and alone
writes the results (SQLite keeps one writer). The executors only differ in where the function
runs, so the stored rows are the same whichever is used.

- `Sequential()`: this process (the default);
- `LocalProcesses(workers)`: a pool of local processes (`track detect --workers N`);
- `DaskCluster(address)`: the workers of a running `dask.distributed` scheduler
  (`track detect --scheduler tcp://HOST:PORT`), an optional extra: `pip install -e '.[dask]'`.

Each keeps a few chunks in flight (the workers compute while the coordinator writes the
previous one), so memory stays bounded by the chunk size, not by the store.
"""
from __future__ import annotations

import gc
import os
import threading
from collections import deque
from contextlib import contextmanager

import numpy as np

from ..errors import ConfigError


def score_chunk(chunk: list[tuple]) -> list[dict]:
    """Score a chunk of (values, info, detector names) tasks: one `score_series` result each."""
    from .run import score_series

    return [score_series(values, info, detectors) for values, info, detectors in chunk]


def score_and_summarise(chunk: list[tuple]) -> tuple[list[dict], tuple]:
    """`score_chunk`, with what the alarm pass will need of the chunk (`series_states.from_scores`),
    computed here, where the scoring runs, rather than by the one coordinating process."""
    from ..series_states import from_scores

    results = score_chunk(chunk)
    return results, from_scores(chunk, results)


@contextmanager
def fewer_collections():
    """Python's cyclic garbage collector less often, for the length of a detection run (or a
    worker's chunk). Detection allocates millions of short-lived objects that reference counting
    frees (row tuples, strings, small arrays); the collector, started by allocation counts, would
    otherwise traverse every long-lived object (the imported libraries) again and again, about a
    tenth of the coordinator's CPU. Long-lived objects are frozen out of its traversals and a
    collection starts after 50,000 allocations rather than 700; the outermost exit (threads of
    an in-process cluster nest) restores both."""
    global _collecting_less
    with _collections_lock:
        if not _collecting_less:
            _saved_threshold[:] = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(50_000, 20, 100)
        _collecting_less += 1
    try:
        yield
    finally:
        with _collections_lock:
            _collecting_less -= 1
            if not _collecting_less:
                gc.set_threshold(*_saved_threshold)
                gc.unfreeze()


_collections_lock, _collecting_less, _saved_threshold = threading.Lock(), 0, []


def score_chunk_remotely(chunk: list[tuple]) -> tuple[list[dict], tuple]:
    """`score_and_summarise` where a process or a Dask worker runs it: the unit of work shipped
    (one call per chunk, so shipping stays small beside the work), returning plain arrays rather
    than frames (`_packed`), and nothing for a result without rows (most results of a large
    store, whose frames would cost more to pickle than to compute)."""
    with fewer_collections():
        results, found = score_and_summarise(chunk)
        return [{name: (result.status, result.message, None if result.empty else _packed(result.columns))
                 for name, result in by_detector.items()} for by_detector in results], found


# Text columns travel as one string each: pickling a thousand short strings one by one costs
# both ends several times what one joined string costs, and the receiver splits it in C.
SEPARATOR = "\x1f"  # ASCII unit separator; a column whose text holds one travels as it is


def _packed(columns: dict) -> dict:
    packed = dict(columns)
    for name, values in columns.items():
        if values.dtype == object and len(values):
            joined = SEPARATOR.join(values.tolist())
            if joined.count(SEPARATOR) == len(values) - 1:
                packed[name] = joined
    return packed


def _unpacked_columns(columns: dict | None) -> dict | None:
    if columns is None:
        return None
    return {name: np.array(values.split(SEPARATOR), dtype=object) if isinstance(values, str) else values
            for name, values in columns.items()}


def _unpacked(packed: tuple[list[dict], tuple]) -> tuple[list[dict], tuple]:
    """`score_chunk_remotely`'s lists back into `DetectionResult`s."""
    from .base import DetectionResult

    results, found = packed
    return [{name: DetectionResult(status, message, columns=_unpacked_columns(columns))
             for name, (status, message, columns) in by_detector.items()} for by_detector in results], found


class Sequential:
    """Score in this process, as the chunks come."""

    name = "sequential"

    def map_chunks(self, chunks):
        for chunk in chunks:
            yield (chunk, *score_and_summarise(chunk))

    def close(self) -> None:
        pass


class _Pipelined:
    """Submit chunk k+1 before waiting for chunk k: the workers compute while the coordinator
    writes. Subclasses implement `_submit(chunk) -> future` and `_result(future) -> list`."""

    in_flight = 2

    def map_chunks(self, chunks):
        pending = deque()
        for chunk in chunks:
            pending.append((chunk, self._submit(chunk)))
            if len(pending) >= self.in_flight:
                done, future = pending.popleft()
                yield (done, *self._result(future))
        while pending:
            done, future = pending.popleft()
            yield (done, *self._result(future))


class LocalProcesses(_Pipelined):
    """A pool of `workers` local processes. Workers are forked from a server process that has
    imported the detectors once (`forkserver`), so a pool starts in well under a second and no
    worker inherits the coordinator's database connection."""

    name = "processes"

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if workers < 1:
            raise ConfigError(f"--workers must be at least 1 (got {workers})")
        self.workers = workers
        self.in_flight = 2 * workers + 1  # a chunk queued behind each running one: no worker waits on a write
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            context.set_forkserver_preload(["indicators.detect"])
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_yield_to_the_writer)

    def _submit(self, chunk):
        return self.pool.submit(score_chunk_remotely, chunk)

    def _result(self, future):
        return _unpacked(future.result())

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


WORKER_NICENESS = 5


def _yield_to_the_writer() -> None:
    """A local worker's start: a lower scheduling priority (nice +5), so that when the cores are
    all busy the one coordinating process, the serial part of a run (it alone writes the
    store), gets a whole core rather than an equal share with the workers; the workers share
    what it leaves. Without it, on 2 cores a 100,000-series run's writer got about two thirds
    of a core and the workers waited on it (docs/scale.md)."""
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # no nice() on this platform, or not permitted: run as is
        pass


class DaskCluster(_Pipelined):
    """The workers of a Dask distributed scheduler at `address` (`tcp://HOST:PORT`, or a
    `LocalCluster`'s address), or an existing `dask.distributed.Client`."""

    name = "dask"

    def __init__(self, address, timeout: float = 30.0):
        try:
            from dask.distributed import Client
        except ImportError as error:
            raise ConfigError("--scheduler needs dask.distributed: pip install -e '.[dask]' "
                              "(or pip install 'dask[distributed]')") from error
        if isinstance(address, Client):
            self.client, self.owned = address, False
        else:
            try:
                self.client, self.owned = Client(address, timeout=timeout), True
            except (OSError, TimeoutError) as error:
                raise ConfigError(f"cannot reach the Dask scheduler at {address}: {error}") from error
        workers = len(self.client.scheduler_info().get("workers", {})) or 1
        self.in_flight = 2 * workers

    def _submit(self, chunk):
        return self.client.submit(score_chunk_remotely, chunk, pure=False)

    def _result(self, future):
        return _unpacked(future.result())

    def close(self) -> None:
        if self.owned:
            self.client.close()


def executor_for(workers: int | None = None, scheduler=None):
    """The executor for the command line's `--workers N` / `--scheduler ADDRESS` (neither: this process)."""
    if scheduler is not None and workers not in (None, 1):
        raise ConfigError("use either --workers (local processes) or --scheduler (a Dask cluster), not both")
    if scheduler is not None:
        return DaskCluster(scheduler)
    if workers is not None and workers != 1:
        return LocalProcesses(workers)
    return Sequential()
