"""Reads of the reviews app: when each account's review (R12), credential check (R10) and
badge (R7) are due, the PR division's list of stale accounts, and this app's parts of the
dashboard and the account page.

Every due date is computed for all accounts at once in the database (no query per account):
the daily digest asks for 20 000 accounts in a handful of queries.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    DateField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.catalogue import PERMANENT_ID_SERVICES
from accounts.models import PUBLIC_STATUSES, BadgeStatus, OfficialAccount
from core.municipality import get_municipality
from jobs import reminders
from reviews.models import AccountReview, CredentialCheck, ReviewOutcome
from reviews.permissions import (
    can_review,
    can_update_last_activity,
    can_view_stale_list,
    with_reminder_recipient,
)

if TYPE_CHECKING:
    from organization.models import User

# Reviews and credential checks show on the dashboard (and in the digest) this many days
# before they are due, so the 管理者 can plan them; a badge or a waiting request when due.
NOTICE_DAYS = 14
# Badge statuses reminded on a service that offers a badge (R7: obtained, or not offered,
# end the reminder).
PENDING_BADGE = (BadgeStatus.APPLIED, BadgeStatus.NOT_APPLIED)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (negative: back), on the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _listed_on() -> TruncDate:
    return TruncDate("listed_at", output_field=DateField())


def _latest_review(field: str) -> Subquery:
    return Subquery(
        AccountReview.objects.filter(account=OuterRef("pk"))
        .order_by("-reviewed_on", "-pk")
        .values(field)[:1]
    )


def remindable_accounts() -> QuerySet[OfficialAccount]:
    """Official accounts that are reminded of: public, and not closing on a set date."""
    return OfficialAccount.objects.filter(
        status__in=PUBLIC_STATUSES, closes_on__isnull=True
    ).order_by("pk")


def with_review_base(qs: QuerySet[OfficialAccount]) -> QuerySet[OfficialAccount]:
    """Annotate ``reviewed_since``: the last review, or the day the account was listed (the
    first review is due ``review_months`` after listing, R12)."""
    return qs.annotate(
        last_reviewed_on=_latest_review("reviewed_on"),
        reviewed_since=Coalesce(_latest_review("reviewed_on"), _listed_on()),
    )


def review_due_on(reviewed_since: date) -> date:
    """R12: the one definition of when a review is due — ``review_months`` after the last one
    (the first: after listing), on the month's last day where the month is shorter."""
    return add_months(reviewed_since, get_municipality().intervals.review_months)


def reviewed_by_cutoff(day: date) -> date:
    """The latest ``reviewed_since`` whose review is due on or before ``day``: the SQL side of
    ``review_due_on`` (``reviewed_since <= cutoff`` exactly when ``review_due_on(reviewed_since)
    <= day``). Not simply ``day`` moved back: 31 August + 6 months is 28 February, so on
    28 February the reviews of 29–31 August are due too."""
    cutoff = add_months(day, -get_municipality().intervals.review_months)
    while review_due_on(cutoff + timedelta(days=1)) <= day:
        cutoff += timedelta(days=1)
    return cutoff


def reviews_due(day: date, *, notice_days: int = NOTICE_DAYS) -> QuerySet[OfficialAccount]:
    """R12: accounts whose review is due by ``day`` + ``notice_days`` (overdue ones too),
    with ``recipient_id`` and ``reviewed_since``."""
    cutoff = reviewed_by_cutoff(day + timedelta(days=notice_days))
    return with_reminder_recipient(with_review_base(remindable_accounts())).filter(
        Q(reviewed_since__lte=cutoff)
    )


def credentials_due_on(account: OfficialAccount) -> date:
    """R10: the last rotation + ``credential_rotation_days``; never recorded: due at once
    (from the day the account was listed)."""
    return credentials_due_from(
        account.credentials_rotated_on, account.listed_at, account.credential_holder_left_on
    )


def credentials_due_from(
    rotated_on: date | None, listed_at: datetime | None, holder_left_on: date | None = None
) -> date:
    if holder_left_on is not None and (rotated_on is None or rotated_on < holder_left_on):
        return holder_left_on  # a holder left after the last rotation: change it now (R10)
    if rotated_on is None:
        return timezone.localdate(listed_at) if listed_at else timezone.localdate()
    return rotated_on + timedelta(days=get_municipality().intervals.credential_rotation_days)


