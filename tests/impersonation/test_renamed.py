"""Issue 14: a handle the city used before a rename is "renamed", never "official"; an account
is found by its permanent ID as by its handle (ADR 0015).

Everything through what a citizen sees: the verify page (rendered HTML), the API and a bare
"@ID" — and at once after the PR division's approval, with the public cache left as it is.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.models import AccountStatus, FormerIdentifier, IdentifierSource, OfficialAccount
from accounts.renames import record_former_identifier
from core.cache import bump
from impersonation.models import KnownImpersonation
from impersonation.verification import VERDICTS, verify
from tests.factories import OfficialAccountFactory, service
from tests.workflow import change_account, close_account

pytestmark = pytest.mark.django_db

VERIFY_API = "/api/v1/verify/"
BOUSAI_ID = "1460000000000000002"  # demo/data.py PERMANENT_IDS: X user id of @sample_bousai


def text_of(response) -> str:
    assert response.status_code == 200
    return " ".join(strip_tags(response.content.decode()).split())


def verify_page(client, q: str):
    return client.get(reverse("public:verify"), {"q": q})


def api(client, q: str) -> dict:
    response = client.get(VERIFY_API, {"q": q})
    assert response.status_code == 200
    return response.json()


def rename(account: OfficialAccount, users: dict, new_url: str) -> OfficialAccount:
    """Rename ``account`` the only way staff can: a change request, approved twice."""
    return change_account(account, users, **{"account-url": new_url})


def test_renamed_is_a_verdict_of_its_own():
    assert "renamed" in VERDICTS


def test_a_rename_through_a_change_request_makes_the_old_handle_renamed_at_once(
    client, users, bousai_account
):
    old_page = verify_page(client, "https://x.com/sample_bousai")
    assert "公式アカウントです" in text_of(old_page)
    assert verify_page(client, "https://x.com/sample_bousai")["X-Cache"] == "hit"
    assert api(client, "@sample_bousai")["verdict"] == "official"

    account = rename(bousai_account, users, "https://x.com/sample_bosai")
    assert account.identifier == "sample_bosai"
    former = FormerIdentifier.objects.get(account=account)
    assert (former.identifier, former.source) == ("sample_bousai", IdentifierSource.CHANGE)

    # The page: the wording, the current account linked, never "official".
    response = verify_page(client, "https://x.com/sample_bousai")
    assert response["X-Cache"] == "miss"  # the approval made the cached answer stale
    text = text_of(response)
    assert (
        "この ID は以前サンプル市が使っていましたが、現在の公式アカウントは @sample_bosai" in text
    )
    assert "今この ID を使っているのはサンプル市ではありません。" in text
    assert "X（旧Twitter）" in text
    assert reverse("public:account_detail", args=[account.pk]) in response.content.decode()
    assert "公式アカウントです" not in text.replace("現在の公式アカウント", "")

    # The API: verdict, the current account, the former ID with its last day.
    data = api(client, "https://twitter.com/Sample_Bousai")
    assert data["verdict"] == "renamed"
    assert data["key"] == "x:sample_bousai"
    assert data["account"]["id"] == account.pk
    assert data["account"]["handle"] == "@sample_bosai"
    assert data["former"]["identifier"] == "sample_bousai"
    assert data["former"]["handle"] == "@sample_bousai"
    assert data["former"]["used_until"] == timezone.localdate().isoformat()
    assert "現在の公式アカウントは @sample_bosai です。" in data["message"]

    # A bare "@ID": renamed on X, and not official anywhere.
    bare = api(client, "@sample_bousai")
    assert bare["verdict"] == "renamed"
    assert bare["account"]["id"] == account.pk
    x = next(m for m in bare["services"] if m["service"] == "x")
    assert x["verdict"] == "renamed"
    assert x["former"]["identifier"] == "sample_bousai"
    assert all(m["verdict"] != "official" for m in bare["services"])
    assert "以前の ID です" in text_of(verify_page(client, "@sample_bousai"))

    # The new handle and the permanent ID are the account.
    assert api(client, "https://x.com/sample_bosai")["verdict"] == "official"
    by_id = api(client, f"https://x.com/i/user/{BOUSAI_ID}")
    assert by_id["verdict"] == "official"
    assert by_id["account"]["handle"] == "@sample_bosai"

    # The account's public page lists the ID it used before, with its last day.
    detail = text_of(client.get(reverse("public:account_detail", args=[account.pk])))
    assert "以前のID" in detail
    today = timezone.localdate()
    assert re.search(
        rf"@sample_bousai（[0-9年月日]*〜{today.year}年{today.month}月{today.day}日）", detail
    )


@pytest.mark.parametrize(
    ("query", "account_handle"),
    [
        (f"https://x.com/i/user/{BOUSAI_ID}", "@sample_bousai"),
        (f"https://twitter.com/intent/user?user_id={BOUSAI_ID}", "@sample_bousai"),
        ("https://www.facebook.com/profile.php?id=100064500000001", "samplecitypr"),
        ("https://www.youtube.com/channel/UCsampleCityChannel00001", "@samplecitych"),
        ("UCsampleCityChannel00001", "@samplecitych"),
        ("https://bsky.app/profile/did:plc:samplecitypublicaccounts", "@samplecity.bsky.social"),
        ("did:plc:samplecitypublicaccounts", "@samplecity.bsky.social"),
        ("https://line.me/R/ti/p/@612abcde", "@samplecity"),  # the LINE basic ID
    ],
)
def test_permanent_id_urls_verify_as_the_account(client, demo, query, account_handle):
    data = api(client, query)
    assert data["verdict"] == "official", data["message"]
    assert account_handle in data["account"]["handle"]
    assert data["former"] is None
    assert "の公式アカウントです" in text_of(verify_page(client, query))


def test_the_permanent_id_is_not_shown_on_the_public_pages(client, demo, bousai_account):
    detail = client.get(reverse("public:account_detail", args=[bousai_account.pk]))
    assert BOUSAI_ID not in detail.content.decode()
    data = client.get(f"/api/v1/accounts/{bousai_account.pk}/").json()
    assert BOUSAI_ID not in str(data)


def test_the_demo_x_account_was_renamed_from_sample_koho(client, demo):
    data = api(client, "https://x.com/sample_koho")
    assert data["verdict"] == "renamed"
    assert data["account"]["handle"] == "@sample_city_pr"
    assert data["former"]["used_from"] == "2016-04-01"
    assert data["former"]["used_until"] == "2024-03-31"
    text = text_of(verify_page(client, "https://x.com/sample_koho"))
    assert "2016年4月1日〜2024年3月31日" in text


def test_a_link_to_a_post_under_a_former_handle_is_renamed_and_says_how_to_check(client, demo):
    query = "https://x.com/sample_koho/status/1790000000000000000"
    result = verify(query)
    assert (result.verdict, result.post) == ("renamed", True)
    text = text_of(verify_page(client, query))
    assert "以前の ID で投稿したものかもしれません" in text
    assert "投稿者が @sample_city_pr であることを確かめてください" in text
    data = api(client, query)
    assert data["verdict"] == "renamed"
    assert "投稿者が @sample_city_pr であることを確かめてください" in data["message"]


def test_a_handle_used_by_a_closed_account_keeps_closed(client, users, tourism_account):
    account = rename(tourism_account, users, "https://www.instagram.com/sample_city_kanko2/")
    assert api(client, "https://www.instagram.com/sample_city_kanko/")["verdict"] == "renamed"

    close_account(account, users)

    data = api(client, "https://www.instagram.com/sample_city_kanko/")
    assert data["verdict"] == "closed"
    assert data["account"]["id"] == account.pk
    assert data["former"]["identifier"] == "sample_city_kanko"
    text = text_of(verify_page(client, "Instagram @sample_city_kanko"))
    assert "以前の公式アカウントです" in text
    assert "廃止したアカウントが" in text
    assert "現在の公式アカウントは" not in text


def test_a_known_impersonation_beats_renamed(client, users, demo):
    KnownImpersonation.objects.create(
        service=service("x"),
        identifier="sample_koho",
        url="https://x.com/sample_koho",
        warning="以前の市のIDを取得した別人のアカウントです。",
        imitates=OfficialAccount.objects.get(service__slug="x", identifier="sample_city_pr"),
        created_by=users["pr"],
    )
    assert api(client, "https://x.com/sample_koho")["verdict"] == "impersonation"
    assert api(client, "@sample_koho")["verdict"] == "impersonation"
    assert "なりすましアカウントです" in text_of(verify_page(client, "@sample_koho"))


def test_a_former_handle_that_is_another_accounts_current_handle_is_official_for_it(
    client, users, bousai_account
):
    rename(bousai_account, users, "https://x.com/sample_bosai")
    newcomer = OfficialAccountFactory(
        service=service("x"),
        identifier="sample_bousai",
        department=bousai_account.department,
        status=AccountStatus.LISTED,
        listed_at=timezone.now(),
    )
    data = api(client, "https://x.com/sample_bousai")
    assert data["verdict"] == "official"
    assert data["account"]["id"] == newcomer.pk
    assert data["former"] is None
    assert api(client, "@sample_bousai")["account"]["id"] == newcomer.pk


def test_a_former_handle_of_a_suspended_account_is_renamed_with_a_warning(client, demo):
    account = OfficialAccount.objects.get(service__slug="x", identifier="sample_city_pr")
    account.status = AccountStatus.SUSPENDED
    account.suspension_notice = "不正アクセスのため一時停止しています。"
    account.save()
    data = api(client, "@sample_koho")
    assert data["verdict"] == "renamed"
    assert "一時停止しています" in data["message"]
    assert "現在一時停止中です" in text_of(verify_page(client, "@sample_koho"))


def test_a_former_handle_of_an_account_never_listed_is_not_shown(demo, users):
    draft = OfficialAccountFactory(
        service=service("x"), identifier="kk_draft_now", status=AccountStatus.DRAFT
    )
    record_former_identifier(
        draft, service=draft.service, identifier="kk_draft_old", source=IdentifierSource.STAFF
    )
    assert verify("https://x.com/kk_draft_old").verdict == "unknown"


def test_the_verifier_does_not_query_more_with_a_longer_history(
    client, demo, django_assert_max_num_queries
):
    """However many IDs the accounts used before, a former handle costs the same queries."""
    query = "@sample_koho"
    with CaptureQueriesContext(connection) as few:
        assert verify(query).verdict == "renamed"
    account = OfficialAccount.objects.get(service__slug="x", identifier="sample_city_pr")
    others = OfficialAccount.objects.filter(status=AccountStatus.LISTED).exclude(pk=account.pk)
    for n in range(30):
        record_former_identifier(
            account,
            service=account.service,
            identifier=f"sample_pr{n}",
            source=IdentifierSource.STAFF,
            used_until=date(2020, 1, 1),
        )
    for other in others[:5]:  # other accounts once used the same handle, earlier
        record_former_identifier(
            other,
            service=service("x"),
            identifier="sample_koho",
            source=IdentifierSource.STAFF,
            used_until=date(2015, 1, 1),
        )
    with django_assert_max_num_queries(len(few)):
        result = verify(query)
    assert result.verdict == "renamed"
    assert result.account == account  # the latest user of the handle


# --- Review fixes: what is a "former" ID, and which use of a handle is the later one ---------


def test_a_rename_back_does_not_list_the_current_handle_as_former(client, users, bousai_account):
    account = rename(bousai_account, users, "https://x.com/sample_bosai")
    account = rename(account, users, "https://x.com/sample_bousai")
    assert api(client, "https://x.com/sample_bousai")["verdict"] == "official"
    assert api(client, "https://x.com/sample_bosai")["verdict"] == "renamed"
    page = text_of(client.get(reverse("public:account_detail", args=[account.pk])))
    former_row = page.split("以前のID", 1)[1]
    assert "@sample_bosai" in former_row
    assert "@sample_bousai（" not in former_row  # the live handle is not "no longer the city's"


def test_leaving_a_permanent_url_for_a_handle_keeps_the_permanent_id_the_accounts(
    client, users, bousai_account
):
    """Registered as x.com/i/user/<n>, then given its @handle: the number still names the
    account; it is never listed as "no longer the city's" nor answered "renamed"."""
    OfficialAccount.objects.filter(pk=bousai_account.pk).update(
        identifier="id:" + BOUSAI_ID, platform_id="id:" + BOUSAI_ID
    )
    bousai_account.refresh_from_db()
    account = rename(bousai_account, users, "https://x.com/sample_bousai2")
    assert not FormerIdentifier.objects.filter(account=account).exists()
    data = api(client, "https://x.com/i/user/" + BOUSAI_ID)
    assert data["verdict"] == "official"
    assert data["account"]["id"] == account.pk


def test_a_closed_accounts_handle_used_after_the_rename_keeps_closed(client, users, bousai_account):
    """@sample_bousai was renamed away; later another (now closed) account used it: the later
    use answers — "closed", not "renamed" (issue 14 §2)."""
    rename(bousai_account, users, "https://x.com/sample_bosai")
    FormerIdentifier.objects.filter(identifier="sample_bousai").update(
        used_from=None, used_until=date(2020, 1, 1)
    )
    later = OfficialAccountFactory(
        service=service("x"),
        identifier="sample_bousai",
        status=AccountStatus.CLOSED,
        listed_at=timezone.now(),
        closed_at=timezone.now(),
    )
    data = api(client, "https://x.com/sample_bousai")
    assert data["verdict"] == "closed"
    assert data["account"]["id"] == later.pk
    # The other order: a closure long before the rename leaves the handle "renamed".
    OfficialAccount.objects.filter(pk=later.pk).update(
        closed_at=timezone.make_aware(timezone.datetime(2019, 1, 1))
    )
    FormerIdentifier.objects.filter(identifier="sample_bousai").update(
        used_until=timezone.localdate()
    )
    bump()  # the rows were changed by .update(), which the public cache does not watch
    assert api(client, "https://x.com/sample_bousai")["verdict"] == "renamed"
