"""Who records, sees, suspends and asks to resume (R18; incidents.permissions), role by role,
and every predicate agrees with its queryset twin for every demo person and account."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import OfficialAccount
from incidents import permissions
from incidents.models import Incident
from incidents.services import incident_record
from tests.incidents.conftest import suspend

pytestmark = pytest.mark.django_db

# tourism_account: 観光プロモーション課; head (経済観光局長) is its 責任者, manager its 管理者,
# operator its 担当者 — all registry users. bousai_account: 危機管理課, officers by name only.
TOURISM = {
    "record": {"operator", "manager", "head", "pr"},
    "suspend": {"head", "pr"},
}
BOUSAI = {
    # head2 is the head over 危機管理課 (the 責任者's side); operator2 files its requests.
    "record": {"operator2", "head2", "pr"},
    "suspend": {"head2", "pr"},
}


@pytest.mark.parametrize("which", ["tourism", "bousai"])
def test_who_records_and_who_suspends(which, users, tourism_account, bousai_account):
    account, expected = {
        "tourism": (tourism_account, TOURISM),
        "bousai": (bousai_account, BOUSAI),
    }[which]
    for name, user in users.items():
        assert permissions.can_record_incident(user, account) == (name in expected["record"]), name
        assert permissions.may_suspend(user, account) == (name in expected["suspend"]), name


def test_the_system_administrator_reads_but_never_records_or_suspends(users, tourism_account):
    admin = users["admin"]
    assert permissions.can_view_incidents(admin, tourism_account)
    assert not permissions.can_record_incident(admin, tourism_account)
    assert not permissions.may_suspend(admin, tourism_account)
    assert not permissions.may_suspend_some(admin)


def test_only_the_department_asks_to_resume_and_only_while_suspended(users, tourism_account):
    assert not any(permissions.can_request_resumption(u, tourism_account) for u in users.values())
    suspend(tourism_account, users)
    allowed = {
        n for n, u in users.items() if permissions.can_request_resumption(u, tourism_account)
    }
    assert allowed == {"operator", "manager"}


def test_predicates_agree_with_their_twins(users):
    accounts = list(OfficialAccount.objects.all())
    incident_record(
        account=accounts[0],
        actor=users["pr"],
        kind="other",
        occurred_at=accounts[0].listed_at,
        description="記録",
    )
    incidents = list(Incident.objects.all())
    for user in [*users.values(), AnonymousUser()]:
        suspendable = set(permissions.suspendable_accounts(user).values_list("pk", flat=True))
        recordable = set(permissions.recordable_accounts(user).values_list("pk", flat=True))
        viewable = set(permissions.viewable_incidents(user).values_list("pk", flat=True))
        for account in accounts:
            assert permissions.may_suspend(user, account) == (account.pk in suspendable), (
                user,
                account,
            )
            assert permissions.can_record_incident(user, account) == (account.pk in recordable)
        for incident in incidents:
            assert permissions.can_view_incident(user, incident) == (incident.pk in viewable)


def test_who_is_told(users, tourism_account, bousai_account):
    def names(qs):
        return {u.username for u in qs}

    assert names(permissions.responsible_side(tourism_account)) == {"head"}
    assert names(permissions.told_of_incident(tourism_account)) == {"head", "pr"}
    assert names(permissions.told_of_suspension(tourism_account)) == {
        "head",
        "pr",
        "manager",
        "operator",
    }
    assert names(permissions.told_of_incident(bousai_account)) == {"head2", "pr"}
    # Who left is not told.
    users["head"].is_active = False
    users["head"].save()
    assert names(permissions.told_of_incident(tourism_account)) == {"pr"}
