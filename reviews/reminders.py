"""The reminder sources of year-round operation (issue 10 §3), registered with
``jobs.reminders`` from ``ReviewsConfig.ready``:

- ``review`` (R12, 003 §5(9)): the account's periodic review (棚卸し), due ``review_months``
  after the last one (the first: after listing), shown ``NOTICE_DAYS`` ahead;
- ``credentials`` (R10, 003 §5(8)): the password rotation, due ``credential_rotation_days``
  after the last one (never recorded: due at once), shown ``NOTICE_DAYS`` ahead;
- ``badge`` (R7): a verified badge still applied for or not applied for on a service that
  offers one, due ``badge_days`` after listing;
- ``platform_id`` (always on, issue 14): an official account on a service with a permanent
  identifier (``accounts.catalogue.PERMANENT_ID_SERVICES``) that has none registered, due
  from listing, linking to the staff account page;
- ``requests`` (always on): a request waiting for a decision ``request_working_days`` working
  days (``core.workdays``) — to whoever may decide it now, a copy to the requester.

Account items go to the account's 管理者 (else its 責任者: ``reviews.permissions``).
Each source's ``for_user`` is its ``everyone`` narrowed to one person, by the same query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import BadgeStatus, OfficialAccount
from approvals.models import DECIDABLE_STATES, Action, ApprovalRequest, RequestState, Step
from approvals.permissions import decider_candidates, deciders
from core.municipality import get_municipality
from core.workdays import add_working_days
from jobs.reminders import First, ReminderItem, ReminderSource, register
from reviews import selectors
from reviews.permissions import (
    ReminderScope,
    first_reminder_rows,
    reminder_rows,
    reminder_scope,
)

if TYPE_CHECKING:
    from organization.models import User


# The columns an item needs: read as values, not model instances (20 000 accounts a day).
COLUMNS = ("pk", "display_name", "service__name")


def _rows(qs: QuerySet[OfficialAccount], user: User | None, *extra: str) -> Iterator[Any]:
    # ``recipient_id``: reviews.permissions.with_reminder_recipient / reminder_rows.
    return reminder_rows(qs, user, *COLUMNS, *extra)


def _scope(user: User, shared: dict[str, Any]) -> ReminderScope:
    # One person's scope, read once for the four account sources of one dashboard.
    if "reviews.scope" not in shared:
        shared["reviews.scope"] = reminder_scope(user)
    scope: ReminderScope = shared["reviews.scope"]
    return scope


def _first(
    scope: ReminderScope,
    qs: QuerySet[OfficialAccount],
    order: tuple[Any, ...],
    limit: int,
    *extra: str,
) -> tuple[list[dict[str, Any]], int]:
    # The dashboard's bounded list (reviews.permissions.first_reminder_rows); ``order``
    # follows the due date, so the first ``limit`` rows hold the soonest items. Every order
    # is an expression (the day of listing, not ``listed_at``): PostgreSQL then finds the
    # person's units by their index and sorts those, rather than walking ``listed_at``'s
    # index through every account (460 ms for a head at 100 000 accounts).
    return first_reminder_rows(qs, scope, (*order, "display_name", "pk"), limit, *COLUMNS, *extra)


_SENTINEL = 987654321


def _path(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many pks: reversed once (a reverse per item was
    most of a run's time at 20 000 accounts)."""
    template = reverse(name, args=[_SENTINEL])
    return lambda pk: template.replace(str(_SENTINEL), str(pk))


def _name(row: dict[str, Any]) -> str:
    return f"{row['display_name']}（{row['service__name']}）"


# --- R12: the periodic review ---------------------------------------------------------------


REVIEW_FIELDS = ("reviewed_since",)


def _review_items(day: date, user: User | None = None) -> Iterator[ReminderItem]:
    return _review_from(_rows(selectors.reviews_due(day), user, *REVIEW_FIELDS))


def _review_first(user: User, day: date, limit: int, shared: dict[str, Any]) -> First:
    # review_due_on never decreases as ``reviewed_since`` grows.
    rows, count = _first(
        _scope(user, shared), selectors.reviews_due(day), ("reviewed_since",), limit, *REVIEW_FIELDS
    )
    return list(_review_from(rows)), count


def _review_from(rows: Iterable[dict[str, Any]]) -> Iterator[ReminderItem]:
    review_url = _path("staff_reviews:review")
    for row in rows:
        due = selectors.review_due_on(row["reviewed_since"])
        yield ReminderItem(
            recipient_id=row["recipient_id"],
            source="review",
            key=f"review:account:{row['pk']}:{due.isoformat()}",
            title=gettext("%(account)s：定期見直し（棚卸し）") % {"account": _name(row)},
            due_on=due,
            url=review_url(row["pk"]),
        )


