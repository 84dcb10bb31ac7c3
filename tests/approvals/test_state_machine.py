"""Every (state × action × role) of the approval workflow, through the real services.

The table of what is legal is written out here by hand, from the rules in the docstring of
``approvals.permissions`` and the transitions of ``approvals.models.ApprovalRequest`` — it does
not ask the predicates, so a predicate that drifts from the rules makes a test fail:

- operators and managers of the department (here: ``operator``, who filed, and ``manager``)
  edit (save_draft), submit and withdraw; edit/submit only in draft or returned, withdraw in
  draft, returned or awaiting_head;
- only a head of the department or a unit above it (``head``) decides awaiting_head;
- only the PR division (``pr``) decides awaiting_pr;
- nobody else ever does anything: another department's operator and head, the system
  administrator (who may read but never decides), and anyone on a finished request.

Legal combinations change the state as expected and write exactly one Decision row
(save_draft writes none); illegal ones raise a ``DomainError`` with a Japanese message and
change nothing.
"""

from __future__ import annotations

import re

import pytest

from accounts.models import AccountStatus, OfficialAccount, Service
from approvals import services
from approvals.models import Action, ApprovalRequest, Decision, RequestKind, RequestState
from core.errors import DomainError, InvalidTransition
from organization.models import User
from policies.models import PolicyStatus
from tests.approvals.conftest import filled_registration
from tests.workflow import A_CHANGE

pytestmark = pytest.mark.django_db

# --- Roles, states, actions ---------------------------------------------------------------

ROLES = {
    "operator_other": "operator2",  # 職員, 危機管理課 (another department)
    "operator": "operator",  # 職員, 観光プロモーション課 — files every request here
    "manager": "manager",  # 課長級, 観光プロモーション課
    "head_other": "head2",  # 局長, 危機管理局 (another department)
    "head": "head",  # 局長, 経済観光局 (above 観光プロモーション課)
    "pr": "pr",  # 職員, 広報課 (the PR division)
    "sysadmin": "admin",  # システム管理者
}

D, AH, AP, RET, OK, REJ, WD = (
    RequestState.DRAFT,
    RequestState.AWAITING_HEAD,
    RequestState.AWAITING_PR,
    RequestState.RETURNED,
    RequestState.APPROVED,
    RequestState.REJECTED,
    RequestState.WITHDRAWN,
)
STATES = [D, AH, AP, RET, OK, REJ, WD]
ACTIONS = ["save_draft", "submit", "approve", "return", "reject", "withdraw"]

# (state, action) -> {role: state afterwards}. Everything not listed is illegal.
LEGAL: dict[tuple[str, str], dict[str, str]] = {
    (D, "save_draft"): {"operator": D, "manager": D},
    (D, "submit"): {"operator": AH, "manager": AH},
    (D, "withdraw"): {"operator": WD, "manager": WD},
    (RET, "save_draft"): {"operator": RET, "manager": RET},
    (RET, "submit"): {"operator": AH, "manager": AH},
    (RET, "withdraw"): {"operator": WD, "manager": WD},
    (AH, "approve"): {"head": AP},
    (AH, "return"): {"head": RET},
    (AH, "reject"): {"head": REJ},
    (AH, "withdraw"): {"operator": WD, "manager": WD},
    (AP, "approve"): {"pr": OK},
    (AP, "return"): {"pr": RET},
    (AP, "reject"): {"pr": REJ},
}

# The Decision row a legal action writes: (step, action).
DECISION_ROW = {
    "submit": ("requester", "submit"),
    "withdraw": ("requester", "withdraw"),
}
DECIDER_STEP = {AH: "head", AP: "pr"}

