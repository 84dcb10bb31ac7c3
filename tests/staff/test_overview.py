"""「台帳の概要」 (/staff/overview/, issue 11 §3): the numbers on the page are the database's.

A seeded registry (the demo municipality, plus accounts in every state, waiting requests of
every age, fakes, reports, incidents and overdue items in two 局) is read back from the
rendered tables — the source of truth beside each chart — and compared with what the
database says, counted here by plain filters: the PR division sees every 局, a head only
their own, operators and managers get 403. The page costs the same number of queries at two
sizes of registry, and each linked count is exactly what the staff list shows behind its link.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import PUBLIC_STATUSES, AccountStatus, BadgeStatus, OfficialAccount
from approvals.models import ApprovalRequest, RequestKind, RequestState
from core.workdays import working_days_between
from demo.data import seed_bulk_accounts
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus
from incidents.models import Incident, IncidentKind, IncidentStatus
from organization.models import Department, descendant_ids
from staff.overview import AGE_BANDS, earliest_within
from tests.factories import OfficialAccountFactory

pytestmark = pytest.mark.django_db

URL = "/staff/overview/"

# --- Reading the page's tables -----------------------------------------------------------


class _Tables(HTMLParser):
    """Every <table>: its caption, and each body row as [(text, href or None), …]."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str | None]]]] = {}
        self.data: dict[str, object] = {}  # json_script blocks by id
        self._caption: str | None = None
        self._in: str | None = None  # "caption" | "cell" | "json"
        self._rows: list[list[tuple[str, str | None]]] = []
        self._cell: list[str] = []
        self._href: str | None = None
        self._hidden = 0
        self._json_id = ""
        self._section = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._in = "caption"
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr" and self._section in ("tbody", "tfoot"):
            self._rows.append([])
        elif tag in ("th", "td") and self._section in ("tbody", "tfoot"):
            self._in, self._cell, self._href = "cell", [], None
        elif tag == "a" and self._in == "cell":
            self._href = a.get("href")
        elif tag == "span" and "visually-hidden" in (a.get("class") or ""):
            self._hidden += 1
        elif tag == "script" and a.get("type") == "application/json":
            self._in, self._json_id, self._cell = "json", a["id"], []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in = None
        elif tag in ("th", "td") and self._in == "cell":
            self._rows[-1].append(("".join(self._cell).strip(), self._href))
            self._in = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1
        elif tag == "table":
            assert self._caption
            self.tables[self._caption] = self._rows
        elif tag == "script" and self._in == "json":
            self.data[self._json_id] = json.loads("".join(self._cell))
            self._in = None

    def handle_data(self, data):
        if self._in == "caption":
            self._caption = (self._caption or "") + data.strip()
        elif self._in in ("cell", "json") and not self._hidden:
            self._cell.append(data)


def read(response) -> _Tables:
    assert response.status_code == 200
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser


def numbers(tables: _Tables, caption: str) -> dict[str, list[int]]:
    """The body rows of a table, by label: the numbers in the row (合計 row included)."""
    return {row[0][0]: [int(text) for text, _href in row[1:]] for row in tables.tables[caption]}


SERVICE = "公式アカウント（サービス別）"
BY_BUREAU = "公式アカウント（局別）"
BY_UNIT = "公式アカウント（所属別）"
STATUS = "アカウントの状態"
REQUESTS = "判断を待っている申請（提出からの営業日数）"
OVERDUE = "期限を過ぎた対応"
WATCH = "なりすまし・インシデント"
MONTHLY = "公式アカウント数の推移（各月末、過去24か月）"


