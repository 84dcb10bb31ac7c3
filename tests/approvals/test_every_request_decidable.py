"""Issue 8 §4: every request can always be decided, and says who must act next.

- The PR division's own request (000 §4(4), 001 §3(2)): the head over the PR division (or
  another member of it) takes the PR step; the requester never can (four eyes).
- A personnel transfer between the head's and the PR division's approvals changes nothing.
- A colleague's withdrawal is named as theirs; a title follows the edited account name.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import strip_tags

from accounts.models import OfficialAccount
from approvals import services
from approvals.models import Action, RequestKind, RequestState
from organization.models import Department, User
from tests.approvals.conftest import filled_registration
from tests.workflow import CHECKLIST_ON

pytestmark = pytest.mark.django_db

HOURS = "平日9時から17時まで投稿します。"


def text_of(response) -> str:
    """The page as a person reads it: tags removed, white space collapsed."""
    return " ".join(strip_tags(response.content.decode()).split())


@pytest.fixture
def pr_account(demo):
    """A listed account of the PR division itself (広報課)."""
    return OfficialAccount.objects.get(service__slug="x", identifier="sample_city_pr")


def change_submitted(account, actor):
    req = services.request_create(kind=RequestKind.CHANGE, actor=actor, account=account)
    data = {**req.payload, "policy-operating_hours": HOURS, **CHECKLIST_ON}
    return services.request_submit(req=req, actor=actor, data=data)


def decide(client, user, req, action="approve", comment=""):
    client.force_login(user)
    return client.post(
        reverse("staff:request_decide", args=[req.pk]),
        {"action": action, "comment": comment, "state": req.state},
        follow=True,
    )


# --- §4a: the PR division's own request -----------------------------------------------------


def test_pr_divisions_own_request_is_decided_by_the_head_over_the_pr_division(
    client, users, pr_account, django_capture_on_commit_callbacks
):
    """The reproduction: `pr` files, `prhead` approves step 1 — and then nobody could act.
    The consent of 000 §4(4) is the PR division's own: its 所属長 gives it (four eyes: the
    requester never decides)."""
    req = change_submitted(pr_account, users["pr"])
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, users["prhead"], req)
    assert "承認しました" in text_of(response)
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_PR
    assert not [m for m in mail.outbox if users["admin"].email in m.to]  # nothing is stuck
    for who in ("pr", "prhead", "admin"):
        client.force_login(users[who])
        page = text_of(client.get(reverse("staff:request_detail", args=[req.pk])))
        assert "次に判断する人" in page
        assert "伊藤 誠" in page, who  # prhead, named as the one to act
        assert "判断できる人がいません" not in page
    # The requester never decides.
    decide(client, users["pr"], req)
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_PR
    response = decide(client, users["prhead"], req)
    assert "承認しました" in text_of(response)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED
    assert list(req.decisions.values_list("step", "actor__username")) == [
        ("requester", "pr"),
        ("head", "prhead"),
        ("pr", "prhead"),
    ]
    # The account is free again for the next request.
    assert services.request_create(kind=RequestKind.CHANGE, actor=users["pr"], account=pr_account)


def test_another_pr_member_may_take_the_pr_step_of_the_divisions_own_request(users, pr_account):
    colleague = User.objects.create_user(
        username="pr2", last_name="小林", first_name="愛", email="pr2@city.example.lg.jp",
        department=Department.objects.get(is_pr_division=True), role=User.Role.MANAGER,
    )  # fmt: skip
    req = change_submitted(pr_account, users["pr"])
    services.request_decide(req=req, actor=users["prhead"], action=Action.APPROVE)
    services.request_decide(req=req, actor=colleague, action=Action.RETURN, comment="時間を確認")
    req.refresh_from_db()
    assert req.state == RequestState.RETURNED


def test_a_request_nobody_can_decide_is_announced_and_can_be_withdrawn(
    client, users, tourism_account, django_capture_on_commit_callbacks
):
    """The PR division has nobody left (its only member moved away): the request says so,
    the system administrator is told, and the requester may take it back."""
    req = change_submitted(tourism_account, users["operator"])
    users["pr"].is_active = False
    users["pr"].save()
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, users["head"], req)
    [alert] = [m for m in mail.outbox if users["admin"].email in m.to]
    assert "判断できる人がいない申請があります" in alert.subject
    client.force_login(users["operator"])
    page = text_of(client.get(reverse("staff:request_detail", args=[req.pk])))
    assert "判断できる人がいません" in page
    assert "申請を取り下げる" in page
    client.post(reverse("staff:request_withdraw", args=[req.pk]), {"confirmed": "1"})
    req.refresh_from_db()
    assert req.state == RequestState.WITHDRAWN
    assert services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )


def test_an_ordinary_request_awaiting_the_pr_division_cannot_be_withdrawn(users, tourism_account):
    req = change_submitted(tourism_account, users["operator"])
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    with pytest.raises(services.NotAllowed):
        services.request_withdraw(req=req, actor=users["operator"])


def test_the_head_of_another_department_never_takes_the_pr_step(users, tourism_account):
    """Only the PR division's own requests are decided by the head over it: an ordinary
    request's head approver (or any other head) never takes the PR step."""
    req = change_submitted(tourism_account, users["operator"])
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    for person in ("head", "prhead", "head2", "operator"):
        with pytest.raises(services.NotAllowed):
            services.request_decide(req=req, actor=users[person], action=Action.APPROVE)


