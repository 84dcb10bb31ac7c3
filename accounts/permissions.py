"""Who may see an account's staff page and ask to change or close it.

The staff page shows officers and the internal rules (R4), so it is not for every member of
staff: the account's department (and the units above it), its officers, the PR division and
the system administrator. ``viewable_accounts`` is the twin the lists use, so an account on a
person's list always opens for them, and an account that does not open is never listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery

from accounts.models import (
    PUBLIC_PAGE_STATUSES,
    PUBLIC_STATUSES,
    Officer,
    OfficerRole,
    OfficialAccount,
)
from organization.models import Department, User
from organization.permissions import (
    can_file_for,
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


def can_view_account(user: AnyUser, account: OfficialAccount) -> bool:
    if sees_everything(user) or in_scope(user, account.department):
        return True
    return user.is_authenticated and account.officers.filter(user_id=user.pk).exists()


def viewable_accounts(user: AnyUser) -> QuerySet[OfficialAccount]:
    """The twin of ``can_view_account``."""
    if not user.is_authenticated:
        return OfficialAccount.objects.none()
    if sees_everything(user):
        return OfficialAccount.objects.all()
    # The accounts the person is an officer of, read first as a list (one query, a handful
    # of ids): "department IN (...) OR id IN (list)" is two index scans PostgreSQL combines
    # (BitmapOr), where "OR id IN (subquery)" made it read every account (issue 12 §4).
    officer_of = sorted(
        set(Officer.objects.filter(user_id=user.pk).order_by().values_list("account_id", flat=True))
    )
    return scoped(user, OfficialAccount.objects.all(), also=Q(pk__in=officer_of))


def can_export_accounts(user: AnyUser) -> bool:
    """Issue 11 §2: who may download the account list as a file (.xlsx / CSV).

    The file carries officers' names, badge and credential dates and open incidents out of the
    registry, into mail and shared drives where no permission follows it. So it is for those
    who answer for accounts as a whole: the PR division and the system administrator (every
    account: ``sees_everything``; the council's "how many accounts, who is responsible?") and
    heads (所属長・局長) for their own scope (the 責任者's side, 001 §4(1)ア). Operators and
    managers work with their accounts on screen (``viewable_accounts``) and get 403: they have
    no need to take the whole list away. What is exported is always ``viewable_accounts``.
    """
    return sees_everything(user) or (user.is_authenticated and user.is_active and is_head(user))


def can_request_change(user: AnyUser, account: OfficialAccount) -> bool:
    """A change or closure is asked for an official account by its own department (R1)."""
    return account.status in PUBLIC_STATUSES and can_file_for(user, account.department)


def can_record_former_identifier(user: AnyUser, account: OfficialAccount) -> bool:
    """Issue 14 §2: the PR division, which keeps the registry, records the handles an account
    used before (before the registry existed, or a rename nobody filed) — for an account the
    public can look up (official now, or closed), whose former handles the verifier answers."""
    return is_pr_member(user) and account.status in PUBLIC_PAGE_STATUSES


def former_identifier_recorders() -> QuerySet[User]:
    """The twin of ``can_record_former_identifier`` (for any account it applies to)."""
    return pr_members()


# --- Who answers for an account (the 責任者's side, 001 §4(1)ア, 002 §2) ----------------------
# The one definition used by incidents (who suspends, who is told), reviews (who is reminded
# when the 管理者 cannot be) and personnel (who replaces an officer who left).


def _not_sysadmin() -> Q:
    return ~(Q(role=User.Role.SYSADMIN) | Q(is_superuser=True))


def answers_for(user: AnyUser, account: OfficialAccount) -> bool:
    """The account's 責任者 (an officer with an active user) or a head (所属長・局長) over the
    account's department — the 責任者 of 001 §4(1)ア by office. Never the system
    administrator."""
    if not (user.is_authenticated and user.is_active) or is_sysadmin(user):
        return False
    if is_head(user) and in_scope(user, account.department):
        return True
    return account.officers.filter(role=OfficerRole.RESPONSIBLE, user_id=user.pk).exists()


def answering_for(account: OfficialAccount) -> QuerySet[User]:
    """The twin of ``answers_for``: the active people who answer for ``account``."""
    lineage = [d.pk for d in account.department.lineage()]
    officers = account.officers.filter(role=OfficerRole.RESPONSIBLE).values("user_id")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=officers) | Q(role=User.Role.HEAD, department_id__in=lineage))
        .filter(_not_sysadmin())
    )


def officer_user_id(role: str) -> Subquery:
    """SQL, per account row: the user of the account's officer in ``role`` if active (else
    NULL) — the first one for 担当者."""
    return Subquery(
        Officer.objects.filter(
            account=OuterRef("pk"), role=role, user__isnull=False, user__is_active=True
        )
        .order_by("pk")  # not the model's ordering, which joins the account and service
        .values("user_id")[:1],
        output_field=IntegerField(),
    )


def responsible_user_id() -> Subquery:
    """SQL, per account row: the 責任者 officer's user if active (else NULL)."""
    return officer_user_id(OfficerRole.RESPONSIBLE)


class HeadsOver:
    """The active heads over each department, nearest unit first (two queries for the whole
    organisation): whom a reminder falls back to when no 責任者 signs in."""

    def __init__(self) -> None:
        parents = dict(Department.objects.values_list("pk", "parent_id"))
        by_unit: dict[int, list[int]] = {}
        for pk, department_id in (
            User.objects.filter(role=User.Role.HEAD, is_active=True, department__isnull=False)
            .filter(_not_sysadmin())
            .order_by("pk")
            .values_list("pk", "department_id")
        ):
            by_unit.setdefault(department_id, []).append(pk)
        self._parents = parents
        self._by_unit = by_unit

    def of(self, department_id: int) -> list[int]:
        found: list[int] = []
        node: int | None = department_id
        seen: set[int] = set()
        while node is not None and node not in seen:
            seen.add(node)
            found.extend(self._by_unit.get(node, []))
            node = self._parents.get(node)
        return found

    def departments(self) -> list[int]:
        return list(self._parents)

    def first(self, department_id: int, *, excluding: int | None = None) -> int | None:
        """The nearest head over the department who is not ``excluding``."""
        return next((pk for pk in self.of(department_id) if pk != excluding), None)


def reminded_for(
    responsible_id: int | None,
    department_id: int,
    heads: HeadsOver,
    *,
    excluding: int | None = None,
) -> int | None:
    """Who is reminded of what the 責任者's side must do (one person, never ``excluding``,
    e.g. the officer who is leaving): the account's 責任者 who signs in, else the nearest head
    over its department (who takes its requests' first step)."""
    if responsible_id is not None and responsible_id != excluding:
        return responsible_id
    return heads.first(department_id, excluding=excluding)
