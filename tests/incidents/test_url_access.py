"""Every incident URL, for every demo person (R18): what a GET shows and what a POST does.

The account is tourism_account (観光プロモーション課: head is its 責任者, manager its 管理者,
operator its 担当者). prhead heads 総務局, which is above the PR division but not above the
account, so prhead neither records nor suspends it; the PR division's staff (pr) does both.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalRequest, RequestKind
from incidents.models import Incident
from incidents.services import incident_record
from tests.incidents.conftest import HIJACK_NOTICE, ROLES, suspend

pytestmark = pytest.mark.django_db

LOGIN = "login"
RECORDERS = {"operator", "manager", "head", "pr"}
SUSPENDERS = {"head", "pr"}
VIEWERS = {"operator", "manager", "head", "pr", "admin"}  # accounts.permissions.can_view_account
FINDERS = {"head", "pr", "prhead", "head2"}  # anyone who may suspend some account


def _login(client, users, role):
    if role != "anonymous":
        client.force_login(users[role])


def _expect(response, expected, path):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("staff:login"))
    else:
        assert response.status_code == expected, (path, response.status_code)


def _incident(users, account):
    return incident_record(
        account=account,
        actor=users["operator"],
        kind="hijack",
        occurred_at=timezone.now(),
        description="身に覚えのない投稿",
    )


def _get_expectation(allowed: set[str], role: str):
    if role == "anonymous":
        return LOGIN
    return 200 if role in allowed else 403


@pytest.mark.parametrize("role", ROLES)
def test_get_pages(role, client, users, tourism_account):
    incident = _incident(users, tourism_account)
    _login(client, users, role)
    pages = {
        reverse("staff_incidents:list"): set(ROLES) - {"anonymous"},
        reverse("staff_incidents:find"): FINDERS,
        reverse("staff_incidents:record", args=[tourism_account.pk]): RECORDERS,
        reverse("staff_incidents:suspend", args=[tourism_account.pk]): SUSPENDERS,
        reverse("staff_incidents:detail", args=[incident.pk]): VIEWERS,
    }
    for path, allowed in pages.items():
        _expect(client.get(path), _get_expectation(allowed, role), path)
    tourism_account.refresh_from_db()
    assert tourism_account.status == "listed"  # never on GET
    assert Incident.objects.filter(account=tourism_account).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_post_record(role, client, users, tourism_account):
    _login(client, users, role)
    path = reverse("staff_incidents:record", args=[tourism_account.pk])
    response = client.post(
        path,
        {
            "kind": "flaming",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "description": "投稿に批判が集まっています。",
        },
    )
    if role in RECORDERS:
        incident = Incident.objects.filter(account=tourism_account).get()
        assert response.status_code == 302
        assert response["Location"] == reverse("staff_incidents:detail", args=[incident.pk])
        assert incident.recorded_by == users[role]
    else:
        _expect(response, _get_expectation(set(), role), path)
        assert not Incident.objects.filter(account=tourism_account).exists()


@pytest.mark.parametrize("role", ROLES)
def test_post_suspend(role, client, users, tourism_account):
    _login(client, users, role)
    path = reverse("staff_incidents:suspend", args=[tourism_account.pk])
    response = client.post(path, {"kind": "hijack", "notice": HIJACK_NOTICE})
    tourism_account.refresh_from_db()
    if role in SUSPENDERS:
        assert response.status_code == 302
        assert response["Location"] == reverse("staff_accounts:detail", args=[tourism_account.pk])
        assert tourism_account.status == "suspended"
        assert Incident.objects.filter(account=tourism_account).get().recorded_by == users[role]
    else:
        _expect(response, _get_expectation(set(), role), path)
        assert tourism_account.status == "listed"
        assert not Incident.objects.filter(account=tourism_account).exists()


@pytest.mark.parametrize("role", ROLES)
def test_post_update_and_reopen(role, client, users, tourism_account):
    incident = _incident(users, tourism_account)
    _login(client, users, role)
    path = reverse("staff_incidents:detail", args=[incident.pk])
    response = client.post(path, {"actions_taken": "パスワードを変更", "close": "on"})
    incident.refresh_from_db()
    if role in RECORDERS:
        assert response.status_code == 302
        assert (incident.status, incident.actions_taken) == ("closed", "パスワードを変更")
        reopen = client.post(reverse("staff_incidents:reopen", args=[incident.pk]))
        assert reopen.status_code == 302
        incident.refresh_from_db()
        assert incident.status == "open"
    elif role == "admin":  # may read the incident, may not write on it
        assert response.status_code == 302
        messages = [m.message for m in get_messages(response.wsgi_request)]
        assert messages == ["このインシデントに追記する権限がありません。"]
        assert incident.status == "open"
        reopen = client.post(reverse("staff_incidents:reopen", args=[incident.pk]))
        assert reopen.status_code == 403
    else:
        _expect(response, _get_expectation(set(), role), path)
        assert (incident.status, incident.actions_taken) == ("open", "")


@pytest.mark.parametrize("role", ROLES)
def test_post_request_resumption(role, client, users, tourism_account):
    suspend(tourism_account, users)
    _login(client, users, role)
    path = reverse("staff_accounts:request_resumption", args=[tourism_account.pk])
    response = client.post(path)
    created = ApprovalRequest.objects.filter(kind=RequestKind.RESUMPTION).first()
    if role in {"operator", "manager"}:
        assert response.status_code == 302
        assert response["Location"] == reverse("staff:request_edit", args=[created.pk])
        assert created.requester == users[role]
    elif role in VIEWERS:  # sees the account, may not file: told why
        assert response.status_code == 302
        assert response["Location"] == reverse("staff_accounts:detail", args=[tourism_account.pk])
        assert [m.message for m in get_messages(response.wsgi_request)]
        assert created is None
    else:
        _expect(response, _get_expectation(set(), role), path)
        assert created is None


def test_get_only_urls_refuse_get_on_post_only(client, users, tourism_account):
    incident = _incident(users, tourism_account)
    client.force_login(users["pr"])
    assert client.get(reverse("staff_incidents:reopen", args=[incident.pk])).status_code == 405
    assert (
        client.get(
            reverse("staff_accounts:request_resumption", args=[tourism_account.pk])
        ).status_code
        == 405
    )


@pytest.mark.parametrize("pk", [0, 999999])
def test_unknown_ids_are_404(pk, client, users):
    client.force_login(users["pr"])
    for name in ("record", "suspend", "detail"):
        assert client.get(reverse(f"staff_incidents:{name}", args=[pk])).status_code == 404
