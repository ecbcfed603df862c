"""HTTP sources against a local server on 127.0.0.1: success, 304, retries, 500, timeout,
truncated body, garbage, retention."""
from __future__ import annotations

import threading
import time

import pytest

from indicators import fetch as fetch_module
from indicators.config import JobConfig, Source, SourceSettings
from indicators.fetch import FetchError, fetch
from indicators.jobs import run_job
from jobs_support import HEADER, LOOPBACK_ENV, LocalServer, availability_rows, send

CSV = (HEADER + "\n" + "\n".join(availability_rows("Kayes", 30)) + "\n").encode()


@pytest.fixture(autouse=True)
def quick_backoff_and_no_proxy(monkeypatch):
    monkeypatch.setattr(fetch_module, "BACKOFF_SECONDS", 0.01)
    for name, value in LOOPBACK_ENV.items():
        monkeypatch.setenv(name, value)


def versioned(state: dict):
    """Serves state["body"] with ETag state["etag"] and answers 304 to a matching If-None-Match."""
    def route(handler):
        if state.get("etag") and handler.headers.get("If-None-Match") == state["etag"]:
            handler.send_response(304)
            handler.send_header("ETag", state["etag"])
            handler.end_headers()
            return
        headers = {"Content-Type": "text/csv"}
        if state.get("etag"):
            headers.update({"ETag": state["etag"], "Last-Modified": "Mon, 24 Nov 2025 06:00:00 GMT"})
        send(handler, state["body"], headers=headers)
    return route


def job(store, tmp_path, *sources, **kwargs):
    config = JobConfig(sources=list(sources), raw=str(tmp_path / "raw"))
    return run_job(store, config, tmp_path / "reports", **kwargs)


def downloads(tmp_path, name):
    folder = tmp_path / "raw" / name
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) if folder.exists() else []


def test_download_then_304_not_modified_is_not_parsed_again(store, tmp_path):
    state = {"body": CSV, "etag": '"v1"'}
    with LocalServer({"/prices.csv": versioned(state)}) as server:
        source = Source("csv", server.url("/prices.csv"), name="prices")
        first = job(store, tmp_path, source)
        assert first.exit_code() == 0 and first.sources[0].status == "collected"
        assert first.sources[0].totals()["new"] == 30
        [folder] = downloads(tmp_path, "prices")
        stored = tmp_path / "raw" / "prices" / folder / "prices.csv"
        assert stored.read_bytes() == CSV
        assert store.observations()["source_file"].unique().tolist() == [str(stored.resolve())]

        second = job(store, tmp_path, source)
        assert second.sources[0].status == "not_modified" and second.sources[0].summaries == []
        assert server.requests[-1][1].get("If-None-Match") == '"v1"'
        assert server.requests[-1][1].get("If-Modified-Since") == "Mon, 24 Nov 2025 06:00:00 GMT"
        assert store.conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 1
        assert downloads(tmp_path, "prices") == [folder]

        state.update(body=CSV.replace(b"0.9", b"0.8", 1), etag='"v2"')  # the publisher revises a value
        third = job(store, tmp_path, source)
        assert third.sources[0].status == "collected" and third.sources[0].totals()["revised"] == 1
        assert len(downloads(tmp_path, "prices")) == 2


def test_server_without_validators_sending_the_same_bytes_is_not_parsed_again(store, tmp_path):
    with LocalServer({"/plain.csv": lambda h: send(h, CSV)}) as server:
        source = Source("csv", server.url("/plain.csv"))
        assert job(store, tmp_path, source).sources[0].status == "collected"
        again = job(store, tmp_path, source)
        assert again.sources[0].status == "unchanged" and again.exit_code() == 0
        assert len(downloads(tmp_path, "plain")) == 1
        assert store.conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 1


def test_changed_settings_fetch_and_parse_again(store, tmp_path):
    state = {"body": CSV, "etag": '"v1"'}
    with LocalServer({"/prices.csv": versioned(state)}) as server:
        job(store, tmp_path, Source("csv", server.url("/prices.csv"), name="prices"))
        renamed = Source("csv", server.url("/prices.csv"), name="prices",
                         settings=SourceSettings(locations={"Kayes": "Kayes town"}))
        result = job(store, tmp_path, renamed)
        assert "If-None-Match" not in server.requests[-1][1]
        assert result.sources[0].status == "collected"
        assert "Kayes town" in set(store.series()["location"])


def test_retention_keeps_the_newest_downloads(store, tmp_path):
    state = {"body": CSV, "etag": '"v0"'}
    with LocalServer({"/prices.csv": versioned(state)}) as server:
        source = Source("csv", server.url("/prices.csv"), name="prices", keep=2)
        kept = []
        for version in range(1, 4):
            state.update(body=CSV.replace(b"Kayes", f"Kayes {version}".encode()), etag=f'"v{version}"')
            job(store, tmp_path, source)
            kept.append(downloads(tmp_path, "prices")[-1])
        assert downloads(tmp_path, "prices") == kept[1:]


