"""Who may see and do what — decided here and nowhere else.

Views, templates (through ``core.templatetags.perms``) and tests all ask these predicates.
The rules (issue 3 §4, shared/DOMAIN.md):

- operators and managers (職員・課長級) file and edit requests for their own department's
  accounts;
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

from typing import TYPE_CHECKING

from django.db.models import Q, prefetch_related_objects

from accounts.models import AccountStatus
from approvals.models import DECIDABLE_STATES, EDITABLE_STATES, Action, RequestState, Step
from organization.models import User

if TYPE_CHECKING:
    from accounts.models import OfficialAccount
    from approvals.models import ApprovalRequest
    from organization.models import Department


def is_sysadmin(user) -> bool:
    return user.is_authenticated and (user.role == User.Role.SYSADMIN or user.is_superuser)


def is_pr_member(user) -> bool:
    return (
        user.is_authenticated
        and not is_sysadmin(user)
        and user.department_id is not None
        and user.department.is_pr_division
    )


def is_head(user) -> bool:
    return user.is_authenticated and user.role == User.Role.HEAD


def in_scope(user, department: Department) -> bool:
    """The user works in ``department`` or in a unit above it."""
    if not user.is_authenticated or user.department_id is None:
        return False
    return any(d.pk == user.department_id for d in department.lineage())


def can_file_for(user, department: Department) -> bool:
    return (
        user.is_authenticated
        and not is_sysadmin(user)
        and user.role in (User.Role.STAFF, User.Role.MANAGER)
        and in_scope(user, department)
    )


def can_file_new(user) -> bool:
    return (
        user.is_authenticated
        and user.department_id is not None
        and can_file_for(user, user.department)
    )


# --- Accounts ---------------------------------------------------------------------------


def can_view_account(user, account: OfficialAccount) -> bool:
    """Staff pages show officers and the internal rules (R4): not for other departments."""
    return is_sysadmin(user) or is_pr_member(user) or in_scope(user, account.department)


def can_request_change(user, account: OfficialAccount) -> bool:
    return account.status in (AccountStatus.LISTED, AccountStatus.SUSPENDED) and can_file_for(
        user, account.department
    )


# --- Requests ---------------------------------------------------------------------------


def can_view_request(user, req: ApprovalRequest) -> bool:
    return (
        is_sysadmin(user)
        or is_pr_member(user)
        or req.requester_id == user.pk
        or in_scope(user, req.department)
    )


def can_edit_request(user, req: ApprovalRequest) -> bool:
    return req.state in EDITABLE_STATES and (
        req.requester_id == user.pk or can_file_for(user, req.department)
    )


def can_withdraw(user, req: ApprovalRequest) -> bool:
    if not (req.requester_id == user.pk or can_file_for(user, req.department)):
        return False
    if req.state in (*EDITABLE_STATES, RequestState.AWAITING_HEAD):
        return True
    # Nobody may take the PR step (e.g. the PR division's own request, and the division has
    # no third member): the request can at least be taken back, so the account is not locked.
    return req.state == RequestState.AWAITING_PR and not deciders(req)


def decision_step(user, req: ApprovalRequest) -> str | None:
    """The step ``user`` may decide on ``req`` now, or None."""
    if not user.is_authenticated or is_sysadmin(user) or req.requester_id == user.pk:
        return None
    if req.state == RequestState.AWAITING_HEAD:
        if is_head(user) and in_scope(user, req.department):
            return Step.HEAD
    elif req.state == RequestState.AWAITING_PR:
        if _speaks_for_own_pr_division(user, req):
            return Step.PR
        head_approver = next(
            (
                d.actor_id
                for d in req.decisions.all()
                if d.round == req.round and d.step == Step.HEAD and d.action == Action.APPROVE
            ),
            None,
        )
        if is_pr_member(user) and head_approver != user.pk:
            return Step.PR
    return None


def _speaks_for_own_pr_division(user, req: ApprovalRequest) -> bool:
    """The head over the PR division, on a request of the PR division itself."""
    return req.department.is_pr_division and is_head(user) and in_scope(user, req.department)


def decider_candidates():
    """Everyone who could ever decide a step: active heads and PR division members."""
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .filter(Q(role=User.Role.HEAD) | Q(department__is_pr_division=True))
        .exclude(role=User.Role.SYSADMIN)
        .select_related("department__parent__parent")
        .order_by("department__sort_order", "pk")
    )


def deciders(req: ApprovalRequest, candidates=None) -> list:
    """Who may decide ``req`` now — by the same predicate as the buttons (``decision_step``).
    Pass ``candidates`` (a list) when asking for many requests at once."""
    if req.state not in (RequestState.AWAITING_HEAD, RequestState.AWAITING_PR):
        return []
    if candidates is None:
        candidates = decider_candidates()
    if "decisions" not in getattr(req, "_prefetched_objects_cache", {}):
        prefetch_related_objects([req], "decisions")  # read once, not once per candidate
    return [u for u in candidates if decision_step(u, req) is not None]


def head_step_taken_by_another(user, req: ApprovalRequest) -> bool:
    """A head who could have decided the first step, which another head has already taken:
    they are told the request was handled, not that they lack permission."""
    if not (
        req.state == RequestState.AWAITING_PR
        and is_head(user)
        and not is_sysadmin(user)
        and in_scope(user, req.department)
    ):
        return False
    return any(
        d.round == req.round and d.step == Step.HEAD and d.actor_id != user.pk
        for d in req.decisions.all()
    )


def can_decide(user, req: ApprovalRequest) -> bool:
    return decision_step(user, req) is not None


# --- Impersonation (R17) ------------------------------------------------------------------


def can_manage_impersonations(user) -> bool:
    """The PR division keeps the list of known fakes and handles citizens' reports
    (001 §8(1), 002 §5(1))."""
    return is_pr_member(user)


def can_resolve_conflict(user, req: ApprovalRequest) -> bool:
    """R17: while a request is being decided, the PR division — not the requester — may settle
    a clash between its handle and the known-impersonation list (issue 8 §2)."""
    return (
        can_manage_impersonations(user)
        and req.requester_id != user.pk
        and req.state in DECIDABLE_STATES
    )
