"""After a return (差し戻し): the reason at the top of the request page, and — once the
requester submits again — what changed since the previous submission (issue 11 §6, §7)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from approvals import services
from approvals.diff import since_previous_round
from approvals.models import Action, ApprovalRequest, RequestKind, RequestState
from tests.workflow import CHECKLIST_ON

pytestmark = pytest.mark.django_db

REASON = "運用時間が勤務時間と合っていません。\n勤務時間内に直してください。"
FIRST_HOURS = "毎日9時から21時まで投稿します。"
SECOND_HOURS = "平日9時から17時まで投稿します。"


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def returned_change(users, account) -> ApprovalRequest:
    req = services.request_create(kind=RequestKind.CHANGE, actor=users["operator"], account=account)
    services.request_submit(
        req=req,
        actor=users["operator"],
        data={**req.payload, **CHECKLIST_ON, "policy-operating_hours": FIRST_HOURS},
    )
    services.request_decide(req=req, actor=users["head"], action=Action.RETURN, comment=REASON)
    return ApprovalRequest.objects.get(pk=req.pk)


def resubmit(users, req: ApprovalRequest, **fields) -> ApprovalRequest:
    services.request_submit(req=req, actor=users["operator"], data={**req.payload, **fields})
    return ApprovalRequest.objects.get(pk=req.pk)


def page(client, user, req) -> str:
    client.force_login(user)
    response = client.get(reverse("staff:request_detail", args=[req.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- The return reason at the top ---------------------------------------------------------


@pytest.mark.parametrize("who", ["operator", "manager", "head", "pr"])
def test_the_return_reason_comes_before_the_proposal(client, users, tourism_account, who):
    req = returned_change(users, tourism_account)
    html = page(client, users[who], req)
    assert 'id="return-reason"' in html
    top = html.index('id="return-reason"')
    # Before the buttons, the comparison and the proposal (the long part of the page).
    assert top < html.index("印刷用の記録（決裁用）")
    assert top < html.index("変更内容（現在 → 変更後）")
    block = _text(html[top : html.index("</section>", top)])
    assert "差し戻しの理由" in block
    assert "運用時間が勤務時間と合っていません。 勤務時間内に直してください。" in block
    assert re.search(r"所属長 高橋 健（経済観光局長）／\d{4}/\d\d/\d\d \d\d:\d\d", block)
    # The requester's side is offered the way to fix it, right there.
    edit = reverse("staff:request_edit", args=[req.pk])
    assert (f'href="{edit}"' in html[top : html.index("</section>", top)]) == (
        who in ("operator", "manager")
    )


def test_the_latest_return_is_shown_and_none_once_submitted_again(client, users, tourism_account):
    req = returned_change(users, tourism_account)
    req = resubmit(users, req, **{"policy-operating_hours": SECOND_HOURS})
    services.request_decide(
        req=req, actor=users["head"], action=Action.RETURN, comment="二度目の差し戻しです。"
    )
    req.refresh_from_db()
    html = page(client, users["operator"], req)
    top = html.index('id="return-reason"')
    block = _text(html[top : html.index("</section>", top)])
    assert "二度目の差し戻しです。" in block
    assert "勤務時間内に直してください" not in block
    req = resubmit(users, req)
    assert 'id="return-reason"' not in page(client, users["operator"], req)


# --- What changed since the previous submission -------------------------------------------


def test_the_decider_sees_what_the_requester_changed(client, users, tourism_account):
    req = returned_change(users, tourism_account)
    req = resubmit(
        users,
        req,
        **{
            "policy-operating_hours": SECOND_HOURS,
            "account-purpose": "観光の最新情報を写真でお知らせします。",
        },
    )
    assert req.round == 2
    html = page(client, users["head"], req)
    start = html.index('id="since-last"')
    assert start < html.index('id="decide-heading"')  # read before deciding
    block = _text(html[start : html.index("</section>", start)])
    assert "前回の提出からの変更（第1回 → 第2回）" in block
    # Field labels, the value submitted before and the one submitted now.
    assert f"運用時間 {FIRST_HOURS} {SECOND_HOURS}" in block
    assert "発信の目的（概要）" in block
    assert "観光の最新情報を写真でお知らせします。" in block
    # Only what changed between the two submissions.
    assert "アカウント名" not in block
    assert "R6" not in block


def test_choices_read_as_their_labels(users, tourism_account):
    req = returned_change(users, tourism_account)
    req = resubmit(users, req, **{"account-badge_status": "applied"})
    since = since_previous_round(req)
    assert since is not None
    rows = [row for _title, rows in since.sections for row in rows]
    assert [(r.label, r.current, r.proposed) for r in rows] == [
        ("認証バッジ", "取得済み", "申請中")
    ]


def test_nothing_changed_says_so(client, users, tourism_account):
    req = returned_change(users, tourism_account)
    req = resubmit(users, req)
    html = page(client, users["head"], req)
    start = html.index('id="since-last"')
    block = _text(html[start : html.index("</section>", start)])
    assert "前回の提出から変更はありません" in block
    assert "<table" not in html[start : html.index("</section>", start)]


def test_nothing_is_shown_in_the_first_round(client, users, tourism_account):
    req = services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    services.request_submit(
        req=req,
        actor=users["operator"],
        data={**req.payload, **CHECKLIST_ON, "policy-operating_hours": FIRST_HOURS},
    )
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD
    html = page(client, users["head"], req)
    assert "前回の提出からの変更" not in html
    assert 'id="return-reason"' not in html


def test_a_round_without_a_recorded_payload_shows_nothing(users, tourism_account):
    """Submitted before the payload was kept with each submission: nothing to compare."""
    req = returned_change(users, tourism_account)
    req = resubmit(users, req)
    req.decisions.filter(action=Action.SUBMIT, round=1).update(payload=None)
    assert since_previous_round(req) is None
