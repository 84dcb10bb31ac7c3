"""The open-data files (public/files.py): written once per change by the job queue, never
stale, served like static files (issue 12 §5). What the files say is tested in
tests/api/test_opendata.py; here, how they are written, kept and sent."""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import threading
import time
import tracemalloc

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts import selectors
from accounts.models import OfficialAccount
from api.serializers import AccountSerializer, PolicyVersionSerializer
from core.cache import current
from public import files, opendata
from public.models import OpenDataChunk, OpenDataFile
from tests.api.conftest import OFFICER_NAMES, ORG_MAIL_DOMAIN
from tests.workflow import close_account

pytestmark = pytest.mark.django_db

CSV_URL, FEED_URL, JSON_URL = "/accounts.csv", "/feed/", "/accounts.json"
CONTENT_TYPES = {
    CSV_URL: "text/csv; charset=utf-8",
    FEED_URL: "application/atom+xml; charset=utf-8",
    JSON_URL: "application/json",
}
KANKO_URL = "https://www.instagram.com/sample_city_kanko/"


@pytest.fixture(autouse=True)
def host_disk(settings, tmp_path):
    """This app server's directory of copies, empty for each test."""
    settings.OPENDATA_ROOT = tmp_path / "opendata"
    return settings.OPENDATA_ROOT


@pytest.fixture
def written(caplog):
    """How many times a file was written (the log line an operator sees)."""
    caplog.set_level(logging.INFO, logger="public.files")

    def count(name: str = "") -> int:
        return sum(
            1
            for r in caplog.records
            if r.name == "public.files" and "written" in r.getMessage() and name in r.getMessage()
        )

    return count


def body(response) -> bytes:
    return response.getvalue()


def csv_urls(response) -> set[str]:
    text = body(response).decode("utf-8-sig")
    return {row[3] for row in list(csv.reader(io.StringIO(text, newline="")))[1:]}


# --- Written once per change -------------------------------------------------------------


def test_publish_writes_every_file_once_for_the_generation(demo, host_disk, written):
    generation = current()
    files.publish(generation)
    stored = OpenDataFile.objects.filter(generation=generation)
    assert sorted(stored.values_list("name", flat=True)) == sorted(s.name for s in files.FILES)
    for row in stored:
        assert row.size > 0
        assert 0 < row.gzip_size < row.size
        assert OpenDataChunk.objects.filter(file=row).exists()
    # The plain file and its gzip form, named by content, on this host's disk.
    on_disk = sorted(p.name for p in host_disk.iterdir() if not p.name.startswith("."))
    assert len(on_disk) == 2 * len(files.FILES)
    files.publish(generation)  # again (a retried task): nothing is written twice
    assert written() == len(files.FILES)
    assert stored.count() == len(files.FILES)


def test_the_job_queue_writes_them_after_an_approval(
    client, settings, users, tourism_account, django_capture_on_commit_callbacks,
    django_assert_num_queries, written,
):  # fmt: skip
    settings.PUBLIC_REFRESH_ON_CHANGE = True
    with django_capture_on_commit_callbacks(execute=True):
        close_account(tourism_account, users)
    generation = current()
    assert set(
        OpenDataFile.objects.filter(generation=generation).values_list("name", flat=True)
    ) == {s.name for s in files.FILES}
    assert written() == len(files.FILES)
    # So a download after it costs one query (the generation and its file) and no writing.
    with django_assert_num_queries(1):
        response = client.get(CSV_URL)
    assert response.status_code == 200
    assert KANKO_URL not in csv_urls(response)
    assert written() == len(files.FILES)


