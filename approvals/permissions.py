"""Who may see, edit, withdraw and decide a request (R1, R2) — decided here and nowhere else.

Views (through ``core.rules.rule``), templates (``staff.templatetags.permissions``), selectors,
notifications and tests all ask these predicates; each has a queryset or list twin
(``viewable_requests``, ``deciders``) so that a list and a check can never disagree.

- operators and managers (職員・課長級) file and edit requests for their own department's
  accounts; whether a request may still be edited or withdrawn is the state machine's answer
  (``approvals.models.ApprovalRequest``: ``submit`` and ``withdraw`` and their permissions);
- only a head (所属長・局長) of the department or of a unit above it decides the first step
  (R1: 001 §4(1)ア, 002 §2);
- only members of the PR division decide the second step (R2: 000 §4(4), 001 §3(2));
- nobody decides a request they filed, and the PR step is never taken by the person who
  approved the first step (four eyes). The PR division's own request (000 §4(4), 001 §3(2);
  issue 8 §4) is the one exception: the consent 000 §4(4) asks for is the PR division's own,
  so its 所属長 — the head over the PR division — gives it in the PR step, even after
  approving step 1; another member of the division may too. Four eyes hold: the requester
  never decides. Should nobody be able to decide, the request says so (``deciders``), the
  system administrator is told, and it may be withdrawn;
- the system administrator configures (Django admin) and may read, but never decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet, prefetch_related_objects
from django_fsm import has_transition_perm

from approvals.models import DECIDABLE_STATES, Action, ApprovalRequest, RequestState, Step
from impersonation.permissions import can_manage_impersonations
from organization.models import User
from organization.permissions import (
    can_file_for,
    heads,
    in_scope,
    is_head,
    is_pr_member,
    is_sysadmin,
    pr_members,
    scoped,
    sees_everything,
)

if TYPE_CHECKING:
    from organization.permissions import AnyUser


def can_view_request(user: AnyUser, req: ApprovalRequest) -> bool:
    return sees_everything(user) or req.requester_id == user.pk or in_scope(user, req.department)


def viewable_requests(user: AnyUser) -> QuerySet[ApprovalRequest]:
    """The twin of ``can_view_request``."""
    return scoped(user, ApprovalRequest.objects.all(), also=Q(requester_id=user.pk))


def on_requesters_side(user: AnyUser, req: ApprovalRequest) -> bool:
    """The requester, or a colleague who may file for the department (a 課長 who submits or
    withdraws an operator's request). The permission of ``submit`` and ``withdraw``."""
    return user.is_authenticated and (
        req.requester_id == user.pk or can_file_for(user, req.department)
    )


def can_edit_request(user: AnyUser, req: ApprovalRequest) -> bool:
    """Editable while it may be submitted: the state machine's ``submit`` says when."""
    return has_transition_perm(req.submit, user)


def can_withdraw(user: AnyUser, req: ApprovalRequest) -> bool:
    """The state machine's ``withdraw``: its sources, its condition (from the PR step only
    when nobody may take it) and its permission (the requester's side). The permission is
    asked first: it is cheap, and the condition asks who may decide."""
    return on_requesters_side(user, req) and has_transition_perm(req.withdraw, user)


def can_delete_draft(user: AnyUser, req: ApprovalRequest) -> bool:
    """Issue 11 §7: a draft never submitted (round 0) may be deleted by its author — and only
    the author. Nobody else has seen it and no decision names it, so it goes without a trace;
    a colleague on the requester's side withdraws it instead, which is recorded (step
    ``DEPARTMENT``). Anything ever submitted is withdrawn, never deleted."""
    return (
        user.is_authenticated
        and req.requester_id == user.pk
        and req.state == RequestState.DRAFT
        and req.round == 0
    )


def decision_step(user: AnyUser, req: ApprovalRequest) -> Step | None:
    """The step ``user`` may decide on ``req`` now, or None."""
    if not user.is_authenticated or is_sysadmin(user) or req.requester_id == user.pk:
        return None
    if req.state == RequestState.AWAITING_HEAD:
        if _heads_the_department(user, req):
            return Step.HEAD
    elif req.state == RequestState.AWAITING_PR:
        if _speaks_for_own_pr_division(user, req):
            return Step.PR
        if is_pr_member(user) and _head_approver(req) != user.pk:
            return Step.PR
    return None


def _head_approver(req: ApprovalRequest) -> int | None:
    return next(
        (
            d.actor_id
            for d in req.decisions.all()
            if d.round == req.round and d.step == Step.HEAD and d.action == Action.APPROVE
        ),
        None,
    )


def _speaks_for_own_pr_division(user: AnyUser, req: ApprovalRequest) -> bool:
    """The head over the PR division, on a request of the PR division itself."""
    return req.department.is_pr_division and _heads_the_department(user, req)


def _heads_the_department(user: AnyUser, req: ApprovalRequest) -> bool:
    """A head (所属長) of the request's department or of a unit above it (R1)."""
    return is_head(user) and in_scope(user, req.department)


def can_decide(user: AnyUser, req: ApprovalRequest) -> bool:
    return decision_step(user, req) is not None


def decider_candidates() -> QuerySet[User]:
    """Everyone who could ever decide a step: active heads and PR division members."""
    return (
        User.objects.filter(Q(pk__in=heads().values("pk")) | Q(pk__in=pr_members().values("pk")))
        .select_related("department__parent__parent")
        .order_by("department__sort_order", "pk")
    )


def deciders(req: ApprovalRequest, candidates: Iterable[User] | None = None) -> list[User]:
    """The twin of ``decision_step``: who may decide ``req`` now. Pass ``candidates`` (a list)
    when asking for many requests at once. Mail asking for a decision goes to exactly these."""
    if req.state not in DECIDABLE_STATES:
        return []
    if candidates is None:
        candidates = decider_candidates()
    if "decisions" not in getattr(req, "_prefetched_objects_cache", {}):
        prefetch_related_objects([req], "decisions")  # read once, not once per candidate
    return [u for u in candidates if decision_step(u, req) is not None]


def nobody_may_decide(req: ApprovalRequest) -> bool:
    """A waiting request no active person may decide (issue 8 §4): it may be withdrawn."""
    return req.state in DECIDABLE_STATES and not deciders(req)


def head_step_taken_by_another(user: AnyUser, req: ApprovalRequest) -> bool:
    """A head who could have decided the first step, which another head has already taken:
    they are told the request was handled, not that they lack permission."""
    if not (
        req.state == RequestState.AWAITING_PR
        and not is_sysadmin(user)
        and _heads_the_department(user, req)
    ):
        return False
    return any(
        d.round == req.round and d.step == Step.HEAD and d.actor_id != user.pk
        for d in req.decisions.all()
    )


def can_resolve_conflict(user: AnyUser, req: ApprovalRequest) -> bool:
    """R17: while a request is being decided, the PR division — not the requester — may settle
    a clash between its handle and the known-impersonation list (issue 8 §2)."""
    return (
        can_manage_impersonations(user)
        and req.requester_id != user.pk
        and req.state in DECIDABLE_STATES
    )
