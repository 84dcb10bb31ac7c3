"""The dashboard panel and the staff account page (R18): a hijacked account is one click
from the emergency form; the log and the buttons sit on the account page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.services import incident_record
from tests.incidents.conftest import suspend

pytestmark = pytest.mark.django_db

EMERGENCY = "緊急停止（乗っ取り等）"


def _dashboard(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("staff:dashboard")).content.decode()


def test_the_responsible_head_sees_the_emergency_button_per_account(client, users, tourism_account):
    page = _dashboard(client, users["head"])
    form = reverse("staff_incidents:suspend", args=[tourism_account.pk]) + "?kind=hijack"
    assert EMERGENCY in page
    assert form in page
    # One click away: the form is prefilled with the hijack notice.
    response = client.get(form)
    assert "不正ログイン（乗っ取り）の疑いにより一時停止しています" in response.content.decode()


def test_the_pr_division_gets_the_search_box(client, users):
    page = _dashboard(client, users["pr"])
    assert reverse("staff_incidents:find") in page
    assert "探して緊急停止" in page


def test_an_operator_reports_but_does_not_suspend(client, users, tourism_account):
    page = _dashboard(client, users["operator"])
    assert "乗っ取り・不正ログインを報告" in page
    assert reverse("staff_incidents:record", args=[tourism_account.pk]) + "?kind=hijack" in page
    assert reverse("staff_incidents:suspend", args=[tourism_account.pk]) not in page


def test_the_system_administrator_has_no_panel(client, users):
    assert "インシデントと緊急停止" not in _dashboard(client, users["admin"])


def test_open_incidents_and_suspended_accounts_on_the_dashboard(client, users, tourism_account):
    incident = incident_record(
        account=tourism_account,
        actor=users["operator"],
        kind="flaming",
        occurred_at=timezone.now(),
        description="批判が集まっています。",
    )
    suspend(tourism_account, users)
    page = _dashboard(client, users["head"])
    assert reverse("staff_incidents:detail", args=[incident.pk]) in page
    assert "一時停止中のアカウント" in page


def test_the_account_page_shows_the_log_and_the_buttons(client, users, tourism_account):
    incident = incident_record(
        account=tourism_account,
        actor=users["operator"],
        kind="misinformation",
        occurred_at=timezone.now(),
        description="日付の誤り",
    )
    url = reverse("staff_accounts:detail", args=[tourism_account.pk])
    client.force_login(users["head"])
    page = client.get(url).content.decode()
    assert reverse("staff_incidents:detail", args=[incident.pk]) in page
    assert EMERGENCY in page
    assert "再開を申請する" not in page
    suspend(tourism_account, users)
    client.force_login(users["operator"])
    page = client.get(url).content.decode()
    assert "再開を申請する" in page
    assert EMERGENCY not in page
    assert "一時停止中です" in page


def test_the_incident_list_shows_only_what_the_person_may_see(
    client, users, tourism_account, bousai_account
):
    for account in (tourism_account, bousai_account):
        incident_record(
            account=account,
            actor=users["pr"],
            kind="other",
            occurred_at=timezone.now(),
            description="記録",
        )
    client.force_login(users["operator2"])
    page = client.get(reverse("staff_incidents:list")).content.decode()
    assert bousai_account.display_name in page
    assert tourism_account.display_name not in page
