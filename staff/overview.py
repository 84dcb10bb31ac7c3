"""「台帳の概要」 (issue 11 §3): the registry at a glance, for the PR division's answer to the
council ("how many accounts do we have, and who is responsible?") and for each head's own 局.

Every figure is a few aggregate queries (GROUP BY / filtered COUNT), never a query per account
or a row per account read into Python: the page costs the same at 20 accounts as at 20 000
(tests/staff/test_overview.py counts the queries at two sizes). The rules of what is due are
not derived again here: the overdue counts are the querysets of ``reviews.selectors`` (R12,
R10, R7), counted.

Each figure is drawn twice from the same numbers: a Chart.js chart (static/js/overview-charts.js,
fed by ``json_script``: the CSP allows no inline script) and an accessible table with a caption,
which is the source of truth — the chart is a picture of it (``role="img"`` with a summary).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import PUBLIC_STATUSES, AccountStatus, OfficialAccount
from approvals.models import ApprovalRequest, RequestState
from core.municipality import get_municipality
from core.rules import rule
from core.workdays import is_working_day
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus
from impersonation.permissions import can_manage_impersonations
from incidents.models import Incident, IncidentStatus
from organization.models import Department
from reviews import selectors as due
from staff.permissions import can_view_overview, overview_departments

if TYPE_CHECKING:
    from organization.models import User
    from organization.permissions import AnyUser, StaffRequest

# Shown on the overview by status: every state but a registration that never became an account
# (rejected or withdrawn before listing), which the staff list leaves out too.
STATUSES = [s for s in AccountStatus if s != AccountStatus.ABANDONED]
# Requests waiting for a decision, by how long (working days since they were submitted or
# resubmitted, ``core.workdays``): the upper end of each band, the last one open.
AGE_BANDS = (2, 7, 14)
MONTHS = 24  # the month-by-month count goes back two years


# --- What the template and the chart script read ------------------------------------------


@dataclass(frozen=True)
class Cell:
    count: int
    url: str = ""  # the filtered staff list showing these rows, where there is one


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.cells)


@dataclass(frozen=True)
class Figure:
    """One chart and its table: rows are the categories, columns the series."""

    slug: str  # the HTML ids: ``fig-<slug>`` (the canvas), ``fig-<slug>-data`` (its data)
    title: str  # the section heading and the table's caption
    row_header: str  # the header of the label column
    series: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: str = "bar"  # "bar" (horizontal bars), "column" (vertical bars) or "line"
    stacked: bool = False
    show_total: bool = False  # a 合計 column (stacked figures)
    charted: int | None = None  # only the first N series are drawn (the table has them all)
    note: str = ""
    empty: str = field(default_factory=lambda: _("該当するものはありません。"))

    @property
    def canvas_id(self) -> str:
        return f"fig-{self.slug}"

    @property
    def data_id(self) -> str:
        return f"fig-{self.slug}-data"

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def summary(self) -> str:
        """The chart in words, for its ``aria-label`` (the table beside it has every number)."""
        if not self.rows:
            return _("%(title)s：%(text)s") % {"title": self.title, "text": self.empty}
        if self.chart == "line":
            first, last = self.rows[0], self.rows[-1]
            peak = max(self.rows, key=lambda r: r.cells[0].count)
            return _(
                "%(title)s：%(first)s %(a)d件から%(last)s %(b)d件へ（最多は%(peak)s %(c)d件）"
            ) % {
                "title": self.title,
                "first": first.label,
                "a": first.cells[0].count,
                "last": last.label,
                "b": last.cells[0].count,
                "peak": peak.label,
                "c": peak.cells[0].count,
            }
        parts = _("、").join(
            _("%(label)s %(n)d件") % {"label": r.label, "n": r.total} for r in self.rows
        )
        return _("%(title)s：%(text)s") % {"title": self.title, "text": parts}

    def table(self) -> list[dict[str, Any]]:
        """The rows of the table, each cell with what it counts (the hidden words of its
        link: 「3件（X・公開中）の一覧」, not a bare number)."""
        several = len(self.series) > 1
        return [
            {
                "label": row.label,
                "cells": [
                    (
                        cell,
                        _("%(row)s・%(column)s") % {"row": row.label, "column": name}
                        if several
                        else row.label,
                    )
                    for cell, name in zip(row.cells, self.series, strict=True)
                ],
                "total": row.total,
            }
            for row in self.rows
        ]

    @property
    def column_totals(self) -> list[int]:
        return [sum(r.cells[i].count for r in self.rows) for i in range(len(self.series))]

    def chart_data(self) -> dict[str, Any]:
        """What static/js/overview-charts.js draws (through ``json_script``)."""
        series = self.series[: self.charted] if self.charted else self.series
        return {
            "type": self.chart,
            "stacked": self.stacked,
            "labels": [r.label for r in self.rows],
            "datasets": [
                {"label": name, "data": [r.cells[i].count for r in self.rows]}
                for i, name in enumerate(series)
            ],
        }


@dataclass(frozen=True)
class Overview:
    today: date
    scope_name: str  # 全庁, or the head's department
    everything: bool
    sections: tuple[tuple[str, tuple[Figure, ...]], ...]  # (heading, figures)
    rules_off: tuple[str, ...]  # reminders this municipality has not switched on


# --- Scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The departments a figure counts: ``None`` is every one (``overview_departments``)."""

    departments: frozenset[int] | None

    def narrow(self, qs: QuerySet[Any], path: str = "department") -> QuerySet[Any]:
        if self.departments is None:
            return qs
        return qs.filter(**{f"{path}_id__in": sorted(self.departments)})


