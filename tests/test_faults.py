"""Hostile files and failing disks give one line on stderr, never a traceback; limits on XLSX
cells, rows and unpacked size and on a reject's stored text; the report swap keeps the last good
report reachable at every instant."""
import contextlib
import json
import os
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from indicators.cli import cli
from indicators.collectors import get_collector
from indicators.collectors.limits import Limits
from indicators.errors import InputError
from indicators.report import site as report_site
from jobs_support import HEADER, LOOPBACK_ENV, LocalServer, availability_rows, send
from jobs_support import track as track_process


def one_line_error(result):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.lower().startswith("error")]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize("kind", ["stations", "outages", "wfp"])
def test_json_nested_ten_thousand_deep_is_one_line(track, tmp_path, kind):
    path = tmp_path / "deep.json"
    path.write_text("[" * 10_000 + "]" * 10_000)
    assert "nested too deeply" in one_line_error(track("collect", kind, str(path)))


def test_a_five_thousand_digit_integer_in_json_is_one_line(track, tmp_path):
    path = tmp_path / "big.json"
    path.write_text('[{"city": "Bamako", "queue_hours": ' + "9" * 5000 + "}]")
    assert "not valid JSON" in one_line_error(track("collect", "stations", str(path)))


def xlsx(path, rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


STATION_ROWS = [["date", "city", "station", "fuel_type", "status"]] + \
    [["2025-10-20", "Bamako", f"S{n}", "petrol", "available"] for n in range(40)]


def test_an_xlsx_with_corrupt_compressed_data_is_one_line(track, tmp_path):
    good = xlsx(tmp_path / "good.xlsx", STATION_ROWS)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
    data = bytearray(bad.read_bytes())
    with zipfile.ZipFile(bad) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")
    start = member.header_offset + 30 + len(member.filename) + len(member.extra)
    for offset in range(start + 10, start + member.compress_size - 10):
        data[offset] ^= 0x5A
    bad.write_bytes(bytes(data))
    assert "XLSX" in one_line_error(track("collect", "stations", str(bad)))


def test_a_symlink_loop_given_to_collect_is_one_line(track, tmp_path):
    os.symlink(tmp_path / "b.csv", tmp_path / "a.csv")
    os.symlink(tmp_path / "a.csv", tmp_path / "b.csv")
    assert "link" in one_line_error(track("collect", "csv", str(tmp_path / "a.csv")))


def test_report_into_proc_is_one_line(track, store):
    assert "cannot write the report" in one_line_error(track("report", "--out", "/proc/x"))


def test_xlsx_cell_over_the_limit_rejects_its_row_and_the_reject_is_cut(store, tmp_path):
    rows = STATION_ROWS[:3] + [["2025-10-20", "Bamako", "S9", "petrol", "x" * 30_000]]
    collector = get_collector("stations")  # openpyxl writes at most Excel's 32,767 characters a cell
    collector.limits = Limits(max_cell_chars=20_000)
    summary = collector.collect_file(store, xlsx(tmp_path / "big.xlsx", rows))
    assert summary.reject_lines == [4]
    reject = store.rejects().iloc[0]
    assert "limits.max_cell_chars" in reject["reason"] and reject["field"] == "status"
    assert len(reject["raw"]) < 2_100 and reject["raw"].endswith("characters]")
    assert len(store.observations()) == 1  # the good rows of that day are kept
    collector.limits = Limits()  # by default the same cell is read, and its reject is cut
    collector.collect_file(store, xlsx(tmp_path / "big2.xlsx", rows))
    assert store.rejects()["raw"].str.len().max() < 2_100


def test_xlsx_rows_and_unpacked_size_are_capped(store, tmp_path):
    path = xlsx(tmp_path / "many.xlsx", STATION_ROWS)
    collector = get_collector("stations")
    collector.limits = Limits(max_rows=10)
    with pytest.raises(InputError, match="more than 10 rows.*limits.max_rows"):
        collector.collect_file(store, path)
    collector.limits = Limits(max_unpacked_bytes=1_000)
    with pytest.raises(InputError, match="limits.max_unpacked_bytes"):
        collector.collect_file(store, path)


def test_report_swap_keeps_the_last_good_report_reachable_at_every_step(store, tmp_path, monkeypatch):
    out = tmp_path / "reports"
    report_site.write_report(store, out)
    steps = []

    def watched(function):
        def call(*args, **kwargs):
            assert (out / "index.html").is_file(), f"no report before {function.__name__}{args}"
            result = function(*args, **kwargs)
            assert (out / "index.html").is_file(), f"no report after {function.__name__}{args}"
            steps.append(function.__name__)
            return result
        return call
    for name in ("replace", "symlink", "rename"):
        monkeypatch.setattr(report_site.os, name, watched(getattr(os, name)))
    monkeypatch.setattr(report_site.shutil, "rmtree", watched(shutil.rmtree))
    for _ in range(3):
        report_site.write_report(store, out)
    assert "replace" in steps and out.is_symlink()
    assert len([p for p in tmp_path.iterdir() if p.name.startswith(".reports")]) == 1  # the live folder only


# -- full disks (a real tmpfs; needs root) ----------------------------------------------------
@contextlib.contextmanager
def small_disk(tmp_path, name, size):
    folder = tmp_path / name
    folder.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("needs permission to mount a tmpfs (root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder):
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as handle:
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()


def test_collect_on_a_full_disk_names_the_cause(runner, tmp_path):
    source = tmp_path / "many.csv"
    source.write_text(HEADER + "\n" + "\n".join(availability_rows("Kayes", 20_000)) + "\n")
    with small_disk(tmp_path, "disk", "600k") as disk:
        result = runner.invoke(cli, ["collect", "csv", "--db", str(disk / "track.db"), str(source)])
        line = one_line_error(result)
    assert "full" in line and "rollback" not in line


def test_report_onto_a_full_disk_is_one_line_and_keeps_the_old_report(runner, store, db_path, tmp_path):
    with small_disk(tmp_path, "disk", "64m") as disk:
        out = disk / "reports"
        assert runner.invoke(cli, ["report", "--db", str(db_path), "--out", str(out)]).exit_code == 0
        before = (out / "index.html").read_text()
        fill(disk)
        line = one_line_error(runner.invoke(cli, ["report", "--db", str(db_path), "--out", str(out)]))
        assert "no space left" in line
        assert (out / "index.html").read_text() == before


def test_a_full_download_folder_does_not_stop_the_run(tmp_path, monkeypatch):
    for key, value in LOOPBACK_ENV.items():
        monkeypatch.setenv(key, value)
    body = (HEADER + "\n" + "\n".join(availability_rows("Kayes", 30)) + "\n").encode()
    local = tmp_path / "local.csv"
    local.write_text(HEADER + "\n" + "\n".join(availability_rows("Mopti", 30)) + "\n")
    with small_disk(tmp_path, "raw", "64k") as raw, \
            LocalServer({"/prices.csv": lambda handler: send(handler, body, headers={"Content-Type": "text/csv"})}) \
            as server:
        fill(raw)
        config = tmp_path / "track.toml"
        config.write_text(f'raw = "{raw}"\n[[sources]]\nname = "remote"\nkind = "csv"\npath = "{server.url("/prices.csv")}"\n'
                          f'retries = 0\n[[sources]]\nname = "local"\nkind = "csv"\npath = "{local}"\n')
        result = track_process("run", "--config", config, "--db", tmp_path / "t.db", "--out", tmp_path / "reports", "--json",
                       timeout=300)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    by_name = {s["name"]: s for s in summary["sources"]}
    assert by_name["remote"]["status"] == "failed" and by_name["local"]["new"] == 30
    assert summary["report"] and (tmp_path / "reports" / "index.html").is_file()
    assert summary["detection"]["series"] == 1
