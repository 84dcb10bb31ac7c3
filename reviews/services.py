"""Writes of the reviews app: a review recorded (R12), the credentials confirmed (R10), the
last-post date kept (R12). Each checks the permission, locks the account row and writes the
record in one transaction; the account's own history (simple_history) shows who changed it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accounts.models import Officer, OfficialAccount, officers_in_order
from core.errors import NotAllowed
from reviews.models import AccountReview, CredentialCheck, ReviewOutcome
from reviews.permissions import can_review, can_update_last_activity

if TYPE_CHECKING:
    from organization.models import User


def _locked(account: OfficialAccount) -> OfficialAccount:
    return OfficialAccount.objects.select_for_update().select_related("service").get(pk=account.pk)


@transaction.atomic
def record_review(
    *,
    account: OfficialAccount,
    actor: User,
    outcome: ReviewOutcome,
    last_activity_on: date | None,
    note: str = "",
) -> AccountReview:
    """R12 (003 §5(9)): the 管理者 confirms the account once per period. The confirmed last
    post is written to the account; a change or closure is then filed as a request."""
    account = _locked(account)
    if not can_review(actor, account):
        raise NotAllowed
    review = AccountReview(
        account=account,
        reviewed_by=actor,
        reviewed_on=timezone.localdate(),
        outcome=outcome,
        last_activity_on=last_activity_on,
        note=note.strip(),
    )
    review.full_clean()
    review.save()
    if last_activity_on is not None and account.last_activity_on != last_activity_on:
        account.last_activity_on = last_activity_on
        account.save(update_fields=["last_activity_on", "updated_at"])
    return review


@transaction.atomic
def record_credentials(
    *,
    account: OfficialAccount,
    actor: User,
    holders: Collection[Officer],
    rotated_on: date,
    note: str = "",
) -> CredentialCheck:
    """R10: who holds the credentials (``Officer.holds_credentials``) and the last rotation
    (``OfficialAccount.credentials_rotated_on``), as the 管理者 confirms them."""
    account = _locked(account)
    if not can_review(actor, account):
        raise NotAllowed
    holder_ids = {o.pk for o in holders}
    officers = officers_in_order(account.officers.select_related("user"))
    if not holder_ids or not holder_ids <= {o.pk for o in officers}:
        raise NotAllowed
    for officer in officers:
        holds = officer.pk in holder_ids
        if officer.holds_credentials != holds:
            officer.holds_credentials = holds
            officer.save(update_fields=["holds_credentials"])  # kept in the officers' history
    if account.credentials_rotated_on != rotated_on:
        account.credentials_rotated_on = rotated_on
        account.save(update_fields=["credentials_rotated_on", "updated_at"])
    check = CredentialCheck(
        account=account,
        checked_by=actor,
        checked_on=timezone.localdate(),
        rotated_on=rotated_on,
        holders="\n".join(
            f"{o.get_role_display()}：{o.user or o.name}" for o in officers if o.pk in holder_ids
        ),
        note=note.strip(),
    )
    check.full_clean()
    check.save()
    return check


@transaction.atomic
def update_last_activity(
    *, account: OfficialAccount, actor: User, last_activity_on: date
) -> OfficialAccount:
    """R12: the last post, kept by whoever works on the account."""
    account = _locked(account)
    if not can_update_last_activity(actor, account):
        raise NotAllowed
    if account.last_activity_on != last_activity_on:
        account.last_activity_on = last_activity_on
        account.save(update_fields=["last_activity_on", "updated_at"])
    return account
