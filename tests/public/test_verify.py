"""The verifier: every form of one account gets one answer; a look-alike is never official."""

import pytest
from django.urls import reverse

from impersonation.models import KnownImpersonation
from impersonation.verification import verify
from tests.factories import service
from tests.workflow import close_account

pytestmark = pytest.mark.django_db

SAME_ACCOUNT = [
    "https://x.com/sample_bousai",
    "https://twitter.com/Sample_Bousai",
    "https://mobile.twitter.com/sample_bousai/with_replies?s=20",
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
    expected = "unreadable" if "bit.ly" in query else "unknown"  # a short link names no one
    assert verify(query).verdict == expected


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
    assert result.verdict == "unreadable"  # not "not registered — do not follow it"
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


# --- Issue 8 §1: "official" only for exactly that account ------------------------------------


def page(client, q: str) -> str:
    response = client.get(reverse("public:verify"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("query", ["@samplecity.pr", "@sample.citypr", "@samplecitypr."])
def test_a_bare_id_is_not_the_facebook_page_it_resembles(client, demo, query):
    """Valid Instagram/Threads/TikTok handles; Facebook's dot-folding is not theirs."""
    result = verify(query)
    assert result.verdict == "unknown"
    assert all(m.verdict == "unknown" for m in result.services)
    assert "facebook" not in {m.key.service for m in result.services}
    assert "公式アカウントです" not in page(client, query)


def test_a_bare_id_says_on_which_services_it_is_official(client, demo):
    result = verify("@sample_city_kanko")
    assert result.verdict == "official"
    assert {m.key.service for m in result.official_services} == {"instagram", "tiktok", "threads"}
    others = {m.key.service: m.verdict for m in result.other_services}
    # 17 letters with "_": no X handle, no Facebook username; not registered elsewhere.
    assert others == {"youtube": "unknown", "line": "unknown", "note": "unknown"}
    text = page(client, "@sample_city_kanko")
    assert "では" in text
    assert "の公式アカウントです" in text
    assert "ほかのサービスの同じIDはサンプル市の公式アカウントではありません" in text


def test_the_facebook_page_is_official_when_the_text_names_facebook(demo):
    result = verify("Facebook @sample.city.pr")
    assert result.verdict == "official"
    assert result.account.service.slug == "facebook"


@pytest.mark.parametrize(
    "query",
    [
        "https://x.com/sample_bousai/../nobody_here",
        "https://x.com/sample_bousai/%2e%2e/nobody_here",
        "https://x.com/sample_bousai/%2E%2E/nobody_here",
        "https:\\\\x.com\\nobody_here",
        "https://x.com/sample_bousai\\..\\nobody_here",
    ],
)
def test_a_url_is_read_as_the_browser_reads_it(client, demo, query):
    """The browser shows @nobody_here for these, so must we."""
    result = verify(query)
    assert result.verdict == "unknown"
    assert str(result.key) == "x:nobody_here"
    assert "公式アカウントとして登録されていません" in page(client, query)


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("https://x.com/intent/follow?screen_name=sample_bousai", "x:sample_bousai"),
        ("https://twitter.com/intent/user?screen_name=Sample_Bousai", "x:sample_bousai"),
        ("https://x.com/i/flow/login?redirect_after_login=%2Fsample_bousai", "x:sample_bousai"),
        (
            "https://www.instagram.com/accounts/login/?next=/sample_city_kanko/",
            "instagram:sample_city_kanko",
        ),
        ("https://instagr.am/sample_city_kanko", "instagram:sample_city_kanko"),
        (
            "https://www.facebook.com/login/?next=https%3A%2F%2Fwww.facebook.com%2Fsample.city.pr",
            "facebook:samplecitypr",
        ),
        ("https://line.me/R/ti/p/@samplecity", "line:@samplecity"),
        ("https://m.youtube.com/@samplecitych/videos", "youtube:@samplecitych"),
        ("https://www.threads.com/@sample_city_kanko", "threads:@sample_city_kanko"),
        ("X @sample_bousai", "x:sample_bousai"),
        ("Instagram: @sample_city_kanko", "instagram:sample_city_kanko"),
        ("LINE ID：@samplecity", "line:@samplecity"),
        ("Twitter：@sample_bousai", "x:sample_bousai"),
        ("インスタグラム @sample_city_kanko", "instagram:sample_city_kanko"),
        ("YouTube @samplecitych", "youtube:@samplecitych"),
    ],
)
def test_what_people_paste_is_read(demo, query, key):
    result = verify(query)
    assert result.verdict == "official"
    assert str(result.key) == key


@pytest.mark.parametrize(
    "query", ["Instagram @sample_bousai", "TikTok：@sample_bousai", "@sample_bousai（Instagram）"]
)
def test_a_service_named_in_the_text_must_be_the_accounts(demo, query):
    assert verify(query).verdict == "unknown"


@pytest.mark.parametrize(
    "query",
    [
        "https://youtu.be/dQw4w9WgXcQ",
        "https://www.instagram.com/p/C1abcDEFghi/",
        "https://vt.tiktok.com/ZSabc123/",
        "https://lin.ee/AbCdEfG",
        "https://www.facebook.com/share/p/1AbCdEfGh/",
    ],
)
def test_what_names_no_account_is_said_so_not_called_unregistered(client, demo, query):
    assert verify(query).verdict == "unreadable"
    text = page(client, query)
    assert "このURLからはアカウントを特定できません" in text
    assert "貼り付けてください" in text
    assert "登録されていません" not in text


def test_a_display_name_finds_the_account_and_says_how_to_check(client, demo, bousai_account):
    result = verify("サンプル市防災")
    assert result.verdict == "unreadable"
    assert bousai_account in result.suggestions
    text = page(client, "サンプル市防災")
    assert "登録されていません" not in text
    assert reverse("public:account_detail", args=[bousai_account.pk]) in text
    assert "URLか @ID が上の公式アカウントと同じか確かめてください" in text


# --- Issue 13: a post link is not proof of who posted ------------------------------------------

POSTS = [  # (post link naming an official account, the key it names)
    ("https://x.com/sample_bousai/status/1790000000000000000", "x:sample_bousai"),
    ("https://twitter.com/sample_bousai/status/1790000000000000000/photo/1", "x:sample_bousai"),
    (
        "https://www.tiktok.com/@sample_city_kanko/video/7300000000000000000",
        "tiktok:@sample_city_kanko",
    ),
    ("https://www.instagram.com/sample_city_kanko/p/C1abcDEF/", "instagram:sample_city_kanko"),
    ("https://www.instagram.com/sample_city_kanko/reel/C1abcDEF/", "instagram:sample_city_kanko"),
    (
        "https://www.instagram.com/stories/sample_city_kanko/3300000000000000000/",
        "instagram:sample_city_kanko",
    ),
    ("https://www.threads.com/@sample_city_kanko/post/C1abcDEF", "threads:@sample_city_kanko"),
    ("https://www.facebook.com/sample.city.pr/posts/pfbid02abc", "facebook:samplecitypr"),
    ("https://www.facebook.com/sample.city.pr/videos/1234567890/", "facebook:samplecitypr"),
    ("https://www.youtube.com/@samplecitych/community?lb=UgkxAbC", "youtube:@samplecitych"),
    ("https://line.me/R/home/public/post?id=samplecity&postId=1160000", "line:@samplecity"),
    ("https://note.com/sample_city/n/n1a2b3c4d5e6f", "note:sample_city"),
]


@pytest.mark.parametrize(("query", "key"), POSTS)
def test_a_post_link_naming_an_official_account_is_post(client, demo, configure, query, key):
    configure(NAME="見本市")
    result = verify(query)
    assert result.verdict == "post"
    assert str(result.key) == key
    text = page(client, query)
    handle = result.key.display_handle
    assert (
        "このリンクは投稿を指しています。"
        f"リンクに含まれる {handle} は見本市の公式アカウントですが、"
        "投稿そのものは別のアカウントのものかもしれません。"
        f"開いて、投稿者の名前が {handle} であることを確かめてください。"
    ) in text
    assert reverse("public:account_detail", args=[result.account.pk]) in text
    assert "の公式アカウントです</h2>" not in text


def test_a_bluesky_post_is_its_authors(demo):
    """The account part of a Bluesky post link is authoritative (ADR 0009)."""
    result = verify("https://bsky.app/profile/samplecity.bsky.social/post/3kabcdefghi2x")
    assert result.verdict == "official"


def test_a_post_of_an_impersonation_keeps_its_warning(client, users, bousai_account):
    fake_bousai(users, bousai_account)
    query = "https://x.com/sample_b0usai/status/1790000000000000000"
    assert verify(query).verdict == "impersonation"
    assert "なりすましアカウントです" in page(client, query)


def test_a_post_of_a_closed_account_keeps_its_warning(client, users, tourism_account):
    close_account(tourism_account, users)
    query = "https://www.instagram.com/sample_city_kanko/p/C1abcDEF/"
    assert verify(query).verdict == "closed"
    assert "以前の公式アカウントです" in page(client, query)


@pytest.mark.parametrize("name", ["public:verify", "public:about"])
def test_the_verify_and_about_pages_explain_how_to_check_a_posts_author(client, demo, name):
    text = client.get(reverse(name)).content.decode()
    assert "投稿が本物か確かめるには" in text
    assert "post-author.svg" in text
    for label in ("X（旧Twitter）", "Instagram", "Facebook", "YouTube", "LINE", "TikTok",
                  "Threads", "Bluesky", "note"):  # fmt: skip
        assert f"<strong>{label}</strong>" in text
    assert "<script>" not in text  # CSP: no inline script, no inline style
    assert "style=" not in text.split("<main", 1)[-1]


def test_a_flyer_naming_the_wrong_service_says_where_the_id_is_official(client, demo):
    """ "Instagram @sample_bousai": not official on Instagram (issue 8 §1) — and the citizen is
    told the same ID is the city's account on X, with a link to it."""
    page = client.get(reverse("public:verify"), {"q": "Instagram @sample_bousai"})
    text = " ".join(page.content.decode().split())
    assert "公式アカウントとして登録されていません" in text
    assert "X（旧Twitter）のアカウント</a>" in text
    assert "Instagramの @sample_bousai は公式アカウントではありません" in text
    assert verify("Instagram @sample_bousai").verdict == "unknown"
