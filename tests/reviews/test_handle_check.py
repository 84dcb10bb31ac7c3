"""The daily handle check (issue 14 §3): Bluesky is asked which handle each DID has now — here
a fake AppView on 127.0.0.1 that answers what each test scripts. A changed handle is an
incident for the PR division and the 責任者 side, never a silent update; a service that is
down, hangs or answers garbage changes nothing and the run still succeeds. No test reaches
the internet: the test settings point the check at a closed local port."""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Officer, OfficerRole, OfficialAccount
from impersonation.verification import verify
from incidents.models import Incident, IncidentKind, IncidentStatus
from incidents.permissions import told_of_incident
from incidents.services import incident_update
from jobs.models import JobRun
from jobs.outbox import flush_outbox
from jobs.schedule import daily_jobs
from reviews.handles import MAX_BYTES, accounts_to_check, check_platform_handles, current_handle

pytestmark = pytest.mark.django_db

DID = "did:plc:abcdefghijklmnopqrstuvwx"
OTHER_DID = "did:plc:zyxwvutsrqponmlkjihgfedc"
REGISTERED = "samplecity.bsky.social"  # the demo's Bluesky account
# The fake server's HANDLE_CHECK_TIMEOUT: short, but not so short that a busy test machine
# misses a prompt answer. Every "given up in bounded time" test allows 3× this + 2 s.
TIMEOUT = 1.0
BOUND = 3 * TIMEOUT + 2
DRIP_EVERY = 0.3


class FakeAppView:
    """What the fake server answers per DID: ``answers[did] = "new.bsky.social"`` (a handle)
    or a behaviour: "hang", "drip_body", "drip_headers", "not_json", "500", "huge",
    "not_found", "redirect", "other_did"."""

    def __init__(self) -> None:
        self.answers: dict[str, str] = {}
        self.requests: list[str] = []
        self.hang_seconds = 8.0
        # A byte every DRIP_EVERY seconds — well within any per-read socket timeout — for
        # about 12 s: without a deadline for the whole request the client waits it out.
        self.drip_bytes = 40


def _profile(did: str, handle: str, **more: str) -> bytes:
    return json.dumps({"did": did, "handle": handle, **more}).encode()


# What the fake server sends for a scripted behaviour: (status, body, extra headers).
BEHAVIOURS = {
    "not_json": lambda did: (200, b"<html>maintenance</html>", {}),
    "500": lambda did: (500, b'{"error": "InternalServerError"}', {}),
    "huge": lambda did: (200, _profile(did, "huge.bsky.social", description="あ" * MAX_BYTES), {}),
    "not_found": lambda did: (400, b'{"error": "InvalidRequest", "message": "not found"}', {}),
    "redirect": lambda did: (302, b"", {"Location": f"http://203.0.113.1/?actor={did}"}),
    "other_did": lambda did: (200, _profile(OTHER_DID, "x.test"), {}),
}


def _drip(handler: BaseHTTPRequestHandler, app: FakeAppView, how: str) -> None:
    """Headers or a body, one byte at a time, until the client hangs up."""
    try:
        if how == "drip_body":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "4000")
            handler.end_headers()
        else:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Padding: ")
        handler.wfile.flush()
        for _ in range(app.drip_bytes):
            time.sleep(DRIP_EVERY)
            handler.wfile.write(b" " if how == "drip_body" else b"a")
            handler.wfile.flush()
    except OSError:  # the client gave up: what it should do
        pass


def _handler(app: FakeAppView) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _drip(self, how: str) -> None:
            _drip(self, app, how)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            app.requests.append(self.path)
            did = parse_qs(url.query).get("actor", [""])[0]
            if url.path != "/xrpc/app.bsky.actor.getProfile":
                return self._send(404, b"{}", {})
            answer = app.answers.get(did, "not_found")
            if answer == "hang":
                time.sleep(app.hang_seconds)
                return self._send(200, _profile(did, "late.example"), {})
            if answer in ("drip_body", "drip_headers"):
                return self._drip(answer)
            if answer in BEHAVIOURS:
                return self._send(*BEHAVIOURS[answer](did))
            return self._send(200, _profile(did, answer), {})

    return Handler


