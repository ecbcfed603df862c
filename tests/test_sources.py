"""API sources against local servers on 127.0.0.1 replaying payloads in the documented shapes:
KoboToolbox (next links, _submission_time query), ODK Central (OData nextLink, edits), HDX
(package_show, last_modified), WFP DataBridges (OAuth client credentials, page/totalItems, a
token expiring mid-paging), ACLED (OAuth, page/limit); 401, 429 with Retry-After, 5xx, empty
pages; and secrets that reach no stored or printed text."""
from __future__ import annotations

import hashlib
import io
import json
import logging
from pathlib import Path

import pytest

from indicators.config import JobConfig, Source, load_config
from indicators.errors import ConfigError
from indicators.event_store import events
from indicators.jobs import run_job
from indicators.sources import base as sources_base
from jobs_support import LOOPBACK_ENV
from sources_support import ApiServer

KOBO_TOKEN = "kobo-SECRET-7f3a9c"
ODK_TOKEN = "odk-SECRET-51be"
DB_KEY, DB_SECRET, DB_ACCESS = "dbkey-SECRET-1", "dbsecret-SECRET-2", "dbaccess-SECRET-3"
ACLED_USER, ACLED_PASSWORD, ACLED_ACCESS = "analyst@example.org", "acled-SECRET-pw&=", "acled-access-SECRET-4"
HDX_TOKEN = "hdx-SECRET-9"
SECRETS = [KOBO_TOKEN, ODK_TOKEN, DB_KEY, DB_SECRET, DB_ACCESS, ACLED_PASSWORD, ACLED_ACCESS, HDX_TOKEN]


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    for name, value in {**LOOPBACK_ENV, "KOBO_TOKEN": KOBO_TOKEN, "ODK_TOKEN": ODK_TOKEN, "DB_KEY": DB_KEY,
                        "DB_SECRET": DB_SECRET, "ACLED_USER": ACLED_USER, "ACLED_PASSWORD": ACLED_PASSWORD,
                        "HDX_TOKEN": HDX_TOKEN}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def pauses(monkeypatch):
    """The pauses between attempts, recorded instead of waited."""
    recorded = []
    monkeypatch.setattr(sources_base, "sleep", recorded.append)
    from indicators import fetch
    monkeypatch.setattr(fetch, "BACKOFF_SECONDS", 0.0)
    return recorded


@pytest.fixture
def log_text():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("indicators")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def job(store, tmp_path, *sources):
    return run_job(store, JobConfig(sources=list(sources), raw=str(tmp_path / "raw")), tmp_path / "reports")


def submission(n: int, day: str, city: str = "Bamako", status: str = "available", queue: int = 30,
               time: str | None = None) -> dict:
    return {"_id": n, "_uuid": f"uuid-{n:04d}", "_submission_time": time or f"{day}T08:{n % 60:02d}:00",
            "today": day, "station_info/region": "Bamako", "station_info/city": city,
            "station_info/station": f"Station {n % 3}", "fuel/fuel_type": "petrol", "fuel/status": status,
            "fuel/queue_minutes": queue, "fuel/pump_price": 775, "fuel/parallel_price": 900}


def kobo_route(state: dict):
    """Kobo API v2: pages of `page_size` from state["submissions"], filtered by the query."""
    def route(request):
        if request.headers.get("Authorization") != f"Token {KOBO_TOKEN}":
            return 401, {}, {"detail": "Invalid token."}
        if state.get("fail"):
            return state["fail"].pop(0)
        records = state["submissions"]
        query = request.arg("query")
        if query:
            since = json.loads(query)["_submission_time"]["$gte"]
            records = [r for r in records if r["_submission_time"] >= since]
        start, limit = int(request.arg("start", 0)), state.get("page_size", 3)
        page = records[start:start + limit]
        more = start + limit < len(records)
        following = (f"{state['base']}/api/v2/assets/aFuel/data/?format=json&limit={limit}&start={start + limit}"
                     + (f"&query={query}" if query else "")) if more else None
        return 200, {}, {"count": len(records), "next": following, "previous": None, "results": page}
    return route


