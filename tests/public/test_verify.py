"""The verifier: every form of one account gets one answer; a look-alike is never official."""

import pytest
from django.urls import reverse

from accounts.verification import verify
from impersonation.models import KnownImpersonation
from tests.factories import service
from tests.workflow import close_account

pytestmark = pytest.mark.django_db

SAME_ACCOUNT = [
    "https://x.com/sample_bousai",
    "https://twitter.com/Sample_Bousai",
    "https://mobile.twitter.com/sample_bousai/status/1790000000000000000?s=20",
    "x.com/SAMPLE_BOUSAI/",
    "ｈｔｔｐｓ：／／ｘ．ｃｏｍ／ｓａｍｐｌｅ＿ｂｏｕｓａｉ",
    "@sample_bousai",
    "＠ｓａｍｐｌｅ＿ｂｏｕｓａｉ",
    " https://www.x.com/sample_bousai?utm_source=flyer ",
]


@pytest.mark.parametrize("query", SAME_ACCOUNT)
def test_every_form_of_an_official_account_is_official(bousai_account, query):
    result = verify(query)
    assert result.verdict == "official"
    assert result.account == bousai_account


@pytest.mark.parametrize(
    "query",
    [
        "https://x.com.example.net/sample_bousai",
        "https://x.com@evil.example/sample_bousai",
        "https://twitter.com-login.example/sample_bousai",
        "https://xn--x-com.example/sample_bousai",
        "https://evil-x.com/sample_bousai",
        "https://x.com/sample_bousai_",
        "https://bit.ly/sample_bousai",
    ],
)
def test_lookalikes_and_shorteners_are_never_official(bousai_account, query):
    assert verify(query).verdict == "unknown"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "%00<script>",
        "x" * 5000,
        "javascript:alert(1)",
        "😀😀",
        "https://",
        "@",
        "http://[::1",
        "\x00\x01",
    ],
)
def test_garbage_gets_a_clear_answer_not_an_error(client, demo, query):
    result = verify(query)
    assert result.verdict == "unknown"
    response = client.get(reverse("public:verify"), {"q": query})
    assert response.status_code == 200


def test_closed_account_is_formerly_official(users, tourism_account):
    close_account(tourism_account, users)
    result = verify("https://www.instagram.com/sample_city_kanko/")
    assert result.verdict == "closed"
    assert result.account == tourism_account


def fake_bousai(users, bousai_account) -> KnownImpersonation:
    """A recorded fake of the disaster-prevention account, one letter off (R17)."""
    return KnownImpersonation.objects.create(
        service=service("x"),
        identifier="sample_b0usai",
        url="https://x.com/sample_b0usai",
        warning="防災情報を装い、個人情報を求めています。",
        imitates=bousai_account,
        created_by=users["pr"],
    )


def test_known_impersonation_is_reported_with_its_warning(users, bousai_account):
    fake_bousai(users, bousai_account)
    result = verify("https://twitter.com/Sample_B0usai")
    assert result.verdict == "impersonation"
    assert result.impersonation.imitates == bousai_account


def test_bare_handle_is_checked_across_services(demo):
    result = verify("@sample_city_kanko")
    assert result.verdict == "official"
    assert {a.service.slug for a in result.accounts} == {"instagram", "tiktok", "threads"}


def test_unregistered_account_links_to_the_report_form(client, demo):
    page = client.get(reverse("public:verify"), {"q": "https://x.com/nobody_here"})
    text = page.content.decode()
    assert "公式アカウントとして登録されていません" in text
    assert reverse("public:report") in text


def test_verify_page_after_closure_is_never_stale(client, users, tourism_account):
    """Cache invalidation: the cached 'official' answer is gone the moment the closure is
    approved (core/cache.py)."""
    url = reverse("public:verify")
    params = {"q": "@sample_city_kanko"}
    client.get(url, params)
    assert client.get(url, params)["X-Cache"] == "hit"
    close_account(tourism_account, users)
    again = client.get(url, params)
    assert again["X-Cache"] == "miss"
    # TikTok and Threads are still official; Instagram is not any more.
    assert (
        "Instagram" not in again.content.decode().split("公式アカウントです")[1].split("</ul>")[0]
    )


def test_list_cache_is_invalidated_by_a_new_listing(client, users):
    from approvals import services
    from approvals.models import Action, RequestKind
    from tests.approvals.conftest import filled_registration

    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"
    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    data = filled_registration(req.payload, users, **{"account-service": str(service("x").pk)})
    services.request_submit(req=req, actor=users["operator"], data=data)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    assert "@kanko_event" not in client.get("/").content.decode()  # not before both approve
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    assert "@kanko_event" in client.get("/").content.decode()


def test_an_account_page_warns_of_its_fakes_until_the_warning_is_resolved(
    client, users, bousai_account
):
    """R17: the warning appears on the imitated account's page as soon as it is recorded, and
    goes when it is resolved (the set of imitated accounts is kept per public generation)."""
    from django.utils import timezone

    url = reverse("public:account_detail", args=[bousai_account.pk])
    assert "なりすました偽のアカウント" not in client.get(url).content.decode()
    fake = fake_bousai(users, bousai_account)
    page = client.get(url)
    assert page["X-Cache"] == "miss"
    assert "防災情報を装い、個人情報を求めています。" in page.content.decode()
    fake.resolved_at = timezone.now()
    fake.save()
    assert "なりすました偽のアカウント" not in client.get(url).content.decode()