@pytest.fixture
def appview(settings):
    """A fake Bluesky AppView on 127.0.0.1, the check pointed at it (timeouts short)."""
    app = FakeAppView()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(app))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.BLUESKY_API_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.HANDLE_CHECK_TIMEOUT = TIMEOUT
    yield app
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port(settings) -> None:
    """Nothing listens there: the port was free a moment ago and is closed again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.BLUESKY_API_URL = f"http://127.0.0.1:{port}"


@pytest.fixture
def bluesky(demo) -> OfficialAccount:
    """The demo's Bluesky account (@samplecity.bsky.social) with its DID registered."""
    account = OfficialAccount.objects.get(service__slug="bluesky", identifier=REGISTERED)
    OfficialAccount.objects.filter(pk=account.pk).update(platform_id=DID)
    account.refresh_from_db()
    return account


def found():
    """The incidents of this kind (the demo has others)."""
    return Incident.objects.filter(kind=IncidentKind.HANDLE_CHANGED)


def today() -> date:
    return timezone.localdate()


def _emails(people) -> set[str]:
    return {u.email for u in people if u.email}


def _verdict() -> str:
    return verify(f"https://bsky.app/profile/{REGISTERED}").verdict


# --- Settings ---------------------------------------------------------------------------------


def test_the_tests_never_point_the_check_at_the_internet():
    assert django_settings.BLUESKY_API_URL.startswith("http://127.0.0.1:")
    assert "bsky.app" not in django_settings.BLUESKY_API_URL


def test_the_check_is_a_registered_daily_job_after_closures_and_before_the_digest():
    order = [job.name for job in daily_jobs()]
    assert "check_platform_handles" in order
    assert order.index("close_scheduled_accounts") < order.index("check_platform_handles")
    assert order.index("check_platform_handles") < order.index("reminder_digest")


# --- Same, changed, again -----------------------------------------------------------------


def test_the_same_handle_changes_nothing(appview, bluesky):
    appview.answers[DID] = "SampleCity.bsky.social"  # case does not matter
    summary = check_platform_handles(today())
    assert "一致1件" in summary
    assert appview.requests == [f"/xrpc/app.bsky.actor.getProfile?actor={DID.replace(':', '%3A')}"]
    assert not found().exists()
    flush_outbox()
    assert mail.outbox == []


def test_a_changed_handle_is_an_incident_for_the_pr_division_and_the_responsible_side(
    appview, bluesky, users, client, tourism_account
):
    # Run by 観光プロモーション課, its 責任者 the demo's head (not in the PR division).
    OfficialAccount.objects.filter(pk=bluesky.pk).update(department=tourism_account.department)
    Officer.objects.filter(account=bluesky, role=OfficerRole.RESPONSIBLE).update(
        user=users["head"], name=""
    )
    before = _verdict()
    appview.answers[DID] = "newcity.bsky.social"
    summary = check_platform_handles(today())
    assert "違い1件" in summary
    assert "新しいインシデント1件" in summary

    [incident] = found()
    assert incident.account == bluesky
    assert incident.kind == IncidentKind.HANDLE_CHANGED
    assert incident.observed_identifier == "newcity.bsky.social"
    assert incident.recorded_by is None
    assert incident.status == IncidentStatus.OPEN
    assert "@samplecity.bsky.social" in incident.description
    assert "@newcity.bsky.social" in incident.description
    assert "申請は出ていません" in incident.description

    # Never a silent update: the account and the verifier's answer are as before.
    bluesky.refresh_from_db()
    assert (bluesky.identifier, bluesky.platform_id, bluesky.status) == (REGISTERED, DID, "listed")
    assert _verdict() == before == "official"

    flush_outbox()
    [message] = mail.outbox
    told = _emails(told_of_incident(bluesky))
    assert set(message.to) == told
    assert users["pr"].email in told  # the PR division
    assert users["head"].email in told  # the 責任者
    assert "未申請のID変更" in message.subject
    assert "@newcity.bsky.social" in message.subject
    assert "台帳の自動確認" in message.body
    assert "台帳のID：@samplecity.bsky.social" in message.body
    assert "サービス上のID：@newcity.bsky.social" in message.body
    assert "変更を申請する" in message.body
    assert "乗っ取り" in message.body
    assert reverse("staff_incidents:detail", args=[incident.pk]) in message.body

    # Recorded by nobody: every page says so instead of "None".
    client.force_login(users["pr"])
    for url in (
        reverse("staff_incidents:detail", args=[incident.pk]),
        reverse("staff_incidents:list"),
        reverse("staff_accounts:detail", args=[bluesky.pk]),
        reverse("staff:dashboard"),
        reverse("staff_incidents:suspend", args=[bluesky.pk]) + f"?incident={incident.pk}",
    ):
        body = client.get(url).content.decode()
        assert "台帳の自動確認" in body, url
        assert "None" not in body, url
    client.force_login(users["admin"])
    body = client.get(reverse("admin:incidents_incident_changelist")).content.decode()
    assert "台帳の自動確認" in body


