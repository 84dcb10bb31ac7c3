"""The requester's mail reads naturally for every action (「差し戻しました」, never
「差し戻ししました」), and the final approval gives the public page and its QR code — in the
mail and in the approver's message (issue 11 §7)."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from approvals import services
from approvals.models import Action, ApprovalRequest, RequestKind
from approvals.notifications import ACTION_DONE, action_done
from incidents.services import account_suspend
from tests.workflow import CHECKLIST_ON, closure_form

pytestmark = pytest.mark.django_db

SITE = "https://sns.city.example.lg.jp"
COMMENT = "理由を記入しました。"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE + "/"  # a trailing slash, as people configure it


def test_every_action_has_its_own_past_form():
    assert set(ACTION_DONE) == set(Action)
    assert action_done(Action.RETURN) == "差し戻しました"
    assert action_done("reject") == "却下しました"
    for action in Action:
        done = action_done(action)
        assert done.endswith("ました"), done
        assert "しし" not in done


def _requester_mail(before: int):
    """The one mail to the requester (operator@…) queued since ``before``."""
    to_requester = [m for m in mail.outbox[before:] if m.to == ["operator@city.example.lg.jp"]]
    assert len(to_requester) == 1, [m.subject for m in mail.outbox[before:]]
    return to_requester[0]


def _change(users, account) -> ApprovalRequest:
    return services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=account
    )


CHANGED = {**CHECKLIST_ON, "policy-operating_hours": "毎日9時から18時まで投稿します。"}

# action -> (who acts, the step in the subject, the words the subject and body must carry)
CASES = {
    "submit": (
        "manager",
        "申請者の所属 鈴木 一郎が提出しました",
        "鈴木 一郎（観光プロモーション課長）が提出しました。",
    ),
    "approve": ("head", "所属長 高橋 健が承認しました", "高橋 健（経済観光局長）が承認しました。"),
    "return": (
        "head",
        "所属長 高橋 健が差し戻しました",
        "高橋 健（経済観光局長）が差し戻しました。",
    ),
    "reject": ("head", "所属長 高橋 健が却下しました", "高橋 健（経済観光局長）が却下しました。"),
    "withdraw": (
        "manager",
        "申請者の所属 鈴木 一郎が取り下げました",
        "鈴木 一郎（観光プロモーション課長）が取り下げました。",
    ),
    "final": ("pr", "広報課 田中 美咲が承認しました", "田中 美咲（主査）が承認しました。"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_requesters_mail_reads_naturally(
    case, users, tourism_account, django_capture_on_commit_callbacks
):
    actor, subject, body = CASES[case]
    req = _change(users, tourism_account)
    if case != "submit":
        services.request_submit(req=req, actor=users["operator"], data={**req.payload, **CHANGED})
        if case == "final":
            services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        if case == "submit":
            services.request_submit(
                req=req, actor=users["manager"], data={**req.payload, **CHANGED}
            )
        elif case == "withdraw":
            services.request_withdraw(req=req, actor=users["manager"])
        else:
            action = Action.APPROVE if case == "final" else Action(case)
            services.request_decide(req=req, actor=users[actor], action=action, comment=COMMENT)
    message = _requester_mail(before)
    assert subject in message.subject
    assert body in message.body, message.body
    for text in (message.subject, message.body):
        assert "しし" not in text, text
        assert "」しました" not in text, text
    if case in ("return", "reject", "approve", "final"):
        assert COMMENT in message.body
    # Only the final approval of a change carries the public page and its QR code.
    assert ("公開ページ" in message.body) == (case == "final")


def test_the_final_approval_mail_gives_the_public_page_and_the_qr_code(
    users, tourism_account, django_capture_on_commit_callbacks
):
    req = _change(users, tourism_account)
    services.request_submit(req=req, actor=users["operator"], data={**req.payload, **CHANGED})
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    body = _requester_mail(before).body
    page = f"{SITE}/accounts/{tourism_account.pk}/"
    assert re.search(rf"公開ページ（[^\n]*）：\n{re.escape(page)}\n", body), body
    assert f"QRコード（チラシや掲示物に使えます）：\n{page}qr.svg\n" in body
    assert page == SITE + reverse("public:account_detail", args=[tourism_account.pk])


def test_a_new_registration_gets_them_too(users, django_capture_on_commit_callbacks):
    from accounts.models import Service
    from tests.approvals.conftest import filled_registration

    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    data = filled_registration(
        req.payload, users, **{"account-service": str(Service.objects.get(slug="x").pk)}
    )
    services.request_submit(req=req, actor=users["operator"], data=data)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    req.refresh_from_db()
    body = _requester_mail(before).body
    assert f"{SITE}/accounts/{req.account_id}/\n" in body
    assert f"{SITE}/accounts/{req.account_id}/qr.svg" in body


def test_a_resumption_gets_them_too(users, tourism_account, django_capture_on_commit_callbacks):
    account_suspend(
        account=tourism_account,
        actor=users["head"],
        kind="hijack",
        notice="調査のため一時的に停止しています。",
    )
    tourism_account.refresh_from_db()
    req = services.request_create(
        kind=RequestKind.RESUMPTION, actor=users["operator"], account=tourism_account
    )
    services.request_submit(
        req=req,
        actor=users["operator"],
        data={
            "resumption-reason": "調査が終わりました。",
            "resumption-measures": "パスワードを変更しました。",
            "resumption-password_changed": "on",
            "resumption-two_factor": "on",
            "resumption-suspicious_posts_removed": "on",
        },
    )
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    body = _requester_mail(before).body
    assert f"{SITE}/accounts/{tourism_account.pk}/qr.svg" in body


def test_a_closure_gets_no_qr_code(users, tourism_account, django_capture_on_commit_callbacks):
    req = services.request_create(
        kind=RequestKind.CLOSURE, actor=users["operator"], account=tourism_account
    )
    services.request_submit(req=req, actor=users["operator"], data=closure_form())
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    body = _requester_mail(before).body
    assert "が承認しました。" in body
    assert "QRコード" not in body
    assert "qr.svg" not in body
    assert "公開ページ" not in body


# --- The approver's message -----------------------------------------------------------------


def _decide(client, user, req, action="approve") -> str:
    """The success message the decider is shown (the last one queued)."""
    client.force_login(user)
    response = client.post(
        reverse("staff:request_decide", args=[req.pk]), {"action": action, "comment": COMMENT}
    )
    assert response.status_code == 302
    return [str(m.message) for m in get_messages(response.wsgi_request)][-1]


def test_the_final_approval_message_links_the_public_page_and_the_qr_code(
    client, users, tourism_account
):
    req = _change(users, tourism_account)
    services.request_submit(req=req, actor=users["operator"], data={**req.payload, **CHANGED})
    assert _decide(client, users["head"], req) == "承認しました。"  # not final: no links
    message = _decide(client, users["pr"], req)
    page = f"{SITE}/accounts/{tourism_account.pk}/"
    assert message.startswith("承認しました。 公開ページ：")
    assert f'<a href="{page}">{page}</a>' in message
    assert f'<a href="{page}qr.svg">QRコード（SVG）</a>' in message
    # Shown as links on the dashboard the approver lands on (the message is marked safe).
    dashboard = client.get(reverse("staff:dashboard")).content.decode()
    assert f'<a href="{page}qr.svg">' in dashboard


def test_a_return_message_has_no_links(client, users, tourism_account):
    req = _change(users, tourism_account)
    services.request_submit(req=req, actor=users["operator"], data={**req.payload, **CHANGED})
    assert _decide(client, users["head"], req, "return") == "差し戻しました。"