def kobo_source(server, **extra):
    return Source("kobo", server.url, name="kobo-fuel", options={"asset": "aFuel", "token_env": "KOBO_TOKEN",
                                                                 **extra}, retries=2)


def test_kobo_imports_every_page_then_asks_only_for_new_submissions(store, tmp_path, log_text, pauses):
    state = {"submissions": [submission(n, "2025-11-18" if n < 3 else "2025-11-19") for n in range(6)]}
    with ApiServer({"/api/v2/assets/aFuel/data/": kobo_route(state)}) as server:
        state["base"] = server.url
        first = job(store, tmp_path, kobo_source(server))
        assert first.exit_code() == 0, first.errors
        assert len(server.requests) == 2  # two pages of 3: the next link was followed
        assert first.sources[0].totals()["rows_read"] == 6  # every submission, not 3 of 6
        assert store.conn.execute("SELECT COUNT(*) FROM api_records").fetchone()[0] == 6
        availability = store.conn.execute(
            "SELECT COUNT(*) FROM observations o JOIN series s ON s.id = o.series_id "
            "WHERE s.indicator = 'fuel_availability'").fetchone()[0]
        assert availability == 2  # Bamako petrol, two days

        state["submissions"].append(submission(7, "2025-11-20", status="out", time="2025-11-20T09:00:00"))
        second = job(store, tmp_path, kobo_source(server))
        query = json.loads(server.requests[-1].arg("query"))
        assert query == {"_submission_time": {"$gte": "2025-11-19T08:05:00"}}  # the newest stored
        assert second.sources[0].download["new"] == 1 and second.sources[0].download["fetched"] == 2
        assert second.sources[0].totals()["new"] >= 1  # the new day
        assert second.sources[0].totals()["revised"] == 0  # the cumulative export keeps earlier days whole

        third = job(store, tmp_path, kobo_source(server))
        assert third.sources[0].status == "unchanged" and third.exit_code() == 0
    assert_no_secret(store, tmp_path, log_text, first, second, third)


def test_kobo_401_names_the_variable_not_the_token(store, tmp_path, monkeypatch, log_text):
    monkeypatch.setenv("KOBO_TOKEN", "wrong-SECRET-token")
    with ApiServer({"/api/v2/assets/aFuel/data/": kobo_route({"submissions": []})}) as server:
        result = job(store, tmp_path, kobo_source(server))
    assert result.exit_code() == 1
    assert "HTTP 401" in result.errors[0] and "$KOBO_TOKEN" in result.errors[0]
    assert "wrong-SECRET-token" not in json.dumps(result.as_dict(), default=str)
    assert "wrong-SECRET-token" not in log_text.getvalue()


def test_a_missing_variable_is_named(store, tmp_path, monkeypatch):
    monkeypatch.delenv("KOBO_TOKEN")
    with ApiServer({}) as server:
        result = job(store, tmp_path, kobo_source(server))
    assert "the environment variable KOBO_TOKEN (token_env) is not set" in result.errors[0]


def test_429_waits_as_the_server_asks_and_5xx_is_retried(store, tmp_path, pauses):
    state = {"submissions": [submission(1, "2025-11-18")],
             "fail": [(429, {"Retry-After": "7"}, {"detail": "slow down"}), (503, {}, {"detail": "busy"})]}
    with ApiServer({"/api/v2/assets/aFuel/data/": kobo_route(state)}) as server:
        state["base"] = server.url
        result = job(store, tmp_path, kobo_source(server))
        assert result.exit_code() == 0, result.errors
        assert len(server.requests) == 3
    assert pauses == [7, 0.0]  # Retry-After, then the (test's zero) backoff