# --- The seeded registry -----------------------------------------------------------------


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def _waiting(department: Department, requester, state: str, days_ago: int) -> ApprovalRequest:
    # A bulk officer change names no account: any number may wait at once.
    return ApprovalRequest.objects.create(
        kind=RequestKind.OFFICERS,
        state=state,
        department=department,
        requester=requester,
        round=1,
        submitted_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def registry(users, configure):
    """The demo registry, and around it one of everything the overview counts, in 経済観光局
    (the head's: 観光プロモーション課 411) and 危機管理局 (head2's: 危機管理課 511)."""
    configure(CHECKLIST=["R6", "R7", "R8", "R10", "R11", "R12", "R14"])
    today = timezone.localdate()
    now = timezone.now()
    # Nothing is due unless made so below (the demo's rotation date is a fixed day).
    OfficialAccount.objects.update(credentials_rotated_on=today, badge_status=BadgeStatus.OBTAINED)
    tourism, bousai = dept("411"), dept("511")

    def account(department, **fields):
        return OfficialAccountFactory(department=department, **fields)

    # Every state (an abandoned registration is counted nowhere).
    account(tourism, status=AccountStatus.DRAFT)
    account(tourism, status=AccountStatus.PENDING)
    account(bousai, status=AccountStatus.PENDING)
    account(tourism, status=AccountStatus.ABANDONED)
    account(
        tourism,
        status=AccountStatus.SUSPENDED,
        listed_at=now,
        suspension_notice="調査中です。",
        credentials_rotated_on=today,
        badge_status=BadgeStatus.OBTAINED,
    )
    account(
        bousai,
        status=AccountStatus.CLOSED,
        listed_at=now - timedelta(days=400),
        closed_at=now - timedelta(days=100),
    )
    # R7: badge not obtained 60 days after listing — two in 411, one in 511.
    for department in (tourism, tourism, bousai):
        account(
            department,
            status=AccountStatus.LISTED,
            listed_at=now - timedelta(days=60),
            badge_status=BadgeStatus.NOT_APPLIED,
            credentials_rotated_on=today,
        )
    # R10: password last changed 200 days ago (limit 180) — one in 411.
    account(
        tourism,
        status=AccountStatus.LISTED,
        listed_at=now,
        credentials_rotated_on=today - timedelta(days=200),
        badge_status=BadgeStatus.OBTAINED,
    )
    # R12: listed 13 months ago, never reviewed — one in 511.
    account(
        bousai,
        status=AccountStatus.LISTED,
        listed_at=now - timedelta(days=400),
        credentials_rotated_on=today,
        badge_status=BadgeStatus.OBTAINED,
    )
    # Requests waiting, of every age, at both steps.
    for days in (0, 6, 13, 30):
        _waiting(tourism, users["operator"], RequestState.AWAITING_HEAD, days)
    for days in (1, 20):
        _waiting(tourism, users["operator"], RequestState.AWAITING_PR, days)
    _waiting(bousai, users["operator2"], RequestState.AWAITING_HEAD, 2)
    _waiting(bousai, users["operator2"], RequestState.RETURNED, 40)  # not waiting: not counted
    # R17: two fakes of a tourism account and one of 防災 not taken down, one taken down.
    kanko = OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")
    bousai_x = OfficialAccount.objects.get(service__slug="x", identifier="sample_bousai")
    for n, (imitates, resolved) in enumerate(
        [(kanko, None), (kanko, None), (bousai_x, None), (bousai_x, now)]
    ):
        KnownImpersonation.objects.create(
            service=kanko.service,
            identifier=f"fake_{n}",
            url=f"https://www.instagram.com/fake_{n}/",
            warning="公式ではありません。",
            imitates=imitates,
            resolved_at=resolved,
            created_by=users["pr"],
        )
    ImpersonationReport.objects.create(reported_text="@fake_a")
    ImpersonationReport.objects.create(reported_text="@fake_b")
    ImpersonationReport.objects.create(
        reported_text="@fine", status=ReportStatus.DISMISSED, handled_at=now
    )
    # R18: open incidents — one on a tourism account, two on 防災 (the demo's is closed).
    for incident_account in (kanko, bousai_x, bousai_x):
        Incident.objects.create(
            account=incident_account,
            kind=IncidentKind.FLAMING,
            occurred_at=now,
            description="批判的な返信が続いています。",
            status=IncidentStatus.OPEN,
            recorded_by=users["pr"],
        )
    return today


def official(scope: set[int] | None = None):
    qs = OfficialAccount.objects.filter(status__in=PUBLIC_STATUSES)
    return qs if scope is None else qs.filter(department_id__in=scope)


def age_band(submitted: datetime, today: date) -> int:
    """Which band of AGE_BANDS a request submitted then is in (the oracle: counted day by day)."""
    age = working_days_between(timezone.localdate(submitted), today)
    return next((i for i, upper in enumerate(AGE_BANDS) if age <= upper), len(AGE_BANDS))


def expected_requests(scope: set[int] | None, today: date) -> list[list[int]]:
    qs = ApprovalRequest.objects.filter(
        state__in=[RequestState.AWAITING_HEAD, RequestState.AWAITING_PR]
    )
    if scope is not None:
        qs = qs.filter(department_id__in=scope)
    rows = [[0, 0] for _ in range(len(AGE_BANDS) + 1)]
    for req in qs:
        rows[age_band(req.submitted_at, today)][req.state == RequestState.AWAITING_PR] += 1
    return [[head, pr, head + pr] for head, pr in rows]


# --- Who may see it ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("pr", 200),
        ("admin", 200),
        ("head", 200),
        ("head2", 200),
        ("prhead", 200),
        ("operator", 403),
        ("manager", 403),
        ("operator2", 403),
    ],
)
def test_who_may_open_the_overview(client, users, username, status):
    client.force_login(users[username])
    response = client.get(URL)
    assert response.status_code == status
    # The menu offers it exactly to those it opens for.
    dashboard = client.get("/staff/").content.decode()
    assert ('href="/staff/overview/"' in dashboard) == (status == 200)


