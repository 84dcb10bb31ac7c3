"""Who confirms an account's periodic review (R12) and its credentials (R10), who keeps its
last-post date, and who reads the PR division's list of stale accounts.

- the account's 管理者 (アカウント管理者, 001 §4(1)イ: day-to-day operation and monitoring)
  confirms the review and the credentials. The 責任者 (001 §4(1)ア) may too: the
  responsibility is theirs, and when the 管理者 has left (人事異動) the review must not wait
  for the change request that names a new one; so may a head over the account's department
  (the 責任者 by office). Reminders go to the 管理者, else to who answers for the account
  (``accounts.permissions.reminded_for``: the 責任者, else the nearest head;
  ``reminder_rows``, the list twin);
- anyone who works on the account — its officers, and staff who may file requests for its
  department — updates the last-post date (最終投稿日, R12);
- the PR division (and the system administrator, who reads) sees the list of stale accounts.

Whether R10 or R12 applies at all is the municipality's switch (``core.municipality``): the
views answer 404 when it is off (``reviews.views.switched_on``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import PUBLIC_STATUSES, OfficerRole, OfficialAccount
from accounts.permissions import (
    HeadsOver,
    answers_for,
    officer_user_id,
    reminded_for,
    responsible_user_id,
)
from organization.permissions import can_file_for, sees_everything

if TYPE_CHECKING:
    from organization.permissions import AnyUser

CONFIRMING_ROLES = (OfficerRole.MANAGER, OfficerRole.RESPONSIBLE)


def can_review(user: AnyUser, account: OfficialAccount) -> bool:
    """The account's 管理者 or who answers for it (its 責任者, a head over its department:
    ``accounts.permissions.answers_for``) confirms its review (R12) and credentials (R10) —
    whoever is reminded of them can do them."""
    return (
        user.is_authenticated
        and user.is_active
        and account.status in PUBLIC_STATUSES
        and (
            account.officers.filter(user_id=user.pk, role__in=CONFIRMING_ROLES).exists()
            or answers_for(user, account)
        )
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


def with_reminder_recipient(qs: QuerySet[OfficialAccount]) -> QuerySet[OfficialAccount]:
    """Annotate ``recipient_id``: the account's 管理者 who signs in, else its 責任者 who signs
    in (None otherwise: ``reminder_rows`` falls back to the nearest head over the department,
    ``accounts.permissions.reminded_for``). One query for any number of accounts."""
    return qs.annotate(
        recipient_id=Coalesce(officer_user_id(OfficerRole.MANAGER), responsible_user_id())
    )


def reminder_rows(
    qs: QuerySet[OfficialAccount], user: AnyUser | None, *fields: str
) -> Iterator[dict[str, Any]]:
    """The rows of ``with_reminder_recipient(qs)`` with ``recipient_id`` filled in: the
    管理者, else who answers for the account (its 責任者, else the nearest head over its
    department); rows nobody can be reminded of are left out. With ``user``: only theirs."""
    heads: HeadsOver | None = None
    if user is not None:
        heads = HeadsOver()
        mine = [d for d in heads.departments() if heads.first(d) == user.pk]
        qs = qs.filter(
            Q(recipient_id=user.pk) | Q(recipient_id__isnull=True, department_id__in=mine)
        )
    for row in qs.values(*fields, "recipient_id", "department_id"):
        if row["recipient_id"] is None:
            heads = heads or HeadsOver()
            row["recipient_id"] = reminded_for(None, row["department_id"], heads)
            if row["recipient_id"] is None:
                continue
        yield row
