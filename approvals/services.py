"""Business actions on requests. Each checks permission, locks, transitions, records the
decision and queues mail, in one transaction (Zulip's do_* with an audit row)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django_fsm import TransitionNotAllowed

from accounts.models import OfficialAccount
from approvals import effects
from approvals.models import (
    OPEN_STATES,
    Action,
    ApprovalRequest,
    Decision,
    RequestKind,
    RequestState,
    Step,
)
from approvals.notifications import notify
from approvals.proposal import Proposal, extract_payload, initial_payload
from core import permissions
from core.errors import CommentRequired, InvalidTransition, NotAllowed, ProposalInvalid


def _title(kind: str, account: OfficialAccount | None, payload: dict) -> str:
    name = account.display_name if account else payload.get("account-display_name", "")
    return name or "（アカウント名未入力）"


@transaction.atomic
def request_create(*, kind: str, actor, account: OfficialAccount | None = None) -> ApprovalRequest:
    """Open a draft: a registration pre-filled from the template, a change pre-filled from
    today's record, or a closure."""
    if kind == RequestKind.NEW:
        if not permissions.can_file_new(actor):
            raise NotAllowed
        department = actor.department
    else:
        if account is None or not permissions.can_request_change(actor, account):
            raise NotAllowed
        OfficialAccount.objects.select_for_update().filter(pk=account.pk).first()
        if account.requests.filter(state__in=OPEN_STATES).exists():
            raise InvalidTransition("このアカウントには処理中の申請があります。")
        department = account.department
    payload = initial_payload(kind=kind, user=actor, account=account)
    try:
        with transaction.atomic():
            return ApprovalRequest.objects.create(
                kind=kind,
                account=account,
                department=department,
                requester=actor,
                payload=payload,
                title=_title(kind, account, payload),
            )
    except IntegrityError as exc:  # a concurrent request for the same account won
        raise InvalidTransition("このアカウントには処理中の申請があります。") from exc


def _lock(req: ApprovalRequest) -> ApprovalRequest:
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to account.
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("account")
        .get(pk=req.pk)
    )


@transaction.atomic
def request_save_draft(*, req: ApprovalRequest, actor, data) -> ApprovalRequest:
    """Keep whatever was typed, valid or not (nothing is lost)."""
    req = _lock(req)
    if not permissions.can_edit_request(actor, req):
        raise NotAllowed
    req.payload = extract_payload(data, req.kind)
    req.title = _title(req.kind, req.account, req.payload)
    req.save(update_fields=["payload", "title", "updated_at"])
    return req


@transaction.atomic
def request_submit(*, req: ApprovalRequest, actor, data=None) -> ApprovalRequest:
    """Validate in full and send to the department head (R1)."""
    req = _lock(req)
    if not permissions.can_edit_request(actor, req):
        raise NotAllowed
    if data is not None:
        req.payload = extract_payload(data, req.kind)
        req.title = _title(req.kind, req.account, req.payload)
        req.save(update_fields=["payload", "title", "updated_at"])
    proposal = Proposal.of(req, user=actor)
    if not proposal.is_valid():
        raise ProposalInvalid(proposal)
    if req.kind == RequestKind.NEW:
        account = effects.write_registration(req, proposal)
        req.account = account
        req.department = account.department
        account.submit()
        account.save()
    req.submit()
    req.save()
    _record(req, actor, Step.REQUESTER, Action.SUBMIT)
    return req


def _record(req: ApprovalRequest, actor, step: str, action: str, comment: str = "") -> Decision:
    decision = Decision(
        request=req, round=req.round, step=step, action=action, actor=actor, comment=comment
    )
    decision.save()
    notify(req, decision)
    return decision


@transaction.atomic
def request_decide(
    *,
    req: ApprovalRequest,
    actor,
    action: str,
    comment: str = "",
    expected_state: str | None = None,
) -> ApprovalRequest:
    """Approve, return (差し戻し) or reject at the step ``actor`` may decide now.

    The row is locked first, so of two approvers acting at once one decides and the other is
    told the request has already been handled.
    """
    req = _lock(req)
    comment = comment.strip()
    if expected_state is not None and req.state != expected_state:
        raise InvalidTransition  # decided by someone else since the page was shown
    step = permissions.decision_step(actor, req)
    if step is None:
        if req.state not in (RequestState.AWAITING_HEAD, RequestState.AWAITING_PR):
            raise InvalidTransition
        if permissions.head_step_taken_by_another(actor, req):
            raise InvalidTransition
        raise NotAllowed
    if action in (Action.RETURN, Action.REJECT) and not comment:
        raise CommentRequired
    try:
        if action == Action.APPROVE:
            _approve(req, actor, step)
        elif action == Action.RETURN:
            req.return_for_revision()
            if req.kind == RequestKind.NEW:
                req.account.return_to_draft()
                req.account.save()
        elif action == Action.REJECT:
            req.reject()
            if req.kind == RequestKind.NEW:
                req.account.abandon()
                req.account.save()
        else:
            raise InvalidTransition
    except TransitionNotAllowed as exc:
        raise InvalidTransition from exc
    req.save()
    _record(req, actor, step, action, comment)
    return req


def _approve(req: ApprovalRequest, actor, step: str) -> None:
    if step == Step.HEAD:
        req.approve_as_head()
        return
    # Final approval: the effects happen now, all or nothing (R1, R2).
    proposal = Proposal.of(req, user=req.requester)
    if not proposal.is_valid():
        raise ProposalInvalid(
            proposal,
            "申請内容が現在の台帳と矛盾するため承認できません（同じアカウントが登録された等）。"
            "差し戻してください。",
        )
    req.approve_as_pr()
    {
        RequestKind.NEW: effects.apply_new,
        RequestKind.CHANGE: effects.apply_change,
        RequestKind.CLOSURE: effects.apply_closure,
    }[req.kind](req, proposal)


@transaction.atomic
def request_withdraw(*, req: ApprovalRequest, actor) -> ApprovalRequest:
    req = _lock(req)
    if not permissions.can_withdraw(actor, req):
        if not req.is_open:
            raise InvalidTransition
        raise NotAllowed
    req.withdraw()
    if req.kind == RequestKind.NEW and req.account_id:
        req.account.abandon()
        req.account.save()
    req.save()
    _record(req, actor, Step.REQUESTER, Action.WITHDRAW)
    return req
