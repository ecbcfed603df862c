"""Helpers shared by the scheduled-job tests: small generated inputs and `python track.py` runs."""
from __future__ import annotations

import math
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "indicator,location,item,date,value,unit"


def availability_rows(location: str, days: int, first_day: int = 0, crash_from: int | None = None,
                      start: date = date(2020, 1, 1)) -> list[str]:
    """Daily fuel availability for one place: a steady weekly pattern around 90%, dropping to 20%
    from day `crash_from` on (a blockade the seasonal detector rates as crisis)."""
    rows = []
    for day in range(first_day, first_day + days):
        value = 0.9 + 0.01 * math.sin(day * 2 * math.pi / 7) + 0.003 * ((day * 7919) % 5 - 2)
        if crash_from is not None and day >= crash_from:
            value = 0.2
        rows.append(f"fuel_availability,{location},petrol,{start + timedelta(days=day)},{value:.4f},share")
    return rows


def write_rows(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


# Test servers listen on 127.0.0.1: a proxy configured on the machine must not be asked for them.
LOOPBACK_ENV = {"no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}


def track(*args, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """`python track.py ARGS` from the worktree root, as a scheduled job would run it."""
    return subprocess.run([sys.executable, "track.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **LOOPBACK_ENV}, **kwargs)


def start_track(*args, **kwargs) -> subprocess.Popen:
    """`python track.py ARGS` in the background; stdout and stderr are pipes unless given."""
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.Popen([sys.executable, "track.py", *map(str, args)], cwd=ROOT, text=True,
                            env={**os.environ, **LOOPBACK_ENV}, **{**streams, **kwargs})


def query(db: Path, sql: str, params=()) -> list[tuple]:
    """Read the database with a separate connection, as another program would."""
    conn = sqlite3.connect(str(db), timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def integrity(db: Path) -> str:
    return query(db, "PRAGMA integrity_check")[0][0]


class LocalServer:
    """An HTTP server on 127.0.0.1 in a thread. `routes` maps a path to a function taking the
    request handler, which writes the whole response; `hits` counts requests per path."""

    def __init__(self, routes: dict):
        import collections
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                owner.hits[path] += 1
                owner.requests.append((path, dict(self.headers)))
                route = owner.routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up: that is the test
                    pass

            def log_message(self, *args):
                pass

        self.routes = routes
        self.hits = collections.Counter()
        self.requests: list = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> "LocalServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def send(handler, body: bytes, status: int = 200, headers: dict | None = None, length: int | None = None) -> None:
    """Write a response; `length` announces another Content-Length than the body's (truncation)."""
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()
    if length is not None:
        handler.close_connection = True
