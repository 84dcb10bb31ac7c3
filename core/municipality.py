"""The per-deployment configuration, read once from ``settings.MUNICIPALITY``.

What differs between municipalities (division names, account-name prefix, e-mail domains,
which guideline checklist items apply) lives here and nowhere else — never a code fork
(shared/seeds/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.checklist import ALWAYS_ENFORCED, CHECKLIST_ITEMS


@dataclass(frozen=True)
class Intervals:
    """How often things are due, per deployment (settings ``MUNICIPALITY["INTERVALS"]``)."""

    # R12 (003 §5(9)): each account's 管理者 confirms it once per this many months.
    review_months: int = 12
    # R12: an account whose last post is older than this shows on the PR division's list.
    stale_after_months: int = 6
    # R10 (003 §5(8) 「定期的に変更する」): rotation older than this is reminded.
    credential_rotation_days: int = 180
    # R7: a badge "applied" or "not applied" is reminded this many days after the account
    # was listed, then again every ``repeat_days``.
    badge_days: int = 30
    # Requests waiting for a decision longer than this many working days are reminded.
    request_working_days: int = 5
    # Citizens' impersonation reports unhandled longer than this many working days are listed.
    report_working_days: int = 3
    # An overdue item comes back in the digest every this many days (never a daily flood).
    repeat_days: int = 7


@dataclass(frozen=True)
class Municipality:
    name: str
    pr_division_name: str
    account_name_prefix: str
    org_email_domains: tuple[str, ...]
    checklist: frozenset[str]
    registry_page_url: str
    # Intervals of the year-round work (issue 10 §3); each reminder applies only while its
    # checklist item is switched on (R7, R10, R12).
    intervals: Intervals = field(default_factory=lambda: Intervals())

    def applies(self, rule_id: str) -> bool:
        """Whether checklist item ``rule_id`` (e.g. "R9") applies in this deployment: switched
        on, or one that always applies (R11, ``core.checklist.ALWAYS_ENFORCED``)."""
        return rule_id in self.checklist or rule_id in ALWAYS_ENFORCED


@cache
def get_municipality() -> Municipality:
    raw = settings.MUNICIPALITY
    checklist = frozenset(item.strip().upper() for item in raw.get("CHECKLIST", []) if item)
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
        intervals=_intervals(raw.get("INTERVALS", {})),
    )


def _intervals(raw: dict) -> Intervals:
    known = Intervals.__dataclass_fields__.keys()
    unknown = set(raw) - known
    if unknown:
        raise ImproperlyConfigured(
            f"MUNICIPALITY['INTERVALS'] has unknown keys {sorted(unknown)}; known: {sorted(known)}"
        )
    values = {key: int(value) for key, value in raw.items()}
    bad = sorted(key for key, value in values.items() if value < 1)
    if bad:
        raise ImproperlyConfigured(f"MUNICIPALITY['INTERVALS'] must be at least 1: {bad}")
    return Intervals(**values)


def reset_cache() -> None:
    """For tests that override ``settings.MUNICIPALITY``."""
    get_municipality.cache_clear()
