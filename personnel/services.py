"""Writes of the personnel app: flag the accounts whose officers left, and resolve the flags.

Called from the signals of ``personnel.signals`` (a user saved anywhere — the admin, the CSV
import, a shell — and an officer or account changed by any request), so nothing depends on
remembering to call them. Each is idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accounts.models import ENDED_STATUSES, Officer, OfficialAccount
from approvals.officers import Leaving, bulk_change_create
from personnel.models import OfficerChangeNeeded

if TYPE_CHECKING:
    from approvals.models import ApprovalRequest
    from organization.models import User

Reason = OfficerChangeNeeded.Reason
Resolution = OfficerChangeNeeded.Resolution


def _flag(
    user: User,
    reason: str,
    *,
    from_id: int | None,
    to_id: int | None,
    skip: frozenset[tuple[int, str]] = frozenset(),
) -> int:
    """One open flag per (account, role) where ``user`` is an officer of a live account."""
    created = 0
    now = timezone.now()
    officers = Officer.objects.filter(user=user).exclude(account__status__in=ENDED_STATUSES)
    for officer in officers:
        if (officer.account_id, officer.role) in skip:
            continue
        _, made = OfficerChangeNeeded.objects.get_or_create(
            account_id=officer.account_id,
            user=user,
            role=officer.role,
            resolved_at__isnull=True,
            defaults={
                "reason": reason,
                "holds_credentials": officer.holds_credentials,
                "from_department_id": from_id,
                "to_department_id": to_id,
                "detected_at": now,
            },
        )
        created += made
        if made and officer.holds_credentials:  # R10: the password must be changed
            officer.account.credential_holder_left()
    return created


def user_changed(user: User, *, was_active: bool, was_department_id: int | None) -> int:
    """What a save of ``user`` means for the accounts they are an officer of: deactivated
    (退職) or moved (異動) → flagged; reactivated or back in the department they left → the
    flags that said so are resolved. Returns the number of new flags."""
    now = timezone.now()
    open_flags = OfficerChangeNeeded.objects.filter(user=user, resolved_at__isnull=True)
    if user.is_active and not was_active:
        open_flags.filter(reason=Reason.RETIRED).update(
            resolved_at=now, resolution=Resolution.RETURNED
        )
    back: frozenset[tuple[int, str]] = frozenset()
    if user.department_id != was_department_id and user.department_id is not None:
        returning = open_flags.filter(reason=Reason.MOVED, from_department_id=user.department_id)
        back = frozenset(returning.values_list("account_id", "role"))
        returning.update(resolved_at=now, resolution=Resolution.RETURNED)
    created = 0
    if was_active and not user.is_active:
        created += _flag(user, Reason.RETIRED, from_id=user.department_id, to_id=None)
    if user.is_active and user.department_id != was_department_id:
        created += _flag(
            user, Reason.MOVED, from_id=was_department_id, to_id=user.department_id, skip=back
        )
    return created


def refresh_account(account_id: int) -> int:
    """Resolve the open flags of an account whose officer is no longer there (replaced by an
    approved request) or which has ended. Returns how many were resolved."""
    flags = list(
        OfficerChangeNeeded.objects.filter(account_id=account_id, resolved_at__isnull=True)
    )
    if not flags:
        return 0
    now = timezone.now()
    status = OfficialAccount.objects.filter(pk=account_id).values_list("status", flat=True).first()
    holding = set(Officer.objects.filter(account_id=account_id).values_list("role", "user_id"))
    resolved = 0
    for flag in flags:
        if status is None or status in ENDED_STATUSES:
            flag.resolution = Resolution.ACCOUNT_ENDED
        elif (flag.role, flag.user_id) not in holding:
            flag.resolution = Resolution.REPLACED
        else:
            continue
        flag.resolved_at = now
        flag.save(update_fields=["resolved_at", "resolution"])
        resolved += 1
    return resolved


def refresh_account_on_commit(account_id: int) -> None:
    """After the transaction: a change request deletes and re-creates the officers, so only the
    committed result says whether the person is still there."""
    transaction.on_commit(lambda: refresh_account(account_id))


def fix_in_one_request(*, actor: User, flags: Sequence[OfficerChangeNeeded]) -> ApprovalRequest:
    """One bulk officer change (RequestKind.OFFICERS) for the selected flags' accounts: a draft
    whose rows are the flagged officers; the requester picks the successors on the request's
    edit page, then submits it to the head and the PR division like every request."""
    return bulk_change_create(
        actor=actor,
        leaving=[
            Leaving(
                account_id=f.account_id,
                role=f.role,
                user_id=f.user_id,
                holds_credentials=f.holds_credentials,
                reason=f.reason_text,
            )
            for f in flags
        ],
    )
