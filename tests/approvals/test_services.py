"""The workflow's services: effects only on final approval, decisions recorded, mail sent."""

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AccountStatus, OfficialAccount, Service
from approvals import services
from approvals.models import Action, ApprovalRequest, Decision, RequestKind, RequestState
from core.errors import CommentRequired, InvalidTransition, NotAllowed, ProposalInvalid
from policies.models import PolicyStatus
from policies.selectors import current_policy, published_versions
from tests.approvals.conftest import filled_registration

pytestmark = pytest.mark.django_db


def x_service_pk():
    return str(Service.objects.get(slug="x").pk)


def submitted_registration(users, **overrides) -> ApprovalRequest:
    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    data = filled_registration(
        req.payload, users, **{"account-service": x_service_pk(), **overrides}
    )
    return services.request_submit(req=req, actor=users["operator"], data=data)


def test_draft_keeps_everything_typed_even_when_invalid(users):
    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    data = {**req.payload, "account-display_name": "途中まで", "account-url": "https://bit.ly/x"}
    services.request_save_draft(req=req, actor=users["operator"], data=data)
    req.refresh_from_db()
    assert req.payload["account-display_name"] == "途中まで"
    assert req.payload["account-url"] == "https://bit.ly/x"
    assert req.state == RequestState.DRAFT
    assert req.title == "途中まで"


def test_new_request_is_prefilled_from_the_policy_template(users):
    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    assert "観光プロモーション課" in req.payload["policy-posting_method"]
    assert req.payload["officers-2-user"] == str(users["operator"].pk)
    assert req.payload["account-department"] == str(users["operator"].department_id)


def test_submitting_an_incomplete_request_names_every_problem(users):
    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    with pytest.raises(ProposalInvalid) as exc:
        services.request_submit(req=req, actor=users["operator"], data=req.payload)
    proposal = exc.value.proposal
    assert "url" in proposal.forms["account"].errors
    assert proposal.officers.non_form_errors() or any(proposal.officers.errors)
    req.refresh_from_db()
    assert req.state == RequestState.DRAFT
    assert not Decision.objects.exists()


def test_submission_reserves_the_account_but_publishes_nothing(users):
    req = submitted_registration(users)
    assert req.state == RequestState.AWAITING_HEAD
    account = req.account
    assert account.status == AccountStatus.PENDING
    assert account.identifier == "kanko_event"
    assert not account.is_public
    assert not account.policies.exists()
    assert account.officer_problems() == []
    decision = req.decisions.get()
    assert (decision.step, decision.action, decision.actor) == (
        "requester",
        "submit",
        users["operator"],
    )


def test_mail_goes_to_the_head_after_submission(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        req = submitted_registration(users)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [users["head"].email]
    assert "承認をお願いします" in message.subject
    assert f"/staff/requests/{req.pk}/" in message.body


def test_full_approval_lists_the_account_and_publishes_its_policy(
    users, django_capture_on_commit_callbacks
):
    req = submitted_registration(users)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    # The PR division is asked, the requester is told.
    assert {tuple(m.to) for m in mail.outbox} == {(users["pr"].email,), (users["operator"].email,)}
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_PR
    assert not req.account.is_public  # R2: not before the PR division approves

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    req.refresh_from_db()
    account = req.account
    assert req.state == RequestState.APPROVED
    assert account.status == AccountStatus.LISTED
    policy = current_policy(account=account)
    assert policy.status == PolicyStatus.PUBLISHED
    assert policy.purpose == "観光イベントの情報発信"
    assert [m.to for m in mail.outbox] == [[users["operator"].email]]
    assert list(req.decisions.values_list("step", "action")) == [
        ("requester", "submit"),
        ("head", "approve"),
        ("pr", "approve"),
    ]


def test_return_needs_a_comment_and_changes_nothing_without_one(users):
    req = submitted_registration(users)
    with pytest.raises(CommentRequired):
        services.request_decide(req=req, actor=users["head"], action=Action.RETURN, comment=" ")
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD
    assert req.decisions.count() == 1


def test_returned_registration_goes_back_to_draft_and_can_be_resubmitted(users):
    req = submitted_registration(users)
    services.request_decide(
        req=req, actor=users["head"], action=Action.RETURN, comment="目的をもっと具体的に。"
    )
    req.refresh_from_db()
    assert req.state == RequestState.RETURNED
    assert req.account.status == AccountStatus.DRAFT
    data = {**req.payload, "account-purpose": "観光イベントの日程と会場をお知らせします。"}
    services.request_submit(req=req, actor=users["operator"], data=data)
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD
    assert req.round == 2
    assert req.account.purpose == "観光イベントの日程と会場をお知らせします。"
    # The head can decide again in the new round.
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)


def test_rejected_registration_frees_the_key(users):
    req = submitted_registration(users)
    services.request_decide(
        req=req, actor=users["head"], action=Action.REJECT, comment="既存アカウントで足ります。"
    )
    req.refresh_from_db()
    assert req.state == RequestState.REJECTED
    assert req.account.status == AccountStatus.ABANDONED
    again = submitted_registration(users)
    assert again.account_id != req.account_id


