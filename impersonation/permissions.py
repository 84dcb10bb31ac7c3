"""Who handles impersonations and citizens' reports (R17)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from organization.permissions import is_pr_member

if TYPE_CHECKING:
    from organization.permissions import AnyUser


def can_manage_impersonations(user: AnyUser) -> bool:
    """The PR division keeps the list of known fakes and handles citizens' reports
    (001 §8(1), 002 §5(1))."""
    return is_pr_member(user)
