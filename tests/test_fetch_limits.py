"""Download limits against local servers on 127.0.0.1: the timeout bounds the response headers
too, and bodies are streamed to disk under a size cap that fails with one error naming it."""
from __future__ import annotations

import threading
import time
import tracemalloc

import pytest

from indicators import fetch as fetch_module
from indicators.config import JobConfig, Source
from indicators.fetch import DownloadTooLarge, FetchError, fetch, http_request, with_retries, Retryable
from indicators.jobs import run_job
from jobs_support import LOOPBACK_ENV, LocalServer, send


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    monkeypatch.setattr(fetch_module, "BACKOFF_SECONDS", 0.01)
    for name, value in LOOPBACK_ENV.items():
        monkeypatch.setenv(name, value)


def stream(total: int, chunk: int = 1 << 20, announce: bool = True):
    """A route sending `total` bytes generated on the fly (the server holds one chunk at a time)."""
    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        if announce:
            handler.send_header("Content-Length", str(total))
        handler.end_headers()
        block, sent = b"x" * chunk, 0
        while sent < total:
            part = block[:min(chunk, total - sent)]
            handler.wfile.write(part)
            sent += len(part)
        handler.close_connection = True
    return route


def test_headers_sent_a_byte_at_a_time_fail_within_the_timeout(store, tmp_path):
    stop = threading.Event()

    def trickle_headers(handler):  # a status line and headers that never end, one byte each 50 ms
        for byte in b"HTTP/1.0 200 OK\r\nX-Padding: " + b"a" * 100000:
            if stop.wait(0.05):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    with LocalServer({"/slow.csv": trickle_headers}) as server:
        try:
            started = time.monotonic()
            with pytest.raises(FetchError) as caught:
                fetch(store, server.url("/slow.csv"), tmp_path / "raw", "slow", timeout=0.5, retries=0)
            elapsed = time.monotonic() - started
        finally:
            stop.set()
    assert "no answer within 0.5 s (the response headers were still arriving)" in str(caught.value)
    assert "not downloaded" not in str(caught.value)
    assert elapsed < 5  # the headers alone would take 83 minutes


def test_a_trickling_body_message_says_how_much_arrived(store, tmp_path):
    stop = threading.Event()

    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"abc")
        handler.wfile.flush()
        stop.wait(30)

    with LocalServer({"/slow.csv": trickle}) as server:
        try:
            with pytest.raises(FetchError, match=r"not downloaded within 0.4 s \(3 bytes received\)"):
                fetch(store, server.url("/slow.csv"), tmp_path / "raw", "slow", timeout=0.4, retries=0)
        finally:
            stop.set()


def test_an_announced_body_over_the_cap_is_refused_before_it_is_read(store, tmp_path):
    with LocalServer({"/big.csv": stream(1 << 30)}) as server:  # 1 GiB announced
        with pytest.raises(DownloadTooLarge) as caught:
            fetch(store, server.url("/big.csv"), tmp_path / "raw", "big", max_bytes=1 << 20, retries=2)
        assert server.hits["/big.csv"] == 1  # not retried: another attempt is as large
    message = str(caught.value)
    assert "announces 1 GiB, more than the download limit of 1 MiB (max_download_mb)" in message
    assert not list((tmp_path / "raw" / "big").iterdir())  # no partial file left


def test_an_unannounced_body_over_the_cap_stops_at_the_cap(store, tmp_path):
    with LocalServer({"/big.csv": stream(1 << 30, announce=False)}) as server:
        started = time.monotonic()
        with pytest.raises(DownloadTooLarge, match=r"larger than the download limit of 2 MiB \(max_download_mb\)"):
            fetch(store, server.url("/big.csv"), tmp_path / "raw", "big", max_bytes=2 << 20, timeout=60)
        assert time.monotonic() - started < 30
    assert not list((tmp_path / "raw" / "big").iterdir())


def test_a_large_body_is_streamed_to_disk_not_held_in_memory(store, tmp_path):
    size = 64 << 20
    with LocalServer({"/large.csv": stream(size)}) as server:
        tracemalloc.start()
        try:
            download = fetch(store, server.url("/large.csv"), tmp_path / "raw", "large", timeout=120)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert download.size == size and download.path.stat().st_size == size
    assert peak < 8 << 20  # chunks of 64 KiB, not the 64 MiB body