def _account_list_url(**params: str | int) -> str:
    return f"{reverse('staff_accounts:list')}?{urlencode(params)}"


# --- Accounts: by service, by 局, by status ------------------------------------------------


def _official(scope: Scope) -> QuerySet[OfficialAccount]:
    """Official now (R5): listed, or suspended with its notice (R18)."""
    return scope.narrow(OfficialAccount.objects.filter(status__in=PUBLIC_STATUSES))


PUBLIC_SERIES = (AccountStatus.LISTED, AccountStatus.SUSPENDED)


def accounts_by_service(scope: Scope) -> Figure:
    """Official accounts per service, listed and suspended (one query)."""
    counts: dict[tuple[str, str], int] = {}
    names: dict[str, tuple[int, str]] = {}
    for row in (
        _official(scope)
        .values("service__slug", "service__name", "service__sort_order", "status")
        .annotate(n=Count("pk"))
    ):
        slug = row["service__slug"]
        names[slug] = (row["service__sort_order"], row["service__name"])
        counts[slug, row["status"]] = row["n"]
    rows = tuple(
        Row(
            label=name,
            cells=tuple(
                Cell(counts.get((slug, s), 0), _account_list_url(service=slug, status=s))
                for s in PUBLIC_SERIES
            ),
        )
        for slug, (_order, name) in sorted(names.items(), key=lambda i: (i[1][0], i[0]))
    )
    return Figure(
        slug="service",
        title=_("公式アカウント（サービス別）"),
        row_header=_("サービス"),
        series=tuple(str(s.label) for s in PUBLIC_SERIES),
        rows=rows,
        stacked=True,
        show_total=True,
    )


def _department_tree() -> dict[int, dict[str, Any]]:
    return {
        d["pk"]: dict(d)
        for d in Department.objects.values("pk", "name", "parent_id", "sort_order", "code")
    }


def _path_to(tree: dict[int, dict[str, Any]], pk: int) -> list[int]:
    """The department and its ancestors, top first."""
    chain: list[int] = []
    node: int | None = pk
    while node is not None and node not in chain:
        chain.append(node)
        node = tree[node]["parent_id"] if node in tree else None
    return chain[::-1]


