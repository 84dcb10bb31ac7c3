"""Who confirms an account's periodic review (R12) and its credentials (R10), who keeps its
last-post date, and who reads the PR division's list of stale accounts.

- the account's 管理者 (アカウント管理者, 001 §4(1)イ: day-to-day operation and monitoring)
  confirms the review and the credentials. The 責任者 (001 §4(1)ア) may too: the
  responsibility is theirs, and when the 管理者 has left (人事異動) the review must not wait
  for the change request that names a new one. Reminders go to the 管理者, or to the 責任者
  when the account has no 管理者 who signs in (``reminder_recipients``, the list twin);
- anyone who works on the account — its officers, and staff who may file requests for its
  department — updates the last-post date (最終投稿日, R12);
- the PR division (and the system administrator, who reads) sees the list of stale accounts.

Whether R10 or R12 applies at all is the municipality's switch (``core.municipality``): the
views answer 404 when it is off (``reviews.views.switched_on``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import PUBLIC_STATUSES, Officer, OfficerRole, OfficialAccount
from organization.permissions import can_file_for, sees_everything

if TYPE_CHECKING:
    from organization.permissions import AnyUser

CONFIRMING_ROLES = (OfficerRole.MANAGER, OfficerRole.RESPONSIBLE)


def can_review(user: AnyUser, account: OfficialAccount) -> bool:
    """The account's 管理者 or 責任者 confirms its review (R12) and credentials (R10)."""
    return (
        user.is_authenticated
        and user.is_active
        and account.status in PUBLIC_STATUSES
        and account.officers.filter(user_id=user.pk, role__in=CONFIRMING_ROLES).exists()
    )


def can_update_last_activity(user: AnyUser, account: OfficialAccount) -> bool:
    """Whoever works on the account keeps its last-post date (R12)."""
    if not (user.is_authenticated and user.is_active and account.status in PUBLIC_STATUSES):
        return False
    return (
        can_file_for(user, account.department) or account.officers.filter(user_id=user.pk).exists()
    )


def can_view_stale_list(user: AnyUser) -> bool:
    """The PR division's list of accounts not posted to or not reviewed for too long (R12)."""
    return sees_everything(user)


def _officer_user(role: OfficerRole) -> Subquery:
    return Subquery(
        Officer.objects.filter(
            account=OuterRef("pk"), role=role, user__isnull=False, user__is_active=True
        )
        .order_by("pk")  # not the model's ordering, which joins the account and service
        .values("user_id")[:1],
        output_field=IntegerField(),
    )


def with_reminder_recipient(qs: QuerySet[OfficialAccount]) -> QuerySet[OfficialAccount]:
    """Annotate ``recipient_id``: the account's 管理者 who signs in, else its 責任者 (None when
    neither is a member of staff — the PR division's stale list still shows the account).
    The list twin of who is reminded; one query for any number of accounts."""
    return qs.annotate(
        recipient_id=Coalesce(
            _officer_user(OfficerRole.MANAGER), _officer_user(OfficerRole.RESPONSIBLE)
        )
    )