def test_a_closure_is_in_the_very_next_download(client, users, tourism_account):
    """No worker has run (PUBLIC_REFRESH_ON_CHANGE is off in tests): the download after the
    closure writes the new generation's file rather than serve the previous one."""
    before = client.get(CSV_URL)
    assert KANKO_URL in csv_urls(before)
    close_account(tourism_account, users)
    after = client.get(CSV_URL)
    assert KANKO_URL not in csv_urls(after)
    assert after["ETag"] != before["ETag"]
    # A client holding the old file is sent the new one, not "304 Not Modified".
    again = client.get(CSV_URL, headers={"If-None-Match": before["ETag"]})
    assert again.status_code == 200
    dump = json.loads(body(client.get(JSON_URL)))
    kanko = next(a for a in dump["accounts"] if a["id"] == tourism_account.pk)
    assert kanko["status"] == "closed"
    assert kanko["closed_at"]


def test_another_app_server_copies_the_stored_file_instead_of_writing_it(
    client, demo, settings, tmp_path, written
):
    first = client.get(JSON_URL)
    settings.OPENDATA_ROOT = tmp_path / "other-host"  # a second host: its own, empty disk
    second = client.get(JSON_URL)
    assert body(second) == body(first)
    assert second["ETag"] == first["ETag"]
    assert written() == 1  # copied out of the database, not written again
    assert any(p.suffix == ".json" for p in settings.OPENDATA_ROOT.iterdir())


def test_old_generations_are_deleted_and_the_newest_kept(demo, host_disk, monkeypatch):
    monkeypatch.setattr(files, "GRACE_SECONDS", 0)
    account = OfficialAccount.objects.filter(status="listed").first()
    for n in range(files.KEEP + 3):
        # A change citizens see (a new name, so a new CSV), through the model's signals.
        account.display_name = f"サンプル市{n}"
        account.save()
        files.publish(current())
    assert OpenDataFile.objects.filter(name="accounts.csv").count() == files.KEEP
    newest = OpenDataFile.objects.get(name="accounts.csv", generation=current())
    assert OpenDataChunk.objects.filter(file__name="accounts.csv").count() == files.KEEP
    copies = list(host_disk.glob("accounts-*.csv"))
    assert len(copies) == files.KEEP
    assert any(newest.etag[:32] in p.name for p in copies)


# --- The JSON dump ---------------------------------------------------------------------------


def test_the_json_dump_has_every_public_account_with_its_policy_versions(
    client, demo, tourism_account, change_policy
):
    change_policy(tourism_account)
    dump = json.loads(body(client.get(JSON_URL)))
    assert dump["format_version"] == opendata.FORMAT_VERSION
    assert dump["account_count"] == len(dump["accounts"]) == selectors.public_accounts().count()
    assert [a["id"] for a in dump["accounts"]] == sorted(a["id"] for a in dump["accounts"])
    kanko = next(a for a in dump["accounts"] if a["id"] == tourism_account.pk)
    # The API's account fields, exactly as the API shows them.
    api = client.get(f"/api/v1/accounts/{tourism_account.pk}/").json()
    for field in api:
        if field not in ("policy", "policy_versions"):
            assert kanko[field] == api[field], field
    # Every published version, newest first, in full (each has a public page).
    assert [v["version"] for v in kanko["policy_versions"]] == [2, 1]
    assert kanko["policy_versions"][0] == api["policy"]
    assert [v["url"] for v in kanko["policy_versions"]] == [
        v["url"] for v in api["policy_versions"]
    ]


def test_the_json_dump_names_nobody_and_nothing_internal(client, demo):
    response = client.get(JSON_URL)
    text = body(response).decode()
    for secret in (*OFFICER_NAMES, ORG_MAIL_DOMAIN, "ログイン情報"):
        assert secret not in text, secret
    dump = json.loads(text)
    # The API's public fields and nothing else (no officers, rules or review fields).
    for account in dump["accounts"]:
        assert set(account) == {*AccountSerializer.Meta.fields, "policy_versions"}
        for version in account["policy_versions"]:
            assert set(version) == set(PolicyVersionSerializer.Meta.fields)


@pytest.fixture
def change_policy(users):
    from tests import workflow

    return lambda account: workflow.change_account(account, users)


# --- Served like a static file ------------------------------------------------------------


