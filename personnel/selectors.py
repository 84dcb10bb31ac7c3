"""Reads of the personnel app: the 「担当者の変更が必要」 list, the dashboard panel, reminders."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OfficialAccount
from accounts.permissions import HeadsOver, reminded_for, responsible_user_id
from jobs.reminders import ReminderItem, ReminderSource, register
from organization.permissions import sees_everything
from personnel.models import OfficerChangeNeeded
from personnel.permissions import can_see_officer_changes, visible_officer_changes

if TYPE_CHECKING:
    from organization.models import User

# How long the 責任者 has to replace an officer who left before the reminder says overdue
# (two weeks: April 1st's changes are settled before Golden Week).
REMINDER_DAYS = 14


def with_relations(qs: QuerySet[OfficerChangeNeeded]) -> QuerySet[OfficerChangeNeeded]:
    return qs.select_related(
        "account__service",
        "account__department__parent__parent",
        "user",
        "from_department",
        "to_department",
    ).order_by("account__department__sort_order", "account__display_name", "account_id", "pk")


def officer_changes(user: User) -> list[OfficerChangeNeeded]:
    return list(with_relations(visible_officer_changes(user)))


def dashboard_panel(user: User) -> dict[str, Any]:
    """This app's part of the staff dashboard (templates/staff/dashboard/_personnel.html):
    how many accounts in the person's scope need new officers (for the PR division and the
    system administrator: across the municipality)."""
    if not can_see_officer_changes(user):
        return {}
    flags = visible_officer_changes(user)
    return {
        "personnel_accounts": flags.values("account_id").distinct().count(),
        "personnel_officers": flags.count(),
        "personnel_everyone": sees_everything(user),
    }


# --- Reminders (jobs.reminders): who answers for each flagged account -------------------


def _due(flag: OfficerChangeNeeded) -> date:
    return timezone.localdate(flag.detected_at) + timedelta(days=REMINDER_DAYS)


def _items(flags: QuerySet[OfficerChangeNeeded], day: date) -> list[ReminderItem]:
    """One item per flag, to who answers for the account (``accounts.permissions
    .reminded_for``): its 責任者, else — the 責任者 is the one leaving, or the officers are
    written as names only — the nearest head over its department; never the leaving person."""
    flags = with_relations(flags)
    responsible: dict[int, int] = dict(
        OfficialAccount.objects.filter(pk__in=flags.values("account_id"))
        .annotate(responsible_id=responsible_user_id())
        .filter(responsible_id__isnull=False)
        .values_list("pk", "responsible_id")
    )
    heads = HeadsOver()
    url = reverse("staff_personnel:changes")
    items = []
    for flag in flags:
        recipient = reminded_for(
            responsible.get(flag.account_id),
            flag.account.department_id,
            heads,
            excluding=flag.user_id,
        )
        if recipient is None:
            continue  # nobody who signs in answers for it: the PR division's count shows it
        items.append(
            ReminderItem(
                recipient_id=recipient,
                source="personnel",
                key=f"personnel:flag:{flag.pk}",
                title=_("%(account)s：%(role)s %(user)sの後任（%(reason)s）")
                % {
                    "account": flag.account,
                    "role": flag.get_role_display(),
                    "user": flag.user,
                    "reason": flag.reason_text,
                },
                due_on=_due(flag),
                url=url,
            )
        )
    return items


def reminders_everyone(day: date) -> list[ReminderItem]:
    return _items(OfficerChangeNeeded.objects.filter(resolved_at__isnull=True), day)


def reminders_for(user: Any, day: date) -> list[ReminderItem]:
    """``reminders_everyone`` narrowed to ``user`` (open flags are few: people who left)."""
    return [i for i in reminders_everyone(day) if i.recipient_id == user.pk]


def register_reminders() -> None:
    register(
        ReminderSource(
            name="personnel",
            label=gettext_lazy("人事異動：担当者の変更"),
            everyone=reminders_everyone,
            for_user=reminders_for,
            switch=None,  # 001 §4: officers are always required
        )
    )
