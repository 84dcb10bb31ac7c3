"""Reads of policies."""

from __future__ import annotations

from accounts.models import OfficialAccount
from policies.models import OperationPolicy, PolicyStatus


def current_policy(*, account: OfficialAccount) -> OperationPolicy | None:
    """The version citizens read now: the latest published one."""
    return account.policies.filter(status=PolicyStatus.PUBLISHED).order_by("-version").first()


def published_versions(*, account: OfficialAccount):
    """Every published version, newest first: none is ever removed (R3, 002 §3(8))."""
    return account.policies.filter(status=PolicyStatus.PUBLISHED).order_by("-version")


def draft_policy(*, account: OfficialAccount) -> OperationPolicy | None:
    return OperationPolicy.objects.filter(account=account, status=PolicyStatus.DRAFT).first()
