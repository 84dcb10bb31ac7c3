"""Each permission predicate and its list twin agree, for every person and every object
(ADR 0013): a list never shows what the page then refuses, and mail asking for a decision
goes to exactly the people whose page shows the buttons."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import OfficialAccount
from accounts.permissions import can_view_account, viewable_accounts
from approvals import permissions, selectors, services
from approvals.models import Action, ApprovalRequest, RequestKind, RequestState
from organization.models import Department, User
from organization.permissions import (
    heads,
    is_head,
    is_pr_member,
    is_sysadmin,
    pr_members,
    sysadmins,
)
from tests.workflow import A_CHANGE, CHECKLIST_ON, staff_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(demo):
    # The edge roles: a superuser without the sysadmin role, a head who left.
    User.objects.create_superuser("root", "root@city.example.lg.jp", "x")
    User.objects.filter(username="head2").update(is_active=False)
    return list(User.objects.select_related("department__parent__parent"))


def test_role_twins_agree(everyone):
    members, admins, head_set = set(pr_members()), set(sysadmins()), set(heads())
    for user in everyone:
        if user.is_active:
            assert (user in members) == is_pr_member(user), user.username
            assert (user in admins) == is_sysadmin(user), user.username
            if not is_sysadmin(user):
                assert (user in head_set) == is_head(user), user.username


def test_an_account_is_listed_for_exactly_those_whose_page_opens(everyone, tourism_account):
    # An operator who moved department and is still an officer of the old one's account.
    mover = User.objects.get(username="operator")
    assert tourism_account.officers.filter(user=mover).exists()
    mover.department = Department.objects.get(name="危機管理課")
    mover.save()
    accounts = list(OfficialAccount.objects.select_related("department__parent__parent"))
    for user in [*everyone, mover]:
        listed = set(viewable_accounts(user).values_list("pk", flat=True))
        for account in accounts:
            assert (account.pk in listed) == can_view_account(user, account), (
                user.username,
                account.display_name,
            )
    # The officer who moved still reaches the account they are responsible for.
    assert can_view_account(mover, tourism_account)


def test_a_request_is_listed_for_exactly_those_whose_page_opens(everyone, tourism_account):
    operator = User.objects.get(username="operator")
    services.request_create(kind=RequestKind.CHANGE, actor=operator, account=tourism_account)
    services.request_create(kind=RequestKind.NEW, actor=User.objects.get(username="operator2"))
    requests = list(ApprovalRequest.objects.select_related("department__parent__parent"))
    for user in everyone:
        listed = set(permissions.viewable_requests(user).values_list("pk", flat=True))
        for req in requests:
            assert (req.pk in listed) == permissions.can_view_request(user, req), user.username


def _deciders_by_predicate(req, everyone):
    return {u.pk for u in everyone if u.is_active and permissions.decision_step(u, req)}


def test_deciders_are_exactly_those_the_predicate_lets_decide(everyone, users, tourism_account):
    operator, head = staff_for(tourism_account, users)
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=tourism_account)
    services.request_submit(
        req=req, actor=operator, data={**req.payload, **CHECKLIST_ON, **A_CHANGE}
    )
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD
    assert {u.pk for u in permissions.deciders(req)} == _deciders_by_predicate(req, everyone)
    services.request_decide(req=req, actor=head, action=Action.APPROVE)
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_PR
    assert {u.pk for u in permissions.deciders(req)} == _deciders_by_predicate(req, everyone)


def _asked_to_decide() -> set[str]:
    return {
        address
        for message in mail.outbox
        if message.subject.count("承認をお願いします")
        for address in message.to
    }


@pytest.mark.parametrize("division", ["tourism", "pr"])
def test_mail_asking_for_a_decision_goes_to_exactly_the_deciders(
    users, division, mailoutbox, django_capture_on_commit_callbacks
):
    """The PR division's own request included: at its PR step the head over the division is
    asked too (they may take it; before, only the other members were mailed)."""
    account = OfficialAccount.objects.get(
        service__slug="x" if division == "pr" else "instagram",
        identifier="sample_city_pr" if division == "pr" else "sample_city_kanko",
    )
    operator, head = (
        (users["pr"], users["prhead"]) if division == "pr" else staff_for(account, users)
    )
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=account)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_submit(
            req=req, actor=operator, data={**req.payload, **CHECKLIST_ON, **A_CHANGE}
        )
    req.refresh_from_db()
    assert _asked_to_decide() == {u.email for u in permissions.deciders(req)} != set()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(req=req, actor=head, action=Action.APPROVE)
    req.refresh_from_db()
    assert _asked_to_decide() == {u.email for u in permissions.deciders(req) if u.email}


def test_the_awaiting_list_is_exactly_what_the_person_may_decide(everyone, users):
    """The dashboard's 「あなたの承認待ち」 agrees with the buttons and the mail — the PR
    division's own request at its PR step included (the head over the division, issue 8 §4)."""
    account = OfficialAccount.objects.get(service__slug="x", identifier="sample_city_pr")
    req = services.request_create(kind=RequestKind.CHANGE, actor=users["pr"], account=account)
    services.request_submit(
        req=req, actor=users["pr"], data={**req.payload, **CHECKLIST_ON, **A_CHANGE}
    )
    services.request_decide(req=req, actor=users["prhead"], action=Action.APPROVE)
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_PR
    assert users["prhead"] in permissions.deciders(req)
    waiting = [
        r
        for r in ApprovalRequest.objects.all()
        if r.state in (RequestState.AWAITING_HEAD, RequestState.AWAITING_PR)
    ]
    for user in everyone:
        if not user.is_active:
            continue
        expected = {r.pk for r in waiting if permissions.can_decide(user, r)}
        assert {r.pk for r in selectors.awaiting(user)} == expected, user.username
