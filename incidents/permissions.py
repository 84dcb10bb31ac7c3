"""Who records incidents, who suspends an account, who asks to resume it (R18).

001 §8(2)–(4) and 002 §5: the people who run the account (its 管理者・担当者) find the trouble
and report it at once to the 責任者 and the PR division; suspension (一時閉鎖) cannot wait for
two approvals, so the 責任者's side or the PR division suspends at once; resuming is a normal
request through both steps (``approvals``, RequestKind.RESUMPTION).

- **record an incident**: the account's officers who use the registry (責任者・管理者・担当者),
  the staff who file the account's requests (its department's 職員・課長級 — where the
  officers are written as names only, someone must still be able to report a hijack), the
  責任者's side and the PR division;
- **see incidents**: whoever may see the account (``accounts.permissions.can_view_account``);
- **suspend**: the 責任者's side — the account's 責任者 (an officer with a user) and the heads
  (所属長・局長) over the account's department, who decide its requests' first step and are
  the 責任者 of 001 §4(1)ア by office — or a member of the PR division;
- **ask to resume**: whoever may file the account's requests (``can_file_for``), while it is
  suspended.

The system administrator configures and reads; never records or suspends. Each predicate has
its queryset twin (ADR 0013), and tests check that they agree for every demo person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from accounts.models import AccountStatus, Officer, OfficerRole, OfficialAccount
from accounts.permissions import (
    answering_for,
    answers_for,
    can_view_account,
    viewable_accounts,
)
from incidents.models import Incident
from organization.models import User, descendant_ids
from organization.permissions import (
    can_file_for,
    is_head,
    is_pr_member,
    is_sysadmin,
    pr_members,
)

if TYPE_CHECKING:
    from organization.permissions import AnyUser


def _actor(user: AnyUser) -> User | None:
    """The person, if they may act at all: signed in, and not the system administrator."""
    if isinstance(user, User) and user.is_authenticated and not is_sysadmin(user):
        return user
    return None


def _acts(user: AnyUser) -> bool:
    return _actor(user) is not None


def on_responsible_side(user: AnyUser, account: OfficialAccount) -> bool:
    """The account's 責任者, or a head over its department (001 §4(1)ア, 002 §2): who answers
    for it (``accounts.permissions.answers_for``, the one definition)."""
    return _acts(user) and answers_for(user, account)


def may_suspend(user: AnyUser, account: OfficialAccount) -> bool:
    """R18 (001 §8(4)): the 責任者's side or the PR division suspends at once. Whether the
    account can be suspended now (listed) is the service's answer, with a message."""
    return _acts(user) and (is_pr_member(user) or on_responsible_side(user, account))


def may_suspend_some(user: AnyUser) -> bool:
    """Someone who may suspend at least one account (the dashboard's emergency search)."""
    person = _actor(user)
    return person is not None and (
        is_pr_member(person)
        or is_head(person)
        or person.officer_roles.filter(role=OfficerRole.RESPONSIBLE).exists()
    )


def can_record_incident(user: AnyUser, account: OfficialAccount) -> bool:
    person = _actor(user)
    if person is None:
        return False
    if is_pr_member(person) or can_file_for(person, account.department):
        return True
    return on_responsible_side(person, account) or account.officers.filter(user=person).exists()


def can_view_incidents(user: AnyUser, account: OfficialAccount) -> bool:
    return can_view_account(user, account)


def can_view_incident(user: AnyUser, incident: Incident) -> bool:
    return can_view_account(user, incident.account)


def can_update_incident(user: AnyUser, incident: Incident) -> bool:
    """Adding what was done and closing it: whoever may record one on the account."""
    return can_record_incident(user, incident.account)


def can_request_resumption(user: AnyUser, account: OfficialAccount) -> bool:
    """R18: a suspended account is listed again through both steps; its department files."""
    return account.status == AccountStatus.SUSPENDED and can_file_for(user, account.department)


# --- Queryset twins --------------------------------------------------------------------------


def _below(person: User) -> set[int]:
    return descendant_ids(person.department_id) if person.department_id else set()


def _officer_of(person: User, *, role: str | None = None) -> list[int]:
    officers = Officer.objects.filter(user=person)
    if role is not None:
        officers = officers.filter(role=role)
    return sorted(set(officers.order_by().values_list("account_id", flat=True)))


def suspendable_accounts(user: AnyUser) -> QuerySet[OfficialAccount]:
    """The twin of ``may_suspend`` (every state; the dashboard keeps the listed ones)."""
    accounts = OfficialAccount.objects.all()
    person = _actor(user)
    if person is None:
        return accounts.none()
    if is_pr_member(person):
        return accounts
    # Officer ids read first as a list, as in ``viewable_accounts``: "OR id IN (subquery)"
    # made PostgreSQL read every account for the dashboard (issue 12 §4).
    query = Q(pk__in=_officer_of(person, role=OfficerRole.RESPONSIBLE))
    if is_head(person):
        query |= Q(department_id__in=_below(person))
    return accounts.filter(query)


def recordable_accounts(user: AnyUser) -> QuerySet[OfficialAccount]:
    """The twin of ``can_record_incident``."""
    accounts = OfficialAccount.objects.all()
    person = _actor(user)
    if person is None:
        return accounts.none()
    if is_pr_member(person):
        return accounts
    query = Q(pk__in=_officer_of(person))
    if is_head(person) or person.role in (User.Role.STAFF, User.Role.MANAGER):
        query |= Q(department_id__in=_below(person))
    return accounts.filter(query)


def viewable_incidents(user: AnyUser) -> QuerySet[Incident]:
    """The twin of ``can_view_incident``."""
    return Incident.objects.filter(account__in=viewable_accounts(user).values("pk"))


# --- Who is told (the people lists of the notifications) ------------------------------------


def responsible_side(account: OfficialAccount) -> QuerySet[User]:
    """The people ``on_responsible_side`` of ``account``, active: its 責任者 (officer with a
    user) and the heads over its department (``accounts.permissions.answering_for``)."""
    return answering_for(account)


def told_of_incident(account: OfficialAccount) -> QuerySet[User]:
    """Recording an incident tells the 責任者's side and the PR division at once (001 §8)."""
    return User.objects.filter(
        Q(pk__in=responsible_side(account).values("pk")) | Q(pk__in=pr_members().values("pk"))
    )


def told_of_suspension(account: OfficialAccount) -> QuerySet[User]:
    """A suspension tells every officer who uses the registry as well."""
    officers = account.officers.filter(user__is_active=True).values("user_id")
    return User.objects.filter(
        Q(pk__in=told_of_incident(account).values("pk")) | Q(pk__in=officers)
    )
