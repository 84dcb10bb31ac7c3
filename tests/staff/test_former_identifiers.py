"""Issue 14 on the staff account page: the permanent ID (or how to find it), the handles the
account used before, and the PR division's form to record one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import FormerIdentifier, IdentifierSource, OfficialAccount
from accounts.permissions import can_record_former_identifier, former_identifier_recorders
from organization.models import User

pytestmark = pytest.mark.django_db


def add_url(account: OfficialAccount) -> str:
    return reverse("staff_accounts:former_identifier", args=[account.pk])


def detail(client, account: OfficialAccount) -> str:
    return client.get(reverse("staff_accounts:detail", args=[account.pk])).content.decode()


def test_the_page_shows_the_permanent_id_or_how_to_find_it(client, users, bousai_account):
    OfficialAccount.objects.filter(pk=bousai_account.pk).update(platform_id="id:1460000000000009")
    client.force_login(users["pr"])
    page = detail(client, bousai_account)
    assert "固定ID" in page
    assert "1460000000000009" in page
    assert 'href="https://x.com/i/user/1460000000000009"' in page
    OfficialAccount.objects.filter(pk=bousai_account.pk).update(platform_id="")
    page = detail(client, bousai_account)
    assert "未登録" in page
    assert "accountId" in page  # how to find it (accounts.catalogue)


def test_the_pr_division_records_a_former_handle(client, users, tourism_account):
    client.force_login(users["pr"])
    page = detail(client, tourism_account)
    assert add_url(tourism_account) in page
    form = client.get(add_url(tourism_account))
    assert form.status_code == 200
    response = client.post(
        add_url(tourism_account),
        {
            "identifier": "https://www.instagram.com/sample_kanko_old/",
            "used_from": "2015-04-01",
            "used_until": "２０２３年３月３１日",
            "note": "観光課の旧アカウント名（広報誌 2015年5月号）",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("staff_accounts:detail", args=[tourism_account.pk]) + "#former-ids"
    )
    row = FormerIdentifier.objects.get(account=tourism_account)
    assert (row.service, row.identifier) == (tourism_account.service, "sample_kanko_old")
    assert (row.used_from, row.used_until) == (date(2015, 4, 1), date(2023, 3, 31))
    assert row.source == IdentifierSource.STAFF
    assert row.recorded_by == users["pr"]
    client.force_login(users["operator"])  # the account's own department reads it too
    page = detail(client, tourism_account)
    assert "@sample_kanko_old" in page
    assert "2015/04/01〜2023/03/31" in page
    assert "広報担当課が登録" in page
    assert "観光課の旧アカウント名" in page
    assert str(users["pr"]) in page
    assert add_url(tourism_account) not in page  # the button is the PR division's


def test_full_width_input_is_read(client, users, tourism_account):
    client.force_login(users["pr"])
    response = client.post(
        add_url(tourism_account),
        {"identifier": "＠ｓａｍｐｌｅ＿ｋａｎｋｏ＿ｏｌｄ", "used_until": "2023-03-31"},
    )
    assert response.status_code == 302
    assert FormerIdentifier.objects.get(account=tourism_account).identifier == "sample_kanko_old"


FUTURE = (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"identifier": "@old\r\nBcc: x@example.com"}, "identifier", "改行や制御文字"),
        ({"identifier": "@old\x00name"}, "identifier", "制御文字"),
        ({"identifier": "x" * 1_000_000}, "identifier", "2048文字以内"),
        ({"note": "メモ\x00"}, "note", "制御文字"),
        ({"note": "x" * 1_000_000}, "note", "200文字以内"),
        ({"used_until": FUTURE}, "used_until", "今日より後の日付は入力できません。"),
        ({"used_until": ""}, "used_until", "この項目は必須です。"),
        ({"used_until": "x" * 1_000_000}, "used_until", "日付を「2026-05-31」"),
        ({"used_until": "1999-12-31"}, "used_until", "2000年1月1日以降"),
        ({"used_from": "2024-04-01"}, "used_from", "使用開始日は使用終了日より前に"),
        ({"identifier": "https://x.com/sample_kanko_old"}, "identifier", "Instagram"),
        ({"identifier": "@sample_city_kanko"}, "identifier", "このアカウントの現在のIDです。"),
    ],
    ids=[
        "crlf",
        "nul",
        "1mb",
        "note-nul",
        "note-1mb",
        "future",
        "no-end",
        "date-1mb",
        "too-old",
        "from-after-until",
        "other-service",
        "own-handle",
    ],
)
def test_bad_input_is_refused_with_a_message_and_kept(
    client, users, tourism_account, fields, field, message
):
    client.force_login(users["pr"])
    data = {"identifier": "@sample_kanko_old", "used_until": "2024-03-31", "note": "", **fields}
    response = client.post(add_url(tourism_account), data)
    page = response.content.decode()
    assert response.status_code == 422
    assert message in page
    assert not FormerIdentifier.objects.filter(account=tourism_account).exists()
    if len(data["identifier"]) < 100 and "\x00" not in data["identifier"]:
        assert "sample_kanko_old" in page or "sample_city_kanko" in page  # kept as typed


def test_a_handle_a_live_account_uses_now_is_refused(client, users, bousai_account):
    live = OfficialAccount.objects.get(service__slug="x", identifier="sample_city_pr")
    client.force_login(users["pr"])
    response = client.post(
        add_url(bousai_account), {"identifier": live.url, "used_until": "2024-03-31"}
    )
    assert response.status_code == 422
    assert f"公式アカウント「{live.display_name}」が使っています" in response.content.decode()
    assert not FormerIdentifier.objects.filter(account=bousai_account).exists()


def test_the_same_former_handle_twice_is_refused(client, users, tourism_account):
    client.force_login(users["pr"])
    data = {"identifier": "@sample_kanko_old", "used_until": "2024-03-31"}
    assert client.post(add_url(tourism_account), data).status_code == 302
    response = client.post(add_url(tourism_account), data)
    assert response.status_code == 422
    assert "既にこのアカウントの以前のIDに登録されています" in response.content.decode()
    assert FormerIdentifier.objects.filter(account=tourism_account).count() == 1


@pytest.mark.parametrize(
    "username", ["operator", "manager", "head", "prhead", "operator2", "head2", "admin"]
)
def test_nobody_but_the_pr_division_may_record(client, users, tourism_account, username):
    client.force_login(users[username])
    assert client.get(add_url(tourism_account)).status_code == 403
    response = client.post(
        add_url(tourism_account), {"identifier": "@sample_kanko_old", "used_until": "2024-03-31"}
    )
    assert response.status_code == 403
    assert not FormerIdentifier.objects.filter(account=tourism_account).exists()


def test_anonymous_is_sent_to_the_login_page(client, tourism_account):
    response = client.post(
        add_url(tourism_account), {"identifier": "@sample_kanko_old", "used_until": "2024-03-31"}
    )
    assert response.status_code == 302
    assert reverse("staff:login") in response["Location"]
    assert not FormerIdentifier.objects.filter(account=tourism_account).exists()


def test_the_predicate_and_its_twin_agree(users):
    recorders = set(former_identifier_recorders())
    accounts = list(OfficialAccount.objects.select_related("department"))
    for user in User.objects.all():
        for account in accounts:
            if account.status in ("listed", "suspended", "closed"):
                assert can_record_former_identifier(user, account) == (user in recorders), (
                    user.username
                )
            else:
                assert not can_record_former_identifier(user, account)
