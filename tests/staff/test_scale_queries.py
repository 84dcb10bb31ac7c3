"""Every staff page at 100 000 accounts (issue 12 §4): the same number of queries with few and
with many accounts — the account list in every order and filter, the dashboard, the account
page and the request page — for the PR division, an operator, a head and the system
administrator; and on PostgreSQL, the list's pages read from their order indexes."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import services
from approvals.models import Action, RequestKind
from demo.data import seed_bulk_accounts
from organization.models import Department
from tests.workflow import CHECKLIST_ON

pytestmark = pytest.mark.django_db

LIST = reverse("staff_accounts:list")
USERS = ("pr", "operator", "head", "admin")
# Every order, the grouped orders' second page (it may span two services or units), the
# filters, and keywords; each shows at least one account for every user in the demo.
LIST_QUERIES = (
    "",
    "sort=service",
    "sort=department",
    "sort=updated",
    "sort=listed",
    "sort=service&page=2",
    "sort=department&page=2",
    "sort=listed&page=2",
    "page=2",
    f"q={quote('かんこう')}",
    f"q={quote('観光')}&sort=department",
    f"q={quote('ｻﾝﾌﾟﾙ')}&sort=listed",
    "status=listed&sort=updated",
    "service=instagram",
    "department=BUREAU",
    "department=BUREAU&sort=service",
)


def change_request(users):
    """A change request returned once and submitted again, waiting for the head: the
    request page then shows the proposal, the comparison and the changes since the return."""
    operator, head = users["operator"], users["head"]
    account = operator.department.accounts.filter(status="listed").order_by("pk").first()
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=account)
    hours = "policy-operating_hours"
    services.request_submit(
        req=req,
        actor=operator,
        data={**req.payload, hours: "平日9時から17時まで。", **CHECKLIST_ON},
    )
    services.request_decide(req=req, actor=head, action=Action.RETURN, comment="見直し")
    req.refresh_from_db()
    services.request_submit(
        req=req,
        actor=operator,
        data={**req.payload, hours: "平日8時から17時まで。", **CHECKLIST_ON},
    )
    return req, account


def query_counts(client, users, pages: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    counts = {}
    for username, url in pages:
        client.force_login(users[username])
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (username, url)
        counts[username, url] = len(ctx.captured_queries)
    return counts


def test_every_staff_page_runs_as_many_queries_for_65_accounts_as_for_5(client, users, configure):
    req, account = change_request(users)
    configure(CHECKLIST=["R7", "R10", "R12"])  # the overdue filters and reminders too
    bureau = Department.objects.get(code="400")  # the head's 局, above the operator's 課
    pages = [
        (username, f"{LIST}?{query.replace('BUREAU', str(bureau.pk))}")
        for username in USERS
        for query in LIST_QUERIES
    ]
    pages += [(username, reverse("staff:dashboard")) for username in USERS]
    pages += [
        (username, reverse("staff_accounts:detail", args=[account.pk]))
        for username in ("pr", "operator", "head")
    ]
    pages += [
        (username, reverse("staff:request_detail", args=[req.pk]))
        for username in ("pr", "operator", "head")
    ]
    seed_bulk_accounts(5)
    few = query_counts(client, users, pages)
    seed_bulk_accounts(60)  # every service and unit: pages 2 of the grouped orders exist now
    many = query_counts(client, users, pages)
    grew = {page: (few[page], many[page]) for page in pages if few[page] != many[page]}
    assert not grew, f"queries (5 accounts, 65 accounts): {grew}"
    # Each proposal on the request page is validated against the database once, not once per
    # part of the page (a resubmitted change took 117 queries before issue 12).
    assert many["head", reverse("staff:request_detail", args=[req.pk])] <= 80


def test_the_request_page_reads_the_department_tree_once(client, users):
    """Issue 12 §4: the proposal, the comparison and the previous round each build the request
    form, whose department choices need the tree; the page reads it once."""
    req, _account = change_request(users)
    client.force_login(users["head"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("staff:request_detail", args=[req.pk]))
    assert response.status_code == 200
    tree_reads = [
        q["sql"]
        for q in ctx.captured_queries
        if 'FROM "organization_department"' in q["sql"] and '"parent_id" AS' in q["sql"]
    ]
    assert len(tree_reads) == 1, tree_reads


def test_a_grouped_order_pages_through_every_account_once(client, users):
    """The service and department orders read a page from one or two groups: together the
    pages are the whole list, in the export's order, with no account twice or missing."""
    from django.utils import timezone

    from staff.filters import StaffListFilter, filtered_accounts, staff_page

    seed_bulk_accounts(120)
    pr = users["pr"]
    day = timezone.localdate()
    for sort in ("service", "department", "listed"):
        flt = StaffListFilter(sort=sort)
        expected = list(filtered_accounts(pr, flt, day=day).values_list("pk", flat=True))
        shown, number = [], 1
        while True:
            page = staff_page(pr, flt, str(number), day=day)
            shown += [a.pk for a in page.object_list]
            if not page.has_next():
                break
            number += 1
        assert page.paginator.count == len(expected)
        assert shown == expected, sort


# --- PostgreSQL: the pages are read from the order indexes -----------------------------------


def page_queries(client, user, query: str) -> list[str]:
    """The SQL of the list page that reads a page's ids (or a group's slice of them)."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"{LIST}?{query}").status_code == 200
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "accounts_officialaccount"."id" AS "pk"')
        and "ORDER BY" in q["sql"]
    ]


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL's EXPLAIN")
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("", "account_name_order"),
        ("page=2", "account_name_order"),
        ("sort=updated", "account_updated_order"),
        ("sort=listed", "account_listed_order"),
        ("sort=service", "account_service_order"),
        ("sort=department", "account_department_order"),
    ],
)
def test_the_pr_divisions_list_is_read_from_its_order_index(client, users, query, index):
    """Where a page is cut (LIMIT … OFFSET), its rows come in order from the sort's own index
    — not from sorting every account (issue 12 §4); a grouped order then sorts only the 50
    rows of the page. The table is small in a test, where reading it all is cheapest: with
    reading the table and sorting priced out, the plan cuts an index scan exactly when an
    index gives the order."""
    seed_bulk_accounts(120)
    sql = page_queries(client, users["pr"], query)
    assert sql, "no page query found"
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        for statement in sql:
            cursor.execute("EXPLAIN " + statement)
            plan = [row[0] for row in cursor.fetchall()]
            cuts = [i for i, line in enumerate(plan) if line.lstrip(" ->").startswith("Limit")]
            assert cuts, plan
            for i in cuts:
                assert f"using {index} on" in plan[i + 1], "\n".join(plan)
