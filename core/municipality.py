"""The per-deployment configuration, read once from ``settings.MUNICIPALITY``.

What differs between municipalities (division names, account-name prefix, e-mail domains,
which guideline checklist items apply) lives here and nowhere else — never a code fork
(shared/seeds/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.checklist import ALWAYS_ENFORCED, CHECKLIST_ITEMS, NOT_YET_SWITCHES


@dataclass(frozen=True)
class Municipality:
    name: str
    pr_division_name: str
    account_name_prefix: str
    org_email_domains: tuple[str, ...]
    checklist: frozenset[str]
    registry_page_url: str

    def applies(self, rule_id: str) -> bool:
        """Whether checklist item ``rule_id`` (e.g. "R9") applies in this deployment: switched
        on, or one that always applies (R11, ``core.checklist.ALWAYS_ENFORCED``)."""
        return rule_id in self.checklist or rule_id in ALWAYS_ENFORCED


@cache
def get_municipality() -> Municipality:
    raw = settings.MUNICIPALITY
    checklist = frozenset(item.strip().upper() for item in raw.get("CHECKLIST", []) if item)
    not_yet = sorted(checklist & NOT_YET_SWITCHES.keys())
    if not_yet:
        raise ImproperlyConfigured(
            "CHECKLIST_ITEMS names rules that are not switches yet; remove them: "
            + "; ".join(f"{rule_id}: {NOT_YET_SWITCHES[rule_id]}" for rule_id in not_yet)
        )
    unknown = checklist - CHECKLIST_ITEMS.keys()
    if unknown:
        raise ImproperlyConfigured(
            f"CHECKLIST_ITEMS has unknown rule ids {sorted(unknown)}; "
            f"known: {sorted(CHECKLIST_ITEMS)}"
        )
    domains = tuple(d.strip().lower().lstrip("@") for d in raw.get("ORG_EMAIL_DOMAINS", []) if d)
    return Municipality(
        name=raw["NAME"],
        pr_division_name=raw["PR_DIVISION_NAME"],
        account_name_prefix=raw.get("ACCOUNT_NAME_PREFIX", "").strip(),
        org_email_domains=domains,
        checklist=checklist,
        registry_page_url=raw.get("REGISTRY_PAGE_URL", ""),
    )


def reset_cache() -> None:
    """For tests that override ``settings.MUNICIPALITY``."""
    get_municipality.cache_clear()