def accounts_by_department(scope: Scope, head_department: int | None) -> Figure:
    """Official accounts per 局 (the whole registry), or, for a head, per unit of their own
    department (its accounts are all in one 局: one bar would say nothing). Two queries: the
    counts per department, and the department tree (small) to place them."""
    tree = _department_tree()
    counts: dict[tuple[int, str], int] = {}
    for row in _official(scope).values("department_id", "status").annotate(n=Count("pk")):
        # The 局 (the root of the tree), or for a head the account's own unit.
        pk = row["department_id"]
        group = _path_to(tree, pk)[0] if head_department is None else pk
        key = (group, row["status"])
        counts[key] = counts.get(key, 0) + row["n"]
    parents = {d["parent_id"] for d in tree.values()}

    def url(pk: int, status: str) -> str:
        # The list's department filter takes the unit and every unit below it: a link only
        # where that is what the row counts (a 局; a head's unit with nothing below it).
        if head_department is not None and pk in parents:
            return ""
        return _account_list_url(department=pk, status=status)

    def label(pk: int) -> str:
        if head_department is None:
            return str(tree[pk]["name"])
        # The unit's names below the head's department: 「観光部 観光プロモーション課」.
        path = _path_to(tree, pk)
        below = path[path.index(head_department) + 1 :] if head_department in path else path
        return " ".join(tree[p]["name"] for p in below) or str(tree[pk]["name"])

    groups = sorted(
        {g for g, _s in counts},
        key=lambda pk: [(tree[p]["sort_order"], tree[p]["code"]) for p in _path_to(tree, pk)],
    )
    rows = tuple(
        Row(
            label=label(g),
            cells=tuple(Cell(counts.get((g, s), 0), url(g, s)) for s in PUBLIC_SERIES),
        )
        for g in groups
    )
    return Figure(
        slug="department",
        title=_("公式アカウント（局別）")
        if head_department is None
        else _("公式アカウント（所属別）"),
        row_header=_("局") if head_department is None else _("所属"),
        series=tuple(str(s.label) for s in PUBLIC_SERIES),
        rows=rows,
        stacked=True,
        show_total=True,
    )