# --- R10: the credentials ------------------------------------------------------------------


CREDENTIAL_FIELDS = ("credentials_rotated_on", "listed_at", "credential_holder_left_on")


def _credential_items(day: date, user: User | None = None) -> Iterator[ReminderItem]:
    return _credential_from(_rows(selectors.credentials_due(day), user, *CREDENTIAL_FIELDS))


def _credential_first(user: User, day: date, limit: int, shared: dict[str, Any]) -> First:
    rows, count = _first(
        _scope(user, shared),
        selectors.credentials_due(day),
        (selectors.credentials_due_sql(),),
        limit,
        *CREDENTIAL_FIELDS,
    )
    return list(_credential_from(rows)), count


def _credential_from(rows: Iterable[dict[str, Any]]) -> Iterator[ReminderItem]:
    credentials_url = _path("staff_reviews:credentials")
    days = get_municipality().intervals.credential_rotation_days
    for row in rows:
        left_on = row["credential_holder_left_on"]
        rotated_on = row["credentials_rotated_on"]
        due = selectors.credentials_due_from(rotated_on, row["listed_at"], left_on)
        title = (
            gettext("%(account)s：パスワードの変更（ログイン情報を知る職員が外れたため）")
            % {"account": _name(row)}
            if left_on is not None and (rotated_on is None or rotated_on < left_on)
            else gettext("%(account)s：パスワードの変更（前回から%(days)d日）")
            % {"account": _name(row), "days": days}
            if rotated_on
            else gettext("%(account)s：ログイン情報の管理者とパスワード変更日の記録")
            % {"account": _name(row)}
        )
        yield ReminderItem(
            recipient_id=row["recipient_id"],
            source="credentials",
            key=f"credentials:account:{row['pk']}:{due.isoformat()}",
            title=title,
            due_on=due,
            url=credentials_url(row["pk"]),
        )


# --- R7: the verified badge ----------------------------------------------------------------


BADGE_FIELDS = ("badge_status", "listed_at")


def _badge_items(day: date, user: User | None = None) -> Iterator[ReminderItem]:
    return _badge_from(_rows(selectors.badges_due(day), user, *BADGE_FIELDS))


def _badge_first(user: User, day: date, limit: int, shared: dict[str, Any]) -> First:
    # Due ``badge_days`` after the day of listing.
    rows, count = _first(
        _scope(user, shared), selectors.badges_due(day), ("listed_on",), limit, *BADGE_FIELDS
    )
    return list(_badge_from(rows)), count


def _badge_from(rows: Iterable[dict[str, Any]]) -> Iterator[ReminderItem]:
    account_url = _path("staff_accounts:detail")
    statuses = dict(BadgeStatus.choices)
    for row in rows:
        yield ReminderItem(
            recipient_id=row["recipient_id"],
            source="badge",
            key=f"badge:account:{row['pk']}",
            title=gettext("%(account)s：認証バッジ（%(status)s）")
            % {"account": _name(row), "status": statuses.get(row["badge_status"], "")},
            due_on=selectors.badge_due_from(row["listed_at"]),
            url=account_url(row["pk"]),
        )


# --- Issue 14: the permanent ID ------------------------------------------------------------


def _platform_id_items(day: date, user: User | None = None) -> Iterator[ReminderItem]:
    return _platform_id_from(_rows(selectors.platform_ids_missing(day), user, "listed_at"))


def _platform_id_first(user: User, day: date, limit: int, shared: dict[str, Any]) -> First:
    # Due from the day of listing.
    rows, count = _first(
        _scope(user, shared),
        selectors.platform_ids_missing(day),
        ("listed_on",),
        limit,
        "listed_at",
    )
    return list(_platform_id_from(rows)), count


def _platform_id_from(rows: Iterable[dict[str, Any]]) -> Iterator[ReminderItem]:
    account_url = _path("staff_accounts:detail")
    for row in rows:
        yield ReminderItem(
            recipient_id=row["recipient_id"],
            source="platform_id",
            key=f"platform_id:account:{row['pk']}",
            title=gettext("%(account)s：固定ID（サービス上の永続的なID）の登録")
            % {"account": _name(row)},
            due_on=selectors.platform_id_due_from(row["listed_at"]),
            url=account_url(row["pk"]),
        )