@pytest.mark.parametrize("url", [CSV_URL, FEED_URL, JSON_URL])
def test_headers_of_a_static_file(client, demo, url):
    response = client.get(url, headers={"Origin": "https://opendata.example.org"})
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[url]
    assert int(response["Content-Length"]) == len(body(response))
    etag = response["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert not etag.startswith("W/")
    assert response["Last-Modified"].endswith("GMT")
    control = {d.strip() for d in response["Cache-Control"].split(",")}
    assert control == {"public", "no-cache"}  # kept anywhere, but asked again each time
    assert "Accept-Encoding" in response["Vary"]
    assert "Content-Encoding" not in response
    assert ("Content-Disposition" in response) == (url == CSV_URL)
    assert "X-Cache" not in response  # not from the page cache
    assert response["Access-Control-Allow-Origin"] == "*"  # open data: readable from any site


@pytest.mark.parametrize("url", [CSV_URL, FEED_URL, JSON_URL])
def test_if_none_match_gives_304_without_a_body(client, demo, url):
    etag = client.get(url)["ETag"]
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "public" in response["Cache-Control"]


def test_a_big_file_is_handed_over_as_a_file(client, demo, monkeypatch):
    """Past SMALL_FILE the body is a file for the server to send (sendfile), same bytes."""
    small = client.get(CSV_URL)
    monkeypatch.setattr(files, "SMALL_FILE", 0)
    big = client.get(CSV_URL)
    assert big.streaming
    assert not small.streaming
    assert body(big) == body(small)
    assert int(big["Content-Length"]) == len(body(small))
    assert big["Content-Disposition"] == small["Content-Disposition"]


@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        ("*", 304),
        ("{etag}", 304),
        ('"nothing", {etag}', 304),
        ("W/{etag}", 304),  # If-None-Match compares weakly (RFC 9110 §13.1.2)
        ('"nothing"', 200),
        ("garbage without quotes", 200),
        ('"', 200),
        ('W/"', 200),
        (", , ,", 200),
        ("\x00\x01", 200),
        ('"' + "x" * 20000 + '"', 200),
        ("{etag}-gzip", 200),
    ],
)
def test_odd_if_none_match_never_fails(client, demo, if_none_match, status):
    etag = client.get(CSV_URL)["ETag"]
    response = client.get(CSV_URL, headers={"If-None-Match": if_none_match.format(etag=etag)})
    assert response.status_code == status


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0, *", False),
        ("*;q=0", False),
        ("br", False),
        ("identity", False),
        ("gzip;q=abc", False),
        ("gzip;q=2", False),
        (";;,,", False),
        ("", False),
    ],
)
def test_gzip_when_the_client_accepts_it(client, demo, accept_encoding, gzipped):
    plain = client.get(JSON_URL)
    response = client.get(JSON_URL, headers={"Accept-Encoding": accept_encoding})
    assert response.status_code == 200
    assert "Accept-Encoding" in response["Vary"]
    assert int(response["Content-Length"]) == len(body(response))
    if gzipped:
        assert response["Content-Encoding"] == "gzip"
        assert gzip.decompress(body(response)) == body(plain)
        assert response["ETag"] != plain["ETag"]  # another representation, another tag
        assert len(body(response)) < len(body(plain))
    else:
        assert "Content-Encoding" not in response
        assert body(response) == body(plain)


def test_a_gzip_304_and_tag(client, demo):
    gz = client.get(CSV_URL, headers={"Accept-Encoding": "gzip"})
    response = client.get(CSV_URL, headers={"Accept-Encoding": "gzip", "If-None-Match": gz["ETag"]})
    assert response.status_code == 304
    assert response["ETag"] == gz["ETag"]


@pytest.mark.parametrize("accept_encoding", ["", "gzip"])
def test_head_has_the_headers_of_get_and_no_body(client, demo, accept_encoding):
    headers = {"Accept-Encoding": accept_encoding}
    get = client.get(CSV_URL, headers=headers)
    head = client.head(CSV_URL, headers=headers)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Cache-Control"):
        assert head[name] == get[name], name
    assert head.get("Content-Encoding") == get.get("Content-Encoding")