def test_change_keeps_the_old_policy_public_until_final_approval(users, tourism_account):
    before = current_policy(account=tourism_account)
    req = services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    data = {
        **req.payload,
        "policy-operating_hours": "毎日9時から18時まで投稿します。",
        "account-display_name": "サンプル市観光公式",
        "checklist-R6": "on",
        "checklist-R7": "on",
        "checklist-R11": "on",
        "checklist-R14": "on",
    }
    services.request_submit(req=req, actor=users["operator"], data=data)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    tourism_account.refresh_from_db()
    assert current_policy(account=tourism_account) == before
    assert tourism_account.display_name == "サンプル市観光"
    assert tourism_account.is_public

    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    tourism_account.refresh_from_db()
    assert tourism_account.display_name == "サンプル市観光公式"
    now = current_policy(account=tourism_account)
    assert now.version == before.version + 1
    assert now.operating_hours == "毎日9時から18時まで投稿します。"
    assert [p.version for p in published_versions(account=tourism_account)] == [2, 1]
    before.refresh_from_db()
    assert before.operating_hours != now.operating_hours


def test_closure_removes_the_account_from_the_list_and_keeps_the_record(users, tourism_account):
    req = services.request_create(
        kind=RequestKind.CLOSURE, actor=users["operator"], account=tourism_account
    )
    data = {
        "closure-category": "purpose_ended",
        "closure-reason": "事業終了のため",
        "closure-closing_on": timezone.localdate().isoformat(),  # today: closes at approval
        "closure-posts_deleted": "on",
        "closure-account_deleted": "on",
        "closure-followers_informed": "on",
    }
    services.request_submit(req=req, actor=users["operator"], data=data)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    tourism_account.refresh_from_db()
    assert tourism_account.status == AccountStatus.CLOSED
    assert tourism_account.closed_at is not None
    assert published_versions(account=tourism_account).exists()
    assert OfficialAccount.objects.filter(pk=tourism_account.pk).exists()


def test_closure_requires_the_002_confirmations(users, tourism_account):
    req = services.request_create(
        kind=RequestKind.CLOSURE, actor=users["operator"], account=tourism_account
    )
    with pytest.raises(ProposalInvalid) as exc:
        services.request_submit(
            req=req,
            actor=users["operator"],
            data={"closure-reason": "終了", "closure-closing_on": "2026-12-31"},
        )
    assert {"posts_deleted", "account_deleted"} <= set(exc.value.proposal.forms["closure"].errors)


def test_only_one_open_request_per_account(users, tourism_account):
    services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    with pytest.raises(InvalidTransition):
        services.request_create(
            kind=RequestKind.CLOSURE, actor=users["manager"], account=tourism_account
        )


def test_pr_divisions_own_request_its_head_gives_the_pr_consent_too(users, demo):
    """Issue 8 §4: the consent of 000 §4(4) is the PR division's own. Its head, having approved
    step 1, gives it in the PR step; the requester never decides (four eyes)."""
    pr_division = users["pr"].department
    users["pr"].role = "head"
    users["pr"].save()
    operator = users["operator"]
    operator.department = pr_division
    operator.save()
    req = services.request_create(kind=RequestKind.NEW, actor=operator)
    data = filled_registration(
        req.payload,
        users,
        **{"account-service": x_service_pk(), "account-department": str(pr_division.pk)},
    )
    services.request_submit(req=req, actor=operator, data=data)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    with pytest.raises(NotAllowed):
        services.request_decide(req=req, actor=operator, action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED
    assert list(req.decisions.values_list("step", "actor__username")) == [
        ("requester", "operator"),
        ("head", "pr"),
        ("pr", "pr"),
    ]


def test_final_approval_rechecks_the_key(users, tourism_account):
    """A change to a URL that meanwhile became another listed account is not approved."""
    x = Service.objects.get(slug="x")
    change = services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    data = {
        **change.payload,
        "account-service": str(x.pk),
        "account-url": "@kanko_event",
        "account-badge_status": "applied",
        **{f"checklist-{r}": "on" for r in ("R6", "R7", "R11", "R14")},
    }
    services.request_submit(req=change, actor=users["operator"], data=data)
    services.request_decide(req=change, actor=users["head"], action=Action.APPROVE)
    new = submitted_registration(users)
    services.request_decide(req=new, actor=users["head"], action=Action.APPROVE)
    services.request_decide(req=new, actor=users["pr"], action=Action.APPROVE)
    with pytest.raises(ProposalInvalid):
        services.request_decide(req=change, actor=users["pr"], action=Action.APPROVE)
    change.refresh_from_db()
    tourism_account.refresh_from_db()
    assert change.state == RequestState.AWAITING_PR
    assert tourism_account.identifier == "sample_city_kanko"


def test_an_unrelated_change_leaves_officers_and_rules_untouched_in_history(users, tourism_account):
    """History shows real changes only: approving a new purpose does not rewrite officers."""
    from accounts.models import Officer
    from policies.models import OperationRules

    officer_ids = set(tourism_account.officers.values_list("pk", flat=True))
    rules_versions = OperationRules.history.filter(account_id=tourism_account.pk).count()
    req = services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    data = {
        **{k: v.replace("\n", "\r\n") for k, v in req.payload.items()},
        "account-purpose": "新しい目的",
        **{f"checklist-{r}": "on" for r in ("R6", "R7", "R11", "R14")},
    }
    services.request_submit(req=req, actor=users["operator"], data=data)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    tourism_account.refresh_from_db()
    assert tourism_account.purpose == "新しい目的"
    assert set(tourism_account.officers.values_list("pk", flat=True)) == officer_ids
    assert not Officer.history.filter(account_id=tourism_account.pk, history_type="-").exists()
    assert OperationRules.history.filter(account_id=tourism_account.pk).count() == rules_versions
