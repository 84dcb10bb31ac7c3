"""Search by reading (issue 11 §8): 観光 is found by かんこう, カンコウ and ｶﾝｺｳ on the public
list, the staff list and the API, on SQLite and PostgreSQL alike (the folding is done in
Python: accounts/search.py); staff see and correct the reading through an approved change.

Run on both databases:
    pytest tests/accounts/test_reading.py
    DATABASE_URL=postgres://…/sns_x pytest --create-db tests/accounts/test_reading.py
"""

from __future__ import annotations

import importlib
import re
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape as html_escape

from accounts.models import OfficialAccount
from accounts.search import account_search_text
from approvals import services
from approvals.models import RequestKind
from tests.workflow import CHECKLIST_ON, change_account

pytestmark = pytest.mark.django_db

KANA = ["かんこう", "カンコウ", "ｶﾝｺｳ", "観光", "ｻﾝﾌﾟﾙｼ ｶﾝｺｳ"]


def tourism_ids() -> set[int]:
    return set(
        OfficialAccount.objects.filter(display_name="サンプル市観光").values_list("pk", flat=True)
    )


def linked_ids(html: str, prefix: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf'href="{re.escape(prefix)}(\d+)/"', html)}


@pytest.mark.parametrize("typed", KANA)
def test_the_public_list_finds_kanji_names_by_their_reading(client, demo, typed):
    response = client.get(reverse("public:account_list") + f"?q={quote(typed)}")
    assert response.status_code == 200
    found = linked_ids(response.content.decode(), "/accounts/")
    assert found == tourism_ids()
    assert len(found) == 3


@pytest.mark.parametrize("typed", KANA)
def test_the_staff_list_finds_them_too(client, users, typed):
    client.force_login(users["pr"])
    response = client.get(reverse("staff_accounts:list") + f"?q={quote(typed)}")
    assert linked_ids(response.content.decode(), "/staff/accounts/") == tourism_ids()


@pytest.mark.parametrize("typed", KANA)
def test_the_api_agrees(client, demo, typed):
    response = client.get(reverse("api-accounts") + f"?q={quote(typed)}")
    assert response.status_code == 200
    assert {a["id"] for a in response.json()["results"]} == tourism_ids()


def test_a_reading_matches_across_words_and_not_elsewhere(client, demo):
    response = client.get(reverse("public:account_list") + "?q=" + quote("ぼうさい"))
    names = set(
        OfficialAccount.objects.filter(
            pk__in=linked_ids(response.content.decode(), "/accounts/")
        ).values_list("display_name", flat=True)
    )
    assert names == {"サンプル市防災"}


# --- Staff see and correct the reading -------------------------------------------------------


def test_the_staff_account_page_shows_the_reading(client, users, tourism_account):
    client.force_login(users["operator"])
    html = client.get(reverse("staff_accounts:detail", args=[tourism_account.pk])).content.decode()
    assert "アカウント名のよみ" in html
    assert "さんぷるしかんこう" in html
    assert "自動で付けたよみ" in html


def test_the_request_form_has_the_reading_beside_the_name(client, users, tourism_account):
    client.force_login(users["operator"])
    response = client.post(
        reverse("staff_accounts:request_change", args=[tourism_account.pk]), follow=True
    )
    html = response.content.decode()
    name = html.index('name="account-display_name"')
    reading = html.index('name="account-name_reading"')
    department = html.index('name="account-department"')
    assert name < reading < department
    assert "アカウント名のよみ" in html


def test_a_typed_reading_overrides_the_derived_one_once_approved(client, users, tourism_account):
    # 観光 is read かんこう; staff say this account's name is read "みどころ" (made up).
    account = change_account(
        tourism_account, users, **{"account-name_reading": "サンプルシ ミドコロ"}
    )
    assert account.name_reading == "さんぷるし みどころ"  # katakana stored as hiragana
    assert account.reading == "さんぷるし みどころ"

    def public_ids(typed: str) -> set[int]:
        html = client.get(reverse("public:account_list") + "?q=" + quote(typed)).content.decode()
        return linked_ids(html, "/accounts/")

    assert account.pk in public_ids("ミドコロ")
    assert account.pk not in public_ids("かんこう")  # the derived reading is gone
    assert public_ids("かんこう") == tourism_ids() - {account.pk}
    client.force_login(users["pr"])
    html = client.get(reverse("staff_accounts:detail", args=[account.pk])).content.decode()
    assert "さんぷるし みどころ" in html
    assert "自動で付けたよみ" not in html


@pytest.mark.parametrize("typed", ["観光", "さんぷる市", "kankō<script>"])
def test_a_reading_in_kanji_is_refused_in_japanese_and_kept(client, users, tourism_account, typed):
    operator = users["operator"]
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=tourism_account)
    client.force_login(operator)
    response = client.post(
        reverse("staff:request_edit", args=[req.pk]),
        {
            **req.payload,
            **CHECKLIST_ON,
            "account-name_reading": typed,
            "policy-operating_hours": "毎日9時から18時まで投稿します。",
            "action": "submit",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "よみはひらがな（またはカタカナ）で入力してください。漢字は使えません。" in html
    field = re.search(r'<input[^>]*name="account-name_reading"[^>]*>', html)
    assert field
    assert f'value="{escape(typed)}"' in field.group()
    tourism_account.refresh_from_db()
    assert tourism_account.name_reading == ""


def escape(text: str) -> str:
    return str(html_escape(text))


# --- The data migration (accounts 0012) ---------------------------------------------------


def test_the_migration_makes_existing_accounts_findable_by_reading(client, demo):
    """0012 appends the reading to the search text of rows saved before it (simulated here
    by their search text without the reading)."""
    for account in OfficialAccount.objects.select_related("service", "department"):
        without = account_search_text(
            account.display_name,
            account.identifier,
            account.key.display_handle,
            account.service.name,
            account.department.full_name,
            account.purpose,
        )
        OfficialAccount.objects.filter(pk=account.pk).update(search_text=without)
    page = reverse("public:account_list") + "?q=" + quote("かんこう")
    assert linked_ids(client.get(page).content.decode(), "/accounts/") == set()

    migration = importlib.import_module(
        "accounts.migrations.0012_reading_closure_category_successor"
    )
    migration.add_readings(apps, None)
    cache.clear()  # the public page cache: the migration runs before any page is served
    assert linked_ids(client.get(page).content.decode(), "/accounts/") == tourism_ids()
