"""Helpers for the incident and suspension tests (R18)."""

from __future__ import annotations

import pytest

from accounts.models import OfficialAccount
from approvals import services as approvals
from approvals.models import Action, ApprovalRequest, RequestKind
from incidents.services import account_suspend
from tests.workflow import staff_for

HIJACK_NOTICE = (
    "このアカウントは現在、不正ログイン（乗っ取り）の疑いにより一時停止しています。"
    "このアカウントからの投稿やメッセージを信用せず、リンクを開かないでください。"
)
RESUMPTION_FORM = {
    "resumption-reason": "パスワードを変更し、不審な投稿を削除しました。",
    "resumption-measures": "二段階認証を設定し、端末を限定しました。",
    "resumption-password_changed": "on",
    "resumption-two_factor": "on",
    "resumption-suspicious_posts_removed": "on",
}
# Every demo person, by the name the brief uses; None is someone not signed in.
ROLES = ["anonymous", "operator", "manager", "head", "pr", "prhead", "operator2", "head2", "admin"]


def suspend(account: OfficialAccount, users: dict, *, by: str = "pr") -> OfficialAccount:
    account_suspend(account=account, actor=users[by], kind="hijack", notice=HIJACK_NOTICE)
    account.refresh_from_db()
    assert account.status == "suspended"
    return account


def resumption_request(account: OfficialAccount, users: dict) -> ApprovalRequest:
    """A submitted resumption request (awaiting the head)."""
    operator, _head = staff_for(account, users)
    req = approvals.request_create(kind=RequestKind.RESUMPTION, actor=operator, account=account)
    approvals.request_submit(req=req, actor=operator, data=RESUMPTION_FORM)
    return ApprovalRequest.objects.get(pk=req.pk)


def resume(account: OfficialAccount, users: dict) -> OfficialAccount:
    """Resume through both approvals (R18: head → PR division)."""
    req = resumption_request(account, users)
    _operator, head = staff_for(account, users)
    approvals.request_decide(req=req, actor=head, action=Action.APPROVE)
    approvals.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    account.refresh_from_db()
    return account


@pytest.fixture
def kenko_account(demo):
    """A listed account of another department (健康づくり, X @sample_kenko) whose officers
    are names only: only the heads over it and the PR division may suspend it."""
    return OfficialAccount.objects.get(service__slug="x", identifier="sample_kenko")