# --- Requests waiting for a decision -------------------------------------------------------


def waiting_since(req: ApprovalRequest) -> date:
    """The day the request reached its current step: submitted (head's step), or approved
    by the head in this round (PR step)."""
    since = req.submitted_at or req.updated_at
    if req.state == RequestState.AWAITING_PR:
        head = [
            d.created_at
            for d in req.decisions.all()
            if d.round == req.round and d.step == Step.HEAD and d.action == Action.APPROVE
        ]
        since = max(head, default=since)
    return timezone.localdate(since)


def waiting_requests(
    day: date, requester_id: int | None = None
) -> Iterator[tuple[ApprovalRequest, date]]:
    """Requests that have waited ``request_working_days`` working days by ``day``, with the
    day that happened (their due date); with ``requester_id``, only that person's."""
    n = get_municipality().intervals.request_working_days
    # N working days are at least N calendar days: the database narrows, Python decides.
    start = timezone.make_aware(datetime.combine(day - timedelta(days=n - 1), time.min))
    qs = (
        ApprovalRequest.objects.filter(state__in=DECIDABLE_STATES, submitted_at__lt=start)
        .select_related("department__parent__parent", "account__service")
        .prefetch_related("decisions")
        .order_by("submitted_at", "pk")
    )
    if requester_id is not None:
        qs = qs.filter(requester_id=requester_id)
    for req in qs:
        due = add_working_days(waiting_since(req), n)
        if due <= day:
            yield req, due


def _request_items(
    day: date, candidates: Iterable[User], requester_id: int | None = None
) -> Iterator[ReminderItem]:
    """An item to each of the ``candidates`` who may decide a waiting request (with
    ``requester_id``: only that person's requests), a copy to its requester."""
    candidates = list(candidates)
    if not candidates:
        return
    n = get_municipality().intervals.request_working_days
    for req, due in waiting_requests(day, requester_id=requester_id):
        title = gettext(
            "申請「%(title)s」（%(state)s）が%(days)d営業日以上、判断を待っています"
        ) % {
            "title": req.title or req.get_kind_display(),
            "state": req.get_state_display(),
            "days": n,
        }
        for person in deciders(req, candidates):
            yield ReminderItem(
                recipient_id=person.pk,
                source="requests",
                key=f"request:{req.pk}:{req.round}:{req.state}",
                title=title,
                due_on=due,
                url=reverse("staff:request_detail", args=[req.pk]),
                copy_to_ids=(req.requester_id,),
            )


def _requests_everyone(day: date) -> Iterator[ReminderItem]:
    return _request_items(day, decider_candidates())


def _requests_for_user(user: User, day: date) -> Iterator[ReminderItem]:
    """The requests ``user`` may decide, and one copy of each of their own waiting requests
    (the digest mails them the copy: the dashboard shows it too, marked 「写し」)."""
    items = list(_request_items(day, decider_candidates().filter(pk=user.pk)))
    keys = {i.key for i in items}
    for item in _request_items(day, decider_candidates(), requester_id=user.pk):
        if item.key not in keys:
            keys.add(item.key)
            items.append(item)
    return iter(items)


SOURCES = (
    ReminderSource(
        "review",
        _("定期見直し（棚卸し、R12）"),
        everyone=lambda day: _review_items(day),
        for_user=lambda user, day: _review_items(day, user),
        first_for_user=_review_first,
        switch="R12",
    ),
    ReminderSource(
        "credentials",
        _("ログイン情報・パスワードの変更（R10）"),
        everyone=lambda day: _credential_items(day),
        for_user=lambda user, day: _credential_items(day, user),
        first_for_user=_credential_first,
        switch="R10",
    ),
    ReminderSource(
        "badge",
        _("認証バッジ（R7）"),
        everyone=lambda day: _badge_items(day),
        for_user=lambda user, day: _badge_items(day, user),
        first_for_user=_badge_first,
        switch="R7",
    ),
    ReminderSource(
        "platform_id",
        _("固定IDの登録"),
        everyone=lambda day: _platform_id_items(day),
        for_user=lambda user, day: _platform_id_items(day, user),
        first_for_user=_platform_id_first,
        # Not a guideline's checklist item: what keeps "official" true after a rename
        # (issue 14), wherever the service has a permanent ID.
        switch=None,
    ),
    ReminderSource(
        "requests",
        _("判断を待っている申請"),
        everyone=_requests_everyone,
        for_user=_requests_for_user,
        switch=None,
    ),
)


def register_sources() -> None:
    for source in SOURCES:
        register(source)
