"""The staff account list at 20 000 accounts (issue 11 §4): search with the public list's
Japanese folding, filters (service, 局/課, status, overdue), sort, pages of 50, a constant
number of queries, and every parameter from the URL survived."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountStatus, BadgeStatus, OfficialAccount
from core.municipality import get_municipality
from organization.models import Department
from reviews.models import AccountReview, ReviewOutcome
from reviews.selectors import add_months
from tests.factories import OfficialAccountFactory, service

pytestmark = pytest.mark.django_db

LIST = reverse("staff_accounts:list")


def names(response) -> list[str]:
    """The account names in the table, in order."""
    html = response.content.decode()
    table = html[html.index("<table") : html.index("</table>")]
    return re.findall(r'href="/staff/accounts/\d+/">([^<]+)</a>', table)


def get(client, user, query: str = ""):
    client.force_login(user)
    return client.get(f"{LIST}?{query}" if query else LIST)


def section(code: str) -> Department:
    return Department.objects.get(code=code)


def add_accounts(n: int, *, department: Department, prefix: str = "追加") -> None:
    """``n`` accounts of ``department`` in several states and services."""
    states = [AccountStatus.LISTED, AccountStatus.DRAFT, AccountStatus.SUSPENDED]
    slugs = ["x", "instagram", "youtube", "facebook"]
    for i in range(n):
        status = states[i % len(states)]
        OfficialAccountFactory(
            display_name=f"サンプル市{prefix}{i:03d}",
            department=department,
            service=service(slugs[i % len(slugs)]),
            status=status,
            listed_at=timezone.now() if status != AccountStatus.DRAFT else None,
            suspension_notice="停止中です。" if status == AccountStatus.SUSPENDED else "",
        )


# --- The number of queries does not grow with the number of accounts -------------------------


def count_queries(client, user, query: str = "") -> tuple[int, int]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return len(ctx.captured_queries), len(names(response))


@pytest.mark.parametrize("username", ["pr", "operator", "head"])
@pytest.mark.parametrize(
    "query", ["", "q=さんぷる&sort=department", "status=listed&sort=updated", "overdue=review"]
)
def test_the_number_of_queries_is_the_same_for_5_and_60_accounts(
    client, users, configure, username, query
):
    configure(CHECKLIST=["R7", "R10", "R12"])
    tourism = section("411")  # the operator's own 課, under the head's 局
    add_accounts(5, department=tourism)
    few, shown_few = count_queries(client, users[username], query)
    add_accounts(55, department=tourism, prefix="さらに")
    many, shown_many = count_queries(client, users[username], query)
    assert few == many, f"{few} queries for 5 accounts, {many} for 60"
    assert shown_many >= shown_few
    if not query:
        assert shown_many == 50  # pages of 50


# --- Scope: what accounts_for(user) shows, no more -------------------------------------------


def test_an_operator_never_finds_another_departments_account(client, users, bousai_account):
    for query in ("", "q=ぼうさい", f"department={bousai_account.department_id}", "sort=service"):
        shown = names(get(client, users["operator"], query))
        assert "サンプル市防災" not in shown, query
    assert "サンプル市防災" in names(get(client, users["pr"], "q=ぼうさい"))


def test_the_list_shows_every_account_of_the_scope_but_abandoned_ones(client, users):
    add_accounts(3, department=section("411"))
    OfficialAccountFactory(
        display_name="サンプル市取り下げ", department=section("411"), status="abandoned"
    )
    visible = OfficialAccount.objects.exclude(status=AccountStatus.ABANDONED).count()
    response = get(client, users["pr"])
    assert f"{visible}件" in response.content.decode()
    assert "サンプル市取り下げ" not in names(get(client, users["pr"], "q=取り下げ"))


# --- Search: the public list's Japanese folding ----------------------------------------------


@pytest.mark.parametrize("typed", ["観光", "かんこう", "カンコウ", "ｶﾝｺｳ", "ｻﾝﾌﾟﾙ市 かんこう"])
def test_search_finds_the_tourism_accounts_however_it_is_typed(client, users, typed):
    shown = names(get(client, users["pr"], f"q={quote(typed)}"))
    assert shown == ["サンプル市観光"] * 3


def test_search_by_id_and_department(client, users):
    assert names(get(client, users["pr"], "q=SAMPLE_BOUSAI")) == ["サンプル市防災"]
    assert set(names(get(client, users["pr"], "q=危機管理"))) == {"サンプル市防災"}


# --- Filters ------------------------------------------------------------------------------


def test_filter_by_service(client, users):
    shown = names(get(client, users["pr"], "service=instagram"))
    assert shown == ["サンプル市観光"]


def test_a_bureau_includes_the_sections_below_it(client, users):
    bureau = section("400")  # 経済観光局
    other = Department.objects.create(
        name="商工課", kind=Department.Kind.SECTION, code="421", parent=section("411").parent
    )
    OfficialAccountFactory(
        display_name="サンプル市商工", department=other, status="listed", listed_at=timezone.now()
    )
    shown = names(get(client, users["pr"], f"department={bureau.pk}"))
    assert sorted(shown) == ["サンプル市商工", *["サンプル市観光"] * 3]
    only_tourism = names(get(client, users["pr"], "department=" + str(section("411").pk)))
    assert only_tourism == ["サンプル市観光"] * 3


def test_filter_by_status(client, users):
    add_accounts(3, department=section("411"))  # listed, draft, suspended
    assert names(get(client, users["pr"], "status=draft")) == ["サンプル市追加001"]
    assert names(get(client, users["pr"], "status=suspended")) == ["サンプル市追加002"]


def test_overdue_review_uses_the_reminders_rule(client, users, configure, tourism_account):
    """R12: due ``review_months`` after the last review (``reviews.selectors``); a due date
    before today is overdue, today's is not yet (as on the dashboard)."""
    configure(CHECKLIST=["R7", "R10", "R12"])
    today = timezone.localdate()
    months = get_municipality().intervals.review_months
    bousai = OfficialAccount.objects.get(display_name="サンプル市防災")
    for account, reviewed_on in [
        (tourism_account, add_months(today, -months) - timedelta(days=1)),  # due yesterday
        (bousai, add_months(today, -months)),  # due today: not overdue yet
    ]:
        AccountReview.objects.create(
            account=account,
            reviewed_by=users["pr"],
            reviewed_on=reviewed_on,
            outcome=ReviewOutcome.CONFIRMED,
        )
    response = get(client, users["pr"], "overdue=review")
    assert names(response) == ["サンプル市観光"]
    assert "定期見直し（棚卸し）の期限切れ" in response.content.decode()


