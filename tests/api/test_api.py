"""The read-only open-data API (/api/v1/): shape, filters, privacy, the verifier, CORS, methods
and the number of queries per request."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import identity
from accounts.models import AccountStatus, Officer, OfficialAccount, Service
from approvals import services
from approvals.models import Action, RequestKind
from impersonation.models import KnownImpersonation
from organization.models import Department
from policies.models import OperationPolicy, OperationRules, PolicyStatus
from tests.api.conftest import OFFICER_NAMES, ORG_MAIL_DOMAIN, SavepointClient
from tests.approvals.conftest import filled_registration

pytestmark = pytest.mark.django_db

LIST = "/api/v1/accounts/"
VERIFY = "/api/v1/verify/"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def detail(pk: int) -> str:
    return f"/api/v1/accounts/{pk}/"


def get_json(client, url: str, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def listed_ids() -> set[int]:
    return set(
        OfficialAccount.objects.filter(
            status__in=(AccountStatus.LISTED, AccountStatus.SUSPENDED)
        ).values_list("pk", flat=True)
    )


def result_ids(data: dict) -> list[int]:
    return [a["id"] for a in data["results"]]


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


# --- The list ------------------------------------------------------------------------------


def test_list_is_paginated_with_count_next_previous_results(client, demo):
    data = get_json(client, LIST)
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 12
    assert data["next"] is None
    assert data["previous"] is None
    assert set(result_ids(data)) == listed_ids()

    seen: list[int] = []
    page1 = get_json(client, LIST, page_size=5)
    assert page1["count"] == 12
    assert len(page1["results"]) == 5
    assert page1["previous"] is None
    assert "page=2" in page1["next"]
    seen += result_ids(page1)
    page2 = get_json(client, LIST, page_size=5, page=2)
    assert page2["previous"] is not None
    assert "page=3" in page2["next"]
    seen += result_ids(page2)
    page3 = get_json(client, LIST, page_size=5, page=3)
    assert len(page3["results"]) == 2
    assert page3["next"] is None
    seen += result_ids(page3)
    # Every listed account exactly once, in a stable order.
    assert len(seen) == len(set(seen)) == 12
    assert set(seen) == listed_ids()


def test_list_item_has_the_public_fields(client, demo, tourism_account):
    data = get_json(client, LIST, service="instagram")
    (item,) = data["results"]
    assert item["id"] == tourism_account.pk
    assert item["service"] == "instagram"
    assert item["identifier"] == "sample_city_kanko"
    assert item["handle"] == "@sample_city_kanko"
    assert item["url"] == "https://www.instagram.com/sample_city_kanko/"
    assert item["department"] == "経済観光局 観光部 観光プロモーション課"
    assert item["status"] == "listed"
    assert item["closed_at"] is None
    assert item["page"].endswith(f"/accounts/{tourism_account.pk}/")


def test_service_filter(client, demo):
    data = get_json(client, LIST, service="x")
    assert data["count"] == 3
    assert {a["identifier"] for a in data["results"]} == {
        "sample_city_pr",
        "sample_bousai",
        "sample_kenko",
    }
    assert {a["service"] for a in data["results"]} == {"x"}
    assert get_json(client, LIST, service="no-such-service")["count"] == 0


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # A bureau includes its divisions and their sections.
        ("400", {"instagram", "tiktok", "threads"}),
        ("410", {"instagram", "tiktok", "threads"}),
        ("411", {"instagram", "tiktok", "threads"}),
        ("100", {"x", "facebook", "youtube", "line", "bluesky"}),
        ("300", {"x"}),
        ("500", {"x"}),
        ("200", {"note"}),
    ],
)
def test_department_filter_includes_sub_units(client, demo, code, expected):
    data = get_json(client, LIST, department=dept(code).pk)
    assert {a["service"] for a in data["results"]} == expected
    assert data["count"] == len(expected)
    below = {d.pk for d in Department.objects.all() if _under(d, dept(code))}
    for account in OfficialAccount.objects.filter(pk__in=result_ids(data)):
        assert account.department_id in below


def _under(node: Department, top: Department) -> bool:
    while node is not None:
        if node.pk == top.pk:
            return True
        node = node.parent
    return False


def test_department_filter_with_a_department_without_accounts(client, demo):
    assert get_json(client, LIST, department=dept("112").pk)["count"] == 0


@pytest.mark.parametrize(
    ("plain", "variants"),
    [
        # Katakana in the purpose; typed in hiragana, half-width katakana.
        ("スポット", ["すぽっと", "ｽﾎﾟｯﾄ"]),
        # Hiragana in the purpose; typed in katakana.
        ("ごみ", ["ゴミ", "ｺﾞﾐ"]),
        # A handle typed with a Japanese IME (full-width) or in capitals.
        (
            "sample_bousai",
            ["ｓａｍｐｌｅ＿ｂｏｕｓａｉ", "SAMPLE_BOUSAI", "Ｓａｍｐｌｅ＿Ｂｏｕｓａｉ"],
        ),
        # Latin service name in full width.
        ("instagram", ["ＩＮＳＴＡＧＲＡＭ", "Instagram"]),
        # Two words, separated by an ideographic (full-width) space.
        ("観光 tiktok", ["観光　ＴｉｋＴｏｋ", "　観光　　ＴＩＫＴＯＫ　"]),
    ],
)
def test_search_folds_width_and_kana(client, demo, plain, variants):
    expected = result_ids(get_json(client, LIST, q=plain))
    assert expected, f"{plain!r} should find something in the demo data"
    assert len(expected) < 12, f"{plain!r} should not match every account"
    for variant in variants:
        assert result_ids(get_json(client, LIST, q=variant)) == expected, variant


def test_search_combines_with_the_other_filters(client, demo):
    data = get_json(client, LIST, q="サンプル", service="x", department=dept("500").pk)
    assert [a["identifier"] for a in data["results"]] == ["sample_bousai"]


@pytest.mark.parametrize(
    "params",
    [
        {"department": "abc"},
        {"department": "-1"},
        {"department": "999999"},
        # Digits that are not ASCII: "²".isdigit() is True but int("²") fails.
        {"department": "²"},
        # Larger than any database integer.
        {"department": "9" * 30},
        {"service": "x" * 500},
        {"q": "x" * 5000},
        {"q": "\x00"},
        {"q": "%"},
        {"q": "_"},
        {"q": "'; DROP TABLE accounts_officialaccount; --"},
    ],
    ids=lambda p: repr(p)[:40],
)
def test_odd_filter_values_never_cause_a_server_error(client, demo, params):
    """Whatever a script sends, the answer is a (possibly empty) list, never a 500."""
    client.raise_request_exception = False
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content[:300]
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}


def test_like_wildcards_are_literal(client, demo):
    # "%" and "_" must not act as SQL wildcards: "_" appears in many handles, "%" in none.
    assert get_json(client, LIST, q="%")["count"] == 0
    assert get_json(client, LIST, q="sample%bousai")["count"] == 0


# --- One account --------------------------------------------------------------------------


def test_detail_has_the_current_policy_and_every_published_version(
    client, demo, tourism_account, change_policy
):
    change_policy(tourism_account)
    # A draft of a third version exists, but is not published.
    OperationPolicy.objects.create(
        account=tourism_account,
        version=3,
        status=PolicyStatus.DRAFT,
        purpose="下書きの目的（非公開）",
        content="下書きの内容（非公開）",
    )
    data = get_json(client, detail(tourism_account.pk))
    assert data["id"] == tourism_account.pk
    assert data["status"] == "listed"
    assert data["policy"]["version"] == 2
    assert data["policy"]["operating_hours"] == "毎日9時から18時まで投稿します。"
    assert data["policy"]["url"].endswith(f"/accounts/{tourism_account.pk}/policy/2/")
    assert [v["version"] for v in data["policy_versions"]] == [2, 1]
    for v in data["policy_versions"]:
        assert v["published_at"]
        assert v["url"].endswith(f"/accounts/{tourism_account.pk}/policy/{v['version']}/")
    text = json.dumps(data, ensure_ascii=False)
    assert "下書き" not in text


def test_every_listed_account_has_a_detail_with_its_policy(client, demo):
    for pk in sorted(listed_ids()):
        data = get_json(client, detail(pk))
        assert data["id"] == pk
        assert data["policy"]["version"] == 1
        assert [v["version"] for v in data["policy_versions"]] == [1]


def _submitted_registration(users, handle: str):
    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    data = filled_registration(
        req.payload,
        users,
        **{
            "account-service": str(Service.objects.get(slug="x").pk),
            "account-url": f"https://x.com/{handle}",
        },
    )
    return services.request_submit(req=req, actor=users["operator"], data=data)


def _unlisted_account(users, status: str) -> OfficialAccount:
    """An account in ``status`` reached through the real workflow."""
    handles = {"draft": "kk_draft", "pending": "kk_pending", "abandoned": "kk_abandoned"}
    req = _submitted_registration(users, handles.get(status, "kk_approved"))
    if status == AccountStatus.DRAFT:
        services.request_decide(
            req=req, actor=users["head"], action=Action.RETURN, comment="目的を具体的に。"
        )
    elif status == AccountStatus.ABANDONED:
        services.request_decide(
            req=req, actor=users["head"], action=Action.REJECT, comment="既存のもので足ります。"
        )
    elif status == "approved_by_head":
        services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    return OfficialAccount.objects.get(pk=req.account_id)


@pytest.mark.parametrize(
    "status",
    [AccountStatus.DRAFT, AccountStatus.PENDING, AccountStatus.ABANDONED, "approved_by_head"],
)
def test_unlisted_accounts_are_not_found(client, demo, users, status):
    account = _unlisted_account(users, status)
    assert account.listed_at is None
    response = client.get(detail(account.pk))
    assert response.status_code == 404
    # Nor in the list, nor "official" for the verifier.
    assert account.pk not in result_ids(get_json(client, LIST, page_size=500))
    verdict = get_json(client, VERIFY, q=account.url)
    assert verdict["verdict"] == "unknown"
    assert verdict["account"] is None


def test_unknown_id_is_not_found(client, demo):
    assert client.get(detail(999_999)).status_code == 404


def test_closed_account_keeps_its_record(client, demo, tourism_account, close_account):
    close_account(tourism_account)
    data = get_json(client, detail(tourism_account.pk))
    assert data["status"] == "closed"
    assert data["closed_at"]
    assert data["policy"]["version"] == 1
    assert [v["version"] for v in data["policy_versions"]] == [1]
    # No longer in the list of official accounts.
    listed = get_json(client, LIST, page_size=500)
    assert tourism_account.pk not in result_ids(listed)
    assert listed["count"] == 11


def test_suspended_account_is_listed_with_its_notice(client, demo, bousai_account):
    OfficialAccount.objects.filter(pk=bousai_account.pk).update(
        status=AccountStatus.SUSPENDED, suspension_notice="システム障害のため一時停止しています。"
    )
    cache.clear()
    item = next(a for a in get_json(client, LIST)["results"] if a["id"] == bousai_account.pk)
    assert item["status"] == "suspended"
    assert item["suspension_notice"] == "システム障害のため一時停止しています。"


# --- Nothing internal, ever ---------------------------------------------------------------


def _internal_strings() -> set[str]:
    strings = {ORG_MAIL_DOMAIN, *OFFICER_NAMES}
    for officer in Officer.objects.select_related("user"):
        if officer.user:
            user = officer.user
            strings |= {user.last_name, user.email, user.last_name + user.first_name}
            strings.add(f"{user.last_name} {user.first_name}")
            if len(user.first_name) > 1:  # "健" alone is also in 健康
                strings.add(user.first_name)
            strings.add(officer.user.username + "@")
        if officer.name:
            strings.add(officer.name)
    for account in OfficialAccount.objects.all():
        strings.add(account.registration_email)
    for rules in OperationRules.objects.all():
        for field in ("approval_before_posting", "credential_handling", "devices"):
            value = getattr(rules, field)
            if value:
                strings.add(value)
    return {s for s in strings if s}


def _assert_private(text: str, forbidden: set[str], where: str) -> None:
    leaked = sorted(s for s in forbidden if s in text)
    assert not leaked, f"{where} shows internal data: {leaked}"


FORBIDDEN_KEYS = {
    "registration_email",
    "officers",
    "officer",
    "email",
    "credentials_rotated_on",
    "last_activity_on",
    "rules",
    "operation_rules",
    "posting_staff",
    "credential_handling",
    "devices",
    "info_class",
    "search_text",
    "recorded_by",  # issue 14: who recorded an earlier ID is internal; so is the permanent ID
    "platform_id",
}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_no_officer_names_emails_or_internal_rules_in_any_response(
    client, demo, users, tourism_account, bousai_account, close_account, change_policy
):
    change_policy(bousai_account)
    close_account(tourism_account)
    KnownImpersonation.objects.create(
        service=Service.objects.get(slug="x"),
        identifier="sample_b0usai",
        url="https://x.com/sample_b0usai",
        warning="当市の公式アカウントではありません。",
        imitates=bousai_account,
        created_by=users["pr"],
    )
    forbidden = _internal_strings()
    assert {"高橋", "鈴木", "佐藤", ORG_MAIL_DOMAIN} <= forbidden

    urls = [LIST + "?page_size=500", LIST + "?q=観光", LIST + "?service=x"]
    urls += [detail(pk) for pk in OfficialAccount.objects.values_list("pk", flat=True)]
    urls += [
        VERIFY + "?q=@sample_city_kanko",
        VERIFY + "?q=https://www.instagram.com/sample_city_kanko/",
        VERIFY + "?q=https://x.com/sample_bousai",
        VERIFY + "?q=https://x.com/sample_b0usai",
        VERIFY + "?q=@nobody_here",
        VERIFY + "?q=@sample_koho",  # renamed (issue 14): the current account, the earlier ID
        VERIFY + "?q=https://x.com/i/user/1460000000000000001",
        VERIFY + "?q=",
    ]
    for url in urls:
        response = client.get(url)
        if response.status_code == 404:
            continue
        assert response.status_code == 200, url
        text = response.content.decode()
        _assert_private(text, forbidden, url)
        _assert_private(json.dumps(response.json(), ensure_ascii=False), forbidden, url)
        assert not (_keys(response.json()) & FORBIDDEN_KEYS), url


# --- The verifier -------------------------------------------------------------------------


def verify(client, q: str) -> dict:
    data = get_json(client, VERIFY, q=q)
    assert set(data) == {
        "verdict",
        "query",
        "key",
        "account",
        "matches",
        "services",
        "suggestions",
        "impersonation",
        "former",
        "message",
    }
    assert JAPANESE.search(data["message"]), data["message"]
    return data


@pytest.mark.parametrize(
    "q",
    [
        "https://x.com/sample_bousai",
        "https://twitter.com/sample_bousai",
        "http://www.twitter.com/sample_bousai",
        "https://mobile.twitter.com/sample_bousai",
        "https://mobile.x.com/sample_bousai/",
        "https://x.com/Sample_Bousai?s=20&t=abc",
        "x.com/sample_bousai",
        "ｈｔｔｐｓ：／／ｘ．ｃｏｍ／ｓａｍｐｌｅ＿ｂｏｕｓａｉ",
        "@sample_bousai",
        "＠ｓａｍｐｌｅ＿ｂｏｕｓａｉ",
        "  @sample_bousai  ",
    ],
)
def test_every_form_of_an_official_account_gets_the_same_answer(client, demo, bousai_account, q):
    data = verify(client, q)
    assert data["verdict"] == "official"
    assert data["key"] == "x:sample_bousai"
    assert data["account"]["id"] == bousai_account.pk
    assert data["account"]["status"] == "listed"
    assert [a["id"] for a in data["matches"]] == [bousai_account.pk]
    assert data["impersonation"] is None
    assert "公式アカウントです" in data["message"]


def test_a_bare_handle_official_on_several_services_lists_them_all(client, demo):
    data = verify(client, "@sample_city_kanko")
    assert data["verdict"] == "official"
    assert {a["service"] for a in data["matches"]} == {"instagram", "tiktok", "threads"}
    assert data["account"]["id"] == data["matches"][0]["id"]


def test_closed_after_a_real_closure(client, demo, tourism_account, close_account):
    url = "https://www.instagram.com/sample_city_kanko/"
    assert verify(client, url)["verdict"] == "official"
    close_account(tourism_account)
    data = verify(client, url)
    assert data["verdict"] == "closed"
    assert data["key"] == "instagram:sample_city_kanko"
    assert data["account"]["id"] == tourism_account.pk
    assert data["account"]["status"] == "closed"
    assert data["account"]["closed_at"]
    assert "廃止" in data["message"]
    # The same handle is still official elsewhere: a bare @handle says so.
    bare = verify(client, "@sample_city_kanko")
    assert bare["verdict"] == "official"
    assert {a["service"] for a in bare["matches"]} == {"tiktok", "threads"}


def test_known_impersonation(client, demo, users, bousai_account):
    key = identity.canonicalize("https://x.com/sample_b0usai")
    KnownImpersonation.objects.create(
        service=Service.objects.get(slug=key.service),
        identifier=key.identifier,
        url=key.url,
        display_name="サンプル市防災",
        warning="当市の公式アカウントではありません。フォローや返信をしないでください。",
        imitates=bousai_account,
        created_by=users["pr"],
    )
    for q in ("https://x.com/sample_b0usai", "https://twitter.com/Sample_B0usai", "@sample_b0usai"):
        data = verify(client, q)
        assert data["verdict"] == "impersonation", q
        assert data["key"] == "x:sample_b0usai"
        assert data["account"] is None
        assert data["impersonation"]["service"] == "x"
        assert data["impersonation"]["identifier"] == "sample_b0usai"
        assert data["impersonation"]["warning"].startswith("当市の公式アカウントではありません")
        assert data["impersonation"]["found_on"]
        assert "なりすまし" in data["message"]


def test_resolved_impersonation_is_no_longer_reported(client, demo, users):
    from django.utils import timezone

    KnownImpersonation.objects.create(
        service=Service.objects.get(slug="x"),
        identifier="sample_b0usai",
        url="https://x.com/sample_b0usai",
        warning="当市の公式アカウントではありません。",
        created_by=users["pr"],
        resolved_at=timezone.now(),
    )
    assert verify(client, "https://x.com/sample_b0usai")["verdict"] == "unknown"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("@nobody_here_12345", "unknown"),
        ("https://x.com/nobody_here_12345", "unknown"),
        # Look-alike hosts: never "official".
        ("https://x.com.evil.example/sample_bousai", "unknown"),
        ("https://evil-x.com/sample_bousai", "unknown"),
        ("https://twіtter.com/sample_bousai", "unknown"),  # Cyrillic і
        ("https://sample_bousai@evil.example/", "unknown"),
        ("https://evil.example/x.com/sample_bousai", "unknown"),
        # Shorteners name no account: they cannot be checked.
        ("https://bit.ly/3abcDEF", "unreadable"),
        ("https://t.co/abcdef", "unreadable"),
        # A video, not an account.
        ("https://www.youtube.com/watch?v=abcdefghijk", "unreadable"),
        # Empty and garbage.
        ("", "unreadable"),
        ("   ", "unreadable"),
        ("\x00<script>", "unreadable"),  # a NUL is never dropped to make sense of the rest
        ("<script>alert(1)</script>", "unreadable"),
        ("a" * 5000, "unreadable"),
        ("@" * 5000, "unreadable"),
        ("https://x.com/" + "a" * 5000, "unreadable"),  # too long to be read whole
        ("javascript:alert(1)", "unreadable"),
        ("💥🔥", "unreadable"),
        ("%", "unreadable"),
    ],
    ids=lambda q: repr(q)[:40],
)
def test_anything_else_is_not_official_with_a_japanese_message(client, demo, q, expected):
    data = verify(client, q)
    assert data["verdict"] == expected
    assert data["account"] is None
    assert data["matches"] == []
    assert data["impersonation"] is None
    assert data["message"]


def test_shortener_and_empty_explain_what_to_do(client, demo):
    assert "短縮URL" in verify(client, "https://bit.ly/3abcDEF")["message"]
    assert "入力" in verify(client, "")["message"]
    # No q at all behaves like an empty one.
    assert verify(client, "")["message"] == get_json(client, VERIFY)["message"]


def test_garbage_is_echoed_as_data_not_markup(client, demo):
    response = client.get(VERIFY, {"q": "<script>alert(1)</script>"})
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["query"] == "<script>alert(1)</script>"


# --- Issue 8 §1 and issue 13 through the API ---------------------------------------------------


@pytest.mark.parametrize("q", ["@samplecity.pr", "@sample.citypr", "@samplecitypr."])
def test_a_bare_id_is_not_official_because_a_facebook_page_resembles_it(client, demo, q):
    data = verify(client, q)
    assert data["verdict"] == "unknown"
    assert data["account"] is None
    assert {m["verdict"] for m in data["services"]} == {"unknown"}
    assert "facebook" not in {m["service"] for m in data["services"]}


def test_a_bare_id_is_answered_per_service(client, demo):
    data = verify(client, "@sample_city_kanko")
    assert data["verdict"] == "official"
    by_service = {m["service"]: m for m in data["services"]}
    official = {s for s, m in by_service.items() if m["verdict"] == "official"}
    assert official == {"instagram", "tiktok", "threads"}
    assert by_service["youtube"]["verdict"] == "unknown"
    assert by_service["youtube"]["account"] is None
    assert by_service["instagram"]["identifier"] == "sample_city_kanko"
    assert by_service["instagram"]["account"]["service"] == "instagram"
    assert by_service["instagram"]["service_name"]
    assert "ほかのサービスの同じIDは公式アカウントではありません" in data["message"]
    assert "Instagram" in data["message"]


@pytest.mark.parametrize(
    ("q", "key"),
    [
        ("https://x.com/sample_bousai/../nobody_here", "x:nobody_here"),
        ("https://x.com/sample_bousai/%2e%2e/nobody_here", "x:nobody_here"),
        ("https:\\\\x.com\\nobody_here", "x:nobody_here"),
    ],
)
def test_a_url_is_read_like_a_browser(client, demo, q, key):
    data = verify(client, q)
    assert data["verdict"] == "unknown"
    assert data["key"] == key


@pytest.mark.parametrize(
    ("q", "verdict"),
    [
        ("https://x.com/intent/follow?screen_name=sample_bousai", "official"),
        ("X @sample_bousai", "official"),
        ("LINE ID：@samplecity", "official"),
        ("Instagram @sample_bousai", "unknown"),
        ("https://youtu.be/dQw4w9WgXcQ", "unreadable"),
        ("https://www.instagram.com/p/C1abcDEF/", "unreadable"),
    ],
)
def test_what_people_paste(client, demo, q, verdict):
    data = verify(client, q)
    assert data["verdict"] == verdict
    if verdict == "unreadable":
        assert data["message"].startswith("このURLからはアカウントを特定できません。")


def test_a_display_name_suggests_the_account(client, demo, bousai_account):
    data = verify(client, "サンプル市防災")
    assert data["verdict"] == "unreadable"
    assert data["account"] is None
    assert bousai_account.pk in [a["id"] for a in data["suggestions"]]
    assert "名前だけでは確かめられません" in data["message"]


@pytest.mark.parametrize(
    ("q", "handle"),
    [
        ("https://x.com/sample_bousai/status/1790000000000000000", "@sample_bousai"),
        (
            "https://www.tiktok.com/@sample_city_kanko/video/7300000000000000000",
            "@sample_city_kanko",
        ),
        ("https://www.threads.net/@sample_city_kanko/post/C1abcDEF", "@sample_city_kanko"),
    ],
)
def test_a_post_link_is_post_with_the_named_account(client, demo, configure, q, handle):
    configure(NAME="見本市")
    data = verify(client, q)
    assert data["verdict"] == "post"
    assert data["account"]["handle"] == handle
    assert data["account"]["page"].endswith(f"/accounts/{data['account']['id']}/")
    assert data["message"] == (
        "このリンクは投稿を指しています。"
        f"リンクに含まれる {handle} は見本市の公式アカウントですが、"
        "投稿そのものは別のアカウントのものかもしれません。"
        f"開いて、投稿者の名前が {handle} であることを確かめてください。"
    )


def test_a_bluesky_post_stays_official(client, demo):
    q = "https://bsky.app/profile/samplecity.bsky.social/post/3kabcdefghi2x"
    assert verify(client, q)["verdict"] == "official"


def test_posts_of_impersonations_and_closed_accounts_keep_their_warning(
    client, demo, users, tourism_account, close_account
):
    KnownImpersonation.objects.create(
        service=Service.objects.get(slug="x"),
        identifier="sample_b0usai",
        url="https://x.com/sample_b0usai",
        warning="当市の公式アカウントではありません。",
        created_by=users["pr"],
    )
    q = "https://x.com/sample_b0usai/status/1790000000000000000"
    assert verify(client, q)["verdict"] == "impersonation"
    close_account(tourism_account)
    q = "https://www.instagram.com/sample_city_kanko/reel/C1abcDEF/"
    assert verify(client, q)["verdict"] == "closed"


# --- Issue 14: permanent IDs and earlier handles --------------------------------------------


def test_a_handle_the_city_used_before_is_renamed_never_official(client, demo, users):
    """The demo X account was @sample_koho (demo/data.py): "renamed", with the current account
    and the earlier ID's dates; per service too, and never "official" anywhere."""
    for q in ("https://x.com/sample_koho", "@sample_koho", "X @sample_koho"):
        data = verify(client, q)
        assert data["verdict"] == "renamed", q
        assert data["key"] == "x:sample_koho"
        assert data["account"]["handle"] == "@sample_city_pr"
        assert data["matches"] == [data["account"]]
        assert data["former"] == {
            "service": "x",
            "identifier": "sample_koho",
            "handle": "@sample_koho",
            "used_from": "2016-04-01",
            "used_until": "2024-03-31",
        }
        assert data["message"].startswith(
            "この ID は以前サンプル市が使っていましたが、現在の公式アカウントは @sample_city_pr"
        )
        assert "今この ID を使っているのはサンプル市ではありません。" in data["message"]
        assert "official" not in {m["verdict"] for m in data["services"]}
    post = verify(client, "https://x.com/sample_koho/status/1790000000000000000")
    assert post["verdict"] == "renamed"
    assert "投稿" in post["message"]


