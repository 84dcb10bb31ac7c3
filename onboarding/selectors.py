"""Reads of the import records: past imports, the accounts of one, the migration approval of
an account (shown on its staff page)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import OfficialAccount
from onboarding.models import AccountImport, ImportedAccount


def past_imports() -> QuerySet[AccountImport]:
    return AccountImport.objects.select_related("imported_by").order_by("-imported_at", "-pk")


def imported_accounts(batch: AccountImport) -> QuerySet[ImportedAccount]:
    return (
        ImportedAccount.objects.filter(batch=batch)
        .select_related("account__service", "account__department__parent__parent")
        .order_by("line", "pk")
    )


def migration_of(account: OfficialAccount) -> ImportedAccount | None:
    """The account's migration approval (「台帳の導入前に承認済み」), if it was imported."""
    return (
        ImportedAccount.objects.filter(account_id=account.pk)
        .select_related("batch__imported_by")
        .first()
    )