def test_every_request_list_says_who_acts_next(client, users, tourism_account):
    req = change_submitted(tourism_account, users["operator"])
    client.force_login(users["operator"])
    dashboard = text_of(client.get(reverse("staff:dashboard")))
    assert "次に判断する人" in dashboard
    assert "所属長：高橋 健" in dashboard
    account_page = text_of(client.get(reverse("staff_accounts:detail", args=[tourism_account.pk])))
    assert "所属長：高橋 健" in account_page
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    detail = text_of(client.get(reverse("staff:request_detail", args=[req.pk])))
    assert "広報課：田中 美咲" in detail
    services.request_decide(req=req, actor=users["pr"], action=Action.RETURN, comment="確認")
    detail = text_of(client.get(reverse("staff:request_detail", args=[req.pk])))
    assert "申請者 佐藤 花子（修正して再提出）" in detail


# --- §4b: a personnel transfer between the two approvals ------------------------------------


def test_a_transfer_of_the_requester_does_not_block_the_pr_approval(client, users, tourism_account):
    operator = users["operator"]
    req = change_submitted(tourism_account, operator)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    operator.department = Department.objects.get(code="211")  # April: 市民協働推進課
    operator.save()
    req.refresh_from_db()

    client.force_login(users["pr"])
    detail = client.get(reverse("staff:request_detail", args=[req.pk]))
    assert detail.status_code == 200
    response = decide(client, users["pr"], req)
    assert "承認しました" in text_of(response)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED
    tourism_account.refresh_from_db()
    assert tourism_account.department.code == "411"  # the request's own department


def test_a_transfer_does_not_block_a_new_registration_either(users):
    operator = users["operator"]
    req = services.request_create(kind=RequestKind.NEW, actor=operator)
    data = filled_registration(req.payload, users)
    services.request_submit(req=req, actor=operator, data=data)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    operator.department = Department.objects.get(code="511")
    operator.save()
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED
    assert req.account.department.code == "411"


# --- §4c: the real actor, and a title that follows the name ----------------------------------


def test_a_withdrawal_by_the_manager_names_the_manager(
    client, users, tourism_account, django_capture_on_commit_callbacks
):
    req = change_submitted(tourism_account, users["operator"])
    client.force_login(users["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff:request_withdraw", args=[req.pk]), {"confirmed": "1"})
    req.refresh_from_db()
    assert req.state == RequestState.WITHDRAWN

    page = text_of(client.get(reverse("staff:request_detail", args=[req.pk])))
    assert "申請者の所属 鈴木 一郎（観光プロモーション課長） が取り下げ" in page
    assert "申請者 鈴木 一郎" not in page
    assert "申請者 佐藤 花子（主事） が提出" in page

    [message] = [m for m in mail.outbox if users["operator"].email in m.to]
    assert "鈴木 一郎" in message.subject
    assert "申請者が" not in message.subject
    assert "申請者の所属の 鈴木 一郎（観光プロモーション課長）" in message.body
    assert not re.search(r"申請者（鈴木 一郎）", message.body)


def test_the_title_follows_the_name_edited_after_a_return(client, users):
    operator = users["operator"]
    req = services.request_create(kind=RequestKind.NEW, actor=operator)
    data = filled_registration(req.payload, users)
    services.request_submit(req=req, actor=operator, data=data)
    services.request_decide(
        req=req, actor=users["head"], action=Action.RETURN, comment="名称を見直してください"
    )
    req.refresh_from_db()
    client.force_login(operator)
    response = client.post(
        reverse("staff:request_edit", args=[req.pk]),
        {**req.payload, "account-display_name": "サンプル市観光まつり", "action": "submit"},
        follow=True,
    )
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD
    assert req.title == "サンプル市観光まつり"
    assert "新規登録の申請：サンプル市観光まつり" in text_of(response)
    assert req.account.display_name == "サンプル市観光まつり"


def test_the_title_of_a_change_follows_a_rename(users, tourism_account):
    operator = users["operator"]
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=tourism_account)
    data = {**req.payload, "account-display_name": "サンプル市観光（新）", **CHECKLIST_ON}
    services.request_submit(req=req, actor=operator, data=data)
    req.refresh_from_db()
    assert req.title == "サンプル市観光（新）"