def accounts_by_status(scope: Scope) -> Figure:
    """Every account record by its state (one query), 下書き to 廃止."""
    counts = dict(
        scope.narrow(OfficialAccount.objects.filter(status__in=STATUSES))
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    rows = tuple(
        Row(label=str(s.label), cells=(Cell(counts.get(s, 0), _account_list_url(status=s)),))
        for s in STATUSES
    )
    return Figure(
        slug="status",
        title=_("アカウントの状態"),
        row_header=_("状態"),
        series=(_("件数"),),
        rows=rows,
        note=_("申請中の新規登録（下書き・承認待ち）と廃止したアカウントを含みます。"),
    )


# --- Requests waiting for a decision --------------------------------------------------------


def earliest_within(today: date, working_days: int) -> date:
    """The earliest day ``d`` with ``core.workdays.working_days_between(d, today) <=
    working_days``: a request submitted that day or later has waited at most that long."""
    day, days = today, 0
    while True:
        step = 1 if is_working_day(day) else 0
        if days + step > working_days:
            return day
        days += step
        day -= timedelta(days=1)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def age_bands(today: date) -> list[tuple[str, Q]]:
    """(label, condition on ``submitted_at``) for each band of ``AGE_BANDS``."""
    bands: list[tuple[str, Q]] = []
    lower = 0
    newer_than = timezone.now() + timedelta(days=1)  # the start of the younger band
    for upper in AGE_BANDS:
        start = _midnight(earliest_within(today, upper))
        label = _("%(a)d〜%(b)d日") % {"a": lower, "b": upper}
        condition = Q(submitted_at__gte=start)
        if lower:
            condition &= Q(submitted_at__lt=newer_than)
        bands.append((label, condition))
        lower, newer_than = upper + 1, start
    oldest = Q(submitted_at__lt=newer_than) | Q(submitted_at__isnull=True)
    bands.append((_("%(n)d日以上") % {"n": lower}, oldest))
    return bands


WAITING = (RequestState.AWAITING_HEAD, RequestState.AWAITING_PR)


def requests_by_age(scope: Scope, today: date) -> Figure:
    """Requests waiting at the head's step or the PR division's, by working days since they
    were (re)submitted — one query of filtered counts (R1, R2)."""
    bands = age_bands(today)
    aggregates = {
        f"b{i}_{state}": Count("pk", filter=condition & Q(state=state))
        for i, (_label, condition) in enumerate(bands)
        for state in WAITING
    }
    counts = scope.narrow(ApprovalRequest.objects.filter(state__in=WAITING)).aggregate(**aggregates)
    rows = tuple(
        Row(label=label, cells=tuple(Cell(counts[f"b{i}_{state}"]) for state in WAITING))
        for i, (label, _condition) in enumerate(bands)
    )
    return Figure(
        slug="requests",
        title=_("判断を待っている申請（提出からの営業日数）"),
        row_header=_("営業日"),
        # Short column headers (a phone's width): the step each request waits at.
        series=(
            _("所属長の段階"),
            _("%(division)sの段階") % {"division": get_municipality().pr_division_name},
        ),
        rows=rows,
        chart="column",
        stacked=True,
        show_total=True,
        note=_("差し戻し後に再提出した申請は、再提出の日から数えます。"),
    )


# --- What is overdue (R12, R10, R7) ---------------------------------------------------------

# (rule, label, ``overdue`` parameter of the staff list, the accounts due by a day). Overdue
# is "due before today" — the dashboard's 「期限切れ」 (``reviews.selectors.reminder_items``)
# and the staff list's ``overdue`` filter — so each count is what its link lists.
OVERDUE_SOURCES = (
    (
        "R12",
        gettext_lazy("定期見直し（棚卸し、R12）"),
        "review",
        lambda day: due.reviews_due(day, notice_days=0),
    ),
    (
        "R10",
        gettext_lazy("パスワードの変更（R10）"),
        "credentials",
        lambda day: due.credentials_due(day, notice_days=0),
    ),
    ("R7", gettext_lazy("認証バッジの取得（R7）"), "badge", lambda day: due.badges_due(day)),
)


def overdue(scope: Scope, today: date) -> tuple[Figure, tuple[str, ...]]:
    """Accounts whose review, password rotation or badge was due before ``today`` (the
    reminders' own querysets, ``reviews.selectors``, counted: one query each), for the rules
    this municipality applies; and the labels of those it does not."""
    m = get_municipality()
    rows, off = [], []
    yesterday = today - timedelta(days=1)
    for rule_id, label, param, due_by in OVERDUE_SOURCES:
        if not m.applies(rule_id):
            off.append(str(label))
            continue
        count = scope.narrow(due_by(yesterday)).count()
        rows.append(Row(label=str(label), cells=(Cell(count, _account_list_url(overdue=param)),)))
    figure = Figure(
        slug="overdue",
        title=_("期限を過ぎた対応"),
        row_header=_("対応"),
        series=(_("アカウント数"),),
        rows=tuple(rows),
        note=_("期限の日を過ぎたアカウントの数です（リマインドと同じ基準）。"),
        empty=_("この自治体では、期限のある対応（R7・R10・R12）を設定していません。"),
    )
    return figure, tuple(off)


# --- Impersonations and incidents (R17, R18) ------------------------------------------------


def watch(scope: Scope, user: AnyUser) -> Figure:
    """Citizens' reports not yet looked at (the whole registry only: a report names no
    department), known fakes not yet taken down (R17), incidents being handled (R18)."""
    rows = []
    if scope.departments is None:
        reports = ImpersonationReport.objects.filter(status=ReportStatus.NEW).count()
        queue = reverse("staff_impersonation:queue") if can_manage_impersonations(user) else ""
        rows.append(Row(_("市民からの報告（未確認）"), (Cell(reports, queue),)))
    else:
        queue = ""
    fakes = scope.narrow(
        KnownImpersonation.objects.filter(resolved_at__isnull=True), "imitates__department"
    ).count()
    rows.append(Row(_("なりすまし（削除されていない）"), (Cell(fakes, queue),)))
    incidents = scope.narrow(
        Incident.objects.filter(status=IncidentStatus.OPEN), "account__department"
    ).count()
    incident_list = reverse("staff_incidents:list")
    rows.append(Row(_("インシデント（対応中）"), (Cell(incidents, incident_list),)))
    return Figure(
        slug="watch",
        title=_("なりすまし・インシデント"),
        row_header=_("種類"),
        series=(_("件数"),),
        rows=tuple(rows),
    )


# --- Month by month -------------------------------------------------------------------------


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)


