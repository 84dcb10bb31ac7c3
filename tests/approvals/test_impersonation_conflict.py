"""Issue 8 §2: a known impersonation cannot quietly become official (R1, R2, R17).

A registration (or change) for a handle on the public warning list is warned about on the
form and on the request, and the PR division's final approval is refused until the PR
division has settled the conflict explicitly — a recorded decision that retires the warning.
A handle that a closed official account used is warned about too.
"""

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from accounts.models import Service
from approvals import services
from approvals.models import Action, Decision, RequestKind, RequestState
from impersonation.models import KnownImpersonation
from impersonation.verification import verify
from tests.approvals.conftest import filled_registration
from tests.workflow import CHECKLIST_ON, close_account

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


@pytest.fixture
def fake(users):
    """The PR division has listed X @kanko_event as a fake (the handle the operator types)."""
    return KnownImpersonation.objects.create(
        service=Service.objects.get(slug="x"),
        identifier="kanko_event",
        url="https://x.com/kanko_event",
        display_name="サンプル市観光イベント",
        warning="市のロゴを使い、懸賞の当選をDMで知らせています。",
        created_by=users["pr"],
    )


def registration_awaiting_pr(client, users):
    operator = users["operator"]
    req = services.request_create(kind=RequestKind.NEW, actor=operator)
    client.force_login(operator)
    data = filled_registration(req.payload, users)
    client.post(reverse("staff:request_edit", args=[req.pk]), {**data, "action": "save"})
    edit_page = text_of(client.get(reverse("staff:request_edit", args=[req.pk])))
    services.request_submit(req=req, actor=operator)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    req.refresh_from_db()
    return req, edit_page


def approve_as_pr(client, users, req):
    client.force_login(users["pr"])
    return client.post(
        reverse("staff:request_decide", args=[req.pk]),
        {"action": "approve", "state": req.state},
        follow=True,
    )


def test_final_approval_waits_for_the_pr_division_to_settle_the_conflict(client, users, fake):
    req, edit_page = registration_awaiting_pr(client, users)
    assert "「なりすまし注意」の一覧に載っています" in edit_page  # the form warns

    client.force_login(users["head"])
    detail = text_of(client.get(reverse("staff:request_detail", args=[req.pk])))
    assert "「なりすまし注意」の一覧に載っています" in detail
    assert "なりすまし登録との競合を解消" not in detail  # only the PR division may

    # The reproduction: the PR division's approval is refused, with the reason.
    response = approve_as_pr(client, users, req)
    page = text_of(response)
    assert "「なりすまし注意」の一覧に載っているため承認できません" in page
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_PR
    assert verify("https://x.com/kanko_event").verdict != "official"

    # A reason is required; the requester may not settle it themself.
    url = reverse("staff:request_resolve_conflict", args=[req.pk])
    client.post(url, {"impersonation": fake.pk, "comment": "  "})
    refused = client.post(url, {"impersonation": fake.pk, "comment": "確認\x00済み"}, follow=True)
    assert refused.status_code == 200  # a NUL byte is a message, not a 500 on PostgreSQL
    client.force_login(users["operator"])
    client.post(url, {"impersonation": fake.pk, "comment": "自分のアカウントです"})
    fake.refresh_from_db()
    assert fake.resolved_at is None

    # The PR division confirms the owner and settles it: recorded, the warning comes down.
    client.force_login(users["pr"])
    detail = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert "なりすまし登録との競合を解消" in detail
    response = client.post(
        url,
        {
            "impersonation": fake.pk,
            "comment": "観光プロモーション課が取得し直したことを管理画面で確認した。",
        },
        follow=True,
    )
    assert "競合を解消し" in text_of(response)
    fake.refresh_from_db()
    assert fake.resolved_at is not None
    decision = Decision.objects.get(request=req, action=Action.RESOLVE)
    assert (decision.step, decision.actor, decision.impersonation) == ("pr", users["pr"], fake)
    timeline = text_of(client.get(reverse("staff:request_detail", args=[req.pk])))
    assert "田中 美咲（主査） がなりすまし登録との競合を解消" in timeline
    assert "管理画面で確認した" in timeline

    response = approve_as_pr(client, users, req)
    assert "承認しました" in text_of(response)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED
    assert verify("https://x.com/kanko_event").verdict == "official"
    assert "kanko_event" not in client.get(reverse("public:impersonations")).content.decode()


def test_a_change_to_a_listed_fake_handle_is_refused_too(users, tourism_account):
    KnownImpersonation.objects.create(
        service=tourism_account.service,
        identifier="sample_city_kanko_jp",
        url="https://www.instagram.com/sample_city_kanko_jp/",
        warning="偽の懸賞を告知しています。",
        created_by=users["pr"],
    )
    req = services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    data = {
        **req.payload,
        "account-url": "https://www.instagram.com/sample_city_kanko_jp/",
        **CHECKLIST_ON,
    }
    services.request_submit(req=req, actor=users["operator"], data=data)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    with pytest.raises(services.ImpersonationConflict):
        services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_PR
    tourism_account.refresh_from_db()
    assert tourism_account.identifier == "sample_city_kanko"


def test_a_handle_of_a_closed_account_is_warned_about(client, users, bousai_account):
    close_account(bousai_account, users)
    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    client.force_login(users["operator"])
    data = filled_registration(req.payload, users, **{"account-url": "https://x.com/Sample_Bousai"})
    client.post(reverse("staff:request_edit", args=[req.pk]), {**data, "action": "save"})
    edit_page = text_of(client.get(reverse("staff:request_edit", args=[req.pk])))
    assert "このIDは以前、廃止した公式アカウントが使っていました" in edit_page
    assert "サンプル市防災" in edit_page
    services.request_submit(req=req, actor=users["operator"])
    client.force_login(users["head"])
    detail = text_of(client.get(reverse("staff:request_detail", args=[req.pk])))
    assert "このIDは以前、廃止した公式アカウントが使っていました" in detail
    # A warning, not a block: both approvals go through.
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED
