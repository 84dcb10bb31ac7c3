"""Business actions on requests. Each checks permission, locks, transitions, records the
decision and queues mail, in one transaction (Zulip's do_* with an audit row)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy
from django_fsm import TransitionNotAllowed

from accounts.models import ENDED_STATUSES, AccountStatus, OfficialAccount
from accounts.permissions import can_request_change
from approvals import effects, officers, permissions, selectors
from approvals.diff import compare
from approvals.models import (
    DECIDABLE_STATES,
    OPEN_STATES,
    TITLE_MAX_LENGTH,
    Action,
    ApprovalRequest,
    Decision,
    RequestKind,
    Step,
)
from approvals.notifications import flag_former_identifier, notify
from approvals.proposal import Proposal, extract_payload, initial_payload
from core.errors import (
    CommentRequired,
    DomainError,
    InvalidTransition,
    NotAllowed,
    ProposalInvalid,
)
from core.municipality import get_municipality
from impersonation.models import KnownImpersonation
from impersonation.services import impersonation_resolve
from incidents.permissions import can_request_resumption
from organization.permissions import can_file_new

if TYPE_CHECKING:
    from organization.models import User


def _title(
    kind: str, account: OfficialAccount | None, payload: Mapping[str, object], current: str = ""
) -> str:
    if kind == RequestKind.OFFICERS and current:
        return current  # named once, when made (approvals.officers.bulk_change_create)
    # The name as typed on the request, so a title follows an edit after a return (issue 8
    # §4); a closure carries no account section and keeps the account's name.
    typed = payload.get("account-display_name") or (account.display_name if account else "")
    name = " ".join(str(typed).split())  # a draft may hold anything: one line, within the column
    if len(name) > TITLE_MAX_LENGTH:
        name = name[: TITLE_MAX_LENGTH - 1] + "…"
    return name or gettext("（アカウント名未入力）")


def _requester_side(req: ApprovalRequest, actor: User) -> Step:
    """The step recorded when someone submits or withdraws: the requester themself, or a
    colleague of the department acting for them (named as such, not as 申請者)."""
    return Step.REQUESTER if actor.pk == req.requester_id else Step.DEPARTMENT


@transaction.atomic
def request_create(
    *, kind: RequestKind, actor: User, account: OfficialAccount | None = None
) -> ApprovalRequest:
    """Open a draft: a registration pre-filled from the template, a change pre-filled from
    today's record, or a closure."""
    if kind == RequestKind.NEW:
        if not can_file_new(actor) or actor.department is None:
            raise NotAllowed
        department = actor.department
    else:
        if account is None:
            raise NotAllowed
        if kind == RequestKind.RESUMPTION:
            # R18: only a suspended account, by its department (incidents.permissions).
            if account.status != AccountStatus.SUSPENDED:
                raise InvalidTransition(gettext("一時停止中のアカウントだけ再開を申請できます。"))
            if not can_request_resumption(actor, account):
                raise NotAllowed
        elif not can_request_change(actor, account):
            raise NotAllowed
        OfficialAccount.objects.select_for_update().filter(pk=account.pk).first()
        if account.requests.filter(state__in=OPEN_STATES).exists():
            raise InvalidTransition(gettext("このアカウントには処理中の申請があります。"))
        officers.refuse_if_in_bulk_change(account)  # one open request per account, all kinds
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
        raise InvalidTransition(gettext("このアカウントには処理中の申請があります。")) from exc


def _lock(req: ApprovalRequest) -> ApprovalRequest:
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to account.
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("account")
        .get(pk=req.pk)
    )


@transaction.atomic
def request_save_draft(
    *, req: ApprovalRequest, actor: User, data: Mapping[str, str]
) -> ApprovalRequest:
    """Keep whatever was typed, valid or not (nothing is lost)."""
    req = _lock(req)
    if not permissions.can_edit_request(actor, req):
        raise NotAllowed
    req.payload = extract_payload(data, req.kind)
    req.title = _title(req.kind, req.account, req.payload, req.title)
    req.save(update_fields=["payload", "title", "updated_at"])
    return req


@transaction.atomic
def request_submit(
    *, req: ApprovalRequest, actor: User, data: Mapping[str, str] | None = None
) -> ApprovalRequest:
    """Validate in full and send to the department head (R1)."""
    req = _lock(req)
    if not permissions.can_edit_request(actor, req):
        raise NotAllowed
    if data is not None:
        req.payload = extract_payload(data, req.kind)
        req.title = _title(req.kind, req.account, req.payload, req.title)
        req.save(update_fields=["payload", "title", "updated_at"])
    proposal = Proposal.of(req, user=actor)
    if not proposal.is_valid():
        raise ProposalInvalid(proposal)
    if req.kind == RequestKind.CHANGE and not changes_anything(req):
        raise NothingChanged(proposal)
    req.submit()
    try:
        effects.apply(req, Action.SUBMIT, proposal)
    except (IntegrityError, ValidationError) as exc:
        # Another registration of the same account was submitted at the same moment (the
        # live-key constraint): the form checks passed for both, one insert wins.
        raise _lost_race(proposal, exc) from exc
    req.save()
    _record(req, actor, _requester_side(req, actor), Action.SUBMIT)
    # Issue 14 §2: a handle another official account used before is flagged to the PR division.
    flag_former_identifier(req, selectors.claims_former_identifier(req))
    return req


class NothingChanged(ProposalInvalid):
    """Issue 11 §7: a change request that proposes what the records already say. Saved as a
    draft, it may not be submitted — approvers would be asked to approve nothing."""

    message = gettext_lazy("変更点がありません。変更する項目を入力してから提出してください。")


def changes_anything(req: ApprovalRequest) -> bool:
    """Whether the change request's account, officers, policy or rules differ from the
    records — the comparison the approvers read (``approvals.diff.compare``), as the
    requester's form sees it."""
    return any(row.changed for _title, rows in compare(req, user=req.requester) for row in rows)


def _lost_race(proposal: Proposal, exc: Exception) -> ProposalInvalid:
    form = proposal.account_form
    instance = form.instance
    others = OfficialAccount.objects.live().filter(service_id=instance.service_id)
    others = others.exclude(pk=instance.pk)
    if others.filter(identifier=instance.identifier).exists():
        form.add_error("url", gettext("このアカウントは既に台帳に登録されています。"))
    elif instance.platform_id and others.filter(platform_id=instance.platform_id).exists():
        # Issue 14: the permanent ID's live-key constraint (account_unique_live_platform_id).
        form.add_error(
            "platform_id", gettext("この固定IDは既に台帳の別のアカウントに登録されています。")
        )
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    else:
        form.add_error(
            None,
            gettext(
                "同時に行われた別の操作と重なったため保存できませんでした。もう一度提出してください。"
            ),
        )
    return ProposalInvalid(proposal)


def _record(
    req: ApprovalRequest, actor: User, step: Step, action: Action, comment: str = ""
) -> Decision:
    decision = Decision(
        request=req, round=req.round, step=step, action=action, actor=actor, comment=comment
    )
    if action == Action.SUBMIT:
        decision.payload = dict(req.payload or {})  # what this round proposed (issue 11 §7)
    decision.save()
    notify(req, decision)
    return decision


@transaction.atomic
def request_decide(
    *,
    req: ApprovalRequest,
    actor: User,
    action: Action,
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
        if req.state not in DECIDABLE_STATES:
            raise InvalidTransition
        if permissions.head_step_taken_by_another(actor, req):
            raise InvalidTransition
        raise NotAllowed
    if action in (Action.RETURN, Action.REJECT) and not comment:
        raise CommentRequired
    if action == Action.APPROVE:
        _refuse_resuming_what_is_not_suspended(req)
    proposal: Proposal | None = None
    try:
        if action == Action.APPROVE:
            proposal = _approve(req, actor, step)
        elif action == Action.RETURN:
            req.return_for_revision()
        elif action == Action.REJECT:
            req.reject()
        else:
            raise InvalidTransition
        effects.apply(req, Action(action), proposal)
    except TransitionNotAllowed as exc:
        raise InvalidTransition from exc
    req.save()
    _record(req, actor, step, action, comment)
    return req


def _refuse_resuming_what_is_not_suspended(req: ApprovalRequest) -> None:
    """R18: a resumption lists a suspended account again. If the account was closed (e.g. on
    the day a closure named, issue 10 §5) or resumed otherwise while the request waited, it
    cannot be approved — it can still be rejected or withdrawn."""
    account_id = req.account_id
    if req.kind != RequestKind.RESUMPTION or account_id is None:
        return
    status = OfficialAccount.objects.filter(pk=account_id).values_list("status", flat=True).first()
    if status == AccountStatus.SUSPENDED:
        return
    if status in ENDED_STATUSES:
        raise InvalidTransition(
            gettext(
                "このアカウントは既に廃止されているため再開できません。"
                "この申請は却下するか、申請者が取り下げてください。"
            )
        )
    raise InvalidTransition(
        gettext(
            "このアカウントは一時停止中ではないため再開を承認できません。"
            "この申請は却下するか、申請者が取り下げてください。"
        )
    )


def _approve(req: ApprovalRequest, actor: User, step: Step) -> Proposal | None:
    """The head's approval, or the PR division's final one; that one returns the proposal
    whose effects (``effects.apply``) happen now, all or nothing (R1, R2)."""
    if step == Step.HEAD:
        req.approve_as_head()
        return None
    proposal = Proposal.of(req, user=req.requester)
    if not proposal.is_valid():
        raise ProposalInvalid(
            proposal,
            gettext(
                "申請内容が現在の台帳と矛盾するため承認できません（同じアカウントが登録された等）。"
                "差し戻してください。"
            ),
        )
    if "account" in proposal.forms:  # a registration or a change names a handle
        _refuse_known_impersonation(proposal)
    req.approve_as_pr()
    return proposal


class ImpersonationConflict(DomainError):
    """R17: the handle is on the public warning list; the PR division must settle it first."""


def _refuse_known_impersonation(proposal: Proposal) -> None:
    """A handle the public is warned about never quietly becomes official (issue 8 §2)."""
    form = proposal.account_form
    service, identifier = form.cleaned_data["service"], form.instance.identifier
    item = KnownImpersonation.objects.filter(
        service=service, identifier=identifier, resolved_at__isnull=True
    ).first()
    if item is not None:
        raise ImpersonationConflict(
            gettext(
                "このアカウント（%(service)s %(handle)s）は「なりすまし注意」の一覧に"
                "載っているため承認できません（R17）。%(division)sが持ち主を"
                "確かめ、この画面の「なりすまし登録との競合を解消」で記録してから承認してください。"
            )
            % {
                "service": service.name,
                "handle": item.display_handle,
                "division": get_municipality().pr_division_name,
            }
        )


@transaction.atomic
def request_resolve_conflict(
    *, req: ApprovalRequest, actor: User, item: KnownImpersonation, comment: str
) -> Decision:
    """The PR division has confirmed that the handle on the impersonation list is in fact the
    city's (e.g. a fake that was taken over, or a mistaken entry): the public warning is
    retired and the reason recorded on the request (R17, issue 8 §2)."""
    req = _lock(req)
    if not permissions.can_resolve_conflict(actor, req):
        if not req.is_open:
            raise InvalidTransition
        raise NotAllowed
    comment = comment.strip()
    if not comment:
        raise CommentRequired(
            gettext("競合を解消する理由（持ち主を確かめた方法など）を記入してください。")
        )
    key = selectors.proposed_key(req)
    if key is None or (item.service_id, item.identifier) != (key[0].pk, key[1]):
        raise InvalidTransition(
            gettext("このなりすまし登録は、この申請のアカウントとは別のものです。")
        )
    if item.resolved_at is not None:
        raise InvalidTransition(gettext("このなりすまし登録は既に解消されています。"))
    item = impersonation_resolve(item=item, actor=actor)
    decision = Decision(
        request=req,
        round=req.round,
        step=Step.PR,
        action=Action.RESOLVE,
        actor=actor,
        comment=comment,
        impersonation=item,
    )
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def request_delete_draft(*, req: ApprovalRequest, actor: User) -> str:
    """Issue 11 §7: delete a draft its author never submitted; returns its title.

    Refused for anyone but the author (``permissions.can_delete_draft``) and for anything
    ever submitted: a submitted request is part of the record and is withdrawn instead. A
    registration reserves its account only when submitted (``effects._reserve_registration``),
    so a draft of round 0 has none; should one be there all the same, it is abandoned (its
    key freed, the row kept) — never the listed account of a change or closure draft.
    """
    req = _lock(req)
    if not permissions.can_delete_draft(actor, req):
        if req.requester_id == actor.pk:
            raise InvalidTransition(
                gettext(
                    "一度提出した申請は記録として残るため、削除できません。"
                    "処理中の申請は「申請を取り下げる」で取り下げてください。"
                )
            )
        raise NotAllowed(gettext("下書きを削除できるのは、作成した本人だけです。"))
    if req.decisions.exists():  # round 0 has none; a record is never deleted
        raise InvalidTransition
    title, account = req.title, req.account
    req.delete()  # its officer replacements (a bulk change) go with it
    if (
        req.kind == RequestKind.NEW
        and account is not None
        and account.status == AccountStatus.DRAFT
    ):
        account.abandon()
        account.save()
    return title


@transaction.atomic
def request_withdraw(*, req: ApprovalRequest, actor: User) -> ApprovalRequest:
    req = _lock(req)
    if not permissions.can_withdraw(actor, req):
        if not req.is_open:
            raise InvalidTransition
        raise NotAllowed
    req.withdraw()
    effects.apply(req, Action.WITHDRAW)
    req.save()
    _record(req, actor, _requester_side(req, actor), Action.WITHDRAW)
    return req
