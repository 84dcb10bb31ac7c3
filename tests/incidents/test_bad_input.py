"""Hostile input in every field of the incident and suspension forms: a Japanese message,
what was typed shown again, nothing stored, never a 500 (issue 8 §5)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
MEGABYTE = "x" * 1_000_000  # 1 MB (the request body limit is 2.5 MB)
NOW = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

RECORD_OK = {"kind": "hijack", "occurred_at": NOW, "description": "不審な投稿がありました。"}
SUSPEND_OK = {"kind": "hijack", "notice": "一時停止しています。"}
BAD = [
    ("nul", "不審\x00な投稿"),
    ("escape", "不審\x1b[31m"),
    ("megabyte", MEGABYTE),
]


def _errors(response) -> str:
    page = response.content.decode()
    return " ".join(re.findall(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</', page, re.S))


@pytest.mark.parametrize("field", ["description", "actions_taken", "kind", "occurred_at"])
@pytest.mark.parametrize(("name", "value"), BAD, ids=[b[0] for b in BAD])
def test_record_refuses_with_a_message(field, name, value, client, users, tourism_account):
    client.force_login(users["operator"])
    data = {**RECORD_OK, field: value}
    response = client.post(reverse("staff_incidents:record", args=[tourism_account.pk]), data)
    assert response.status_code == 422
    assert JAPANESE.search(_errors(response)), _errors(response)
    assert not Incident.objects.filter(account=tourism_account).exists()


@pytest.mark.parametrize(
    "value",
    ["2026-13-45T25:61", "２０２６－１１－２６", "9999-12-31T23:59", "yesterday", ""],
)
def test_bad_or_future_dates(value, client, users, tourism_account):
    client.force_login(users["operator"])
    response = client.post(
        reverse("staff_incidents:record", args=[tourism_account.pk]),
        {**RECORD_OK, "occurred_at": value},
    )
    assert response.status_code == 422
    assert JAPANESE.search(_errors(response))
    assert "不審な投稿がありました。" in response.content.decode()  # nothing typed is lost


def test_crlf_and_full_width_text_is_kept_as_written(client, users, tourism_account):
    client.force_login(users["operator"])
    text = "１行目：ＡＢＣ\r\n２行目"
    response = client.post(
        reverse("staff_incidents:record", args=[tourism_account.pk]),
        {**RECORD_OK, "description": text},
    )
    assert response.status_code == 302
    assert (
        Incident.objects.filter(account=tourism_account).get().description
        == "１行目：ＡＢＣ\n２行目"
    )


@pytest.mark.parametrize("field", ["notice", "actions_taken", "description", "kind"])
@pytest.mark.parametrize(("name", "value"), BAD, ids=[b[0] for b in BAD])
def test_suspend_refuses_with_a_message(field, name, value, client, users, tourism_account):
    client.force_login(users["pr"])
    response = client.post(
        reverse("staff_incidents:suspend", args=[tourism_account.pk]),
        {**SUSPEND_OK, field: value},
    )
    assert response.status_code == 422
    assert JAPANESE.search(_errors(response))
    tourism_account.refresh_from_db()
    assert tourism_account.status == "listed"


@pytest.mark.parametrize("notice", ["", "   \r\n  "])
def test_a_suspension_needs_its_notice(notice, client, users, tourism_account):
    client.force_login(users["pr"])
    response = client.post(
        reverse("staff_incidents:suspend", args=[tourism_account.pk]),
        {**SUSPEND_OK, "notice": notice, "actions_taken": "パスワードを変更"},
    )
    assert response.status_code == 422
    assert "公開するお知らせを記入してください。" in response.content.decode()
    assert "パスワードを変更" in response.content.decode()


def test_a_notice_with_a_line_break_is_published_as_written(client, users, tourism_account):
    client.force_login(users["pr"])
    client.post(
        reverse("staff_incidents:suspend", args=[tourism_account.pk]),
        {**SUSPEND_OK, "notice": "一行目\r\n二行目"},
    )
    tourism_account.refresh_from_db()
    assert tourism_account.suspension_notice == "一行目\n二行目"


@pytest.mark.parametrize("incident", ["abc", "-1", "²", "99999999999999999999999", "\x00"])
def test_incident_ids_that_are_not_ids_are_ignored(incident, client, users, tourism_account):
    client.force_login(users["pr"])
    url = reverse("staff_incidents:suspend", args=[tourism_account.pk])
    assert client.get(url, {"incident": incident}).status_code == 200
    response = client.post(url, {**SUSPEND_OK, "incident": incident})
    assert response.status_code == 302
    assert Incident.objects.filter(account=tourism_account).count() == 1


def test_an_incident_of_another_account_is_not_written_on(
    client, users, tourism_account, bousai_account
):
    from incidents.services import incident_record

    other = incident_record(
        account=bousai_account,
        actor=users["pr"],
        kind="other",
        occurred_at=timezone.now(),
        description="別のアカウント",
    )
    client.force_login(users["pr"])
    client.post(
        reverse("staff_incidents:suspend", args=[tourism_account.pk]),
        {**SUSPEND_OK, "incident": other.pk},
    )
    other.refresh_from_db()
    assert other.suspended_at is None
    assert Incident.objects.filter(account=tourism_account).count() == 1


FULL_WIDTH_HANDLE = "＠ｓａｍｐｌｅ＿ｋｅｎｋｏ"


@pytest.mark.parametrize("q", ["\x00", "a" * 5000, "https://bit.ly/x", FULL_WIDTH_HANDLE])
def test_the_emergency_search_never_fails(q, client, users):
    client.force_login(users["pr"])
    response = client.get(reverse("staff_incidents:find"), {"q": q})
    assert response.status_code in (200, 302)


def test_the_emergency_search_goes_straight_to_the_form(client, users, bousai_account):
    client.force_login(users["pr"])
    response = client.get(reverse("staff_incidents:find"), {"q": "https://x.com/Sample_Bousai"})
    assert response["Location"] == reverse("staff_incidents:suspend", args=[bousai_account.pk])


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "1900-01-01T09:00", "1999-12-31T23:59"])
def test_an_incident_before_2000_is_refused_not_a_500(value, client, users, tourism_account):
    """Issue 10 review: year 0001 was an OverflowError (a JST time before year 1 in UTC)."""
    client.force_login(users["operator"])
    response = client.post(
        reverse("staff_incidents:record", args=[tourism_account.pk]),
        {**RECORD_OK, "occurred_at": value},
    )
    assert response.status_code == 422
    assert "2000年1月1日以降" in _errors(response)
    page = response.content.decode()
    assert f'value="{value}"' in page  # the typed text comes back to be corrected
    assert "不審な投稿がありました。" in page
    assert not Incident.objects.filter(account=tourism_account).exists()


def test_the_first_day_of_2000_is_accepted(client, users, tourism_account):
    client.force_login(users["operator"])
    response = client.post(
        reverse("staff_incidents:record", args=[tourism_account.pk]),
        {**RECORD_OK, "occurred_at": "2000-01-01T00:00"},
    )
    assert response.status_code == 302
    assert Incident.objects.filter(account=tourism_account).exists()
