"""Who imports the accounts a city already runs (issue 11 §1).

The PR division (広報担当課) keeps the registry and gives the second approval (R2: 000 §4(4),
001 §3(2)); importing is recording approvals given before the registry existed, so it is
theirs. The system administrator configures but never decides (organization.permissions), so
may not import either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from organization.permissions import is_pr_member

if TYPE_CHECKING:
    from organization.permissions import AnyUser


def can_import_accounts(user: AnyUser) -> bool:
    return is_pr_member(user)


def can_see_import(user: AnyUser, batch: object) -> bool:
    """A past import and its accounts: whoever may import (the PR division)."""
    return can_import_accounts(user)
