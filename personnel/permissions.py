"""Who sees the accounts whose officers must change, who fixes them, who imports staff.

- the 「担当者の変更が必要」 list: the accounts' department and the units above it (its staff
  and its head, ``organization.permissions.scoped``), the PR division and the system
  administrator (every account);
- fixing them (a bulk officer change request) is filing for the department
  (``can_file_for``: its 職員・課長級, R1);
- the bulk update of staff from the personnel system: the system administrator, who manages
  users.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accounts.models import OfficialAccount
from organization.permissions import can_file_for, is_sysadmin, scoped, sees_everything
from personnel.models import OfficerChangeNeeded

if TYPE_CHECKING:
    from organization.permissions import AnyUser


def can_see_officer_changes(user: AnyUser) -> bool:
    return user.is_authenticated and (sees_everything(user) or user.department_id is not None)


def visible_officer_changes(user: AnyUser) -> QuerySet[OfficerChangeNeeded]:
    """The twin of ``can_see_officer_change``: open flags of accounts in the person's scope."""
    accounts = scoped(user, OfficialAccount.objects.all())
    return OfficerChangeNeeded.objects.filter(
        resolved_at__isnull=True, account_id__in=accounts.values("pk")
    )


def can_see_officer_change(user: AnyUser, flag: OfficerChangeNeeded) -> bool:
    return visible_officer_changes(user).filter(pk=flag.pk).exists()


def can_fix_officers(user: AnyUser, flag: OfficerChangeNeeded) -> bool:
    return can_file_for(user, flag.account.department)


def can_import_staff(user: AnyUser) -> bool:
    return is_sysadmin(user)