# The account's status after a legal action, by the request's state afterwards. A change
# never touches the account's status; a new registration reserves a non-public record on
# submission, gives it back on return, frees its key on reject/withdraw and lists it only on
# final approval (R1, R2). A registration withdrawn before it was ever submitted has no
# account at all.
ACCOUNT_AFTER = {
    RequestKind.CHANGE: dict.fromkeys(STATES, AccountStatus.LISTED),
    RequestKind.NEW: {
        D: None,
        AH: AccountStatus.PENDING,
        AP: AccountStatus.PENDING,
        RET: AccountStatus.DRAFT,
        OK: AccountStatus.LISTED,
        REJ: AccountStatus.ABANDONED,
        WD: AccountStatus.ABANDONED,
    },
}
KINDS = [RequestKind.NEW, RequestKind.CHANGE]

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

CHECKLIST = {f"checklist-{r}": "on" for r in ("R6", "R7", "R11", "R14")}
CHANGED_NAME = "サンプル市観光公式"
NEW_NAME = "サンプル市観光イベント"  # what filled_registration types
NEW_OPERATING_HOURS = "毎日9時から18時まで投稿します。"
DRAFT_OPERATING_HOURS = "平日9時から17時まで（下書き）"


def expected_after(state: str, action: str, role: str) -> str | None:
    return LEGAL.get((state, action), {}).get(role)


# --- Building a request in each state through the services -------------------------------


def complete_data(req: ApprovalRequest, users: dict) -> dict:
    """What a filer submits: for a registration, the whole form filled in; for a change,
    today's record with the checklist ticked, a new display name and new operating hours
    (so that final approval publishes a new policy version)."""
    if req.kind == RequestKind.NEW:
        x = str(Service.objects.get(slug="x").pk)
        return filled_registration(req.payload, users, **{"account-service": x})
    return {
        **req.payload,
        **CHECKLIST,
        "account-display_name": CHANGED_NAME,
        "policy-operating_hours": NEW_OPERATING_HOURS,
    }


def build(kind: str, state: str, users: dict, account) -> ApprovalRequest:
    """A request filed by ``operator`` (a registration, or a change of ``account``), brought
    to ``state`` by the services."""
    operator, head, pr = users["operator"], users["head"], users["pr"]
    if kind == RequestKind.NEW:
        req = services.request_create(kind=kind, actor=operator)
    else:
        req = services.request_create(kind=kind, actor=operator, account=account)
    if state != D:
        services.request_submit(req=req, actor=operator, data=complete_data(req, users))
    if state == WD:
        services.request_withdraw(req=req, actor=operator)
    elif state == RET:
        services.request_decide(
            req=req, actor=head, action=Action.RETURN, comment="目的をもっと具体的に。"
        )
    elif state == REJ:
        services.request_decide(
            req=req, actor=head, action=Action.REJECT, comment="既存のアカウントで足ります。"
        )
    elif state in (AP, OK):
        services.request_decide(req=req, actor=head, action=Action.APPROVE)
        if state == OK:
            services.request_decide(req=req, actor=pr, action=Action.APPROVE)
    req = ApprovalRequest.objects.get(pk=req.pk)
    assert req.state == state  # the set-up itself went through the services as intended
    return req


def perform(action: str, req: ApprovalRequest, actor, users: dict) -> ApprovalRequest:
    if action == "save_draft":
        data = {**req.payload, "policy-operating_hours": DRAFT_OPERATING_HOURS}
        return services.request_save_draft(req=req, actor=actor, data=data)
    if action == "submit":
        return services.request_submit(req=req, actor=actor, data=complete_data(req, users))
    if action == "withdraw":
        return services.request_withdraw(req=req, actor=actor)
    comment = {"approve": "", "return": "写真の扱いを追記してください。", "reject": "不要です。"}
    return services.request_decide(req=req, actor=actor, action=action, comment=comment[action])


