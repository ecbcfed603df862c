"""Reports read the store a chunk of series at a time (issue 11): a page reads only the series it
draws, the chunks together are the whole-store tables, and a report written in chunks of two
series is the report written in one chunk, file for file."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from indicators.alerts import alerts, consolidated
from indicators.report import pages, rows as report_rows, write_report
from indicators.report import data as report_data
from indicators.store import SERIES_KEY, Store
from report_data import build_database

RANDOM_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
WRITTEN_AT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return build_database(tmp_path_factory.mktemp("chunks") / "db")


def _files(folder: Path) -> dict[str, str]:
    """Every file of a report, HTML without its random chart ids and the time it was written."""
    folder = folder.resolve()
    return {str(p.relative_to(folder)): WRITTEN_AT.sub("", RANDOM_IDS.sub("", p.read_text(encoding="utf-8")))
            for p in folder.rglob("*") if p.is_file() and p.suffix in (".html", ".csv")}


def test_chunks_together_are_the_whole_store_tables(database):
    with Store(database) as store:
        series = store.series().assign(sid=lambda f: f["id"].astype(int))
        reader = report_rows.StoreRows(store, series, chunk_series=2)
        parts = list(reader.parts(series["sid"]))
        assert len(parts) == -(-len(series) // 2) and all(len(part.sids) <= 2 for part in parts)
        for part in parts:  # each part holds its own series' rows only
            for table in (part.observations, part.scored, part.band):
                assert set(table["sid"]) <= set(part.sids)
        observations = pd.concat([part.observations for part in parts], ignore_index=True)
        whole = store.observations().rename(columns={"series_id": "sid"})[list(observations.columns)]
        assert _text(observations.sort_values(["sid", "date"])) == _text(whole.sort_values(["sid", "date"]))
        full = pd.concat([reader.read(part.sids, scored=False, full=True).observations for part in parts])
        assert _text(full) == _text(whole.iloc[:0].reindex(columns=full.columns).pipe(lambda _: store.observations()
                                                                                     .rename(columns={"series_id": "sid"})))
        scored = pd.concat([part.scored for part in parts], ignore_index=True)
        expected = alerts(store, include_normal=True).merge(series[SERIES_KEY + ["sid"]], on=SERIES_KEY)
        assert _text(scored) == _text(expected) and len(scored) > 100
        band = pd.concat([part.band for part in parts], ignore_index=True).sort_values(["sid", "date"])
        assert _text(band) == _text(report_rows.band(store.anomalies()))


def _text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False)


def test_a_family_page_reads_only_its_series(database, tmp_path, monkeypatch):
    """The grain page's queries return rows of grain series only: observations and detector rows
    of the series it writes and draws, nothing of the store's other series."""
    from indicators.report.site import Site

    with Store(database) as store:
        data = report_data.load(store)
        grain = set(data.family_series("grain")["sid"])
        assert grain and len(grain) < len(data.series)
        fetched = []
        original = Store.query_frame

        def counting(self, sql, params=()):
            frame = original(self, sql, params)
            ids = next((frame[c] for c in ("series_id", "sid") if c in frame), None)
            if ids is not None:
                fetched.append((sql.split("FROM")[1].split()[0], ids))
            return frame
        monkeypatch.setattr(Store, "query_frame", counting)
        pages.family_page(Site(tmp_path / "page", keep_figures=False), data, "grain")
        tables = {table for table, _ in fetched}
        assert {"observations", "anomalies"} <= tables, tables
        for table, ids in fetched:
            assert set(ids) <= grain, f"the grain page read {table} rows of other series"
        observed = sum(len(ids) for table, ids in fetched if table == "observations")
        assert observed <= 2 * data.series[data.series["sid"].isin(grain)]["observations"].sum()  # CSVs, charts


def test_a_report_in_chunks_of_two_series_is_the_one_chunk_report(database, tmp_path, monkeypatch):
    with Store(database) as store:
        monkeypatch.setattr(report_rows, "CHUNK_SERIES", 10_000)
        one = write_report(store, tmp_path / "one").parent
        monkeypatch.setattr(report_rows, "CHUNK_SERIES", 2)
        chunked = write_report(store, tmp_path / "chunked").parent
        assert _files(one) == _files(chunked)
        assert len(_files(one)) > 20


def test_counts_of_a_subset_are_its_state_counts(database):
    from indicators.episodes import state_counts

    with Store(database) as store:
        data = report_data.load(store)
        grain = data.family_series("grain")["sid"]
        whole = consolidated(store)
        assert data.counts == state_counts(whole)
        assert data.subset(grain).counts == state_counts(whole[whole["series_id"].isin(set(grain))])