def test_the_next_days_run_raises_no_second_incident_while_it_is_open(appview, bluesky, users):
    appview.answers[DID] = "newcity.bsky.social"
    check_platform_handles(today())
    summary = check_platform_handles(today())
    assert "新しいインシデント0件" in summary
    assert found().count() == 1
    flush_outbox()
    assert len(mail.outbox) == 1
    # Another name is another finding.
    appview.answers[DID] = "othercity.bsky.social"
    check_platform_handles(today())
    assert sorted(found().values_list("observed_identifier", flat=True)) == [
        "newcity.bsky.social",
        "othercity.bsky.social",
    ]


def test_closed_while_the_registry_still_has_the_old_handle_it_is_raised_again(
    appview, bluesky, users
):
    """Closing says it was dealt with: the same finding the next day says it was not."""
    appview.answers[DID] = "newcity.bsky.social"
    check_platform_handles(today())
    first = found().get()
    incident_update(incident=first, actor=users["pr"], actions_taken="確認中", close=True)
    check_platform_handles(today())
    assert found().filter(status=IncidentStatus.OPEN).count() == 1
    assert found().count() == 2


def test_handle_invalid_is_a_mismatch_too(appview, bluesky):
    appview.answers[DID] = "handle.invalid"
    check_platform_handles(today())
    incident = found().get()
    assert incident.observed_identifier == "handle.invalid"
    assert "確認できない状態" in incident.description


# --- The service is down, slow, or answers garbage ------------------------------------------


def _nothing_happened(account: OfficialAccount) -> None:
    assert not found().exists()
    flush_outbox()
    assert mail.outbox == []
    account.refresh_from_db()
    assert (account.identifier, account.platform_id) == (REGISTERED, DID)


def test_a_service_that_is_down_changes_nothing_and_the_run_says_unchecked(
    closed_port, bluesky, caplog
):
    with caplog.at_level(logging.WARNING, logger="reviews.handles"):
        summary = check_platform_handles(today())
    assert "確認できなかったもの1件" in summary
    assert "ハンドルの確認0件" in summary
    assert "not checked" in caplog.text
    _nothing_happened(bluesky)


def test_the_default_test_address_is_closed_too(bluesky):
    assert "確認できなかったもの1件" in check_platform_handles(today())
    _nothing_happened(bluesky)


def test_a_service_that_hangs_is_given_up_in_bounded_time(appview, bluesky):
    appview.answers[DID] = "hang"
    started = time.monotonic()
    summary = check_platform_handles(today())
    assert time.monotonic() - started < BOUND  # the server sleeps 8 s
    assert "確認できなかったもの1件" in summary
    _nothing_happened(bluesky)


@pytest.mark.parametrize("answer", ["drip_body", "drip_headers"])
def test_a_service_that_drips_its_answer_is_given_up_in_bounded_time(appview, bluesky, answer):
    """A byte every 0.3 s never trips a per-read timeout; the whole request still ends at
    HANDLE_CHECK_TIMEOUT (the server would go on for about 12 s)."""
    appview.answers[DID] = answer
    started = time.monotonic()
    summary = check_platform_handles(today())
    assert time.monotonic() - started < BOUND
    assert "確認できなかったもの1件" in summary
    assert len(appview.requests) == 1
    _nothing_happened(bluesky)


def test_a_name_lookup_that_hangs_is_given_up_in_bounded_time(settings, bluesky, monkeypatch):
    """DNS has no socket timeout: getaddrinfo may block far longer than HANDLE_CHECK_TIMEOUT."""

    def slow_lookup(*args, **kwargs):
        time.sleep(8)
        raise socket.gaierror("no answer")

    monkeypatch.setattr(socket, "getaddrinfo", slow_lookup)
    settings.BLUESKY_API_URL = "http://appview.test"
    settings.HANDLE_CHECK_TIMEOUT = TIMEOUT
    started = time.monotonic()
    summary = check_platform_handles(today())
    assert time.monotonic() - started < BOUND
    assert "確認できなかったもの1件" in summary
    _nothing_happened(bluesky)