def test_anonymous_is_sent_to_the_login_page(client, demo):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


# --- The numbers -------------------------------------------------------------------------


def test_the_pr_division_sees_every_numbers_of_the_registry(client, users, registry):
    today = registry
    client.force_login(users["pr"])
    page = read(client.get(URL))

    by_service = numbers(page, SERVICE)
    for account_service in {a.service for a in official()}:
        listed = official().filter(service=account_service, status=AccountStatus.LISTED).count()
        suspended = official().filter(service=account_service, status="suspended").count()
        assert by_service[account_service.name] == [listed, suspended, listed + suspended]
    assert by_service["合計"][-1] == official().count()

    by_bureau = numbers(page, BY_BUREAU)
    for bureau in Department.objects.filter(kind=Department.Kind.BUREAU):
        in_bureau = official(descendant_ids(bureau.pk))
        total = in_bureau.count()
        if total:
            assert by_bureau[bureau.name][-1] == total
        else:
            assert bureau.name not in by_bureau
    # 3 demo accounts + 2 without a badge + 1 with an old password listed, 1 suspended.
    assert by_bureau["経済観光局"] == [6, 1, 7]
    assert by_bureau["合計"][-1] == official().count()

    by_status = numbers(page, STATUS)
    for status in AccountStatus:
        if status == AccountStatus.ABANDONED:
            assert status.label not in by_status
        else:
            count = OfficialAccount.objects.filter(status=status).count()
            assert by_status[status.label] == [count]
    assert by_status["廃止"] == [1]

    requests = list(numbers(page, REQUESTS).values())
    assert requests[:-1] == expected_requests(None, today)
    assert requests[-1] == [5, 2, 7]  # 合計: the returned request is not waiting

    assert numbers(page, OVERDUE) == {
        "定期見直し（棚卸し、R12）": [1],
        "パスワードの変更（R10）": [1],
        "認証バッジの取得（R7）": [3],
    }
    assert numbers(page, WATCH) == {
        "市民からの報告（未確認）": [2],
        "なりすまし（削除されていない）": [3],
        "インシデント（対応中）": [3],
    }


