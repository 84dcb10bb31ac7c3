"""Japanese is the only language (issue 9 §6): a browser that asks for English still reads a
Japanese page, Japanese form errors (Django's own included) and Japanese flash messages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_browser() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")


def test_japanese_is_the_only_language():
    assert settings.LANGUAGE_CODE == "ja"
    assert [code for code, _name in settings.LANGUAGES] == ["ja"]


def test_a_page_is_japanese(english_browser):
    response = english_browser.get(reverse("public:account_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="ja"' in page
    assert "公式SNSアカウント" in page
    # Django's admin templates are translated by Django: English would say "Log in".
    admin = english_browser.get(reverse("admin:login")).content.decode()
    assert "公式SNSアカウント台帳 管理" in admin
    assert "パスワード" in admin
    assert "Password" not in admin


def test_a_form_error_is_japanese(english_browser):
    # Django's own messages, from its Japanese catalogue: they are the ones that would turn
    # English if the browser's language were followed.
    required = english_browser.post(reverse("staff:login"), {"username": "", "password": ""})
    assert required.status_code == 200
    assert "ユーザー名：この項目は必須です。" in required.content.decode()
    wrong = english_browser.post(
        reverse("staff:login"), {"username": "nobody", "password": "wrong-password"}
    )
    [error] = wrong.context["form"].non_field_errors()
    assert error.startswith("正しい"), error
    assert "パスワードを入力してください" in error


def test_a_flash_message_is_japanese(english_browser):
    english_browser.force_login(UserFactory())
    response = english_browser.post(reverse("staff:request_new"), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "新規登録の申請を下書きとして作成しました。"
    ]
