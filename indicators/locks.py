"""One job at a time: an operating-system lock on a file beside the database (`track.db.lock`).

`run` and `detect` take it exclusively; `collect` takes it shared, so several collectors can
write different files at the same moment (SQLite queues their transactions) while a `run` or
`detect` waits for them, and they for it. Readers (`alerts`, `report`, `series`, Datasette) take
no lock: WAL lets them read while a writer writes.

The kernel releases the lock when its process ends, however it ends (SIGKILL included), so a
killed job never leaves a stale lock behind. What a killed job does leave is its `runs` row
marked `running`; `close_dead_runs` marks such rows `killed` once their process no longer exists.
"""
from __future__ import annotations

import contextlib
import os
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import TrackError

if TYPE_CHECKING:  # the store (pandas) is not needed to read EXIT_BUSY: the CLI's help starts at once
    from .store import Store

EXIT_BUSY = 75  # EX_TEMPFAIL from sysexits.h: "try again later", which is what a busy database means
POLL_SECONDS = 0.2

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: msvcrt has exclusive locks only
    fcntl = None
    import msvcrt


class LockBusyError(TrackError):
    """Another job holds the database; the caller may try again later."""

    exit_code = EXIT_BUSY


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


@contextlib.contextmanager
def job_lock(db_path: str | Path, exclusive: bool = True, wait: float = 0.0, on_wait=None):
    """Hold the job lock of the database at `db_path` for the `with` block.

    Waits up to `wait` seconds for another job to finish, then raises `LockBusyError` naming the
    holder. `on_wait(message)` is called once if the lock is not free at first."""
    if str(db_path) == ":memory:":
        yield
        return
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+b")
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        told = False
        while not _try_lock(handle, exclusive):
            if time.monotonic() >= deadline:
                raise LockBusyError(
                    f"{db_path} is busy: {describe_holders(db_path)}. "
                    + (f"Waited {wait:g} s. " if wait else "")
                    + f"Try again later or pass --wait SECONDS (exit code {EXIT_BUSY}).")
            if on_wait and not told:
                on_wait(f"waiting up to {wait:g} s: {describe_holders(db_path)}")
                told = True
            time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            _unlock(handle)
    finally:
        handle.close()


def _try_lock(handle, exclusive: bool) -> bool:
    if fcntl is None:  # pragma: no cover
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(handle.fileno(), (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock(handle) -> None:
    if fcntl is None:  # pragma: no cover
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def describe_holders(db_path: str | Path) -> str:
    """Who holds the lock, from the runs table (read only, so it works while a writer writes)."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True, timeout=2)
        try:
            rows = conn.execute("SELECT id, command, pid, host, started_at FROM runs WHERE status = 'running' "
                                "ORDER BY id DESC LIMIT 3").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        rows = []
    alive = [r for r in rows if process_alive(r[2], r[3])]
    if not alive:
        return "another track process holds the job lock"
    return "; ".join(f"run #{i} ({command}, pid {pid} on {host}, started {started}) is in progress"
                     for i, command, pid, host, started in alive)


def process_alive(pid, host) -> bool:
    """True unless the process is known to be gone (another host's processes cannot be checked)."""
    if pid is None or (host and host != socket.gethostname()):
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def close_dead_runs(store: Store) -> list[int]:
    """Mark `killed` the runs left `running` by a process of this host that no longer exists."""
    from .store import now

    rows = store.conn.execute("SELECT id, pid, host FROM runs WHERE status = 'running'").fetchall()
    dead = [run_id for run_id, pid, host in rows if pid != os.getpid() and not process_alive(pid, host)]
    if dead:
        with store.transaction():
            store.conn.executemany(
                "UPDATE runs SET status = 'killed', ended_at = ?, message = ? WHERE id = ? AND status = 'running'",
                [(now(), "the process ended without finishing (killed or crashed); "
                         "its completed file imports are kept, the rest was rolled back", run_id) for run_id in dead])
    return dead