def _per_month(qs: QuerySet[OfficialAccount], field_name: str, start: datetime) -> dict[int, int]:
    rows = (
        qs.filter(**{f"{field_name}__gte": start})
        .annotate(month=TruncMonth(field_name))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return {_month_index(timezone.localtime(m).date()): n for m, n in rows}


def monthly(scope: Scope, today: date, months: int = MONTHS) -> Figure:
    """Official accounts at the end of each of the last ``months`` months (this month: today),
    from ``listed_at`` and ``closed_at`` — three queries (the count before the first month,
    listings per month, closures per month), added up in Python."""
    last = _month_index(today)
    first = last - months + 1
    start = _midnight(_month_start(first))
    ever_listed = scope.narrow(OfficialAccount.objects.filter(listed_at__isnull=False))
    count = ever_listed.filter(
        Q(listed_at__lt=start), Q(closed_at__isnull=True) | Q(closed_at__gte=start)
    ).count()
    listed = _per_month(ever_listed, "listed_at", start)
    closed = _per_month(ever_listed.filter(closed_at__isnull=False), "closed_at", start)
    rows = []
    for index in range(first, last + 1):
        added, removed = listed.get(index, 0), closed.get(index, 0)
        count += added - removed
        month = _month_start(index)
        label = _("%(y)d年%(m)d月") % {"y": month.year, "m": month.month}
        rows.append(Row(label, (Cell(count), Cell(added), Cell(removed))))
    return Figure(
        slug="monthly",
        title=_("公式アカウント数の推移（各月末、過去%(n)dか月）") % {"n": months},
        row_header=_("月"),
        series=(_("公式アカウント数"), _("掲載"), _("廃止")),
        rows=tuple(rows),
        chart="line",
        charted=1,
        note=_("今月の数は今日現在です。一時停止中のアカウントを含みます。"),
    )


# --- The page -------------------------------------------------------------------------------


def registry_overview(user: User, today: date) -> Overview:
    departments = overview_departments(user)
    scope = Scope(departments)
    head_department = None if departments is None else user.department_id
    overdue_figure, rules_off = overdue(scope, today)
    sections: Sequence[tuple[str, Iterable[Figure]]] = (
        (
            _("アカウント"),
            (
                accounts_by_service(scope),
                accounts_by_department(scope, head_department),
                accounts_by_status(scope),
            ),
        ),
        (_("申請"), (requests_by_age(scope, today),)),
        (_("期限と注意"), (overdue_figure, watch(scope, user))),
        (_("推移"), (monthly(scope, today),)),
    )
    return Overview(
        today=today,
        scope_name=_("全庁") if departments is None else str(user.department),
        everything=departments is None,
        sections=tuple((heading, tuple(figures)) for heading, figures in sections),
        rules_off=rules_off,
    )


@rule(can_view_overview)
def overview_page(request: StaffRequest) -> HttpResponse:
    overview = registry_overview(request.user, timezone.localdate())
    return render(request, "staff/overview.html", {"overview": overview})
