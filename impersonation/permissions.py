"""Who handles impersonations and citizens' reports (R17)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from organization.permissions import is_pr_member, pr_members

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from organization.models import User
    from organization.permissions import AnyUser


def can_manage_impersonations(user: AnyUser) -> bool:
    """The PR division keeps the list of known fakes and handles citizens' reports
    (001 §8(1), 002 §5(1))."""
    return is_pr_member(user)


def impersonation_managers() -> QuerySet[User]:
    """The twin of ``can_manage_impersonations``: who is reminded of waiting reports."""
    return pr_members()