def credentials_due(day: date, *, notice_days: int = NOTICE_DAYS) -> QuerySet[OfficialAccount]:
    """R10: accounts whose password rotation is due by ``day`` + ``notice_days``, or never
    recorded, with ``recipient_id``."""
    days = get_municipality().intervals.credential_rotation_days
    horizon = day + timedelta(days=notice_days)
    return with_reminder_recipient(remindable_accounts()).filter(
        Q(credentials_rotated_on__lte=horizon - timedelta(days=days))
        | Q(credentials_rotated_on__isnull=True)
        | Q(credentials_rotated_on__lt=F("credential_holder_left_on"))
    )


def credentials_due_sql() -> Case:
    """SQL, per account: ``credentials_due_from``'s date, or one that sorts the same (the
    dashboard's soonest credentials first): the day the holder left when that is after the
    last rotation, else the rotation + ``credential_rotation_days``, else the listing."""
    days = get_municipality().intervals.credential_rotation_days
    return Case(
        When(
            Q(credential_holder_left_on__isnull=False)
            & (
                Q(credentials_rotated_on__isnull=True)
                | Q(credentials_rotated_on__lt=F("credential_holder_left_on"))
            ),
            then=F("credential_holder_left_on"),
        ),
        When(
            credentials_rotated_on__isnull=False,
            then=ExpressionWrapper(
                F("credentials_rotated_on") + timedelta(days=days), output_field=DateField()
            ),
        ),
        default=_listed_on(),
        output_field=DateField(),
    )


def badge_due_from(listed_at: datetime | None) -> date:
    listed = timezone.localdate(listed_at) if listed_at else timezone.localdate()
    return listed + timedelta(days=get_municipality().intervals.badge_days)


def badges_due(day: date) -> QuerySet[OfficialAccount]:
    """R7: a badge still "applied" or "not applied" on a service that offers one,
    ``badge_days`` after listing, with ``recipient_id``."""
    days = get_municipality().intervals.badge_days
    return (
        with_reminder_recipient(remindable_accounts())
        .annotate(listed_on=_listed_on())
        .filter(
            Q(listed_on__lte=day - timedelta(days=days)),
            service__offers_verified_badge=True,
            badge_status__in=PENDING_BADGE,
        )
    )


def platform_id_due_from(listed_at: datetime | None) -> date:
    """Issue 14: the permanent ID is wanted from the day the account is official."""
    return timezone.localdate(listed_at) if listed_at else timezone.localdate()


def platform_ids_missing(day: date) -> QuerySet[OfficialAccount]:
    """Issue 14: official accounts on a service with a permanent identifier (X, YouTube,
    Bluesky…: ``accounts.catalogue.PERMANENT_ID_SERVICES``) that do not have it registered,
    listed by ``day``, with ``recipient_id``. Without it a rename leaves nothing that ties
    the account to its new handle, and the daily check cannot ask the service."""
    return (
        with_reminder_recipient(remindable_accounts())
        .annotate(listed_on=_listed_on())
        .filter(
            listed_on__lte=day,
            service__slug__in=PERMANENT_ID_SERVICES,
            platform_id="",
        )
    )


# --- The PR division's list of stale accounts (R12, 003 §5(9)) --------------------------


def stale_accounts(day: date) -> QuerySet[OfficialAccount]:
    """Official accounts whose last post is older than ``stale_after_months`` (never
    recorded: counted from listing), whose review is overdue, or whose last review said they
    are no longer used — oldest post first. Annotated ``activity_since``,
    ``last_reviewed_on``, ``reviewed_since`` and ``last_outcome``."""
    intervals = get_municipality().intervals
    post_limit = add_months(day, -intervals.stale_after_months)
    review_overdue_by = reviewed_by_cutoff(day - timedelta(days=1))  # due before ``day``
    return (
        with_review_base(
            OfficialAccount.objects.filter(status__in=PUBLIC_STATUSES).select_related(
                "service", "department__parent__parent"
            )
        )
        .annotate(
            activity_since=Coalesce(F("last_activity_on"), _listed_on()),
            last_outcome=_latest_review("outcome"),
        )
        .filter(
            Q(activity_since__lt=post_limit)
            | Q(reviewed_since__lte=review_overdue_by)
            | Q(last_outcome=ReviewOutcome.NOT_USED)
        )
        .order_by("activity_since", "pk")
    )


@dataclass(frozen=True)
class StaleReasons:
    old_post: bool
    review_overdue: bool
    not_used: bool


