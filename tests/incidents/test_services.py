"""Recording an incident, the emergency suspension and the resumption through both steps
(R18: 001 §4(1)イ, §8(2)–(4); 002 §5) — as staff, citizens and API clients see them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import OfficialAccount
from approvals import services as approvals
from approvals.models import Action, RequestKind, RequestState
from core.errors import InvalidTransition, NotAllowed
from impersonation.verification import verify
from incidents.models import Incident, IncidentStatus
from incidents.services import account_suspend, incident_record, incident_update
from tests.incidents.conftest import HIJACK_NOTICE, resume, resumption_request, suspend

pytestmark = pytest.mark.django_db


def _to(message) -> set[str]:
    return {address.split("@")[0] for address in message.to}


def test_recording_tells_the_responsible_and_the_pr_division_at_once(
    users, tourism_account, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://sns.city.example.lg.jp"
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_record(
            account=tourism_account,
            actor=users["operator"],
            kind="hijack",
            occurred_at=timezone.now() - timedelta(minutes=5),
            description="身に覚えのないDMが送られていると市民から電話がありました。",
        )
    assert incident.status == IncidentStatus.OPEN
    [message] = mail.outbox
    assert _to(message) == {"head", "pr"}
    assert "【至急】" in message.subject
    assert "乗っ取り・不正ログイン" in message.subject
    assert "身に覚えのないDM" in message.body
    link = "https://sns.city.example.lg.jp" + reverse("staff_incidents:detail", args=[incident.pk])
    assert link in message.body
    # The 責任者 and the PR division can suspend from the mail, in one click.
    assert reverse("staff_incidents:suspend", args=[tourism_account.pk]) in message.body


def test_suspension_is_at_once_recorded_notified_and_public(
    client, users, tourism_account, django_capture_on_commit_callbacks
):
    # Pages cached before the suspension (the public generation, core/cache.py).
    detail = reverse("public:account_detail", args=[tourism_account.pk])
    for url in (reverse("public:account_list"), detail):
        assert "一時停止中" not in client.get(url).content.decode()
    handle = "https://www.instagram.com/sample_city_kanko/"
    assert verify(handle).verdict == "official"
    client.get(reverse("public:verify"), {"q": handle})
    client.get(reverse("api-verify"), {"q": handle})

    with django_capture_on_commit_callbacks(execute=True):
        incident = account_suspend(
            account=tourism_account,
            actor=users["head"],
            kind="hijack",
            notice=HIJACK_NOTICE,
            actions_taken="パスワードを変更しました。",
        )
    tourism_account.refresh_from_db()
    assert tourism_account.status == "suspended"
    assert tourism_account.suspension_notice == HIJACK_NOTICE
    assert incident.suspended_at is not None
    assert incident.suspension_notice == HIJACK_NOTICE
    assert incident.recorded_by == users["head"]
    # Officers, the 責任者's side and the PR division are told (not the one who acted).
    [message] = mail.outbox
    assert _to(message) == {"operator", "manager", "pr"}
    assert "【緊急】" in message.subject
    assert HIJACK_NOTICE in message.body

    # Citizens see it at once: list, account page, verifier, API.
    listing = client.get(reverse("public:account_list")).content.decode()
    assert "一時停止中" in listing
    assert HIJACK_NOTICE in listing
    page = client.get(detail).content.decode()
    assert "一時停止しています" in page
    assert HIJACK_NOTICE in page
    verdict = client.get(reverse("public:verify"), {"q": handle}).content.decode()
    assert "投稿やメッセージを信用しないでください" in verdict
    api = client.get(reverse("api-verify"), {"q": handle}).json()
    assert api["verdict"] == "suspended"
    assert api["account"]["status"] == "suspended"
    assert api["account"]["suspension_notice"] == HIJACK_NOTICE
    assert "信用せず" in api["message"]
    account_api = client.get(reverse("api-account", args=[tourism_account.pk])).json()
    assert account_api["status"] == "suspended"


@pytest.mark.parametrize(
    "query",
    [
        "https://www.instagram.com/sample_city_kanko/",
        "https://www.instagram.com/p/C0abcdEFGhi/",  # a post link names no account on Instagram
        "@sample_city_kanko",  # bare: the Instagram account is suspended, TikTok… are not
        "https://x.com/sample_bousai/status/1790000000000000000",  # a post of a suspended one
    ],
)
def test_a_suspended_account_is_never_answered_official(
    query, users, tourism_account, bousai_account
):
    suspend(tourism_account, users)
    suspend(bousai_account, users)
    result = verify(query)
    assert result.verdict != "official"
    if result.account is not None:
        assert result.verdict == "suspended"


def test_a_post_link_of_a_suspended_account_carries_the_warning(client, users, bousai_account):
    suspend(bousai_account, users)
    post = "https://x.com/sample_bousai/status/1790000000000000000"
    result = verify(post)
    assert (result.verdict, result.post) == ("suspended", True)
    page = client.get(reverse("public:verify"), {"q": post}).content.decode()
    assert "一時停止中の公式アカウントの投稿を指しています" in page
    assert client.get(reverse("api-verify"), {"q": post}).json()["verdict"] == "suspended"


def test_a_bare_id_shows_the_suspension_and_the_official_ones(client, users, tourism_account):
    suspend(tourism_account, users)
    result = verify("@sample_city_kanko")
    assert result.verdict == "suspended"
    assert [m.account for m in result.suspended_services] == [tourism_account]
    assert {m.service_name for m in result.official_services} >= {"TikTok", "Threads"}
    page = client.get(reverse("public:verify"), {"q": "@sample_city_kanko"}).content.decode()
    assert "一時停止していない公式アカウント" in page


def test_an_account_is_suspended_once(users, tourism_account):
    suspend(tourism_account, users)
    with pytest.raises(InvalidTransition) as error:
        account_suspend(account=tourism_account, actor=users["pr"], kind="hijack", notice="再度")
    assert "公開中ではない" in error.value.message
    assert Incident.objects.filter(account=tourism_account).count() == 1


@pytest.mark.parametrize("who", ["operator", "manager", "prhead", "operator2", "head2", "admin"])
def test_others_may_not_suspend(who, users, tourism_account):
    with pytest.raises(NotAllowed):
        account_suspend(account=tourism_account, actor=users[who], kind="hijack", notice="停止")
    tourism_account.refresh_from_db()
    assert tourism_account.status == "listed"
    assert not Incident.objects.filter(account=tourism_account).exists()


def test_suspending_for_a_reported_incident_writes_on_it(users, tourism_account):
    reported = incident_record(
        account=tourism_account,
        actor=users["operator"],
        kind="hijack",
        occurred_at=timezone.now(),
        description="不審な投稿",
        actions_taken="パスワードの変更を試みました。",
    )
    account_suspend(
        account=tourism_account,
        actor=users["pr"],
        kind="other",
        notice=HIJACK_NOTICE,
        actions_taken="サービスに連絡しました。",
        incident=reported,
    )
    reported.refresh_from_db()
    assert Incident.objects.filter(account=tourism_account).count() == 1
    assert reported.kind == "hijack"
    assert reported.suspension_notice == HIJACK_NOTICE
    assert reported.actions_taken == "パスワードの変更を試みました。\nサービスに連絡しました。"


def test_resuming_needs_both_approvals(client, users, tourism_account):
    suspend(tourism_account, users)
    req = resumption_request(tourism_account, users)
    approvals.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    tourism_account.refresh_from_db()
    assert tourism_account.status == "suspended"  # the head alone does not resume it
    page = client.get(reverse("public:account_detail", args=[tourism_account.pk]))
    assert "一時停止しています" in page.content.decode()
    approvals.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    req.refresh_from_db()
    tourism_account.refresh_from_db()
    assert req.state == RequestState.APPROVED
    assert (tourism_account.status, tourism_account.suspension_notice) == ("listed", "")
    assert tourism_account.suspended_at is None
    assert verify("https://www.instagram.com/sample_city_kanko/").verdict == "official"
    page = client.get(reverse("public:account_detail", args=[tourism_account.pk]))
    assert "一時停止しています" not in page.content.decode()
    # The incident keeps the notice that was published.
    assert Incident.objects.filter(account=tourism_account).get().suspension_notice


def test_a_returned_or_rejected_resumption_leaves_it_suspended(users, tourism_account):
    suspend(tourism_account, users)
    req = resumption_request(tourism_account, users)
    approvals.request_decide(
        req=req, actor=users["head"], action=Action.REJECT, comment="原因が不明です。"
    )
    tourism_account.refresh_from_db()
    assert tourism_account.status == "suspended"


def test_resumption_only_for_a_suspended_account(users, tourism_account):
    with pytest.raises(InvalidTransition) as error:
        approvals.request_create(
            kind=RequestKind.RESUMPTION, actor=users["operator"], account=tourism_account
        )
    assert "一時停止中のアカウントだけ" in error.value.message


def test_resumption_form_asks_for_every_check(users, tourism_account):
    suspend(tourism_account, users)
    req = approvals.request_create(
        kind=RequestKind.RESUMPTION, actor=users["operator"], account=tourism_account
    )
    from core.errors import ProposalInvalid

    with pytest.raises(ProposalInvalid) as error:
        approvals.request_submit(
            req=req, actor=users["operator"], data={"resumption-reason": "直しました"}
        )
    form = error.value.proposal.forms["resumption"]
    assert set(form.errors) == {
        "measures",
        "password_changed",
        "two_factor",
        "suspicious_posts_removed",
    }


def test_resumed_then_suspended_again(users, tourism_account):
    suspend(tourism_account, users)
    resume(tourism_account, users)
    suspend(tourism_account, users, by="head")
    assert Incident.objects.filter(account=tourism_account).count() == 2


def test_closing_and_reopening_an_incident(users, tourism_account):
    incident = incident_record(
        account=tourism_account,
        actor=users["operator"],
        kind="misinformation",
        occurred_at=timezone.now(),
        description="日付を誤って投稿しました。",
    )
    incident = incident_update(
        incident=incident, actor=users["manager"], actions_taken="訂正を投稿しました。", close=True
    )
    assert incident.status == IncidentStatus.CLOSED
    assert incident.closed_at
    assert incident.history.count() == 2


@pytest.mark.parametrize("step", ["head", "pr"])
def test_a_resumption_of_an_account_closed_meanwhile_says_why_and_can_be_ended(
    users, tourism_account, client, step
):
    """The account was closed (e.g. by a closure set for a date, issue 10 §5) while its
    resumption request waited: approving says so in Japanese (not a 500, not "already
    handled"); the request is still rejected, or withdrawn while it waits for the head."""
    suspend(tourism_account, users)
    req = resumption_request(tourism_account, users)
    if step == "pr":
        approvals.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    OfficialAccount.objects.filter(pk=tourism_account.pk).update(
        status="closed", closed_at=timezone.now()
    )
    decider = users[step]
    with pytest.raises(InvalidTransition) as error:
        approvals.request_decide(req=req, actor=decider, action=Action.APPROVE)
    assert "廃止されているため再開できません" in error.value.message
    client.force_login(decider)
    page = client.post(
        reverse("staff:request_decide", args=[req.pk]), {"action": "approve"}, follow=True
    )
    assert page.status_code == 200
    assert "廃止されているため再開できません" in page.content.decode()
    if step == "pr":
        approvals.request_decide(
            req=req, actor=decider, action=Action.REJECT, comment="廃止済みのため。"
        )
    else:
        approvals.request_withdraw(req=req, actor=users["operator"])
    req.refresh_from_db()
    assert req.state == ("rejected" if step == "pr" else "withdrawn")
    tourism_account.refresh_from_db()
    assert tourism_account.status == "closed"