def test_persistent_5xx_fails_the_source_and_the_job_carries_on(store, tmp_path, pauses, write_csv):
    state = {"submissions": [], "fail": [(500, {}, {})] * 3}
    other = write_csv("other.csv", "indicator,location,date,value,unit\nfuel_availability,Kati,2025-11-01,0.5,share\n")
    with ApiServer({"/api/v2/assets/aFuel/data/": kobo_route(state)}) as server:
        result = job(store, tmp_path, kobo_source(server), Source("csv", str(other)))
    assert result.exit_code() == 1 and "HTTP 500" in result.errors[0] and "gave up after 3 attempts" in result.errors[0]
    assert result.sources[1].status == "collected"


def test_an_empty_first_page_is_nothing_new(store, tmp_path):
    with ApiServer({"/api/v2/assets/aFuel/data/": kobo_route({"submissions": []})}) as server:
        result = job(store, tmp_path, kobo_source(server))
    assert result.exit_code() == 0 and result.sources[0].status == "unchanged"


# -- ODK Central ------------------------------------------------------------------------------
def odk_record(n: int, day: str, status: str = "available", version: int = 1, updated: str | None = None) -> dict:
    instance = f"uuid:odk-{n}" if version == 1 else f"uuid:odk-{n}-v{version}"
    meta = {"instanceID": instance, **({"deprecatedID": f"uuid:odk-{n}"} if version > 1 else {})}
    return {"__id": f"uuid:odk-{n}", "__system": {"submissionDate": f"{day}T08:0{n}:00.000Z", "updatedAt": updated,
                                                   "reviewState": None},
            "meta": meta, "today": day, "station_info": {"region": "Sikasso", "city": "Sikasso",
                                                         "station": f"Station {n}"},
            "fuel": {"fuel_type": "diesel", "status": status, "queue_minutes": 60, "pump_price": 725,
                     "parallel_price": 1500}}


def odk_route(state: dict):
    def route(request):
        if request.headers.get("Authorization") != f"Bearer {ODK_TOKEN}":
            return 401, {}, {"message": "Could not authenticate with the provided credentials.", "code": 401.2}
        records = state["records"]
        flt = request.arg("$filter")
        if flt:
            since = flt.split(" ge ")[1].split(" or ")[0]
            records = [r for r in records if max(r["__system"]["submissionDate"], r["__system"]["updatedAt"] or "")
                       >= since]
        top, skip = int(request.arg("$top")), int(request.arg("$skip", 0))
        page = {"@odata.context": "x", "@odata.count": len(records), "value": records[skip:skip + top]}
        if skip + top < len(records):
            page["@odata.nextLink"] = f"{state['base']}{request.path}?%24top={top}&%24skip={skip + top}" + \
                (f"&%24filter={flt}" if flt else "")
        return 200, {}, page
    return route


def test_odk_pages_and_edited_submissions_replace_their_predecessor(store, tmp_path, log_text):
    path = "/v1/projects/3/forms/fuel_survey.svc/Submissions"
    state = {"records": [odk_record(n, "2025-10-21") for n in range(1, 4)]}
    source = Source("odk", "", name="odk-fuel", options={"project": 3, "form": "fuel_survey", "token_env": "ODK_TOKEN",
                                                         "page_size": 2})
    with ApiServer({path: odk_route(state)}) as server:
        state["base"] = server.url
        source.path = server.url
        first = job(store, tmp_path, source)
        assert first.exit_code() == 0, first.errors
        assert len(server.requests) == 2 and first.sources[0].totals()["rows_read"] == 3
        share = "SELECT o.value FROM observations o JOIN series s ON s.id = o.series_id WHERE s.indicator = " \
                "'fuel_availability' AND s.location = 'Sikasso' AND o.date = '2025-10-21'"
        assert store.conn.execute(share).fetchone()[0] == 1.0
        # station 2's report is edited: out of fuel after all
        state["records"][1] = odk_record(2, "2025-10-21", status="out", version=2, updated="2025-10-22T10:00:00.000Z")
        second = job(store, tmp_path, source)
        assert "updatedAt ge 2025-10-21T08:03:00.000Z" in server.requests[-1].arg("$filter")
        assert second.sources[0].download["edited"] == 1 and second.sources[0].download["new"] == 0
        assert store.conn.execute(share).fetchone()[0] == pytest.approx(2 / 3)
        assert second.sources[0].totals()["revised"] >= 1
    old = store.conn.execute("SELECT record_id, instance_id, new_instance_id FROM api_record_revisions").fetchall()
    assert old == [("odk-2", "odk-2", "odk-2-v2")]
    assert store.conn.execute("SELECT COUNT(*) FROM revisions").fetchone()[0] >= 1
    assert_no_secret(store, tmp_path, log_text, first, second)