@pytest.mark.parametrize(
    "answer", ["not_json", "500", "huge", "not_found", "redirect", "other_did"]
)
def test_garbage_changes_nothing(appview, bluesky, answer):
    appview.answers[DID] = answer
    summary = check_platform_handles(today())
    assert "確認できなかったもの1件" in summary
    _nothing_happened(bluesky)
    # A redirect is never followed (to another host least of all).
    assert len(appview.requests) == 1


def test_current_handle_reads_only_a_profile_of_the_did_asked(appview):
    appview.answers[DID] = "City.Example.JP"
    assert current_handle(DID) == "city.example.jp"


# --- Which accounts are asked, and how many ---------------------------------------------


def test_only_official_bluesky_accounts_known_by_a_handle_with_a_did_are_asked(
    appview, bluesky, bousai_account
):
    # An X account with its permanent ID: X cannot be asked without a key.
    OfficialAccount.objects.filter(pk=bousai_account.pk).update(platform_id="id:123")
    assert list(accounts_to_check()) == [bluesky]

    def asked_after(**fields) -> list[OfficialAccount]:
        OfficialAccount.objects.filter(pk=bluesky.pk).update(**fields)
        return list(accounts_to_check())

    assert asked_after(identifier=DID) == []  # registered by its DID: no handle to compare
    assert asked_after(identifier=REGISTERED, platform_id="") == []  # no DID
    assert asked_after(platform_id=DID, status="closed", closed_at=timezone.now()) == []
    assert asked_after(status="suspended", closed_at=None) == [bluesky]  # still shown as official


def _second_bluesky(bluesky: OfficialAccount) -> OfficialAccount:
    second = OfficialAccount.objects.get(pk=bluesky.pk)
    second.pk = None
    second.identifier = "second.bsky.social"
    second.url = "https://bsky.app/profile/second.bsky.social"
    second.platform_id = OTHER_DID
    second.save()
    return second


def test_at_most_max_requests_a_run_and_the_others_on_the_next_day(appview, bluesky, settings):
    _second_bluesky(bluesky)
    appview.answers.update({DID: REGISTERED, OTHER_DID: "second.bsky.social"})
    settings.HANDLE_CHECK_MAX_REQUESTS = 1
    day = today()
    summary = check_platform_handles(day)
    assert "ハンドルの確認1件" in summary
    assert "翌日以降に回したもの1件" in summary
    check_platform_handles(day)  # the same day again: the same account
    assert len(appview.requests) == 2
    assert len(set(appview.requests)) == 1
    check_platform_handles(day - timedelta(days=1))  # another day: the other one
    assert len(set(appview.requests)) == 2


