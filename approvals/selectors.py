"""Reads for the staff dashboard."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import OfficialAccount
from approvals.models import ApprovalRequest, RequestState
from core import permissions
from organization.models import descendant_ids


def _with_relations(qs: QuerySet) -> QuerySet:
    return qs.select_related("account__service", "department__parent__parent", "requester")


def my_requests(user) -> QuerySet:
    return _with_relations(ApprovalRequest.objects.filter(requester=user))


def awaiting(user) -> list[ApprovalRequest]:
    """Requests this person may decide now (the same predicate the buttons use)."""
    query = Q(pk__in=[])
    if permissions.is_head(user) and user.department_id:
        query |= Q(
            state=RequestState.AWAITING_HEAD,
            department_id__in=descendant_ids(user.department_id),
        )
    if permissions.is_pr_member(user):
        query |= Q(state=RequestState.AWAITING_PR)
    candidates = _with_relations(ApprovalRequest.objects.filter(query)).prefetch_related(
        "decisions"
    )
    return [r for r in candidates.order_by("submitted_at") if permissions.can_decide(user, r)]


def accounts_for(user) -> QuerySet:
    """The accounts a person works with: their department's, and those they are officer of."""
    qs = OfficialAccount.objects.select_related("service", "department__parent__parent")
    if permissions.is_sysadmin(user) or permissions.is_pr_member(user):
        return qs
    query = Q(officers__user=user)
    if user.department_id:
        query |= Q(department_id__in=descendant_ids(user.department_id))
    return qs.filter(query).distinct()
