"""Login, logout and lockout (issue 3 §4): staff pages need a login; guessing is stopped."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/staff/login/"


def test_staff_pages_send_anonymous_visitors_to_login(client, demo):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=/staff/")


def test_login_with_the_demo_password_reaches_the_dashboard(client, demo):
    response = client.post(
        LOGIN, {"username": "operator", "password": "demo-pass-2026"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("staff:dashboard")
    assert "ダッシュボード" in response.content.decode()


def test_wrong_password_gets_a_japanese_message_and_keeps_the_username(client, demo):
    response = client.post(LOGIN, {"username": "operator", "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません" in page
    assert 'value="operator"' in page


def test_repeated_failures_lock_the_account_out(client, demo, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "operator", "password": "wrong"})
    # Even the right password is refused now.
    response = client.post(LOGIN, {"username": "operator", "password": "demo-pass-2026"})
    assert response.status_code in (403, 429)
    assert "ログインを一時停止しています" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(client, users):
    client.force_login(users["operator"])
    response = client.post(reverse("staff:logout"))
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 302
