"""Changing the registry the only way staff can: a request, the department head's approval, then
the PR division's (R1, R2, R13). One copy for every test that needs a closed or changed account."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from accounts.models import OfficialAccount
from approvals import services
from approvals.models import Action, RequestKind

CLOSURE_FORM = {
    "closure-category": "purpose_ended",
    "closure-reason": "事業終了のため",
    "closure-closing_on": "",  # today, at the time of the request (closure_form())
    "closure-posts_deleted": "on",
    "closure-account_deleted": "on",
    "closure-followers_informed": "on",
}
CHECKLIST_ON = {f"checklist-{rule}": "on" for rule in ("R6", "R7", "R11", "R14")}
# One change for a change request that only needs to be submitted: one that changes nothing
# is refused (issue 11 §7, approvals.services.NothingChanged).
A_CHANGE = {"policy-operating_hours": "平日9時から17時まで投稿します。"}


def staff_for(account: OfficialAccount, users: dict):
    """The demo operator and department head who act for ``account`` (demo/data.py USERS)."""
    if account.department.code.startswith("5"):  # 危機管理局
        return users["operator2"], users["head2"]
    return users["operator"], users["head"]  # 経済観光局 (the tourism accounts)


def _through_both_approvals(account, users, kind, data) -> OfficialAccount:
    operator, head = staff_for(account, users)
    req = services.request_create(kind=kind, actor=operator, account=account)
    services.request_submit(req=req, actor=operator, data=data(req))
    services.request_decide(req=req, actor=head, action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    account.refresh_from_db()
    return account


def closure_form(closing_on: date | None = None) -> dict[str, str]:
    """The closure section, closing on ``closing_on`` (default today: closes at approval;
    a later day schedules the closure, issue 10 §5)."""
    day = closing_on or timezone.localdate()
    return {**CLOSURE_FORM, "closure-closing_on": day.isoformat()}


def close_account(account: OfficialAccount, users: dict) -> OfficialAccount:
    """Close an account through the real workflow (R13), today."""
    account = _through_both_approvals(
        account, users, RequestKind.CLOSURE, lambda req: closure_form()
    )
    assert account.status == "closed"
    return account


def change_account(account: OfficialAccount, users: dict, **fields: str) -> OfficialAccount:
    """Change an account (by default its operating hours) through the real workflow."""
    return _through_both_approvals(
        account,
        users,
        RequestKind.CHANGE,
        lambda req: {
            **req.payload,
            "policy-operating_hours": "毎日9時から18時まで投稿します。",
            **CHECKLIST_ON,
            **fields,
        },
    )
