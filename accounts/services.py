"""Writes to official accounts. Views and commands call these, never ``save()`` directly."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import identity
from accounts.models import Officer, OfficialAccount, Service


def resolve_account_key(*, raw: str, service: Service) -> identity.AccountKey:
    """Canonicalise what staff pasted for ``service`` or raise a Japanese ValidationError."""
    try:
        return identity.canonicalize(raw, service=service.slug)
    except identity.IdentityError as exc:
        raise ValidationError({"url": str(exc.message)}, code=exc.code) from exc


@transaction.atomic
def account_create_draft(
    *,
    service: Service,
    url_or_handle: str,
    officers: list[dict] | None = None,
    **fields,
) -> OfficialAccount:
    """A new account record in draft, its identity set from whatever was pasted.

    ``officers`` is a list of ``{"role": …, "user": … | "name": …, "title": …}``.
    """
    key = resolve_account_key(raw=url_or_handle, service=service)
    account = OfficialAccount(service=service, identifier=key.identifier, url=key.url, **fields)
    account.full_clean()
    account.save()
    for officer in officers or []:
        row = Officer(account=account, **officer)
        row.full_clean()
        row.save()
    return account