def test_overdue_credentials_and_badge(client, users, configure, tourism_account):
    configure(CHECKLIST=["R7", "R10", "R12"])
    OfficialAccount.objects.update(credentials_rotated_on=timezone.localdate())
    OfficialAccount.objects.filter(pk=tourism_account.pk).update(
        credentials_rotated_on=timezone.localdate() - timedelta(days=2000)
    )
    assert names(get(client, users["pr"], "overdue=credentials")) == ["サンプル市観光"]
    # R7: a badge still pending ``badge_days`` after listing, on a service that offers one.
    OfficialAccount.objects.update(badge_status=BadgeStatus.OBTAINED)
    OfficialAccount.objects.filter(pk=tourism_account.pk).update(
        badge_status=BadgeStatus.APPLIED, listed_at=timezone.now() - timedelta(days=400)
    )
    assert names(get(client, users["pr"], "overdue=badge")) == ["サンプル市観光"]


def test_an_overdue_filter_of_a_rule_switched_off_is_not_offered(client, users, configure):
    configure(CHECKLIST=["R7"])  # no R10, no R12
    response = get(client, users["pr"], "overdue=review")
    html = response.content.decode()
    assert 'value="review"' not in html
    assert "読み取れない条件" in html
    assert "期限切れ" in html
    assert len(names(response)) == OfficialAccount.objects.count()


# --- Sort and pages ------------------------------------------------------------------------