def test_odk_basic_auth_from_two_variables(store, tmp_path, monkeypatch, log_text):
    import base64

    monkeypatch.setenv("ODK_USER", "enumerator@example.org")
    monkeypatch.setenv("ODK_PASSWORD", "odk-SECRET-pw")
    expected = "Basic " + base64.b64encode(b"enumerator@example.org:odk-SECRET-pw").decode()
    path = "/v1/projects/3/forms/fuel_survey.svc/Submissions"

    def route(request):
        if request.headers.get("Authorization") != expected:
            return 401, {}, {"message": "Could not authenticate"}
        return 200, {}, {"value": [odk_record(1, "2025-10-21")], "@odata.count": 1}

    with ApiServer({path: route}) as server:
        source = Source("odk", server.url, name="odk-fuel", options={
            "project": 3, "form": "fuel_survey", "username_env": "ODK_USER", "password_env": "ODK_PASSWORD"})
        result = job(store, tmp_path, source)
    assert result.exit_code() == 0, result.errors
    text = json.dumps(result.as_dict(), default=str) + log_text.getvalue()
    assert "odk-SECRET-pw" not in text and expected.split()[1] not in text


# -- HDX --------------------------------------------------------------------------------------
WFP_CSV = (Path(__file__).resolve().parent.parent / "datasets" / "demo" / "wfp_food_prices_mli.csv").read_bytes()


def hdx_routes(state: dict):
    def package_show(request):
        assert request.arg("id") == "wfp-food-prices-for-mali"
        return 200, {}, {"success": True, "result": {"name": "wfp-food-prices-for-mali", "resources": [
            {"name": "QuickCharts-wfp_food_prices_mli.csv", "url": f"{state['base']}/qc.csv", "last_modified": "x"},
            {"name": "wfp_food_prices_mli.csv", "url": f"{state['base']}/dataset/r/download/wfp_food_prices_mli.csv",
             "last_modified": state["last_modified"], "format": "CSV"}]}}

    def download(request):
        return 200, {"Content-Type": "text/csv"}, state["body"]
    return {"/api/3/action/package_show": package_show, "/dataset/r/download/wfp_food_prices_mli.csv": download}


def test_hdx_downloads_only_when_last_modified_changed(store, tmp_path, log_text):
    state = {"last_modified": "2025-11-20T06:12:41.123456", "body": WFP_CSV}
    source = Source("hdx", "", name="hdx-mali", options={"dataset": "wfp-food-prices-for-mali",
                                                         "resource": "wfp_food_prices_*.csv", "token_env": "HDX_TOKEN"})
    download = "/dataset/r/download/wfp_food_prices_mli.csv"
    with ApiServer(hdx_routes(state)) as server:
        state["base"] = source.path = server.url
        first = job(store, tmp_path, source)
        assert first.exit_code() == 0, first.errors
        assert first.sources[0].totals()["new"] == 2365 and len(server.hits(download)) == 1
        second = job(store, tmp_path, source)
        assert second.sources[0].status == "not_modified" and len(server.hits(download)) == 1
        state.update(last_modified="2025-12-05T06:00:00")  # republished, same bytes
        third = job(store, tmp_path, source)
        assert len(server.hits(download)) == 2  # a changed last_modified is downloaded again
        assert third.sources[0].status == "unchanged"  # ... and the same bytes are not parsed again
        fourth = job(store, tmp_path, source)
        assert fourth.sources[0].status == "not_modified" and len(server.hits(download)) == 2
        stored = store.conn.execute("SELECT sha256 FROM http_sources").fetchone()[0]
        assert stored == hashlib.sha256(WFP_CSV).hexdigest()  # the validators of the import stay
        assert server.hits(download)[0].headers.get("Authorization") == HDX_TOKEN
    assert_no_secret(store, tmp_path, log_text, first, second, third)