def test_max_download_mb_in_the_config_reaches_the_download(store, tmp_path):
    with LocalServer({"/big.csv": stream(3 << 20)}) as server:
        source = Source("csv", server.url("/big.csv"), name="big", max_download_mb=1)
        result = run_job(store, JobConfig(sources=[source], raw=str(tmp_path / "raw")), tmp_path / "reports")
    assert result.exit_code() == 1
    assert "more than the download limit of 1 MiB (max_download_mb)" in result.sources[0].errors[0]


def test_retry_after_is_honoured_and_bounded():
    pauses, answers = [], [Retryable("HTTP 429 Too Many Requests", retry_after=7), "ok"]

    def call():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert with_retries(call, "http://x/", retries=3, sleep=pauses.append) == ("ok", 2)
    assert pauses == [7]
    with pytest.raises(FetchError, match="retry after 3600 s, longer than the 300 s a job waits"):
        with_retries(lambda: (_ for _ in ()).throw(Retryable("HTTP 429", retry_after=3600)), "http://x/", 3,
                     sleep=pauses.append)


def test_a_429_with_retry_after_is_read_from_the_server():
    with LocalServer({"/busy": lambda h: send(h, b"slow down", status=429, headers={"Retry-After": "12"})}) as server:
        with pytest.raises(Retryable) as caught:
            http_request(server.url("/busy"))
    assert caught.value.retry_after == 12


def test_a_full_disk_is_one_error_naming_the_cause_not_a_retry(store, tmp_path, monkeypatch):
    original = fetch_module.staging_folder

    def onto_a_full_disk(folder):
        staging = original(folder)
        (staging / "body").symlink_to("/dev/full")  # every write fails with ENOSPC
        return staging

    monkeypatch.setattr(fetch_module, "staging_folder", onto_a_full_disk)
    with LocalServer({"/a.csv": lambda h: send(h, b"x" * 1000)}) as server:
        with pytest.raises(FetchError, match="cannot write the download here \\(No space left on device\\)"):
            fetch(store, server.url("/a.csv"), tmp_path / "raw", "a", retries=3)
        assert server.hits["/a.csv"] == 1


def test_a_raw_folder_that_is_a_file_fails_the_source_not_the_job(store, tmp_path, write_csv):
    (tmp_path / "raw").write_text("not a folder")
    good = write_csv("good.csv", "indicator,location,date,value,unit\nfuel_availability,Kati,2025-11-01,0.5,share\n")
    with LocalServer({"/a.csv": lambda h: send(h, b"x")}) as server:
        sources = [Source("csv", server.url("/a.csv"), name="a"), Source("csv", str(good))]
        result = run_job(store, JobConfig(sources=sources, raw=str(tmp_path / "raw")), tmp_path / "reports")
    assert "cannot write the download here" in result.sources[0].errors[0]
    assert result.sources[1].status == "collected" and result.report is not None


def test_a_url_source_sends_a_token_from_the_environment(store, tmp_path, monkeypatch):
    from indicators.config import load_config

    monkeypatch.setenv("EXPORT_TOKEN", "export-SECRET-42")
    body = b"indicator,location,date,value,unit\nfuel_availability,Kati,2025-11-01,0.5,share\n"

    def guarded(handler):
        if handler.headers.get("Authorization") != "Token export-SECRET-42":
            send(handler, b"no", status=401)
            return
        send(handler, body, headers={"Content-Type": "text/csv"})

    with LocalServer({"/export.csv": guarded}) as server:
        config = tmp_path / "track.toml"
        config.write_text(f'raw = "raw"\n[[sources]]\nkind = "csv"\npath = "{server.url("/export.csv")}"\n'
                          'token_env = "EXPORT_TOKEN"\ntoken_scheme = "Token"\n')
        result = run_job(store, load_config(config), tmp_path / "reports")
        assert result.exit_code() == 0, result.errors
        monkeypatch.setenv("EXPORT_TOKEN", "wrong-SECRET")
        refused = run_job(store, load_config(config), tmp_path / "reports")
    assert "HTTP 401" in refused.errors[0] and "wrong-SECRET" not in refused.errors[0]
    assert "export-SECRET-42" not in (tmp_path / "track.db").read_bytes().decode("latin-1")