def test_a_head_sees_only_their_own_bureau(client, users, registry):
    today = registry
    scope = descendant_ids(dept("400").pk)
    client.force_login(users["head"])
    response = client.get(URL)
    page = read(response)
    text = response.content.decode()
    assert "経済観光局（その下の組織を含む）の数字です" in text

    by_service = numbers(page, SERVICE)
    assert by_service["合計"][-1] == official(scope).count() == 7
    assert "X（旧Twitter）" in by_service  # the factory's accounts (X) in 観光プロモーション課
    assert BY_BUREAU not in page.tables  # one 局: its units instead
    assert numbers(page, BY_UNIT) == {"観光部 観光プロモーション課": [6, 1, 7], "合計": [6, 1, 7]}
    assert numbers(page, STATUS) == {
        "下書き": [1],
        "承認待ち": [1],
        "公開中": [6],
        "一時停止中": [1],
        "廃止": [0],
    }
    requests = list(numbers(page, REQUESTS).values())
    assert requests[:-1] == expected_requests(scope, today)
    assert requests[-1] == [4, 2, 6]
    assert numbers(page, OVERDUE) == {
        "定期見直し（棚卸し、R12）": [0],
        "パスワードの変更（R10）": [1],
        "認証バッジの取得（R7）": [2],
    }
    # Citizens' reports name no department: the PR division's queue, not a head's figure.
    assert numbers(page, WATCH) == {
        "なりすまし（削除されていない）": [2],
        "インシデント（対応中）": [1],
    }
    # Nothing of another 局 reaches the page, not even in the chart data.
    assert "危機管理" not in text


def test_another_head_sees_their_own_bureau_not_the_first_ones(client, users, registry):
    client.force_login(users["head2"])
    page = read(client.get(URL))
    assert numbers(page, BY_UNIT) == {"危機管理課": [3, 0, 3], "合計": [3, 0, 3]}
    assert numbers(page, STATUS)["廃止"] == [1]
    assert numbers(page, OVERDUE)["定期見直し（棚卸し、R12）"] == [1]
    assert numbers(page, WATCH) == {
        "なりすまし（削除されていない）": [1],
        "インシデント（対応中）": [2],
    }


def test_the_chart_draws_the_numbers_of_its_table(client, users, registry):
    client.force_login(users["pr"])
    page = read(client.get(URL))
    chart = page.data["fig-service-data"]
    table = numbers(page, SERVICE)
    assert chart["type"] == "bar"
    assert chart["stacked"] is True
    for i, label in enumerate(chart["labels"]):
        assert [d["data"][i] for d in chart["datasets"]] == table[label][:2]
    # The monthly line draws the count only; the table also has listings and closures.
    monthly = page.data["fig-monthly-data"]
    assert [d["label"] for d in monthly["datasets"]] == ["公式アカウント数"]
    assert monthly["datasets"][0]["data"] == [row[0] for row in numbers(page, MONTHLY).values()]


def test_switched_off_reminders_are_named_not_counted(client, users, demo):
    """The default checklist has R7 but neither R10 nor R12 (core.municipality)."""
    client.force_login(users["pr"])
    response = client.get(URL)
    assert list(numbers(read(response), OVERDUE)) == ["認証バッジの取得（R7）"]
    assert "数えていません）：定期見直し（棚卸し、R12）、パスワードの変更（R10）" in (
        response.content.decode()
    )


# --- The links ---------------------------------------------------------------------------


def test_each_linked_count_is_what_the_staff_list_shows_behind_it(client, users, registry):
    """A count links to the staff list filtered by service, department, status or overdue:
    the list (staff.filters, the same conditions the page reads) holds exactly that many."""
    from staff.filters import StaffListFilter, filtered_accounts

    for username in ("pr", "head"):
        user = users[username]
        client.force_login(user)
        page = read(client.get(URL))
        checked = 0
        for caption in (SERVICE, BY_BUREAU, BY_UNIT, STATUS, OVERDUE):
            for row in page.tables.get(caption, []):
                for text, href in row[1:]:
                    if not href:
                        continue
                    parts = urlsplit(href)
                    assert parts.path == "/staff/accounts/"
                    flt = StaffListFilter.from_query(dict(parse_qsl(parts.query)))
                    assert not flt.ignored, href
                    listed = filtered_accounts(user, flt, day=registry).count()
                    assert listed == int(text), f"{username} {caption} {href}"
                    checked += 1
        assert checked >= 8, username


# --- Month by month ----------------------------------------------------------------------


