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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Coalesce

from accounts.models import PUBLIC_STATUSES, Officer, OfficerRole, OfficialAccount
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


@dataclass(frozen=True)
class ReminderScope:
    """The accounts whose reminders can go to one person, as plain columns an index finds
    (issue 12 §4: at 100 000 accounts the recipient of every account was computed, then one
    person's kept). Three queries, shared by every account source."""

    user_id: int
    officer_of: list[int]  # accounts where the person is 管理者 or 責任者
    departments: list[int]  # units whose nearest head is the person (the fallback)

    def narrow(self, qs: QuerySet[OfficialAccount]) -> QuerySet[OfficialAccount]:
        """``qs`` cut to the accounts that may be the person's before ``recipient_id`` is
        computed: a recipient who signs in is an officer in a confirming role, and the
        fallback goes to the nearest head."""
        return qs.filter(Q(pk__in=self.officer_of) | Q(department_id__in=self.departments))


def reminder_scope(user: AnyUser) -> ReminderScope:
    heads = HeadsOver()
    user_id: int = user.pk or 0  # someone signed out (no id) is reminded of nothing
    return ReminderScope(
        user_id=user_id,
        officer_of=sorted(
            set(
                Officer.objects.filter(user_id=user_id, role__in=CONFIRMING_ROLES)
                .order_by()  # not the model's, which joins the account and service
                .values_list("account_id", flat=True)
            )
        ),
        departments=[d for d in heads.departments() if heads.first(d) == user_id],
    )


def reminder_rows(
    qs: QuerySet[OfficialAccount],
    user: AnyUser | None,
    *fields: str,
    scope: ReminderScope | None = None,
) -> Iterator[dict[str, Any]]:
    """The rows of ``with_reminder_recipient(qs)`` with ``recipient_id`` filled in: the
    管理者, else who answers for the account (its 責任者, else the nearest head over its
    department); rows nobody can be reminded of are left out. With ``user``: only theirs."""
    heads: HeadsOver | None = None
    if user is not None:
        scope = scope or reminder_scope(user)
        qs = scope.narrow(qs).filter(
            Q(recipient_id=user.pk)
            | Q(recipient_id__isnull=True, department_id__in=scope.departments)
        )
    for row in qs.values(*fields, "recipient_id", "department_id"):
        if row["recipient_id"] is None:
            if user is not None:  # the fallback of ``scope.departments``: the person
                row["recipient_id"] = user.pk
                yield row
                continue
            heads = heads or HeadsOver()
            row["recipient_id"] = reminded_for(None, row["department_id"], heads)
            if row["recipient_id"] is None:
                continue
        yield row


def first_reminder_rows(
    qs: QuerySet[OfficialAccount],
    scope: ReminderScope,
    order: tuple[Any, ...],
    limit: int,
    *fields: str,
) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` of ``reminder_rows(qs, person)`` in ``order`` (which must follow
    the due date), and how many there are: the dashboard's bounded list. The person's own
    accounts are few and read whole; the fallback (accounts nobody who signs in answers for,
    in the person's units: 100 000 of them for a head in a national registry) is counted and
    cut in the database, found as "no confirming officer signs in" (an anti-join) rather than
    by computing each account's recipient."""
    own = list(
        reminder_rows(
            qs.filter(Q(pk__in=scope.officer_of), Q(recipient_id=scope.user_id)),
            None,
            *fields,
        )
    )
    signs_in = Officer.objects.filter(
        account=OuterRef("pk"),
        role__in=CONFIRMING_ROLES,
        user__isnull=False,
        user__is_active=True,
    )
    fallback = qs.filter(department_id__in=scope.departments).filter(~Exists(signs_in))
    # Counted in the same query (COUNT(*) OVER ()): the person's units are read once.
    rows = [
        {**row, "recipient_id": scope.user_id}
        for row in fallback.annotate(fallback_total=Window(Count("pk")))
        .order_by(*order)
        .values(*fields, "department_id", "fallback_total")[:limit]
    ]
    return own + rows, len(own) + (rows[0]["fallback_total"] if rows else 0)
