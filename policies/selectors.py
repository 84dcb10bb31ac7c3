"""Reads of policies."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import OfficialAccount
from policies.models import OperationPolicy, PolicyStatus


def current_policy(*, account: OfficialAccount) -> OperationPolicy | None:
    """The version citizens read now: the latest published one."""
    return account.policies.filter(status=PolicyStatus.PUBLISHED).order_by("-version").first()


def published_versions(*, account: OfficialAccount) -> QuerySet[OperationPolicy]:
    """Every published version, newest first: none is ever removed (R3, 002 §3(8))."""
    return account.policies.filter(status=PolicyStatus.PUBLISHED).order_by("-version")


def draft_policy(*, account: OfficialAccount) -> OperationPolicy | None:
    """The account's unpublished version, if any (``policy_single_draft_per_account``)."""
    return OperationPolicy.objects.filter(account=account, status=PolicyStatus.DRAFT).first()