def test_500_is_retried_then_reported_and_the_job_carries_on(store, tmp_path, write_csv):
    local = write_csv("local.csv", HEADER + "\n" + "\n".join(availability_rows("Mopti", 20)) + "\n")
    with LocalServer({"/down.csv": lambda h: send(h, b"oops", status=500)}) as server:
        result = job(store, tmp_path, Source("csv", server.url("/down.csv"), name="down", retries=2),
                     Source("csv", str(local)))
        assert server.hits["/down.csv"] == 3
    assert result.exit_code() == 1 and result.exit_code("crisis") == 1
    down, good = result.sources
    assert down.status == "failed" and "HTTP 500" in down.errors[0] and "gave up after 3 attempts" in down.errors[0]
    assert good.status == "collected" and good.totals()["new"] == 20
    assert result.report.is_file() and result.detection["series"] == 1
    assert store.runs().iloc[-1]["status"] == "failed"


def test_a_failure_then_success_is_retried(store, tmp_path):
    calls = []

    def flaky(handler):
        calls.append(1)
        send(handler, CSV) if len(calls) > 1 else send(handler, b"busy", status=503)

    with LocalServer({"/flaky.csv": flaky}) as server:
        download = fetch(store, server.url("/flaky.csv"), tmp_path / "raw", "flaky", retries=2)
    assert download.status == "downloaded" and download.attempts == 2 and download.path.read_bytes() == CSV


def test_not_found_is_not_retried(store, tmp_path):
    with LocalServer({}) as server:
        with pytest.raises(FetchError, match="HTTP 404"):
            fetch(store, server.url("/missing.csv"), tmp_path / "raw", "missing", retries=3)
        assert server.hits["/missing.csv"] == 1


def test_a_hanging_server_times_out(store, tmp_path):
    release = threading.Event()

    def hang(handler):  # answers only when the test ends: any result before that is the timeout's
        release.wait(60)
        send(handler, CSV)

    with LocalServer({"/hang.csv": hang}) as server:
        try:
            started = time.monotonic()
            result = job(store, tmp_path, Source("csv", server.url("/hang.csv"), name="hang", timeout=0.3, retries=1))
            elapsed = time.monotonic() - started
        finally:
            release.set()
        assert server.hits["/hang.csv"] == 2
    assert result.sources[0].status == "failed"
    assert "no answer within 0.3 s" in result.sources[0].errors[0]
    assert elapsed < 30  # two attempts of 0.3 s, far from the server's 60 s
    assert downloads(tmp_path, "hang") == []


def test_a_trickling_server_is_cut_off_at_the_timeout(store, tmp_path):
    stop = threading.Event()

    def trickle(handler):  # a byte every 50 ms: each read is quick, the download never ends
        handler.send_response(200)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        while not stop.wait(0.05):
            handler.wfile.write(b"x")
            handler.wfile.flush()

    with LocalServer({"/slow.csv": trickle}) as server:
        try:
            started = time.monotonic()
            with pytest.raises(FetchError, match="not downloaded within 0.5 s"):
                fetch(store, server.url("/slow.csv"), tmp_path / "raw", "slow", timeout=0.5, retries=0)
            elapsed = time.monotonic() - started
        finally:
            stop.set()
    assert elapsed < 30  # the server would trickle for 80 minutes
    assert downloads(tmp_path, "slow") == []


def test_a_truncated_body_is_an_error_not_a_short_file(store, tmp_path):
    with LocalServer({"/cut.csv": lambda h: send(h, CSV[:200], length=len(CSV))}) as server:
        result = job(store, tmp_path, Source("csv", server.url("/cut.csv"), name="cut", retries=1))
        assert server.hits["/cut.csv"] == 2
    assert result.exit_code() == 1
    assert "truncated body: 200 bytes received" in result.sources[0].errors[0]
    assert store.conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == 0
    assert downloads(tmp_path, "cut") == []


def test_a_chunked_body_cut_short_is_an_error(store, tmp_path):
    def cut(handler):  # announces a 32-byte chunk, sends 5 bytes of it, hangs up
        handler.protocol_version = "HTTP/1.1"
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.wfile.write(b"10\r\n0123456789abcdef\r\n20\r\nshort")
        handler.close_connection = True

    with LocalServer({"/cut.csv": cut}) as server:
        with pytest.raises(FetchError, match="truncated body: the connection closed after 21 bytes"):
            fetch(store, server.url("/cut.csv"), tmp_path / "raw", "cut", retries=0)
    assert downloads(tmp_path, "cut") == []


def test_garbage_is_an_error_for_that_source_and_is_fetched_again_next_time(store, tmp_path):
    page = b"<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>"
    with LocalServer({"/page.csv": lambda h: send(h, page, headers={"ETag": '"x"'})}) as server:
        source = Source("csv", server.url("/page.csv"), name="page")
        result = job(store, tmp_path, source)
        assert result.exit_code() == 1
        assert "not a CSV file: it looks like HTML" in result.sources[0].errors[0]
        kept = tmp_path / "raw" / "page" / downloads(tmp_path, "page")[0] / "page.csv"
        assert kept.read_bytes() == page  # kept for whoever investigates
        again = job(store, tmp_path, source)
        assert "If-None-Match" not in server.requests[-1][1]  # a failed import is not remembered
        assert again.exit_code() == 1
