"""The account list as a file for the PR division (issue 11 §2): .xlsx and CSV, filtered like
the list, every page, for the roles ``can_export_accounts`` allows, safe to open in Excel."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import OfficerRole, OfficialAccount
from accounts.permissions import can_export_accounts
from approvals import services
from approvals.models import RequestKind
from impersonation.models import KnownImpersonation
from incidents.models import Incident, IncidentKind
from organization.models import Department
from reviews.models import AccountReview, ReviewOutcome
from staff.exports import neutralise, to_xlsx
from tests.factories import OfficerFactory, OfficialAccountFactory

pytestmark = pytest.mark.django_db

CSV = reverse("staff_accounts:export_csv")
XLSX = reverse("staff_accounts:export_xlsx")


def read_csv(response) -> list[dict[str, str]]:
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    text = body.decode("utf-8-sig")
    assert "\r\n" in text, "CRLF line ends"
    assert "\n" not in text.replace("\r\n", ""), "no bare LF"
    return list(csv.DictReader(io.StringIO(text, newline="")))


def read_xlsx(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def export(client, user, url=CSV, query=""):
    client.force_login(user)
    return client.get(f"{url}?{query}" if query else url)


# --- Who may export (every role) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("operator", 403),
        ("operator2", 403),
        ("manager", 403),
        ("head", 200),
        ("head2", 200),
        ("prhead", 200),
        ("pr", 200),
        ("admin", 200),
    ],
)
@pytest.mark.parametrize("url", [CSV, XLSX])
def test_who_may_export(client, users, username, status, url):
    response = export(client, users[username], url)
    assert response.status_code == status
    assert can_export_accounts(users[username]) is (status == 200)
    if status == 403:
        assert "権限" in response.content.decode() or "アクセス" in response.content.decode()


def test_anonymous_people_are_sent_to_the_login_page(client, demo):
    for url in (CSV, XLSX):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("staff:login") in response["Location"]


def test_an_inactive_head_may_not_export(users):
    head = users["head"]
    head.is_active = False
    assert not can_export_accounts(head)


def test_a_head_exports_their_own_scope_the_pr_division_everything(client, users):
    head_rows = read_csv(export(client, users["head"]))
    assert {r["アカウント名"] for r in head_rows} == {"サンプル市観光"}
    assert {r["局"] for r in head_rows} == {"経済観光局"}
    head2_rows = read_csv(export(client, users["head2"]))
    assert [r["アカウント名"] for r in head2_rows] == ["サンプル市防災"]
    pr_rows = read_csv(export(client, users["pr"]))
    assert len(pr_rows) == OfficialAccount.objects.count()


# --- What is in it -----------------------------------------------------------------------------


def test_the_export_is_filtered_like_the_list_without_pages(client, users):
    section = Department.objects.get(code="411")
    for i in range(60):
        OfficialAccountFactory(display_name=f"サンプル市頁{i:02d}", department=section)
    assert read_csv(export(client, users["pr"], query="q=ぼうさい+頁")) == []  # every word
    # 頁 reads ぺーじ (pykakasi): the reading is searched too.
    assert len(read_csv(export(client, users["pr"], query="q=ページ"))) == 60
    rows = read_csv(export(client, users["pr"], query="q=頁&sort=name"))
    assert [r["アカウント名"] for r in rows] == [f"サンプル市頁{i:02d}" for i in range(60)]
    rows = read_csv(export(client, users["pr"], query="q=ｶﾝｺｳ&service=instagram"))
    assert [r["アカウント名"] for r in rows] == ["サンプル市観光"]


def test_every_column(client, users, tourism_account):
    """Service, URL, ID, name, よみ, 局, 課, status, the three officers, badge, rotation,
    last review, open requests, open incidents and impersonations."""
    AccountReview.objects.create(
        account=tourism_account,
        reviewed_by=users["manager"],
        reviewed_on=date(2026, 9, 30),
        outcome=ReviewOutcome.CONFIRMED,
    )
    services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    for _ in range(2):
        Incident.objects.create(
            account=tourism_account,
            kind=IncidentKind.choices[0][0],
            occurred_at=timezone.now(),
            description="誤った情報を投稿した。",
            recorded_by=users["manager"],
        )
    KnownImpersonation.objects.create(
        service=tourism_account.service,
        identifier="fake_kanko",
        url="https://www.instagram.com/fake_kanko/",
        warning="偽物です。",
        imitates=tourism_account,
        created_by=users["pr"],
    )
    rows = read_csv(export(client, users["pr"], query="service=instagram"))
    assert rows == [
        {
            "サービス": "Instagram",
            "URL": "https://www.instagram.com/sample_city_kanko/",
            "アカウントID": "'@sample_city_kanko",  # "@" opens a formula in Excel
            "アカウント名": "サンプル市観光",
            "よみ": "さんぷるしかんこう",
            "局": "経済観光局",
            "課": "観光部 観光プロモーション課",
            "状態": "公開中",
            "アカウント責任者": "高橋 健",
            "アカウント管理者": "鈴木 一郎",
            "担当者": "佐藤 花子",
            "認証バッジ": "取得済み",
            "パスワード最終変更日": "2026-10-01",
            "最終見直し日": "2026-09-30",
            "処理中の申請": "変更（下書き）",
            "対応中のインシデント（件）": "2",
            "掲載中のなりすまし（件）": "1",
            "公開日": timezone.localdate(tourism_account.listed_at).isoformat(),
        }
    ]
    xlsx = read_xlsx(export(client, users["pr"], XLSX, query="service=instagram"))
    assert len(xlsx) == 1
    row = xlsx[0]
    assert row["アカウントID"] == "@sample_city_kanko"  # a text cell, shown as typed
    assert row["最終見直し日"].date() == date(2026, 9, 30)  # a real date cell
    assert row["対応中のインシデント（件）"] == 2
    assert row["掲載中のなりすまし（件）"] == 1
    assert xlsx_row_zero_counts(client, users)
    assert row["担当者"] == "佐藤 花子"


def xlsx_row_zero_counts(client, users) -> bool:
    """No incident is 0 in the file, not an empty cell."""
    rows = read_xlsx(export(client, users["pr"], XLSX, query="service=x"))
    return {r["対応中のインシデント（件）"] for r in rows} == {0}


# --- Safe to open in a spreadsheet -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ['=HYPERLINK("http://evil")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1"],
)
def test_formula_injection_is_neutralised(client, users, tourism_account, typed):
    tourism_account.officers.filter(role=OfficerRole.OPERATOR).delete()
    OfficerFactory(account=tourism_account, role=OfficerRole.OPERATOR, name=typed)
    rows = read_csv(export(client, users["pr"], query="service=instagram"))
    assert rows[0]["担当者"] == f"'{typed}"
    OfficialAccount.objects.filter(pk=tourism_account.pk).update(display_name=typed)
    rows = read_csv(export(client, users["pr"]))
    assert f"'{typed}" in [r["アカウント名"] for r in rows]


def test_the_xlsx_never_holds_a_formula(tmp_path):
    body = to_xlsx(
        [["=1+1", "+cmd", "#N/A", "ベル\x07文字", date(2026, 1, 2), 3, None]],
        headers=[(h, 10) for h in "abcdefg"],
    )
    sheet = load_workbook(io.BytesIO(body)).active
    cells = next(iter(sheet.iter_rows(min_row=2)))
    assert [c.data_type for c in cells[:3]] == ["s", "s", "s"]  # text, not formula or error
    assert [c.value for c in cells[:4]] == ["=1+1", "+cmd", "#N/A", "ベル文字"]
    assert cells[0].quotePrefix
    assert cells[1].quotePrefix
    assert cells[4].is_date
    assert cells[5].value == 3
    assert cells[6].value is None


def test_neutralise_leaves_ordinary_text_alone():
    assert neutralise("サンプル市観光") == "サンプル市観光"
    assert neutralise("https://x.com/a") == "https://x.com/a"
    assert neutralise("=1") == "'=1"


# --- Headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "ext", "mime"), [(CSV, "csv", "text/csv"), (XLSX, "xlsx", "spreadsheetml")]
)
def test_a_japanese_file_name_and_no_caching(client, users, url, ext, mime):
    response = export(client, users["pr"], url)
    assert mime in response["Content-Type"]
    assert "no-store" in response["Cache-Control"].split(", ")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    day = timezone.localdate().strftime("%Y%m%d")
    assert f'filename="accounts_{day}.{ext}"' in disposition  # ASCII, for older clients
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == f"公式アカウント一覧_{day}.{ext}"  # RFC 5987


# --- Constant number of queries ------------------------------------------------------------------


def add_accounts(n: int, users) -> None:
    section = Department.objects.get(code="411")
    for i in range(n):
        account = OfficialAccountFactory(
            display_name=f"サンプル市追加{i}",
            department=section,
            status="listed",
            listed_at=timezone.now() - timedelta(days=i),
        )
        for role in (OfficerRole.RESPONSIBLE, OfficerRole.MANAGER, OfficerRole.OPERATOR):
            OfficerFactory(account=account, role=role, user=users["head"] if i % 2 else None)
        AccountReview.objects.create(
            account=account,
            reviewed_by=users["manager"],
            reviewed_on=timezone.localdate(),
            outcome=ReviewOutcome.CONFIRMED,
        )
        Incident.objects.create(
            account=account,
            kind=IncidentKind.choices[0][0],
            occurred_at=timezone.now(),
            description="起きたこと",
            recorded_by=users["manager"],
        )
        services.request_create(kind=RequestKind.CHANGE, actor=users["operator"], account=account)


@pytest.mark.parametrize("username", ["pr", "head"])
@pytest.mark.parametrize("url", [CSV, XLSX])
def test_the_number_of_queries_is_the_same_for_5_and_60_accounts(client, users, username, url):
    client.force_login(users[username])

    def run() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        rows = read_csv(response) if url == CSV else read_xlsx(response)
        return len(ctx.captured_queries), len(rows)

    add_accounts(5, users)
    few, rows_few = run()
    add_accounts(55, users)
    many, rows_many = run()
    assert rows_many == rows_few + 55
    assert few == many, f"{few} queries for 5 accounts, {many} for 60"
