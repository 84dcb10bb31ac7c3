"""Reads of the incidents app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.models import AccountStatus
from incidents import permissions
from incidents.models import Incident, IncidentStatus
from organization.permissions import is_pr_member

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import OfficialAccount
    from organization.models import User

PANEL_ACCOUNTS = 12  # more than this (the PR division: every account) → the search box


def account_incidents(account: OfficialAccount) -> QuerySet[Incident]:
    """The account's incident log, newest first (the staff account page)."""
    return account.incidents.select_related("recorded_by").order_by("-occurred_at", "-pk")


def open_incidents(user: User) -> QuerySet[Incident]:
    return (
        permissions.viewable_incidents(user)
        .filter(status=IncidentStatus.OPEN)
        .select_related("account__service", "recorded_by")
        .order_by("-occurred_at", "-pk")
    )


def _accounts(qs: QuerySet[OfficialAccount]) -> QuerySet[OfficialAccount]:
    return qs.select_related("service", "department").order_by(
        "department__sort_order", "service__sort_order", "display_name", "pk"
    )


def dashboard_panel(user: User) -> dict[str, Any]:
    """This app's part of the staff dashboard (templates/staff/dashboard/_incidents.html).

    A hijacked account must be suspendable in under a minute (issue 10 §1): whoever may
    suspend sees their listed accounts, each with the 「緊急停止（乗っ取り等）」 button that
    opens the prefilled form; the PR division (every account) gets a search box instead
    (and with more than ``PANEL_ACCOUNTS``, everyone else gets it below their first ones).
    Whoever may only record sees their accounts with 「乗っ取り・不正ログインを報告」.
    """
    if not user.is_authenticated:
        return {}
    suspendable = _accounts(
        permissions.suspendable_accounts(user).filter(status=AccountStatus.LISTED)
    )
    recordable = _accounts(
        permissions.recordable_accounts(user).filter(status=AccountStatus.LISTED)
    )
    # The PR division may suspend every account: the first 12 of the registry by unit would
    # be no help, and sorting all of them cost the dashboard 60–150 ms at 100 000 accounts
    # (issue 12 §4). It gets the search box alone, and nothing to "report but not suspend".
    everyone = is_pr_member(user)
    shown_suspendable = [] if everyone else list(suspendable[: PANEL_ACCOUNTS + 1])
    may_suspend_some = permissions.may_suspend_some(user)
    if not may_suspend_some and not recordable.exists():
        return {}
    suspendable_ids = {a.pk for a in shown_suspendable}
    # Read whenever the person is not the PR division, shown or not: the same queries
    # with few accounts and with many (issue 12 §4).
    reportable = (
        [] if everyone else [a for a in recordable[:PANEL_ACCOUNTS] if a.pk not in suspendable_ids]
    )
    incidents = list(open_incidents(user)[:20])
    # An open incident on a listed account this person may suspend: 「この件で緊急停止」.
    listed = {i.account_id for i in incidents if i.account.status == AccountStatus.LISTED}
    may_stop = set(
        permissions.suspendable_accounts(user).filter(pk__in=listed).values_list("pk", flat=True)
    )
    for incident in incidents:
        incident.suspend_here = incident.account_id in may_stop
    return {
        "incidents_panel": True,
        "incidents_open": incidents,
        "incidents_may_suspend": may_suspend_some,
        "incidents_suspendable": shown_suspendable[:PANEL_ACCOUNTS],
        # The PR division (every account) always has it; others when their list is long.
        "incidents_search": everyone or len(shown_suspendable) > PANEL_ACCOUNTS,
        # Accounts this person may report on but not suspend (the operators').
        "incidents_reportable": reportable if len(shown_suspendable) <= PANEL_ACCOUNTS else [],
        "incidents_suspended": list(
            _accounts(permissions.recordable_accounts(user).filter(status=AccountStatus.SUSPENDED))[
                :PANEL_ACCOUNTS
            ]
        ),
    }