def snapshot(req: ApprovalRequest) -> dict:
    """Everything an action may change, read back from the database."""
    fresh = ApprovalRequest.objects.select_related("account").get(pk=req.pk)
    account = fresh.account
    return {
        "state": fresh.state,
        "round": fresh.round,
        "payload": fresh.payload,
        "title": fresh.title,
        "account_id": fresh.account_id,
        "submitted_at": fresh.submitted_at,
        "decided_at": fresh.decided_at,
        "decisions": Decision.objects.filter(request=fresh).count(),
        "all_decisions": Decision.objects.count(),
        "all_requests": ApprovalRequest.objects.count(),
        "account_status": account.status if account else None,
        "account_display_name": account.display_name if account else None,
        "published_policies": (
            account.policies.filter(status=PolicyStatus.PUBLISHED).count() if account else 0
        ),
        "listed_accounts": OfficialAccount.objects.filter(status=AccountStatus.LISTED).count(),
    }


# --- The matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("kind", KINDS)
def test_state_action_role(kind, state, action, role, users, tourism_account):
    req = build(kind, state, users, tourism_account)
    actor = users[ROLES[role]]
    before = snapshot(req)
    target = expected_after(state, action, role)

    if target is None:
        with pytest.raises(DomainError) as exc:
            perform(action, req, actor, users)
        message = exc.value.message
        assert isinstance(message, str)
        assert JAPANESE.search(message), f"not a Japanese message: {message!r}"
        assert snapshot(req) == before, "an illegal action changed something"
        return

    perform(action, req, actor, users)
    after = snapshot(req)
    assert after["state"] == target
    assert after["round"] == before["round"] + (1 if action == "submit" else 0)
    if before["account_id"] is None and action != "submit":
        # A registration never submitted has no account record, and gets none.
        assert after["account_id"] is None
    else:
        assert after["account_status"] == ACCOUNT_AFTER[kind][target]
    assert after["all_requests"] == before["all_requests"]

    if action == "save_draft":
        assert after["decisions"] == before["decisions"]
        assert after["all_decisions"] == before["all_decisions"]
        assert after["payload"]["policy-operating_hours"] == DRAFT_OPERATING_HOURS
        assert after["published_policies"] == before["published_policies"]
        return

    assert after["decisions"] == before["decisions"] + 1
    assert after["all_decisions"] == before["all_decisions"] + 1
    decision = Decision.objects.filter(request=req).latest("created_at", "pk")
    step, act = DECISION_ROW.get(action) or (DECIDER_STEP[state], action)
    if step == "requester" and actor.pk != req.requester_id:
        step = "department"  # a colleague acting for the requester is named so (issue 8 §4)
    assert (decision.step, decision.action, decision.actor_id) == (step, act, actor.pk)
    assert decision.round == after["round"]
    if action in ("return", "reject"):
        assert decision.comment  # the reason is kept with the decision

    # Nothing is published, and no account listed, before the final approval (R1, R2).
    if target == OK:
        assert after["account_display_name"] == (
            NEW_NAME if kind == RequestKind.NEW else CHANGED_NAME
        )
        assert after["published_policies"] == before["published_policies"] + 1
        listed_now = 1 if kind == RequestKind.NEW else 0
        assert after["listed_accounts"] == before["listed_accounts"] + listed_now
    else:
        assert after["published_policies"] == before["published_policies"]
        assert after["listed_accounts"] == before["listed_accounts"]
        if kind == RequestKind.CHANGE:
            assert after["account_display_name"] == before["account_display_name"]


def test_the_table_covers_every_role_state_and_action():
    """Guard the table itself: every key names a real state, action and role."""
    for (state, action), outcome in LEGAL.items():
        assert state in STATES
        assert action in ACTIONS
        assert set(outcome) <= set(ROLES)
        assert set(outcome.values()) <= set(STATES)
    # Nobody but the two filers and the two deciders may ever do anything.
    actors = {role for outcome in LEGAL.values() for role in outcome}
    assert actors == {"operator", "manager", "head", "pr"}


# --- Rules that the matrix's fixed cast does not reach -------------------------------------