def _more_bluesky(bluesky: OfficialAccount, n: int) -> list[str]:
    """``n`` more official Bluesky accounts with their DIDs; the DIDs of all of them."""
    dids = [DID]
    for i in range(n):
        did = "did:plc:" + "abcdefghijklmnopqrstuv" + "234567"[i // 6] + "234567"[i % 6]
        other = OfficialAccount.objects.get(pk=bluesky.pk)
        other.pk = None
        other.identifier = f"city{i}.bsky.social"
        other.url = f"https://bsky.app/profile/city{i}.bsky.social"
        other.platform_id = did
        other.save()
        dids.append(did)
    return dids


def test_after_max_failures_in_a_row_the_run_stops_asking(appview, bluesky, settings):
    """The service is down (every answer an error): the run asks HANDLE_CHECK_MAX_FAILURES
    times, not once per account; the rest are unchecked and asked again the next day."""
    for did in _more_bluesky(bluesky, 7):
        appview.answers[did] = "500"
    settings.HANDLE_CHECK_MAX_FAILURES = 3
    summary = check_platform_handles(today())
    assert len(appview.requests) == 3
    assert "確認できなかったもの8件" in summary
    assert "うち5件は、サービスが3回続けて答えなかったため問い合わせを打ち切ったもの" in summary
    assert not found().exists()


def test_a_hanging_service_is_given_up_after_max_failures_too(appview, bluesky, settings):
    for did in _more_bluesky(bluesky, 7):
        appview.answers[did] = "drip_body"
    settings.HANDLE_CHECK_MAX_FAILURES = 2
    started = time.monotonic()
    check_platform_handles(today())
    assert time.monotonic() - started < 2 * BOUND
    assert len(appview.requests) == 2


def test_failures_apart_do_not_stop_the_run(bluesky, settings, monkeypatch):
    """Only failures in a row count: an answer in between starts the count again."""
    from reviews import handles

    dids = _more_bluesky(bluesky, 5)
    asked: list[str] = []

    def answer(did: str) -> str:
        asked.append(did)
        if len(asked) % 2:
            raise handles.LookupFailed("HTTP 500")
        return "whoever.bsky.social" if did != DID else REGISTERED

    monkeypatch.setattr(handles, "current_handle", answer)
    settings.HANDLE_CHECK_MAX_FAILURES = 2
    summary = check_platform_handles(today())
    assert sorted(asked) == sorted(dids)
    assert "打ち切った" not in summary


def test_a_run_ends_within_its_time_budget_and_leaves_the_rest_for_the_next_day(
    appview, bluesky, settings
):
    """No request is started that could end after HANDLE_CHECK_RUN_SECONDS."""
    for did in _more_bluesky(bluesky, 3):
        appview.answers[did] = "hang"
    settings.HANDLE_CHECK_RUN_SECONDS = 1.5 * TIMEOUT
    started = time.monotonic()
    summary = check_platform_handles(today())
    assert time.monotonic() - started < 1.5 * TIMEOUT + 1
    assert len(appview.requests) == 1
    assert "翌日以降に回したもの3件" in summary
    assert "うち3件は、1回の処理時間の上限1.5秒に達したため" in summary
    # The next day starts elsewhere: the same accounts are not the ones left every day.
    check_platform_handles(today() + timedelta(days=1))
    assert len(set(appview.requests)) == 2


def test_the_time_budget_is_never_more_than_half_the_jobs_lease(settings):
    from jobs.runner import LOCK_FOR
    from reviews.handles import run_seconds

    assert run_seconds() == django_settings.HANDLE_CHECK_RUN_SECONDS < LOCK_FOR.total_seconds() / 2
    settings.HANDLE_CHECK_RUN_SECONDS = 7200
    assert run_seconds() == LOCK_FOR.total_seconds() / 2


# --- Through the command ------------------------------------------------------------------


def test_run_daily_jobs_runs_the_check(appview, bluesky):
    appview.answers[DID] = "newcity.bsky.social"
    out = io.StringIO()
    call_command("run_daily_jobs", "--job", "check_platform_handles", stdout=out)
    assert "check_platform_handles" in out.getvalue()
    run = JobRun.objects.get(name="check_platform_handles")
    assert run.succeeded
    assert "新しいインシデント1件" in run.summary
    assert found().get().observed_identifier == "newcity.bsky.social"


def test_run_daily_jobs_succeeds_when_the_service_is_down(closed_port, bluesky):
    call_command("run_daily_jobs", "--job", "check_platform_handles", stdout=io.StringIO())
    run = JobRun.objects.get(name="check_platform_handles")
    assert run.succeeded
    assert "確認できなかったもの1件" in run.summary


# --- Never inside a web request --------------------------------------------------------------


def test_no_page_asks_the_service(appview, bluesky, users, client):
    """Every page about the account — staff and public, the verifier, the API — with the
    check pointed at the fake server: not one request reaches it."""
    appview.answers[DID] = "newcity.bsky.social"
    pages = [
        reverse("public:account_list"),
        reverse("public:account_detail", args=[bluesky.pk]),
        reverse("public:verify") + f"?q=@{REGISTERED}",
        reverse("public:verify") + f"?q=https://bsky.app/profile/{DID}",
        reverse("api-verify") + f"?q=@{REGISTERED}",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    client.force_login(users["pr"])
    for url in (
        reverse("staff:dashboard"),
        reverse("staff_accounts:detail", args=[bluesky.pk]),
        reverse("staff_incidents:list"),
    ):
        assert client.get(url).status_code == 200, url
    assert appview.requests == []


def test_only_the_job_registration_imports_the_checker():
    """The network code is reachable from the job runner only: no view, service or template
    tag imports ``reviews.handles`` (reviews/apps.py registers the job)."""
    root = Path(django_settings.BASE_DIR)
    packages = [
        "core",
        "organization",
        "accounts",
        "policies",
        "impersonation",
        "incidents",
        "approvals",
        "reviews",
        "personnel",
        "jobs",
        "api",
        "public",
        "staff",
        "demo",
        "config",
        "bench",
    ]
    importers = sorted(
        str(path.relative_to(root))
        for package in packages
        for path in (root / package).rglob("*.py")
        if path != root / "reviews" / "handles.py"
        and any(
            needle in path.read_text(encoding="utf-8")
            for needle in (
                "from reviews import handles",
                "from reviews.handles",
                "reviews.handles import",
            )
        )
    )
    assert importers == ["reviews/apps.py"]