def test_a_permanent_id_url_is_the_account(client, demo, bousai_account):
    data = verify(client, "https://x.com/i/user/1460000000000000002")
    assert data["verdict"] == "official"
    assert data["key"] == "x:sample_bousai"
    assert data["account"]["id"] == bousai_account.pk
    assert data["former"] is None
    unknown = verify(client, "https://x.com/i/user/1460000000000000003")
    assert (unknown["verdict"], unknown["key"]) == ("unknown", "x:id:1460000000000000003")


# --- CORS and methods ---------------------------------------------------------------------

ORIGIN = "https://opendata.example.org"


@pytest.mark.parametrize("url", [LIST, LIST + "?service=x", VERIFY + "?q=@sample_bousai", "detail"])
def test_cors_is_open_for_get_on_the_api(client, demo, bousai_account, url):
    if url == "detail":
        url = detail(bousai_account.pk)
    for expected_cache in ("miss", "hit"):
        response = client.get(url, headers={"Origin": ORIGIN})
        assert response.status_code == 200
        assert response["X-Cache"] == expected_cache
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response


def test_cors_preflight_allows_only_reading(client, demo):
    response = client.options(
        LIST,
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    allowed = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert allowed <= {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("url", ["/staff/", "/staff/login/", "/admin/login/", "/report/", "/"])
def test_no_cors_outside_the_api(client, demo, url):
    response = client.get(url, headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response


def test_no_cors_on_staff_pages_for_a_logged_in_user(client, demo, users):
    client.force_login(users["pr"])
    response = client.get("/staff/", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [LIST, "detail", VERIFY + "?q=@sample_bousai"])
def test_writes_are_refused(demo, tourism_account, method, url):
    client = SavepointClient(enforce_csrf_checks=True, raise_request_exception=False)
    if url == "detail":
        url = detail(tourism_account.pk)
    before = OfficialAccount.objects.count()
    response = getattr(client, method)(
        url, data=json.dumps({"display_name": "改ざん"}), content_type="application/json"
    )
    assert response.status_code == 405, (method, url, response.status_code)
    assert "GET" in response["Allow"]
    assert OfficialAccount.objects.count() == before
    tourism_account.refresh_from_db()
    assert tourism_account.display_name == "サンプル市観光"


# --- Queries per request: constant in the number of accounts ------------------------------

QUERY_CEILING = 8


def _queries(client, url: str) -> int:
    cache.clear()  # count a real (miss) request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert response["X-Cache"] == "miss"
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        LIST,
        LIST + "?page_size=500",
        LIST + "?service=x&q=sample",
        VERIFY + "?q=@sample_city_kanko",
        VERIFY + "?q=https://x.com/sample_bousai",
        VERIFY + "?q=https://www.instagram.com/sample_city_kanko/",
        VERIFY + "?q=@nobody_here",
        VERIFY + "?q=@sample_koho",  # renamed (issue 14)
        VERIFY + "?q=https://x.com/i/user/1460000000000000002",  # by permanent ID
        # /accounts.csv, /feed/ and /accounts.json are files written once per change since
        # issue 12: tests/public/test_opendata_files.py counts a download's queries.
    ],
)
def test_query_count_does_not_grow_with_the_number_of_accounts(
    plain_client, demo, url, django_assert_max_num_queries
):
    client = plain_client
    small = _queries(client, url)
    assert small <= QUERY_CEILING, f"{url}: {small} queries with the demo data"

    call_command("seed_demo", accounts=100, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert OfficialAccount.objects.count() >= 112

    cache.clear()
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
    assert response["X-Cache"] == "miss"


def test_query_count_of_a_detail_does_not_grow_with_versions(
    plain_client, demo, tourism_account, change_policy, django_assert_max_num_queries
):
    client = plain_client
    small = _queries(client, detail(tourism_account.pk))
    assert small <= QUERY_CEILING
    change_policy(tourism_account)
    cache.clear()
    with django_assert_max_num_queries(small):
        assert client.get(detail(tourism_account.pk)).status_code == 200


def test_a_cache_hit_needs_at_most_one_query(plain_client, demo, django_assert_max_num_queries):
    client = plain_client
    url = VERIFY + "?q=@sample_city_kanko"
    assert client.get(url)["X-Cache"] == "miss"
    with django_assert_max_num_queries(1):
        response = client.get(url)
    assert response["X-Cache"] == "hit"
