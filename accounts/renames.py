"""Handle history (issue 14): every identifier an account has been known by stays in the
registry with its dates, so the verifier can say "renamed" for a released handle.

Written by the approved change that renames an account (``approvals.effects``), by the PR
division for names used before the registry existed (staff), and by imports. Reads for the
verifier (``impersonation.verification``) and the request checks (``approvals.selectors``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import FormerIdentifier, IdentifierSource, OfficialAccount, Service

if TYPE_CHECKING:
    from organization.models import User


def record_former_identifier(
    account: OfficialAccount,
    *,
    service: Service,
    identifier: str,
    source: IdentifierSource,
    used_until: date | None = None,
    used_from: date | None = None,
    note: str = "",
    recorded_by: User | None = None,
) -> FormerIdentifier | None:
    """Keep ``identifier`` (canonical, ``accounts.identity``) as one the account was known by.

    Nothing is written when it is the account's current key or is already recorded for it
    (a re-import, the same rename approved twice): the history keeps the first record.
    """
    if service.pk == account.service_id and identifier == account.identifier:
        return None
    existing = FormerIdentifier.objects.filter(
        account=account, service=service, identifier=identifier
    ).first()
    if existing is not None:
        return existing
    former = FormerIdentifier(
        account=account,
        service=service,
        identifier=identifier,
        source=source,
        used_until=used_until or timezone.localdate(),
        used_from=used_from,
        note=note,
        recorded_by=recorded_by,
    )
    former.full_clean()
    former.save()
    return former


def former_users(
    service: Service | int, identifier: str, *, exclude_account: int | None = None
) -> QuerySet[FormerIdentifier]:
    """Accounts (any state but never-listed ones) that were once known by this key: a new
    registration or import claiming it is flagged to the PR division (issue 14 §2)."""
    rows = FormerIdentifier.objects.public().filter(service=service, identifier=identifier)
    if exclude_account is not None:
        rows = rows.exclude(account_id=exclude_account)
    return rows.select_related("account__service", "account__department", "service")