def test_hdx_without_a_matching_resource_lists_them(store, tmp_path):
    state = {"last_modified": "x", "body": b""}
    source = Source("hdx", "", name="hdx-mali", options={"dataset": "wfp-food-prices-for-mali",
                                                         "resource": "*.xlsx"})
    with ApiServer(hdx_routes(state)) as server:
        state["base"] = source.path = server.url
        result = job(store, tmp_path, source)
    assert "no resource of 'wfp-food-prices-for-mali' matches '*.xlsx'" in result.errors[0]
    assert "wfp_food_prices_mli.csv" in result.errors[0]


# -- DataBridges ------------------------------------------------------------------------------
SAMPLE = json.loads((Path(__file__).parent / "fixtures" / "databridges_MarketPrices_PriceMonthly_response_sample.json")
                    .read_text(encoding="utf-8"))


def databridges_routes(state: dict):
    import base64

    def token(request):
        expected = "Basic " + base64.b64encode(f"{DB_KEY}:{DB_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected or b"grant_type=client_credentials" not in request.body:
            return 401, {}, {"error": "invalid_client"}
        state["tokens"] += 1
        return 200, {}, {"access_token": f"{DB_ACCESS}-{state['tokens']}", "expires_in": 3600, "token_type": "Bearer"}

    def prices(request):
        page = int(request.arg("page"))
        valid = f"Bearer {DB_ACCESS}-{state['tokens']}"
        if request.headers.get("Authorization") != valid or (page == 2 and state.pop("expire_on_page_2", False)):
            return 401, {}, {"fault": "Invalid Credentials"}
        assert request.arg("countryCode") == "BFA"
        pages = state["pages"]
        items = pages[page - 1] if page <= len(pages) else []
        return 200, {}, {"items": items, "page": page, "totalItems": state["total"]}
    return {"/token": token, "/vam-data-bridges/2.0.0/MarketPrices/PriceMonthly": prices}


def databridges_source(server):
    return Source("databridges", f"{server.url}/vam-data-bridges/2.0.0", name="databridges-bfa",
                  options={"country": "BFA", "key_env": "DB_KEY", "secret_env": "DB_SECRET",
                           "token_url": f"{server.url}/token"})


def test_databridges_pages_and_renews_a_token_that_expires_mid_paging(store, tmp_path, log_text):
    items = SAMPLE["items"]
    state = {"tokens": 0, "pages": [items[:2], items[2:]], "total": len(items), "expire_on_page_2": True}
    with ApiServer(databridges_routes(state)) as server:
        result = job(store, tmp_path, databridges_source(server))
        assert result.exit_code() == 0, result.errors
        assert state["tokens"] == 2  # the first token expired on page 2 and was renewed once
        assert result.sources[0].totals()["rows_read"] == len(items)
        again = job(store, tmp_path, databridges_source(server))
        assert again.sources[0].status == "unchanged"
    assert store.conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0] >= 1
    assert_no_secret(store, tmp_path, log_text, result, again)


def test_databridges_empty_page_before_total_is_an_error(store, tmp_path):
    state = {"tokens": 0, "pages": [SAMPLE["items"][:1], []], "total": 3}
    with ApiServer(databridges_routes(state)) as server:
        result = job(store, tmp_path, databridges_source(server))
    assert "page 2 is empty after 1 of 3 items" in result.errors[0]
    assert store.conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == 0