def test_return_and_reject_need_a_comment_from_the_decider(users, tourism_account):
    for state, decider in ((AH, "head"), (AP, "pr")):
        for action in (Action.RETURN, Action.REJECT):
            req = build(RequestKind.CHANGE, state, users, tourism_account)
            before = snapshot(req)
            with pytest.raises(DomainError) as exc:
                services.request_decide(
                    req=req, actor=users[ROLES[decider]], action=action, comment="  \n "
                )
            assert JAPANESE.search(exc.value.message)
            assert snapshot(req) == before
            # Close it, so the next round can open a new request for the account.
            if state == AH:
                services.request_withdraw(req=req, actor=users["manager"])
            else:
                services.request_decide(
                    req=req, actor=users["pr"], action=Action.REJECT, comment="片付けます。"
                )


def test_pr_step_of_an_ordinary_request_is_never_taken_by_its_head_approver(users, tourism_account):
    """Four eyes: on another department's request, a head who approved step 1 — even one who
    is (or becomes) a member of the PR division — cannot also approve step 2."""
    pr_division = users["pr"].department
    head = users["head"]
    operator = users["operator"]
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=tourism_account)
    services.request_submit(req=req, actor=operator, data={**req.payload, **CHECKLIST, **A_CHANGE})
    services.request_decide(req=req, actor=head, action=Action.APPROVE)
    req.refresh_from_db()
    assert req.state == AP
    # The head is not a PR member here; make them one to test the four-eyes rule itself.
    head.department = pr_division
    head.save()
    before = snapshot(req)
    with pytest.raises(DomainError) as exc:
        services.request_decide(req=req, actor=head, action=Action.APPROVE)
    assert JAPANESE.search(exc.value.message)
    assert snapshot(req) == before
    # …and the requester cannot take the PR step either.
    with pytest.raises(DomainError):
        services.request_decide(req=req, actor=operator, action=Action.APPROVE)
    assert snapshot(req) == before


def test_a_superuser_with_a_head_role_never_decides(users, tourism_account):
    """'The system administrator … never decides': is_sysadmin() includes superusers, so a
    superuser who also holds the head role in the right 局 must not approve either."""
    boss = User.objects.create(
        username="superhead",
        role=User.Role.HEAD,
        department=users["head"].department,
        is_superuser=True,
        is_staff=True,
    )
    req = build(RequestKind.CHANGE, AH, users, tourism_account)
    before = snapshot(req)
    with pytest.raises(DomainError) as exc:
        services.request_decide(req=req, actor=boss, action=Action.APPROVE)
    assert JAPANESE.search(exc.value.message)
    assert snapshot(req) == before


def test_a_head_who_acts_after_another_head_is_told_it_was_already_handled(users, tourism_account):
    """request_decide's docstring: 'of two approvers acting at once one decides and the other
    is told the request has already been handled'. The slower head's page was legitimately
    showing the decision buttons, so 'you have no permission' is the wrong answer."""
    head_b = User.objects.create(
        username="head_b", role=User.Role.HEAD, department=users["head"].department
    )
    req = build(RequestKind.CHANGE, AH, users, tourism_account)
    stale = ApprovalRequest.objects.get(pk=req.pk)  # what head_b's page was built from
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    before = snapshot(req)
    with pytest.raises(InvalidTransition):
        services.request_decide(req=stale, actor=head_b, action=Action.APPROVE)
    assert snapshot(req) == before


def test_a_pr_member_who_acts_after_another_is_told_it_was_already_handled(users, tourism_account):
    pr_b = User.objects.create(username="pr_b", department=users["pr"].department)
    req = build(RequestKind.CHANGE, AP, users, tourism_account)
    stale = ApprovalRequest.objects.get(pk=req.pk)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    before = snapshot(req)
    with pytest.raises(InvalidTransition):
        services.request_decide(req=stale, actor=pr_b, action=Action.APPROVE)
    assert snapshot(req) == before
