"""Closures that take effect on a date (issue 10 §5, R13).

A closure request names the day the account closes (``ClosureForm.closing_on``). At the final
approval (``effects._close_account``), a day after today is *scheduled*: the account stays
listed, ``closes_on`` is set and citizens read 「◯月◯日に廃止予定」 on the list, the account
page, the verifier and the API. Today or a day already past closes at once, and ``closed_at``
records when it really closed.

The daily job ``close_scheduled_accounts`` closes every listed or suspended account whose day
has come. It works from the records (``closes_on <= day``), so it does nothing the second time
and catches up after days without a run; each account closes in its own transaction (the job
is registered with ``atomic=False``, so the runner opens none around it), through
``close_now`` — the same code as an approval that closes at once (history row, feed entry via
``closed_at``, public pages refreshed by the account's ``post_save``).

What a scheduled closure means for other requests:
- until the day, the account is an ordinary listed account: a change request may be filed and
  approved (it leaves ``closes_on`` alone), and the account may be suspended (R18); a
  suspended account still closes on its day;
- a new closure request, once approved, replaces the day (a later or an earlier one; today or
  a past day closes at once);
- there is no separate "cancel" action yet: the account stays listed only through a request
  approved by both steps (issue 10 report).
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PUBLIC_STATUSES, OfficialAccount
from jobs.schedule import JobFailed, daily_job

logger = logging.getLogger(__name__)


def close_now(account: OfficialAccount, *, reason: str = "") -> OfficialAccount:
    """Close ``account`` (its row locked by the caller): off the list, record and every policy
    version kept (R13, 002 §3(8)). The one way an account closes."""
    account.closes_on = None
    account.close()
    if reason:
        account._change_reason = reason  # type: ignore[attr-defined]  # django-simple-history
    account.save()
    return account


def close_on(account: OfficialAccount, day: date) -> OfficialAccount:
    """An approved closure for ``day``: scheduled when ``day`` is after today, else now."""
    if day > timezone.localdate():
        account.closes_on = day
        account.save()
        return account
    return close_now(account)


def due_for_closing(day: date) -> list[int]:
    """The accounts whose closing day has come by ``day`` (listed or suspended)."""
    return list(
        OfficialAccount.objects.filter(status__in=PUBLIC_STATUSES, closes_on__lte=day)
        .order_by("closes_on", "pk")
        .values_list("pk", flat=True)
    )


@daily_job("close_scheduled_accounts", order=10, atomic=False)
def close_scheduled_accounts(day: date) -> str:
    """Close every account whose scheduled day is ``day`` or before (issue 10 §5).

    One transaction per account: one that cannot be closed is logged and never holds back the
    others, which stay closed; the run then raises ``JobFailed``, so it is recorded as failed
    (the operator sees it in the admin, ``run_daily_jobs`` exits non-zero) and the scheduler
    tries again within the hour.
    """
    closed = failed = 0
    for pk in due_for_closing(day):
        try:
            with transaction.atomic():
                account = (
                    OfficialAccount.objects.select_for_update()
                    .filter(pk=pk, status__in=PUBLIC_STATUSES, closes_on__lte=day)
                    .first()
                )
                if account is None:  # closed or rescheduled since the list was read
                    continue
                close_now(account, reason=_("廃止予定日による廃止"))
        except Exception:
            logger.exception("scheduled closure of account %s failed; retried next run", pk)
            failed += 1
        else:
            closed += 1
    summary = _("廃止予定日を迎えたアカウントを%(closed)d件廃止しました。") % {"closed": closed}
    if failed:
        summary += _("%(failed)d件は廃止できず、次回に持ち越します。") % {"failed": failed}
        raise JobFailed(summary)
    return summary
