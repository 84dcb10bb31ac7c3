"""Who may see an account's staff page and ask to change or close it.

The staff page shows officers and the internal rules (R4), so it is not for every member of
staff: the account's department (and the units above it), its officers, the PR division and
the system administrator. ``viewable_accounts`` is the twin the lists use, so an account on a
person's list always opens for them, and an account that does not open is never listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from accounts.models import PUBLIC_STATUSES, OfficialAccount
from organization.permissions import can_file_for, in_scope, scoped, sees_everything

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
    officer_of = OfficialAccount.objects.filter(officers__user_id=user.pk).values("pk")
    return scoped(user, OfficialAccount.objects.all(), also=Q(pk__in=officer_of))


def can_request_change(user: AnyUser, account: OfficialAccount) -> bool:
    """A change or closure is asked for an official account by its own department (R1)."""
    return account.status in PUBLIC_STATUSES and can_file_for(user, account.department)
