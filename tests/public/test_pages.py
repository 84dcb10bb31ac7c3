"""The citizens' pages: what is listed, what is not, and what is never shown."""

from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import strip_tags

from accounts.models import AccountStatus, IdentifierSource, OfficialAccount
from accounts.renames import record_former_identifier
from tests.factories import OfficialAccountFactory
from tests.workflow import change_account, close_account

pytestmark = pytest.mark.django_db


def names(response) -> str:
    return response.content.decode()


def test_list_shows_listed_and_suspended_accounts_only(client, demo):
    listed = OfficialAccount.objects.filter(status=AccountStatus.LISTED).first()
    suspended = OfficialAccount.objects.exclude(pk=listed.pk).filter(status="listed").first()
    suspended.suspend(notice="不正アクセスの調査のため停止しています。")
    suspended.save()
    hidden = [
        OfficialAccountFactory(display_name="下書きのアカウント"),
        OfficialAccountFactory(display_name="承認待ちのアカウント", status="pending"),
        OfficialAccountFactory(display_name="不採用のアカウント", status="abandoned"),
    ]
    page = names(client.get("/"))
    assert listed.display_name in page
    assert "一時停止中" in page
    assert "不正アクセスの調査のため停止しています。" in page
    for account in hidden:
        assert account.display_name not in page
        assert client.get(reverse("public:account_detail", args=[account.pk])).status_code == 404


def test_closed_account_moves_to_the_formerly_official_list(client, users, tourism_account):
    close_account(tourism_account, users)
    assert "@sample_city_kanko" not in names(client.get("/?service=instagram"))
    closed = names(client.get(reverse("public:closed_list")))
    assert tourism_account.display_name in closed
    assert tourism_account.closed_at.strftime("%Y年") in closed
    tombstone = names(client.get(reverse("public:account_detail", args=[tourism_account.pk])))
    assert "廃止しました" in tombstone
    assert "運用ポリシー" in tombstone  # the record and its policy stay readable


def test_filter_by_service_and_by_a_bureau_including_its_sections(client, demo):
    x_page = names(client.get("/?service=x"))
    assert "@sample_bousai" in x_page
    assert "@sample_city_kanko" not in x_page
    from organization.models import Department

    bureau = Department.objects.get(code="400")  # 経済観光局 → 観光部 → 観光プロモーション課
    page = names(client.get(f"/?department={bureau.pk}"))
    assert "@sample_city_kanko" in page
    assert "@sample_bousai" not in page


@pytest.mark.parametrize(
    "query",
    [
        "サンプル市防災",
        "ｻﾝﾌﾟﾙ市防災",
        "さんぷる市防災",
        "SAMPLE_BOUSAI",
        "ｓａｍｐｌｅ＿ｂｏｕｓａｉ",
        "防災 危機管理",
    ],
)
def test_search_folds_width_kana_and_case(client, demo, query):
    """The same answer on SQLite and PostgreSQL: folding is done in Python (accounts/search.py)."""
    page = names(client.get("/", {"q": query}))
    assert "@sample_bousai" in page
    assert "1件" in page


def test_garbage_filters_are_ignored_not_errors(client, demo):
    for params in ({"department": "abc"}, {"service": "nope"}, {"page": "999"}, {"q": "x" * 500}):
        assert client.get("/", params).status_code == 200


def test_pagination(client, demo):
    call_command("seed_demo", accounts=60)
    first = names(client.get("/"))
    assert "72件（1/2ページ）" in first
    assert "次へ" in first
    assert client.get("/", {"page": 2}).status_code == 200


def test_account_page_shows_the_policy_and_never_staff_names(client, tourism_account):
    page = names(client.get(reverse("public:account_detail", args=[tourism_account.pk])))
    assert tourism_account.display_name in page
    assert "経済観光局 観光部 観光プロモーション課" in page
    assert "運用ポリシー" in page
    assert "免責事項" in page
    # The QR code of the permalink, as an image the browser keeps (see the QR test below).
    qr = reverse("public:account_qr", args=[tourism_account.pk])
    assert f'src="{qr}"' in page
    for officer in tourism_account.officers.select_related("user"):
        person = officer.user.last_name if officer.user else officer.name
        assert person not in page
    assert tourism_account.registration_email not in page
    assert "ログイン情報" not in page  # the internal rules stay internal (R4)


def test_earlier_policy_versions_stay_readable(client, users, tourism_account):
    change_account(tourism_account, users, **{"policy-operating_hours": "毎日9時から18時"})

    page = names(client.get(reverse("public:account_detail", args=[tourism_account.pk])))
    assert "第2版" in page
    assert "毎日9時から18時" in page
    assert "これまでの運用ポリシー" in page
    old = names(client.get(reverse("public:policy_version", args=[tourism_account.pk, 1])))
    assert "これは以前の版です" in old
    assert "原則として、平日" in old
    assert (
        client.get(reverse("public:policy_version", args=[tourism_account.pk, 9])).status_code
        == 404
    )


