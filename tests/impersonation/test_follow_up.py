"""Following up impersonations (issue 10 §2; R17: 001 §8(1), 002 §5(1)): the takedown request to
the platform and its outcome, the answer to the citizen who reported a fake, and the reports
waiting too long (working days, core.workdays) — on the queue page and as reminders."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from impersonation import reminders
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus
from impersonation.services import report_close, report_create
from impersonation.verification import verify
from jobs.models import OutboxMail
from jobs.reminders import sources
from organization.permissions import pr_members
from tests.factories import service

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
ADDRESS = "shimin@example.com"
ROLES = ["operator", "manager", "head", "pr", "prhead", "operator2", "head2", "admin"]


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO), tick=False
    )


@pytest.fixture
def fake(users, bousai_account):
    return KnownImpersonation.objects.create(
        service=service("x"),
        identifier="sample_b0usai",
        url="https://x.com/sample_b0usai",
        warning="防災情報を装っています。",
        imitates=bousai_account,
        found_on=date(2026, 11, 2),
        created_by=users["pr"],
    )


@pytest.fixture
def report(demo):
    return report_create(
        reported_text="https://x.com/sample_b0usai", description="偽物", contact_email=ADDRESS
    )


def takedown_url(item) -> str:
    return reverse("staff_impersonation:takedown", args=[item.pk])


def reply_url(item) -> str:
    return reverse("staff_impersonation:reply", args=[item.pk])


# --- Takedown follow-up -----------------------------------------------------------------------


def test_the_takedown_request_and_answer_are_recorded_and_shown(client, users, fake):
    client.force_login(users["pr"])
    with at(date(2026, 11, 20)):
        response = client.post(
            takedown_url(fake),
            {
                "takedown_requested_on": "2026-11-04",
                "platform_answer": "審査中との回答。\r\n1週間ほどかかる見込み。",
                "platform_answered_on": "２０２６年１１月１０日",  # typed with the IME on
                "removed_on": "",
            },
        )
        assert response.status_code == 302
        fake.refresh_from_db()
        assert fake.platform_answered_on == date(2026, 11, 10)
        assert fake.is_active  # still warned about: not removed yet
        queue = client.get(reverse("staff_impersonation:queue")).content.decode()
    assert "運営者が回答" in queue
    assert "審査中との回答。" in queue
    assert "依頼 2026/11/04" in queue
    assert verify("@sample_b0usai").verdict == "impersonation"


def test_a_removed_fake_is_no_longer_warned_about_and_stays_as_removed(client, users, fake):
    client.force_login(users["pr"])
    with at(date(2026, 11, 20)):
        response = client.post(
            takedown_url(fake),
            {
                "takedown_requested_on": "2026-11-04",
                "platform_answer": "",
                "platform_answered_on": "",
                "removed_on": "2026-11-19",
            },
        )
        assert response.status_code == 302
        fake.refresh_from_db()
        assert fake.removed_on == date(2026, 11, 19)
        assert fake.resolved_at is not None
        public = client.get(reverse("public:impersonations")).content.decode()
        queue = client.get(reverse("staff_impersonation:queue")).content.decode()
    assert "sample_b0usai" not in public
    assert verify("@sample_b0usai").verdict != "impersonation"
    assert "削除済み（2026/11/19）" in queue


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"takedown_requested_on": "2026-11-21"}, "takedown_requested_on", "今日より後"),
        # Issue 10 review: a request before SNS existed, or before the fake was found.
        ({"takedown_requested_on": "1999-12-31"}, "takedown_requested_on", "2000年1月1日以降"),
        ({"takedown_requested_on": "0001-01-01"}, "takedown_requested_on", "2000年1月1日以降"),
        (
            {"takedown_requested_on": "2026-11-01"},
            "takedown_requested_on",
            "確認した日（2026-11-02）より前",
        ),
        ({"removed_on": "2026-11-01"}, "removed_on", "確認した日（2026-11-02）より前"),
        (
            {"takedown_requested_on": "2026-11-10", "platform_answered_on": "2026-11-05"},
            "platform_answered_on",
            "依頼した日以降",
        ),
        ({"platform_answered_on": "2026-11-05"}, "takedown_requested_on", "依頼した日も"),
        ({"platform_answer": "削除しました"}, "platform_answered_on", "回答があった日を"),
        ({"removed_on": "2026-02-30"}, "removed_on", "2026年5月31日"),
        ({"removed_on": "x" * 1_000_000}, "removed_on", "2026年5月31日"),
        ({"removed_on": "2026-11-19\x00"}, "removed_on", "2026年5月31日"),
        ({"platform_answer": "前\x00後"}, "platform_answer", "制御文字"),
        ({"platform_answer": "x" * 1_000_000}, "platform_answer", "文字以内"),
    ],
)
def test_bad_takedown_input_gets_a_japanese_message_and_keeps_the_rest(
    client, users, fake, data, field, message
):
    client.force_login(users["pr"])
    typed = {
        "takedown_requested_on": "",
        "platform_answer": "",
        "platform_answered_on": "",
        "removed_on": "",
        **data,
    }
    if field == "removed_on":  # with other values typed, which must come back as typed
        typed |= {"platform_answer": "運営者へ問い合わせ中", "takedown_requested_on": "2026-11-04"}
        typed["platform_answered_on"] = "2026-11-12"
    with at(date(2026, 11, 20)):
        response = client.post(takedown_url(fake), typed)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    if typed["platform_answer"] == "運営者へ問い合わせ中":
        assert "運営者へ問い合わせ中" in html  # nothing typed is lost
    fake.refresh_from_db()
    assert fake.takedown_requested_on is None
    assert fake.is_active


def test_a_removal_is_corrected_never_undone(client, users, fake):
    client.force_login(users["pr"])
    KnownImpersonation.objects.filter(pk=fake.pk).update(
        removed_on=date(2026, 11, 19), resolved_at=datetime(2026, 11, 19, 9, tzinfo=TOKYO)
    )
    with at(date(2026, 11, 20)):
        response = client.post(takedown_url(fake), {"removed_on": ""})
    assert response.status_code == 422
    assert "削除済みの記録は消せません" in response.content.decode()


# --- Answering the citizen ---------------------------------------------------------------------


def test_the_reply_form_starts_from_the_template_for_the_outcome(client, users, report):
    client.force_login(users["pr"])
    report_close(report=report, actor=users["pr"], status=ReportStatus.CONFIRMED)
    html = client.get(reply_url(report)).content.decode()
    assert "「なりすまし」であることを確認しました" in html
    assert ADDRESS in html  # the PR division sees where it goes


def test_the_reply_is_mailed_once_and_recorded(
    client, users, report, django_capture_on_commit_callbacks
):
    client.force_login(users["pr"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reply_url(report), {"body": "確認しました。\r\nご報告ありがとうございました。"}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [ADDRESS]
    assert "不審なアカウントのご報告について" in sent.subject
    assert "ご報告ありがとうございました。" in sent.body
    assert "https://x.com/sample_b0usai" in sent.body
    report.refresh_from_db()
    assert report.replied_by == users["pr"]
    assert report.replied_at is not None
    assert report.reply_text == "確認しました。\nご報告ありがとうございました。"
    assert OutboxMail.objects.filter(key=f"impersonation-report-reply:{report.pk}").count() == 1
    # A second post (a double click, a second tab) sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reply_url(report), {"body": "二通目"})
    assert len(mail.outbox) == 1
    report.refresh_from_db()
    assert report.reply_text.startswith("確認しました。")
    queue = client.get(reverse("staff_impersonation:queue")).content.decode()
    assert "返信済み" in queue


def test_a_report_without_an_address_cannot_be_answered(client, users, demo):
    anonymous_report = report_create(reported_text="https://x.com/sample_b0usai")
    client.force_login(users["pr"])
    response = client.post(reply_url(anonymous_report), {"body": "こんにちは"}, follow=True)
    assert "連絡先がないため" in response.content.decode()
    assert mail.outbox == []
    assert OutboxMail.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [("前\x00後", "制御文字"), ("x" * 1_000_000, "2000文字以内"), ("", "必須")],
)
def test_a_bad_reply_gets_a_japanese_message_and_sends_nothing(
    client, users, report, body, message
):
    client.force_login(users["pr"])
    response = client.post(reply_url(report), {"body": body})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert OutboxMail.objects.count() == 0
    report.refresh_from_db()
    assert report.replied_at is None


def test_the_address_is_never_shown_publicly(client, users, report, fake):
    report_close(report=report, actor=users["pr"], status=ReportStatus.CONFIRMED)
    client.logout()
    for url in (reverse("public:impersonations"), reverse("public:account_list")):
        assert ADDRESS not in client.get(url).content.decode()
    assert (
        ADDRESS not in client.get(reverse("api-verify"), {"q": "@sample_b0usai"}).content.decode()
    )


# --- Reports waiting too long -----------------------------------------------------------------


def received_on(day: date, hour: int = 10) -> ImpersonationReport:
    with at(day, hour):
        return report_create(reported_text="https://x.com/sample_kank0")


def test_a_report_is_overdue_after_three_working_days(client, users, demo):
    friday = received_on(date(2026, 11, 27))  # due Wed 12/2 (Mon, Tue, Wed)
    with at(date(2026, 12, 1)):
        client.force_login(users["pr"])
        assert list(reminders.everyone(date(2026, 12, 1))) == []
        html = client.get(reverse("staff_impersonation:queue")).content.decode()
        assert "市民からの報告（未確認）" in html
        assert "期限超過" not in html
    with at(date(2026, 12, 2)):
        client.force_login(users["pr"])
        html = client.get(reverse("staff_impersonation:queue")).content.decode()
    assert "対応期限（受付から3営業日）を迎えた報告" in html
    assert "期限 2026/12/02" in html
    items = list(reminders.everyone(date(2026, 12, 2)))
    assert {i.recipient_id for i in items} == set(pr_members().values_list("pk", flat=True))
    assert {i.key for i in items} == {f"impersonation_report:{friday.pk}"}
    assert all(i.due_on == date(2026, 12, 2) for i in items)


def test_the_new_year_holidays_are_not_working_days(demo):
    report = received_on(date(2026, 12, 28))  # 12/29–1/3 closed: Mon 1/4, Tue 1/5, Wed 1/6
    assert list(reminders.everyone(date(2027, 1, 5))) == []
    items = list(reminders.everyone(date(2027, 1, 6)))
    assert {i.key for i in items} == {f"impersonation_report:{report.pk}"}


def test_a_handled_report_is_not_reminded(users, demo):
    report = received_on(date(2026, 11, 2))
    report_close(report=report, actor=users["pr"], status=ReportStatus.DISMISSED)
    assert list(reminders.everyone(date(2026, 12, 2))) == []


def test_the_interval_is_configurable(configure, demo):
    report = received_on(date(2026, 11, 27))
    configure(INTERVALS={"report_working_days": 1})
    assert [i.due_on for i in reminders.everyone(date(2026, 11, 30))] == [date(2026, 11, 30)] * len(
        pr_members()
    )
    assert report.pk


@pytest.mark.parametrize("role", ROLES)
def test_the_dashboard_and_the_digest_agree(users, demo, role):
    received_on(date(2026, 11, 2))
    day = date(2026, 12, 2)
    mine = list(reminders.for_user(users[role], day))
    expected = [i for i in reminders.everyone(day) if i.recipient_id == users[role].pk]
    assert mine == expected
    assert bool(mine) == (role == "pr")


def test_the_source_is_always_on():
    assert reminders.SOURCE in {s.name for s in sources()}


# --- Who may use the new pages -----------------------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize("page", ["takedown", "reply"])
def test_only_the_pr_division_follows_up(client, users, fake, report, role, page):
    url = takedown_url(fake) if page == "takedown" else reply_url(report)
    data = {"takedown_requested_on": "2026-11-04"} if page == "takedown" else {"body": "返信"}
    if role is not None:
        client.force_login(users[role])
    get = client.get(url)
    with at(date(2026, 11, 20)):
        post = client.post(url, data)
    fake.refresh_from_db()
    report.refresh_from_db()
    if role is None:
        assert get.status_code == post.status_code == 302
        assert get["Location"].startswith(reverse("staff:login"))
    elif role == "pr":
        assert get.status_code == 200
        assert post.status_code == 302
        assert (fake.takedown_requested_on is not None) or (report.replied_at is not None)
        return
    else:
        assert get.status_code == post.status_code == 403
    assert fake.takedown_requested_on is None
    assert report.replied_at is None
    assert OutboxMail.objects.count() == 0


@pytest.mark.parametrize("page", ["takedown", "reply"])
def test_an_id_that_does_not_exist_is_404(client, users, page):
    client.force_login(users["pr"])
    url = reverse(f"staff_impersonation:{page}", args=[999_999])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