def test_databridges_refused_credentials(store, tmp_path, monkeypatch):
    monkeypatch.setenv("DB_SECRET", "wrong-SECRET")
    with ApiServer(databridges_routes({"tokens": 0, "pages": [], "total": 0})) as server:
        result = job(store, tmp_path, databridges_source(server))
    assert "HTTP 401" in result.errors[0] and "$DB_KEY, $DB_SECRET" in result.errors[0]
    assert "wrong-SECRET" not in result.errors[0]


# -- ACLED ------------------------------------------------------------------------------------
def acled_event(n: int, date: str) -> dict:
    return {"event_id_cnty": f"MLI{n}", "event_date": date, "year": "2025", "event_type": "Violence against civilians",
            "sub_event_type": "Attack", "actor1": "JNIM", "actor2": "Civilians (Mali)", "admin1": "Kayes",
            "admin2": "Kayes", "location": "Kayes", "latitude": "14.4469", "longitude": "-11.4445",
            "fatalities": "2", "notes": "Fuel tankers attacked.", "source": "Studio Tamani", "iso": "466"}


def test_acled_pages_into_events(store, tmp_path, log_text):
    data = [acled_event(n, f"2025-09-{10 + n}") for n in range(5)]
    state = {"tokens": 0}

    def token(request):
        form = dict(pair.split("=", 1) for pair in request.body.decode().split("&"))
        if form.get("grant_type") != "password" or form.get("client_id") != "acled":
            return 400, {}, {"error": "invalid_request"}
        state["tokens"] += 1
        return 200, {}, {"access_token": ACLED_ACCESS, "expires_in": 86400, "refresh_token": "r"}

    def read(request):
        if request.headers.get("Authorization") != f"Bearer {ACLED_ACCESS}":
            return 401, {}, {"message": "Unauthorized"}
        assert request.arg("country") == "Mali" and request.arg("event_date_where") == "BETWEEN"
        assert request.arg("event_date") == "2025-09-01|2025-11-30"
        page, limit = int(request.arg("page")), int(request.arg("limit"))
        chunk = data[(page - 1) * limit: page * limit]
        return 200, {}, {"status": 200, "success": True, "count": len(chunk), "data": chunk}

    with ApiServer({"/oauth/token": token, "/api/acled/read": read}) as server:
        source = Source("acled", server.url, name="acled-mali", options={
            "country": "Mali", "start": "2025-09-01", "end": "2025-11-30", "username_env": "ACLED_USER",
            "password_env": "ACLED_PASSWORD", "token_url": f"{server.url}/oauth/token", "limit": 2})
        result = job(store, tmp_path, source)
        assert result.exit_code() == 0, result.errors
        assert len(server.hits("/api/acled/read")) == 3  # 2 + 2 + 1
    stored = events(store)
    assert len(stored) == 5 and set(stored["source"]) == {"ACLED"}
    assert json.loads(stored["extra"][0])["reported_by"] == "Studio Tamani"
    assert_no_secret(store, tmp_path, log_text, result)