def _month_start(today: date, back: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def test_the_monthly_count_adds_listings_and_takes_away_closures(client, users, demo):
    today = timezone.localdate()
    local = timezone.get_current_timezone()

    def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=local)

    section = dept("411")
    # Listed before the window, still official.
    OfficialAccountFactory(department=section, listed=True, listed_at=at(_month_start(today, 30)))
    # Listed before the window, closed inside it (five months ago).
    OfficialAccountFactory(
        department=section,
        status=AccountStatus.CLOSED,
        listed_at=at(_month_start(today, 30)),
        closed_at=at(_month_start(today, 5), 10),
    )
    # Listed just after midnight, Japan time, on the first of a month (the day before in UTC):
    # it counts in that month, not the one before.
    OfficialAccountFactory(
        department=section, listed=True, listed_at=at(_month_start(today, 10), 0, 30)
    )
    # Listed and closed in the same month: in the table's columns, not in the month-end count.
    OfficialAccountFactory(
        department=section,
        status=AccountStatus.CLOSED,
        listed_at=at(_month_start(today, 3), 9),
        closed_at=at(_month_start(today, 3) + timedelta(days=5)),
    )
    client.force_login(users["pr"])
    rows = list(numbers(read(client.get(URL)), MONTHLY).items())
    assert len(rows) == 24

    # The oracle: every account, one by one, at each month's end (this month: now).
    accounts = list(OfficialAccount.objects.filter(listed_at__isnull=False))
    for back, (label, (count, added, removed)) in zip(range(23, -1, -1), rows, strict=True):
        start = _month_start(today, back)
        assert label == f"{start.year}年{start.month}月"
        end = (
            timezone.now() + timedelta(seconds=1)
            if back == 0
            else at(_month_start(today, back - 1), 0)
        )
        begin = at(start, 0)
        assert count == sum(
            1 for a in accounts if a.listed_at < end and (a.closed_at is None or a.closed_at >= end)
        ), label
        assert added == sum(1 for a in accounts if begin <= a.listed_at < end), label
        assert removed == sum(1 for a in accounts if a.closed_at and begin <= a.closed_at < end), (
            label
        )
    assert rows[-1][1][0] == official().count()
    assert rows[13][1][1] == 1  # ten months ago: the one listed at 00:30 on the first
    assert rows[18][1][2] == 1
    assert rows[20][1][1:] == [1, 1]


# --- The bands of working days -----------------------------------------------------------


@pytest.mark.parametrize(
    "today",
    # Ordinary weeks, a Monday, Golden Week, the year-end closure (12/29–1/3), a Sunday.
    [date(2026, 11, 27), date(2026, 11, 30), date(2026, 5, 7), date(2027, 1, 5), date(2026, 1, 4)],
)
def test_each_band_starts_where_its_working_days_run_out(today):
    for upper in AGE_BANDS:
        first = earliest_within(today, upper)
        assert working_days_between(first, today) <= upper
        assert working_days_between(first - timedelta(days=1), today) > upper


# --- The cost ----------------------------------------------------------------------------


def _more(users, n: int) -> None:
    """``n`` more listed accounts, each with a waiting request, an open incident and a fake."""
    seed_bulk_accounts(n)
    fresh = OfficialAccount.objects.filter(identifier__startswith="bulk").exclude(
        incidents__isnull=False
    )[:n]
    for i, acct in enumerate(fresh):
        _waiting(acct.department, users["operator"], RequestState.AWAITING_HEAD, i % 30)
        Incident.objects.create(
            account=acct,
            kind=IncidentKind.OTHER,
            occurred_at=timezone.now(),
            description="確認中。",
            recorded_by=users["pr"],
        )
        KnownImpersonation.objects.create(
            service=acct.service,
            identifier=f"fake_bulk_{acct.pk}",
            url=f"https://x.com/fake_bulk_{acct.pk}",
            warning="公式ではありません。",
            imitates=acct,
            created_by=users["pr"],
        )


@pytest.mark.parametrize("username", ["pr", "head"])
def test_the_query_count_does_not_grow_with_the_registry(client, users, configure, username):
    configure(CHECKLIST=["R6", "R7", "R8", "R10", "R11", "R12", "R14"])
    client.force_login(users[username])
    client.get(URL)  # the session and the configuration read once

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    _more(users, 5)
    small = cost()
    _more(users, 120)
    assert OfficialAccount.objects.count() > 130
    large = cost()
    assert small == large, f"{small} queries with ~17 accounts, {large} with ~137"
    assert large <= 30
