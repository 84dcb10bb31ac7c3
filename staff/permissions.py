"""Who may see the pages of this app that span several concepts.

The overview of the registry (「台帳の概要」, issue 11 §3) answers the council's "how many
accounts do we have, and who is responsible?": the PR division and the system administrator
see the whole registry (``sees_everything``); a head (局長・所属長, the 責任者's side: R1,
001 §4(1)ア, 002 §2) sees the same page for the units they head — their department and every
unit below it, as ``organization.permissions.scoped`` draws it. Operators and managers work
from their dashboard and the account list instead (403 here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from organization.models import descendant_ids
from organization.permissions import is_head, sees_everything

if TYPE_CHECKING:
    from organization.permissions import AnyUser


def can_view_overview(user: AnyUser) -> bool:
    return sees_everything(user) or (
        user.is_authenticated and is_head(user) and user.department_id is not None
    )


def overview_departments(user: AnyUser) -> frozenset[int] | None:
    """The departments whose figures ``user`` sees on the overview: ``None`` for every
    department (the PR division, the system administrator), else the head's department and the
    units below it — the rows ``scoped(user, …)`` keeps (one query, the tree is small)."""
    if sees_everything(user):
        return None
    if not user.is_authenticated or not is_head(user) or user.department_id is None:
        return frozenset()
    return frozenset(descendant_ids(user.department_id))