# -- configuration ----------------------------------------------------------------------------
@pytest.mark.parametrize("table, message", [
    ('kind = "kobo"\npath = "https://kf.kobotoolbox.org"\ntoken_env = "KOBO_TOKEN"', "sources[1].asset is required"),
    ('kind = "kobo"\npath = "https://kf.kobotoolbox.org"\nasset = "a"\ntoken = "abc"',
     "unknown key(s) sources[1].token"),
    ('kind = "kobo"\npath = "https://kf.kobotoolbox.org"\nasset = "a"\ntoken_env = "my token"',
     "token_env must name an environment variable"),
    ('kind = "odk"\npath = "central.example.org"\nproject = 1\nform = "f"', "path must be the http(s) URL"),
    ('kind = "hdx"\npath = "https://data.humdata.org"\ndataset = 5', "dataset must be a string"),
    ('kind = "acled"\npath = "https://acleddata.com"\ncountry = "Mali"\nstart = "1 Sept"\nusername_env = "U"\npassword_env = "P"',
     "start must be a date YYYY-MM-DD"),
    ('kind = "kobo"\npath = "https://kf.kobotoolbox.org"\nasset = "a"\ntoken_env = "T"\npage_size = 0',
     "page_size must be at least 1"),
    ('kind = "soap"\npath = "x"', "(APIs)"),
])
def test_api_kinds_are_checked_in_the_config(tmp_path, table, message):
    config = tmp_path / "track.toml"
    config.write_text(f"[[sources]]\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert message in str(caught.value)


def test_a_config_with_every_api_kind_loads(tmp_path):
    config = tmp_path / "track.toml"
    config.write_text('''
[[sources]]
name = "kobo-fuel"
kind = "kobo"
path = "https://kf.kobotoolbox.org"
asset = "aBcD"
token_env = "KOBO_TOKEN"
[[sources]]
name = "odk-fuel"
kind = "odk"
path = "https://central.example.org"
project = 3
form = "fuel_survey"
username_env = "ODK_USER"
password_env = "ODK_PASSWORD"
[[sources]]
name = "hdx-mali"
kind = "hdx"
path = "https://data.humdata.org"
dataset = "wfp-food-prices-for-mali"
resource = "wfp_food_prices_mli.csv"
[[sources]]
name = "databridges-mali"
kind = "databridges"
path = "https://api.wfp.org/vam-data-bridges/2.0.0"
country = "MLI"
key_env = "DATABRIDGES_KEY"
secret_env = "DATABRIDGES_SECRET"
[[sources]]
name = "acled-mali"
kind = "acled"
path = "https://acleddata.com"
country = "Mali"
start = "2025-09-01"
username_env = "ACLED_USERNAME"
password_env = "ACLED_PASSWORD"
''')
    sources = load_config(config).sources
    assert [s.kind for s in sources] == ["kobo", "odk", "hdx", "databridges", "acled"]
    assert sources[0].options == {"asset": "aBcD", "token_env": "KOBO_TOKEN"}


# -- no secret anywhere -----------------------------------------------------------------------
def assert_no_secret(store, tmp_path, log_text, *results):
    """The secrets appear in no stored or printed text: the database (and its WAL), the raw
    copies' names and contents, the log, and the --json summary."""
    store.conn.execute("PRAGMA wal_checkpoint")
    texts = {"log": log_text.getvalue()}
    texts["json"] = "\n".join(json.dumps(r.as_dict(), default=str) for r in results)
    database = Path(store.path)
    for path in [database, *database.parent.glob(database.name + "-*")]:
        texts[str(path)] = path.read_bytes().decode("latin-1")
    for path in (tmp_path / "raw").rglob("*"):
        texts[f"name {path}"] = str(path.relative_to(tmp_path))
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("latin-1")
    import base64
    encoded = [base64.b64encode(f"{DB_KEY}:{DB_SECRET}".encode()).decode()]
    for where, text in texts.items():
        for secret in SECRETS + encoded:
            assert secret not in text, f"{secret!r} found in {where}"


def test_run_json_and_verbose_log_print_no_token(tmp_path, runner, log_text):
    from indicators.cli import cli

    state = {"submissions": [submission(n, "2025-11-18") for n in range(4)]}
    with ApiServer({"/api/v2/assets/aFuel/data/": kobo_route(state)}) as server:
        state["base"] = server.url
        config = tmp_path / "track.toml"
        config.write_text(f'raw = "raw"\nreports = "reports"\n[[sources]]\nname = "kobo-fuel"\nkind = "kobo"\n'
                          f'path = "{server.url}"\nasset = "aFuel"\ntoken_env = "KOBO_TOKEN"\n')
        result = runner.invoke(cli, ["run", "--config", str(config), "--db", str(tmp_path / "t.db"), "--json", "-v"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{"):])
    assert summary["sources"][0]["download"]["pages"] == 2
    assert KOBO_TOKEN not in result.output and KOBO_TOKEN not in (result.stderr or "")


def test_kobo_pages_that_lose_submissions_are_an_error(store, tmp_path):
    def route(request):  # announces 6, serves 3 and no next link
        return 200, {}, {"count": 6, "next": None, "previous": None,
                         "results": [submission(n, "2025-11-18") for n in range(3)]}

    with ApiServer({"/api/v2/assets/aFuel/data/": route}) as server:
        result = job(store, tmp_path, kobo_source(server))
    assert "the pages gave 3 submissions where the API announced 6" in result.errors[0]
    assert store.conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == 0


def test_kobo_lookback_days_asks_again_for_recent_days(store, tmp_path):
    state = {"submissions": [submission(1, "2025-11-18", time="2025-11-18T08:00:00")]}
    with ApiServer({"/api/v2/assets/aFuel/data/": kobo_route(state)}) as server:
        state["base"] = server.url
        job(store, tmp_path, kobo_source(server, lookback_days=2))
        job(store, tmp_path, kobo_source(server, lookback_days=2))
        query = json.loads(server.requests[-1].arg("query"))
    assert query == {"_submission_time": {"$gte": "2025-11-16T08:00:00"}}


def test_an_unforeseen_answer_fails_that_source_only(store, tmp_path):
    def route(request):
        return 200, {}, {"items": [], "page": 1, "totalItems": "many"}

    with ApiServer({"/token": lambda r: (200, {}, {"access_token": "token-of-40-characters-0123456789abcdef"}),
                    "/vam-data-bridges/2.0.0/MarketPrices/PriceMonthly": route}) as server:
        result = job(store, tmp_path, databridges_source(server))
    assert result.exit_code() == 1 and "unexpected ValueError in the databridges source" in result.errors[0]


def test_a_next_link_to_another_server_is_not_followed(store, tmp_path):
    def route(request):
        return 200, {}, {"count": 2, "next": "http://evil.example.org/steal?start=1",
                         "results": [submission(1, "2025-11-18")]}

    with ApiServer({"/api/v2/assets/aFuel/data/": route}) as server:
        result = job(store, tmp_path, kobo_source(server))
    assert "a paging link leads to another server (evil.example.org); not followed" in result.errors[0]


def test_a_redirect_to_another_host_does_not_carry_the_token(store, tmp_path):
    with ApiServer({"/file.csv": lambda r: (200, {"Content-Type": "text/csv"}, WFP_CSV)}) as storage:
        def redirect(request):
            return 302, {"Location": storage.url.replace("127.0.0.1", "localhost") + "/file.csv"}, b""

        state = {"last_modified": "2025-11-20", "body": b""}
        routes = hdx_routes(state)
        routes["/dataset/r/download/wfp_food_prices_mli.csv"] = redirect
        with ApiServer(routes) as server:
            state["base"] = server.url
            source = Source("hdx", server.url, name="hdx-mali", options={
                "dataset": "wfp-food-prices-for-mali", "resource": "wfp_food_prices_mli.csv", "token_env": "HDX_TOKEN"})
            result = job(store, tmp_path, source)
            assert server.hits("/dataset/r/download/wfp_food_prices_mli.csv")[0].headers["Authorization"] == HDX_TOKEN
    assert result.exit_code() == 0, result.errors
    assert "Authorization" not in storage.hits("/file.csv")[0].headers


def test_a_plain_url_to_one_kobo_page_warns_that_pages_are_missing(store, tmp_path):
    def route(request):
        return 200, {}, {"count": 6, "next": f"{state['base']}/api/v2/assets/aFuel/data/?start=3",
                         "results": [submission(n, "2025-11-18") for n in range(3)]}

    state = {}
    with ApiServer({"/api/v2/assets/aFuel/data/": route}) as server:
        state["base"] = server.url
        result = job(store, tmp_path, Source("stations", server.url + "/api/v2/assets/aFuel/data/", name="page"))
    assert result.sources[0].status == "collected"
    assert 'only this page was collected: use kind = "kobo" to read every page' in result.sources[0].warnings[0]
