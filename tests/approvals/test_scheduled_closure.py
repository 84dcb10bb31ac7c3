"""Scheduled closures (issue 10 §5, R13): a closure for a later day is approved now and takes
effect on that day; today or a past day takes effect at the approval.

The clock is moved with time_machine; the daily job is called as the scheduler calls it
(``jobs.schedule.daily_jobs()``), for the day it runs for.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from accounts.models import AccountStatus, OfficialAccount
from approvals import services
from approvals.closures import close_scheduled_accounts
from approvals.forms import ClosureForm
from approvals.models import Action, ApprovalRequest, RequestKind, RequestState
from core.errors import ProposalInvalid
from jobs.schedule import daily_jobs
from tests.workflow import CHECKLIST_ON, closure_form, staff_for

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
APPROVAL_DAY = date(2026, 12, 1)  # a Tuesday
CLOSING_DAY = date(2026, 12, 15)


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO), tick=False
    )


def approve_closure(account: OfficialAccount, users, closing_on: date) -> ApprovalRequest:
    operator, head = staff_for(account, users)
    req = services.request_create(kind=RequestKind.CLOSURE, actor=operator, account=account)
    services.request_submit(req=req, actor=operator, data=closure_form(closing_on))
    services.request_decide(req=req, actor=head, action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    account.refresh_from_db()
    return ApprovalRequest.objects.get(pk=req.pk)


@pytest.fixture
def scheduled(users, tourism_account):
    """tourism_account, its closure approved on APPROVAL_DAY for CLOSING_DAY."""
    with at(APPROVAL_DAY):
        req = approve_closure(tourism_account, users, CLOSING_DAY)
    assert req.state == RequestState.APPROVED
    return tourism_account


# --- At approval ------------------------------------------------------------------------------


def test_a_future_day_is_approved_now_and_the_account_stays_listed(scheduled):
    assert scheduled.status == AccountStatus.LISTED
    assert scheduled.closes_on == CLOSING_DAY
    assert scheduled.closed_at is None


def test_today_closes_at_approval(users, tourism_account):
    with at(APPROVAL_DAY, hour=15):
        approve_closure(tourism_account, users, APPROVAL_DAY)
    assert tourism_account.status == AccountStatus.CLOSED
    assert tourism_account.closes_on is None
    assert tourism_account.closed_at == datetime(2026, 12, 1, 15, tzinfo=TOKYO)


def test_a_past_day_closes_at_approval_with_the_real_closing_time(users, tourism_account):
    """The requester typed the day the account was really deleted on the service, weeks ago:
    the registry records when it closed here (the approval), not the typed day."""
    with at(APPROVAL_DAY, hour=11):
        req = approve_closure(tourism_account, users, date(2026, 10, 1))
    assert tourism_account.status == AccountStatus.CLOSED
    assert tourism_account.closed_at == datetime(2026, 12, 1, 11, tzinfo=TOKYO)
    assert req.payload["closure-closing_on"] == "2026-10-01"  # what was typed is kept


def test_nothing_happens_before_the_final_approval(users, tourism_account):
    operator, head = staff_for(tourism_account, users)
    with at(APPROVAL_DAY):
        req = services.request_create(
            kind=RequestKind.CLOSURE, actor=operator, account=tourism_account
        )
        services.request_submit(req=req, actor=operator, data=closure_form(CLOSING_DAY))
        services.request_decide(req=req, actor=head, action=Action.APPROVE)
    tourism_account.refresh_from_db()
    assert tourism_account.closes_on is None
    assert tourism_account.status == AccountStatus.LISTED


# --- What citizens see ------------------------------------------------------------------------


def public_pages(client, account) -> dict[str, str]:
    cache.clear()
    return {
        "list": client.get(reverse("public:account_list")).content.decode(),
        "detail": client.get(reverse("public:account_detail", args=[account.pk])).content.decode(),
        "verify": client.get(reverse("public:verify"), {"q": account.url}).content.decode(),
    }


def test_citizens_see_the_closing_day_until_then(client, scheduled):
    with at(CLOSING_DAY - timedelta(days=1)):
        pages = public_pages(client, scheduled)
        for name, html in pages.items():
            assert "2026年12月15日に廃止予定" in html, name
        api = client.get(reverse("api-account", args=[scheduled.pk])).json()
        assert api["closes_on"] == "2026-12-15"
        assert api["status"] == "listed"
        listed = client.get(reverse("api-accounts"), {"q": scheduled.display_name}).json()
        assert [a["closes_on"] for a in listed["results"] if a["id"] == scheduled.pk] == [
            "2026-12-15"
        ]
        answer = client.get(reverse("api-verify"), {"q": scheduled.url}).json()
        assert answer["verdict"] == "official"
        assert "2026年12月15日に廃止予定です。" in answer["message"]


def test_an_account_without_a_closing_day_says_nothing_of_it(client, bousai_account):
    pages = public_pages(client, bousai_account)
    assert all("廃止予定" not in html for html in pages.values())
    assert client.get(reverse("api-account", args=[bousai_account.pk])).json()["closes_on"] is None


def test_the_openapi_schema_documents_closes_on(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    account = schema["components"]["schemas"]["Account"]["properties"]["closes_on"]
    assert account["format"] == "date"
    assert account.get("nullable") is True
    assert "廃止予定日" in account["description"]


# --- The daily job ----------------------------------------------------------------------------


def test_the_job_is_registered_before_the_reminders():
    job = next(j for j in daily_jobs() if j.name == "close_scheduled_accounts")
    assert job.function is close_scheduled_accounts
    assert job.order == 10


def run_job(day: date, hour: int = 6) -> str:
    with at(day, hour):
        job = next(j for j in daily_jobs() if j.name == "close_scheduled_accounts")
        return job.function(day)


def test_the_day_before_nothing_closes(scheduled):
    assert "0件" in run_job(CLOSING_DAY - timedelta(days=1))
    scheduled.refresh_from_db()
    assert scheduled.status == AccountStatus.LISTED


def test_on_the_day_the_job_closes_it_as_an_approval_would(client, scheduled):
    with at(CLOSING_DAY, hour=0):
        public_pages(client, scheduled)  # cached before the job runs
    summary = run_job(CLOSING_DAY)
    assert "1件" in summary
    scheduled.refresh_from_db()
    assert scheduled.status == AccountStatus.CLOSED
    assert scheduled.closes_on is None
    assert scheduled.closed_at == datetime(2026, 12, 15, 6, tzinfo=TOKYO)
    # The history has the closure, by the system.
    last = scheduled.history.order_by("-history_date").first()
    assert last.status == AccountStatus.CLOSED
    assert last.history_user is None
    with at(CLOSING_DAY, hour=7):
        # Without clearing the cache: the closure made the cached pages stale.
        listing = client.get(reverse("public:account_list")).content.decode()
        assert "廃止予定" not in listing
        assert reverse("public:account_detail", args=[scheduled.pk]) not in listing
        detail = client.get(reverse("public:account_detail", args=[scheduled.pk])).content.decode()
        assert "2026年12月15日に廃止しました" in detail
        assert "廃止予定" not in detail
        feed = client.get(reverse("public:feed")).content.decode()
        assert f"【廃止】{scheduled.display_name}" in feed
        verdict = client.get(reverse("api-verify"), {"q": scheduled.url}).json()["verdict"]
        assert verdict == "closed"


def test_running_twice_closes_once(scheduled):
    run_job(CLOSING_DAY)
    scheduled.refresh_from_db()
    closed_at, versions = scheduled.closed_at, scheduled.history.count()
    assert "0件" in run_job(CLOSING_DAY, hour=9)
    scheduled.refresh_from_db()
    assert (scheduled.closed_at, scheduled.history.count()) == (closed_at, versions)


def test_after_a_missed_week_the_job_catches_up(users, scheduled, bousai_account):
    with at(APPROVAL_DAY):
        approve_closure(bousai_account, users, CLOSING_DAY + timedelta(days=3))
    assert "2件" in run_job(CLOSING_DAY + timedelta(days=7))
    for account in (scheduled, bousai_account):
        account.refresh_from_db()
        assert account.status == AccountStatus.CLOSED


def test_a_suspended_account_still_closes_on_its_day(scheduled):
    OfficialAccount.objects.filter(pk=scheduled.pk).update(
        status=AccountStatus.SUSPENDED, suspension_notice="乗っ取りのため停止中"
    )
    run_job(CLOSING_DAY)
    scheduled.refresh_from_db()
    assert scheduled.status == AccountStatus.CLOSED


# --- Other requests meanwhile -----------------------------------------------------------------


def test_a_change_before_the_day_is_allowed_and_keeps_the_day(users, scheduled):
    operator, head = staff_for(scheduled, users)
    with at(APPROVAL_DAY + timedelta(days=2)):
        req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=scheduled)
        services.request_submit(
            req=req,
            actor=operator,
            data={**req.payload, **CHECKLIST_ON, "account-purpose": "閉鎖までのお知らせ"},
        )
        services.request_decide(req=req, actor=head, action=Action.APPROVE)
        services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    scheduled.refresh_from_db()
    assert scheduled.purpose == "閉鎖までのお知らせ"
    assert scheduled.closes_on == CLOSING_DAY


def test_a_new_closure_request_reschedules(users, scheduled):
    with at(APPROVAL_DAY + timedelta(days=3)):
        approve_closure(scheduled, users, date(2027, 1, 31))
    assert scheduled.closes_on == date(2027, 1, 31)
    run_job(CLOSING_DAY)
    scheduled.refresh_from_db()
    assert scheduled.status == AccountStatus.LISTED
    with at(APPROVAL_DAY + timedelta(days=4)):
        approve_closure(scheduled, users, APPROVAL_DAY + timedelta(days=4))  # today: now
    assert scheduled.status == AccountStatus.CLOSED


# --- The closing day as typed -----------------------------------------------------------------


def closure_errors(closing_on: str) -> list[str]:
    form = ClosureForm(
        {
            "category": "merged",
            "reason": "統合のため",
            "closing_on": closing_on,
            "posts_deleted": "on",
            "account_deleted": "on",
            "followers_informed": "on",
        }
    )
    form.is_valid()
    return [str(e) for e in form.errors.get("closing_on", [])]


@pytest.mark.parametrize(
    "typed",
    [
        "2026-12-15",
        "２０２６－１２－１５",
        "2026/12/15",
        "２０２６年１２月１５日",
        " 2026年12月15日 ",
    ],
)
def test_the_day_is_read_as_people_type_it(typed):
    with at(APPROVAL_DAY):
        assert closure_errors(typed) == []
        form = ClosureForm({"closing_on": typed})
        form.is_valid()
        assert form.cleaned_data["closing_on"] == CLOSING_DAY


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2027-12-02", "1年先（2027年12月1日）まで"),
        ("9999-12-31", "1年先"),
        ("1999-12-31", "2000年1月1日以降"),
        ("2026-02-30", "2026-05-31"),
        ("0000-01-01", "2026-05-31"),
        ("令和8年12月15日", "2026-05-31"),
        ("12/15", "2026-05-31"),
        ("2026-12-15\x00", "2026-05-31"),
        ("2026-12-15\r\nBcc: x@example.com", "2026-05-31"),
        ("1" * 1_000_000, "2026-05-31"),
    ],
)
def test_a_bad_day_gets_a_japanese_message(typed, message):
    with at(APPROVAL_DAY):
        errors = closure_errors(typed)
    assert len(errors) == 1, errors
    assert message in errors[0]


def test_a_bad_day_through_the_page_keeps_everything_typed(client, users, tourism_account):
    operator, _head = staff_for(tourism_account, users)
    with at(APPROVAL_DAY):
        req = services.request_create(
            kind=RequestKind.CLOSURE, actor=operator, account=tourism_account
        )
        client.force_login(operator)
        data = {**closure_form(), "closure-closing_on": "２０２８年１月１日", "action": "submit"}
        data["closure-reason"] = "観光情報はInstagramに集約するため。"
        response = client.post(reverse("staff:request_edit", args=[req.pk]), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "1年先（2027年12月1日）まで" in html
    assert "観光情報はInstagramに集約するため。" in html
    assert "２０２８年１月１日" in html
    req.refresh_from_db()
    assert req.state == RequestState.DRAFT
    assert req.payload["closure-closing_on"] == "２０２８年１月１日"


def test_a_day_too_far_ahead_is_refused_at_submission(users, tourism_account):
    operator, _head = staff_for(tourism_account, users)
    with at(APPROVAL_DAY):
        req = services.request_create(
            kind=RequestKind.CLOSURE, actor=operator, account=tourism_account
        )
        with pytest.raises(ProposalInvalid):
            services.request_submit(
                req=req, actor=operator, data=closure_form(APPROVAL_DAY + timedelta(days=366))
            )


# --- Through the runner (issue 10 review) -------------------------------------------------------


def test_run_daily_jobs_refuses_a_future_day_and_closes_nothing_early(scheduled):
    """The reproduction: ``--date <today+300>`` closed an account scheduled for today+200."""
    from django.core.management import CommandError, call_command

    from jobs import runner

    far = APPROVAL_DAY + timedelta(days=300)
    with at(APPROVAL_DAY):
        with pytest.raises(CommandError, match="未来の日付"):
            call_command(
                "run_daily_jobs", "--date", far.isoformat(), "--job", "close_scheduled_accounts"
            )
        with pytest.raises(runner.FutureDay):
            runner.run_daily_jobs(far, names=["close_scheduled_accounts"])
    scheduled.refresh_from_db()
    assert scheduled.status == AccountStatus.LISTED
    assert scheduled.closes_on == CLOSING_DAY


def test_a_failed_closure_fails_the_run_and_keeps_the_others_closed(
    users, scheduled, bousai_account, monkeypatch, caplog
):
    """One account that cannot be closed: the other still closes (its own transaction, not a
    savepoint the runner rolls back), and the run is recorded as failed so the operator sees
    it and the scheduler tries again."""
    from django.core.management import CommandError, call_command

    from approvals import closures
    from jobs.models import JobRun

    with at(APPROVAL_DAY):
        approve_closure(bousai_account, users, CLOSING_DAY)
    real_close_now = closures.close_now

    def close_now(account, **kwargs):
        if account.pk == bousai_account.pk:
            raise RuntimeError("行が壊れている")
        return real_close_now(account, **kwargs)

    monkeypatch.setattr(closures, "close_now", close_now)
    with at(CLOSING_DAY, hour=0), pytest.raises(CommandError, match="close_scheduled_accounts"):
        call_command("run_daily_jobs", "--job", "close_scheduled_accounts")
    run = JobRun.objects.get(name="close_scheduled_accounts")
    assert not run.succeeded
    assert "1件廃止しました" in run.summary
    assert "1件は廃止できず" in run.summary
    scheduled.refresh_from_db()
    bousai_account.refresh_from_db()
    assert scheduled.status == AccountStatus.CLOSED  # kept, though the run failed
    assert bousai_account.status == AccountStatus.LISTED
    assert bousai_account.closes_on == CLOSING_DAY  # left for the next run
    # The next run (the scheduler's hourly retry) closes it once it can be closed.
    monkeypatch.setattr(closures, "close_now", real_close_now)
    with at(CLOSING_DAY, hour=1):
        call_command("run_daily_jobs", "--job", "close_scheduled_accounts")
    bousai_account.refresh_from_db()
    assert bousai_account.status == AccountStatus.CLOSED
    assert JobRun.objects.filter(name="close_scheduled_accounts", succeeded=True).count() == 1