def test_sort_orders(client, users):
    by_name = names(get(client, users["pr"], "sort=name"))
    assert by_name == sorted(by_name)
    OfficialAccount.objects.filter(display_name="サンプル市防災").update(
        listed_at=timezone.now() + timedelta(days=1)
    )
    assert names(get(client, users["pr"], "sort=listed"))[0] == "サンプル市防災"
    blog = OfficialAccount.objects.get(display_name="サンプル市生涯学習ブログ")
    blog.save()  # updated now
    assert names(get(client, users["pr"], "sort=updated"))[0] == "サンプル市生涯学習ブログ"
    x_first = OfficialAccount.objects.filter(service__slug="x").order_by("display_name")
    shown = names(get(client, users["pr"], "sort=service"))
    assert shown[:3] == [a.display_name for a in x_first]  # X first (its sort_order)
    by_department = names(get(client, users["pr"], "sort=department"))
    assert by_department[0] == "サンプル市公式"  # 総務局 広報課, first in the organisation
    assert by_department[-1] == "サンプル市生涯学習ブログ"  # 教育委員会, last


def test_pages_of_50_keep_the_filters(client, users):
    add_accounts(70, department=section("411"), prefix="頁")
    first = get(client, users["pr"], "q=頁&sort=name")
    html = first.content.decode()
    assert len(names(first)) == 50
    assert "70件（1/2ページ" in html
    assert "?q=%E9%A0%81&amp;page=2" in html  # the next page keeps the search
    second = get(client, users["pr"], "q=頁&page=2")
    assert names(second) == [f"サンプル市頁{i:03d}" for i in range(50, 70)]
    # The export buttons carry the same conditions.
    assert f"{reverse('staff_accounts:export_csv')}?q=%E9%A0%81" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sort=password", "並び順"),
        ("sort=display_name%3B%20DROP%20TABLE", "並び順"),
        ("status=abandoned", "状態"),
        ("status=%00", "状態"),
        ("department=abc", "運用部署"),
        ("department=%EF%BC%91", "運用部署"),  # a full-width 1
        ("overdue=everything", "期限切れ"),
    ],
)
def test_a_condition_that_cannot_be_read_is_ignored_and_said(client, users, query, message):
    response = get(client, users["pr"], query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "読み取れない条件があったため" in html
    assert message in html
    assert len(names(response)) == OfficialAccount.objects.count()


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=-1",
        f"page={10**9}",
        f"page={10**30}",
        "page=%00",
        "q=%00",
        "q=%E8%A6%B3%0D%0A%E5%85%89",
        "q=%ff%fe",
        "service=%0D%0Ax",
        f"q={'x' * 10_000}",
    ],
)
def test_hostile_parameters_give_a_page_never_a_500(client, users, query):
    response = get(client, users["pr"], query)
    assert response.status_code == 200
    assert "アカウント" in response.content.decode()


def test_a_huge_search_is_cut_and_said(client, users):
    response = get(client, users["pr"], "q=" + "観" * 1_000_000)
    html = response.content.decode()
    assert response.status_code == 200
    assert "キーワードが長すぎます（100文字まで）" in html
    assert "観" * 100 + '"' in html
    assert "観" * 101 not in html


def test_a_page_past_the_end_shows_the_last_page(client, users):
    add_accounts(60, department=section("411"))
    response = get(client, users["pr"], f"page={10**9}")
    assert "/2ページ" in response.content.decode()
    assert len(names(response)) == OfficialAccount.objects.count() - 50


# --- Other pages that share the table --------------------------------------------------------


def test_the_dashboard_still_lists_my_accounts(client, users):
    client.force_login(users["operator"])
    response = client.get(reverse("staff:dashboard"))
    assert response.status_code == 200
    assert "サンプル市観光" in response.content.decode()
    assert "公開日</th>" not in response.content.decode()  # the list's extra columns only


def test_export_buttons_only_for_those_who_may_export(client, users):
    for username, shown in [
        ("pr", True),
        ("admin", True),
        ("head", True),
        ("operator", False),
        ("manager", False),
    ]:
        html = get(client, users[username]).content.decode()
        assert ("CSVで書き出す" in html) is shown, username
