"""Writes of the reviews app: a review recorded (R12), the credentials confirmed (R10), the
last-post date kept (R12). Each checks the permission, locks the account row and writes the
record in one transaction; the account's own history (simple_history) shows who changed it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Officer, OfficialAccount, officers_in_order
from core.errors import DomainError, NotAllowed
from incidents.models import Incident, IncidentKind, IncidentStatus
from incidents.services import incident_detected
from reviews.models import AccountReview, CredentialCheck, ReviewOutcome
from reviews.permissions import can_review, can_update_last_activity

if TYPE_CHECKING:
    from organization.models import User


# Said by the review form (reviews.forms.ReviewForm) and, should a caller skip the form, here.
OBSERVED_HANDLE_REQUIRED = gettext_lazy(
    "「サービス上のアカウントIDが変わっている」ときは、サービス上の今のIDを入力してください。"
)


@dataclass(frozen=True)
class ReviewRecorded:
    """What ``record_review`` did: the review, and for a changed ID (issue 14) either the
    incident it raised (the 責任者 side and the PR division are mailed) or the open one it
    found for the same ID (nobody is mailed again)."""

    review: AccountReview
    raised: Incident | None = None
    already_open: Incident | None = None


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
    handle_unchanged: bool | None = None,
    observed_handle: str = "",
) -> ReviewRecorded:
    """R12 (003 §5(9)): the 管理者 confirms the account once per period. The confirmed last
    post is written to the account; a change or closure is then filed as a request.

    Issue 14: ``handle_unchanged`` is the 管理者's answer to 「サービス上のアカウントIDは台帳と
    同じか」 (None: not asked). "Changed" (``observed_handle``: the ID the service shows, as
    ``accounts.identity`` stores it) is an incident of kind 未申請のID変更 recorded by the
    reviewer, for the PR division and the 責任者 side; the account is not changed — the
    rename, if the city made it, is a change request."""
    account = _locked(account)
    if not can_review(actor, account):
        raise NotAllowed
    observed_handle = observed_handle.strip() if handle_unchanged is False else ""
    if handle_unchanged is False and not observed_handle:
        raise DomainError(OBSERVED_HANDLE_REQUIRED)
    review = AccountReview(
        account=account,
        reviewed_by=actor,
        reviewed_on=timezone.localdate(),
        outcome=outcome,
        last_activity_on=last_activity_on,
        handle_unchanged=handle_unchanged,
        observed_handle=observed_handle,
        note=note.strip(),
    )
    review.full_clean()
    review.save()
    if last_activity_on is not None and account.last_activity_on != last_activity_on:
        account.last_activity_on = last_activity_on
        account.save(update_fields=["last_activity_on", "updated_at"])
    if handle_unchanged is not False:
        return ReviewRecorded(review)
    raised = incident_detected(
        account=account,
        observed_identifier=observed_handle,
        description=_(
            "定期見直し（棚卸し）でサービス上のIDを確かめたところ、"
            "台帳のID %(registered)s ではなく %(observed)s になっていました。"
            "IDの変更の申請は出ていません。台帳は書き換えていません。"
        )
        % {
            "registered": account.key.display_handle,
            "observed": review.observed_handle_display,
        },
        actor=actor,
    )
    if raised is not None:
        return ReviewRecorded(review, raised=raised)
    already_open = (
        Incident.objects.filter(
            account=account,
            kind=IncidentKind.HANDLE_CHANGED,
            observed_identifier=observed_handle,
            status=IncidentStatus.OPEN,
        )
        .order_by("-recorded_at", "-pk")
        .first()
    )
    return ReviewRecorded(review, already_open=already_open)


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
