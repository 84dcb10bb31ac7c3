"""The review pages (R12, R10), the last-post date and the PR division's stale list: who may
open each URL, what the switches change, what the dashboard shows, and hostile input."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from accounts.models import OfficialAccount
from reviews.models import AccountReview, CredentialCheck, ReviewOutcome
from tests.reviews.conftest import DEFAULT, set_dates, tokyo

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
ROLES = ["operator", "manager", "head", "pr", "prhead", "operator2", "head2", "admin"]


@pytest.fixture
def clock():
    with time_machine.travel(tokyo(TODAY), tick=False):
        yield


def _urls(account):
    return {
        "review": reverse("staff_reviews:review", args=[account.pk]),
        "credentials": reverse("staff_reviews:credentials", args=[account.pk]),
        "last_activity": reverse("staff_reviews:last_activity", args=[account.pk]),
        "stale": reverse("staff_reviews:stale"),
    }


# Who may open what on the tourism account (its officers: head 責任者, manager 管理者,
# operator 担当者; department 観光プロモーション課).
ALLOWED = {
    "review": {"manager", "head"},
    "credentials": {"manager", "head"},
    "last_activity": {"operator", "manager", "head"},
    "stale": {"pr", "admin"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(ALLOWED))
def test_every_page_for_every_demo_role(all_on, clock, client, users, tourism_account, role, page):
    client.force_login(users[role])
    url = _urls(tourism_account)[page]
    if page == "last_activity":
        response = client.post(url, {"last_activity_on": "2026-11-20"})
        expected = 302 if role in ALLOWED[page] else 403
    else:
        response = client.get(url)
        expected = 200 if role in ALLOWED[page] else 403
    assert response.status_code == expected


def test_anonymous_people_are_sent_to_the_login(all_on, client, tourism_account):
    for url in _urls(tourism_account).values():
        response = client.get(url)
        assert response.status_code == 302
        assert "/staff/login/" in response["Location"]


def test_an_account_that_does_not_exist_is_404_and_a_closed_one_403(
    all_on, client, users, tourism_account
):
    client.force_login(users["manager"])
    assert client.get(reverse("staff_reviews:review", args=[999999])).status_code == 404
    OfficialAccount.objects.filter(pk=tourism_account.pk).update(
        status="closed", closed_at=tokyo(TODAY)
    )
    assert client.get(_urls(tourism_account)["review"]).status_code == 403


@pytest.mark.parametrize(
    ("checklist", "gone"),
    [
        ([*DEFAULT, "R10"], {"review", "last_activity", "stale"}),
        ([*DEFAULT, "R12"], {"credentials"}),
        (DEFAULT, {"review", "last_activity", "stale", "credentials"}),
    ],
)
def test_a_switch_turned_off_removes_its_pages(
    configure, client, users, tourism_account, checklist, gone
):
    configure(CHECKLIST=checklist)
    for page, url in _urls(tourism_account).items():
        client.force_login(users["pr" if page == "stale" else "manager"])
        response = client.post(url, {}) if page == "last_activity" else client.get(url)
        assert (response.status_code == 404) == (page in gone), page


# --- The review --------------------------------------------------------------------------


def test_the_manager_confirms_the_review_and_the_account_page_shows_it(
    all_on, clock, client, users, tourism_account
):
    client.force_login(users["manager"])
    page = client.get(reverse("staff_accounts:detail", args=[tourism_account.pk]))
    assert "定期見直しを記録する" in page.content.decode()
    response = client.post(
        _urls(tourism_account)["review"],
        {
            "outcome": "confirmed",
            "last_activity_on": "2026-11-25",
            "handle": "same",
            "note": "問題なし",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "見直しを記録しました。次の見直しは2027/11/26までです。" in body
    review = AccountReview.objects.get(account=tourism_account)
    assert (review.reviewed_by, review.reviewed_on, review.outcome) == (
        users["manager"],
        TODAY,
        ReviewOutcome.CONFIRMED,
    )
    tourism_account.refresh_from_db()
    assert tourism_account.last_activity_on == date(2026, 11, 25)


@pytest.mark.parametrize(
    ("outcome", "message", "button"),
    [
        ("needs_change", "「変更を申請する」から", "変更を申請する"),
        ("not_used", "「廃止を申請する」から", "廃止を申請する"),
    ],
)
def test_a_review_that_finds_a_problem_points_to_the_request(
    all_on, clock, client, users, tourism_account, outcome, message, button
):
    client.force_login(users["manager"])
    response = client.post(
        _urls(tourism_account)["review"],
        {"outcome": outcome, "last_activity_on": "2026-01-10", "handle": "same"},
        follow=True,
    )
    body = response.content.decode()
    assert message in body
    assert button in body


def test_an_account_the_review_says_is_unused_is_on_the_stale_list(
    all_on, clock, client, users, tourism_account
):
    client.force_login(users["manager"])
    client.post(_urls(tourism_account)["review"], {"outcome": "not_used", "handle": "same"})
    client.force_login(users["pr"])
    body = client.get(_urls(tourism_account)["stale"]).content.decode()
    assert tourism_account.display_name in body
    assert "見直しで「使っていない」" in body


# --- The stale list and the dashboard -------------------------------------------------------


def test_the_pr_division_sees_stale_accounts_with_a_count_on_the_dashboard(
    all_on, clock, client, users, tourism_account, bousai_account
):
    OfficialAccount.objects.update(listed_at=tokyo(date(2026, 6, 1)), last_activity_on=TODAY)
    set_dates(tourism_account, last_activity_on=date(2026, 5, 25))  # six months + a day
    set_dates(bousai_account, listed_on=date(2025, 10, 1))  # review overdue
    client.force_login(users["pr"])
    dashboard = client.get(reverse("staff:dashboard")).content.decode()
    assert "見直しが必要なアカウント（投稿の途絶え・見直しの期限切れ）：2件" in dashboard
    body = client.get(_urls(tourism_account)["stale"]).content.decode()
    assert tourism_account.display_name in body
    assert bousai_account.display_name in body
    assert "投稿が途絶えている" in body
    assert "見直しの期限切れ" in body
    # A post recorded today takes it off the list.
    client.force_login(users["operator"])
    client.post(_urls(tourism_account)["last_activity"], {"last_activity_on": "2026-11-26"})
    client.force_login(users["pr"])
    assert (
        tourism_account.display_name
        not in client.get(_urls(tourism_account)["stale"]).content.decode()
    )


def test_the_dashboard_lists_the_same_items_with_due_dates_and_marks_the_overdue(
    all_on, clock, client, users, tourism_account
):
    OfficialAccount.objects.update(
        listed_at=tokyo(TODAY), credentials_rotated_on=TODAY, last_activity_on=TODAY
    )
    set_dates(tourism_account, listed_on=date(2025, 11, 1), credentials_rotated_on=None)
    client.force_login(users["manager"])
    body = client.get(reverse("staff:dashboard")).content.decode()
    assert "期限のあるやること" in body
    assert "定期見直し（棚卸し）" in body
    assert "期限 2026/11/01" in body
    assert "list-group-item-danger" in body
    assert "期限切れ" in body
    assert "ログイン情報の管理者とパスワード変更日の記録" in body
    # The 担当者 is not the one reminded.
    client.force_login(users["operator"])
    assert (
        "定期見直し（棚卸し）の期限" not in client.get(reverse("staff:dashboard")).content.decode()
    )


def test_switched_off_the_dashboard_and_account_page_show_none_of_it(
    configure, clock, client, users, tourism_account
):
    configure(CHECKLIST=DEFAULT)
    set_dates(tourism_account, listed_on=date(2024, 1, 1), credentials_rotated_on=None)
    for role in ("manager", "pr"):
        client.force_login(users[role])
        body = client.get(reverse("staff:dashboard")).content.decode()
        assert "定期見直し" not in body
        assert "見直しが必要なアカウント" not in body
        assert "ログイン情報" not in body
        page = client.get(reverse("staff_accounts:detail", args=[tourism_account.pk]))
        assert "定期見直し" not in page.content.decode()
        assert "最終投稿日を更新" not in page.content.decode()


# --- The credentials ---------------------------------------------------------------------


def test_the_manager_confirms_who_holds_the_credentials(
    all_on, clock, client, users, tourism_account
):
    officers = {o.role: o for o in tourism_account.officers.all()}
    client.force_login(users["manager"])
    page = client.get(_urls(tourism_account)["credentials"]).content.decode()
    assert "パスワードそのものは" in page
    response = client.post(
        _urls(tourism_account)["credentials"],
        {"holders": [officers["manager"].pk], "rotated_on": "２０２６年１１月２０日"},
        follow=True,
    )
    assert "記録しました" in response.content.decode()
    check = CredentialCheck.objects.get(account=tourism_account)
    assert check.rotated_on == date(2026, 11, 20)
    assert "鈴木 一郎" in check.holders
    assert list(
        tourism_account.officers.filter(holds_credentials=True).values_list("role", flat=True)
    ) == ["manager"]


# --- Hostile input -------------------------------------------------------------------------

HOSTILE_DATES = [
    "",
    "2026-02-30",
    "0000-01-01",
    "1999-12-31",
    "2099-01-01",
    "abc",
    "2026-11-01\r\nBcc: x",
    "2026\x00-11-01",
    "1" * 1_000_000,
]


@pytest.mark.parametrize("value", HOSTILE_DATES, ids=range(len(HOSTILE_DATES)))
def test_hostile_dates_get_a_japanese_message_and_change_nothing(
    all_on, clock, client, users, tourism_account, value
):
    before = tourism_account.last_activity_on
    client.force_login(users["manager"])
    response = client.post(
        _urls(tourism_account)["review"],
        {"outcome": "confirmed", "last_activity_on": value, "note": "メモ\r\nは残る"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "is-invalid" in body
    assert "最終投稿日" in body
    assert "メモ" in body  # what was typed is shown again
    response = client.post(
        _urls(tourism_account)["credentials"],
        {"holders": [tourism_account.officers.first().pk], "rotated_on": value},
    )
    assert response.status_code == 200
    assert "日付" in response.content.decode()
    response = client.post(
        _urls(tourism_account)["last_activity"], {"last_activity_on": value}, follow=True
    )
    assert response.status_code == 200
    assert "最終投稿日：" in response.content.decode()
    assert not AccountReview.objects.exists()
    assert not CredentialCheck.objects.exists()
    tourism_account.refresh_from_db()
    assert tourism_account.last_activity_on == before


@pytest.mark.parametrize(
    "data",
    [
        {"outcome": "deleted"},
        {"outcome": "confirmed\x00", "last_activity_on": "2026-11-01"},
        {"outcome": "confirmed", "last_activity_on": "2026-11-01", "note": "あ" * 300_000},
        {"outcome": "confirmed", "last_activity_on": "2026-11-01", "note": "NUL\x00"},
        {"outcome": "confirmed"},  # a used account needs its last post
    ],
)
def test_hostile_review_input_is_refused_in_japanese(
    all_on, clock, client, users, tourism_account, data
):
    client.force_login(users["manager"])
    response = client.post(_urls(tourism_account)["review"], data)
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not AccountReview.objects.exists()


@pytest.mark.parametrize(
    "holders", [[], ["abc"], ["999999"], ["-1"], ["1" * 30], "OTHER_ACCOUNT", ["1\x00"]]
)
def test_credential_holders_must_be_officers_of_this_account(
    all_on, clock, client, users, tourism_account, bousai_account, holders
):
    if holders == "OTHER_ACCOUNT":
        holders = [bousai_account.officers.first().pk]
    client.force_login(users["manager"])
    response = client.post(
        _urls(tourism_account)["credentials"], {"holders": holders, "rotated_on": "2026-11-01"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "職員" in body
    assert "is-invalid" in body
    assert not CredentialCheck.objects.exists()


@pytest.mark.parametrize(
    "page", ["?page=abc", "?page=-1", "?page=99999999999999999999", "?page=\x00"]
)
def test_the_stale_list_survives_any_page_number(all_on, clock, client, users, page):
    client.force_login(users["pr"])
    assert client.get(reverse("staff_reviews:stale") + page).status_code == 200