@pytest.mark.parametrize("range_header", ["bytes=0-10", "bytes=-5", "bytes=10-", "lines=1-2", "x"])
def test_a_range_request_gets_the_whole_file(client, demo, range_header):
    """Ranges are not supported (and say so): the whole file, never a 416 or a 500."""
    whole = client.get(CSV_URL)
    response = client.get(CSV_URL, headers={"Range": range_header})
    assert response.status_code == 200
    assert body(response) == body(whole)
    assert response["Accept-Ranges"] == "none"


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_only_reading(demo, method):
    response = getattr(Client(), method)(JSON_URL)
    assert response.status_code in (403, 405)  # CSRF first for a POST, then 405
    assert not OpenDataFile.objects.exists()


def test_a_filtered_csv_is_written_for_the_request(client, demo, written):
    response = client.get(CSV_URL, {"service": "instagram"})
    text = body(response).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text, newline="")))) == 2
    assert response["Content-Disposition"].startswith("attachment")
    assert written() == 0
    assert not OpenDataFile.objects.exists()
    # Parameters that filter nothing get the file.
    assert client.get(CSV_URL, {"utm_source": "x", "q": "  "})["ETag"]


# --- Waiting for a writer -----------------------------------------------------------------


def test_a_download_waits_a_bounded_time_then_says_so(client, settings, users, tourism_account):
    """Someone else is writing the new generation's file for too long: a 503 that says to
    retry — never the previous generation's file, with the closed account still in it."""
    client.get(CSV_URL)
    close_account(tourism_account, users)
    settings.OPENDATA_BUILD_WAIT = 0.3
    held, release = threading.Event(), threading.Event()
    generation = current()

    def writer_elsewhere():
        try:
            with files._build_lock(f"accounts.csv:{files.variant()}:{generation}"):
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=writer_elsewhere)
    thread.start()
    try:
        assert held.wait(10)
        response = client.get(CSV_URL)
    finally:
        release.set()
        thread.join()
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "しばらくしてから" in response.content.decode()
    assert KANKO_URL not in csv_urls(client.get(CSV_URL))  # once the writer is gone


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_first_downloads_at_once_write_the_file_once(monkeypatch, written):
    """Each request in its own thread and connection, as on two app servers: one writes
    (the writer made slow, so they overlap), the other waits and serves what it stored."""
    slow_csv = opendata.write_csv

    def write_csv(out, accounts):
        time.sleep(0.5)
        slow_csv(out, accounts)

    monkeypatch.setattr(opendata, "write_csv", write_csv)
    barrier = threading.Barrier(2, timeout=10)
    responses: list = []

    def download():
        try:
            barrier.wait()
            response = Client().get(CSV_URL)
            responses.append((response.status_code, response["ETag"], body(response)))
        finally:
            connection.close()

    threads = [threading.Thread(target=download) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r[0] for r in responses] == [200, 200]
    assert responses[0][1:] == responses[1][1:]
    assert written("accounts.csv") == 1
    assert OpenDataFile.objects.filter(name="accounts.csv").count() == 1


# --- Memory -------------------------------------------------------------------------------


def _peak_of_publish() -> tuple[int, int]:
    """Peak memory (tracemalloc) while publishing the current generation, and the files' size."""
    generation = current()
    tracemalloc.start()
    try:
        files.publish(generation)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = sum(OpenDataFile.objects.filter(generation=generation).values_list("size", flat=True))
    return peak, size


def test_memory_does_not_grow_with_the_registry(demo, monkeypatch):
    """Four times the accounts, about the same peak: the files are written as they are read,
    ``opendata.CHUNK`` accounts at a time (small here, so a small registry shows it)."""
    monkeypatch.setattr(opendata, "CHUNK", 25)
    _peak_of_publish()  # what is loaded once per process (the URLconf …) is not counted
    call_command("seed_demo", accounts=90, stdout=io.StringIO())
    small_peak, small_size = _peak_of_publish()
    call_command("seed_demo", accounts=300, stdout=io.StringIO())
    large_peak, large_size = _peak_of_publish()
    assert large_size > 3 * small_size
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