def stale_reasons(account: Any, day: date) -> StaleReasons:
    """Why an account of ``stale_accounts(day)`` is on the list (for the page)."""
    intervals = get_municipality().intervals
    return StaleReasons(
        old_post=account.activity_since < add_months(day, -intervals.stale_after_months),
        review_overdue=review_due_on(account.reviewed_since) < day,
        not_used=account.last_outcome == ReviewOutcome.NOT_USED,
    )


# --- The dashboard and the account page -------------------------------------------------


@dataclass(frozen=True)
class DashboardItem:
    item: reminders.ReminderItem
    label: str
    overdue: bool
    copy: bool  # the person gets it as a copy (e.g. their own waiting request)


# The dashboard shows this many reminders, soonest due first, with the count of all of them
# and a link per kind to the staff list: a head over thousands of accounts whose officers do
# not sign in is reminded of each one (issue 12 §4: 4.7 MB of dashboard at 100 000 accounts).
DASHBOARD_REMINDERS = 20
# The sources the staff account list can filter by (staff.filters.OVERDUE: same names, same
# switches), so "see all" opens the list of those accounts.
LISTED_SOURCES = ("review", "credentials", "badge")


@dataclass(frozen=True)
class ReminderCount:
    source: str
    label: str
    count: int
    overdue_filter: str  # the staff list's ``overdue=`` value, "" when it has none


def _dashboard_item(user: User, day: date, labels: dict[str, str], item: Any) -> DashboardItem:
    return DashboardItem(
        item=item,
        label=labels.get(item.source, item.source),
        overdue=item.due_on < day,
        copy=item.recipient_id != user.pk,
    )


def reminder_items(user: User, day: date) -> list[DashboardItem]:
    """What the digest mails ``user`` for ``day`` (their items and their copies), from the
    same sources, soonest due first (``jobs.reminders.items_for``)."""
    labels = {s.name: str(s.label) for s in reminders.sources()}
    return [_dashboard_item(user, day, labels, i) for i in reminders.items_for(user, day)]


def dashboard_panel(user: User) -> dict[str, Any]:
    """This app's part of the staff dashboard (templates/staff/dashboard/_reviews.html): the
    first ``DASHBOARD_REMINDERS`` of ``reminder_items``, and how many there are of each kind."""
    day = timezone.localdate()
    stale_count = None
    if get_municipality().applies("R12") and can_view_stale_list(user):
        stale_count = stale_accounts(day).count()
    labels = {s.name: str(s.label) for s in reminders.sources()}
    first = reminders.first_items_for(user, day, DASHBOARD_REMINDERS)
    return {
        "reminders": [_dashboard_item(user, day, labels, i) for i in first.items],
        "reminders_count": first.count,
        "reminders_counts": [
            ReminderCount(
                source=name,
                label=labels.get(name, name),
                count=count,
                overdue_filter=name if name in LISTED_SOURCES else "",
            )
            for name, count in first.counts.items()
        ]
        if first.count > len(first.items)
        else [],
        "reminders_today": day,
        "stale_count": stale_count,
    }


def latest_review(account: OfficialAccount) -> AccountReview | None:
    return AccountReview.objects.filter(account=account).select_related("reviewed_by").first()


def latest_credential_check(account: OfficialAccount) -> CredentialCheck | None:
    return CredentialCheck.objects.filter(account=account).select_related("checked_by").first()


def next_review_on(account: OfficialAccount) -> date | None:
    """R12: when this account's next review is due (None before it is listed): the same
    ``reviewed_since`` and ``review_due_on`` as the reminders."""
    row = with_review_base(OfficialAccount.objects.filter(pk=account.pk)).first()
    since: date | None = getattr(row, "reviewed_since", None)
    return review_due_on(since) if since is not None else None


def account_panel(user: User, account: OfficialAccount) -> dict[str, Any]:
    """This app's part of the staff account page (templates/reviews/_account_panel.html):
    what applies in this municipality, and what this person may do here."""
    m = get_municipality()
    r12, r10 = m.applies("R12"), m.applies("R10")
    is_public = account.status in PUBLIC_STATUSES
    may_review = (r12 or r10) and is_public and can_review(user, account)
    return {
        "review_panel": {
            "r12": r12 and is_public,
            "r10": r10 and is_public,
            "last_review": latest_review(account) if r12 else None,
            "next_review_on": next_review_on(account) if r12 else None,
            "credentials_due_on": credentials_due_on(account) if r10 and is_public else None,
            "may_review": may_review and r12,
            "may_confirm_credentials": may_review and r10,
            "may_update_last_activity": r12 and can_update_last_activity(user, account),
            "today": timezone.localdate(),
        }
    }
