"""Reminders of the impersonation queue (issue 10 §2, R17): a citizen's report unhandled for
``report_working_days`` working days is reminded to every member of the PR division, in the
daily digest and on the dashboard (``jobs.reminders``). Always on (R17 is not a switch)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from impersonation.permissions import can_manage_impersonations, impersonation_managers
from impersonation.selectors import WaitingReport, overdue_reports
from jobs.reminders import ReminderItem, ReminderSource, register

if TYPE_CHECKING:
    from organization.models import User

SOURCE = "impersonation_report"


def _item(recipient_id: int, waiting: WaitingReport) -> ReminderItem:
    report = waiting.report
    text = " ".join(report.reported_text.split())
    if len(text) > 60:
        text = text[:59] + "…"
    return ReminderItem(
        recipient_id=recipient_id,
        source=SOURCE,
        key=f"{SOURCE}:{report.pk}",
        title=_("なりすましの報告「%(text)s」（%(received)s受付）が未対応です")
        % {"text": text, "received": timezone.localdate(report.created_at).strftime("%Y/%m/%d")},
        due_on=waiting.due_on,
        url=reverse("staff_impersonation:queue") + f"#report-{report.pk}",
    )


def everyone(day: date) -> Iterator[ReminderItem]:
    waiting = overdue_reports(day)
    if not waiting:
        return
    for user_id in impersonation_managers().values_list("pk", flat=True):
        for w in waiting:
            yield _item(user_id, w)


def for_user(user: User, day: date) -> Iterator[ReminderItem]:
    if not can_manage_impersonations(user):
        return
    for w in overdue_reports(day):
        yield _item(user.pk, w)


register(
    ReminderSource(
        name=SOURCE,
        label=gettext_lazy("対応を待っている、なりすましの報告"),
        everyone=everyone,
        for_user=for_user,
        switch=None,
    )
)