def test_qr_code_is_a_standalone_svg_of_the_permalink(client, tourism_account, settings):
    url = reverse("public:account_qr", args=[tourism_account.pk])
    response = client.get(url)
    assert response["Content-Type"] == "image/svg+xml"
    assert b'xmlns="http://www.w3.org/2000/svg"' in response.content
    # A permalink never changes: browsers keep its code for a day, from the cache too.
    assert "max-age=86400" in response["Cache-Control"]
    again = client.get(url)
    assert again["X-Cache"] == "hit"
    assert "max-age=86400" in again["Cache-Control"]
    assert again.content == response.content


def test_qr_code_encodes_the_permalink_on_the_configured_site(client, tourism_account, settings):
    settings.SITE_URL = "https://sns.city.example.lg.jp"
    from public.views import qr_svg

    page = client.get(reverse("public:account_detail", args=[tourism_account.pk]))
    permalink = f"https://sns.city.example.lg.jp/accounts/{tourism_account.pk}/"
    assert f"このページのQRコード（{permalink}）" in page.content.decode()
    svg = client.get(reverse("public:account_qr", args=[tourism_account.pk])).content
    assert svg == qr_svg(permalink)


def test_public_pages_need_no_login(client, tourism_account):
    for url in (
        "/",
        "/closed/",
        "/verify/",
        "/impersonations/",
        "/report/",
        "/about/",
        reverse("public:account_detail", args=[tourism_account.pk]),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("extra", [0, 80])
def test_query_counts_do_not_grow_with_the_registry(
    client, demo, extra, django_assert_num_queries, django_assert_max_num_queries
):
    if extra:
        call_command("seed_demo", accounts=extra)
    account = OfficialAccount.objects.filter(status="listed").last()
    pages = [
        # generation, count, filter choices (3), the page's ids, its rows
        ("/", 7),
        # generation, account, policies, warnings, earlier IDs (issue 14)
        (reverse("public:account_detail", args=[account.pk]), 5),
        # generation, accounts, impersonations, services (earlier IDs only when not official)
        (f"/verify/?q={account.url}", 4),
    ]
    for url, most in pages:
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200
        # Served again from the cache: one query, to read the public generation.
        with django_assert_num_queries(1):
            assert client.get(url)["X-Cache"] == "hit"
    # Another page of the list: the count and the choices are computed once per generation.
    with django_assert_max_num_queries(3):  # generation, the page's ids, its rows
        response = client.get("/?page=2")
        assert response.status_code == 200
        assert response["X-Cache"] == "miss"


def test_a_too_long_keyword_is_said_not_silently_cut(client, demo):
    """Issue 8 §5: nothing is cut without a word."""
    page = client.get("/", {"q": "観光" + "あ" * 150}).content.decode()
    assert "キーワードが長すぎます（100文字まで）" in page
    assert "キーワードが長すぎます" not in client.get("/", {"q": "観光"}).content.decode()


def test_an_account_page_lists_its_earlier_ids_in_one_query(
    client, demo, django_assert_max_num_queries
):
    """Issue 14: 「以前のID」 with their dates, as text (someone else may hold them now); the
    permanent ID is not shown. One query however long the history."""
    account = OfficialAccount.objects.get(service__slug="x", identifier="sample_city_pr")
    url = reverse("public:account_detail", args=[account.pk])
    text = " ".join(strip_tags(client.get(url).content.decode()).split())
    assert "以前のID @sample_koho（2016年4月1日〜2024年3月31日）" in text
    assert "今はサンプル市のものではありません" in text
    assert 'href="https://x.com/sample_koho"' not in client.get(url).content.decode()
    assert account.platform_id_display == "1460000000000000001"
    assert account.platform_id_display not in text
    for n in range(20):
        record_former_identifier(
            account,
            service=account.service,
            identifier=f"sample_pr{n}",
            source=IdentifierSource.STAFF,
            used_until=date(2015, 1, 1),
        )
    with django_assert_max_num_queries(5):
        response = client.get(url)
    assert response["X-Cache"] == "miss"  # recording an earlier ID made the page stale
    assert "@sample_pr19" in response.content.decode()
    other = OfficialAccount.objects.get(service__slug="x", identifier="sample_bousai")
    page = client.get(reverse("public:account_detail", args=[other.pk])).content.decode()
    assert "以前のID" not in page
