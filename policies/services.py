"""Writes to policies. A published version is never changed: a change is a new version."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import OfficialAccount
from core.municipality import get_municipality
from organization.models import User
from policies.models import OperationPolicy, PolicyStatus, PolicyTemplate
from policies.template_defaults import DEFAULT_POLICY_TEMPLATE


def get_policy_template() -> PolicyTemplate:
    """The municipality-wide template, created from the built-in text on first use."""
    template = PolicyTemplate.objects.filter(pk=1).first()
    if template is None:
        name = get_municipality().name
        defaults = {
            field: text.replace("{municipality}", name)
            for field, text in DEFAULT_POLICY_TEMPLATE.items()
        }
        template, _ = PolicyTemplate.objects.get_or_create(pk=1, defaults=defaults)
    return template


def prefilled_policy_values(*, account: OfficialAccount) -> dict[str, str]:
    """Initial values for a new policy: the template with the account's department filled in."""
    template = get_policy_template()
    department = account.department.full_name if account.department_id else ""
    return {
        field: getattr(template, field).replace("{department}", department)
        for field in PolicyTemplate.TEMPLATE_FIELDS
    }


def next_version(*, account: OfficialAccount) -> int:
    latest = account.policies.order_by("-version").values_list("version", flat=True).first()
    return (latest or 0) + 1


def create_draft_policy(
    *, account: OfficialAccount, created_by: User | None = None, **values: str
) -> OperationPolicy:
    """A new draft version, pre-filled from the latest version or else from the template."""
    latest = account.policies.filter(status=PolicyStatus.PUBLISHED).order_by("-version").first()
    if latest is not None:
        initial = {
            f: getattr(latest, f)
            for f in (*PolicyTemplate.TEMPLATE_FIELDS, "purpose", "content", "related_url")
        }
    else:
        initial = prefilled_policy_values(account=account)
    initial.update(values)
    policy = OperationPolicy(
        account=account, version=next_version(account=account), created_by=created_by, **initial
    )
    policy.full_clean()
    policy.save()
    return policy


@transaction.atomic
def publish_policy(*, policy: OperationPolicy) -> OperationPolicy:
    """Freeze a draft as the account's current public version (R3).

    The account's name, URL, service and department are copied in, so the version reads as it
    did on the day it was published.
    """
    policy = OperationPolicy.objects.select_for_update().get(pk=policy.pk)
    account = policy.account
    policy.service_name = account.service.name
    policy.account_name = account.display_name
    policy.account_url = account.url
    policy.department_name = account.department.full_name
    policy.status = PolicyStatus.PUBLISHED
    policy.published_at = timezone.now()
    policy.full_clean()
    policy.save()
    return policy
