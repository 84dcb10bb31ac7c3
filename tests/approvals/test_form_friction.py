"""Issue 11 §7, form friction seen in real use: the officer picker (the request's department
first, heads only for 責任者), one person in all three roles, deleting an empty draft,
confirmation before withdrawing, rejecting or closing a report as 対応不要, and a change
request that changes nothing. Through the real views, the database and the mail outbox."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccountStatus, Officer, OfficerRole, officer_holder, officer_problems
from approvals import officers, services
from approvals.models import (
    Action,
    ApprovalRequest,
    Decision,
    OfficerReplacement,
    RequestKind,
    RequestState,
)
from impersonation.models import ImpersonationReport, ReportStatus
from tests.approvals.conftest import filled_registration

pytestmark = pytest.mark.django_db

CHECKLIST = {f"checklist-{r}": "on" for r in ("R6", "R7", "R11", "R14")}


def edit_url(req: ApprovalRequest) -> str:
    return reverse("staff:request_edit", args=[req.pk])


def select(page: str, name: str) -> str:
    """The HTML of the <select name=…> on ``page``."""
    found = re.search(rf'<select name="{re.escape(name)}".*?</select>', page, re.S)
    assert found, f"no select {name}"
    return found.group(0)


def groups(select_html: str) -> list[tuple[str, list[str]]]:
    """(optgroup label, option labels) in order."""
    return [
        (label, re.findall(r"<option [^>]*>([^<]*)</option>", body))
        for label, body in re.findall(
            r'<optgroup label="([^"]*)">(.*?)</optgroup>', select_html, re.S
        )
    ]


def selected(select_html: str) -> str:
    found = re.search(r'<option value="([^"]*)"[^>]*selected', select_html)
    return found.group(1) if found else ""


def messages_of(response) -> list[str]:
    return [str(m.message) for m in get_messages(response.wsgi_request)]


def new_draft(client, users, who: str = "operator") -> ApprovalRequest:
    client.force_login(users[who])
    client.post(reverse("staff:request_new"))
    return ApprovalRequest.objects.filter(requester=users[who]).latest("pk")


# --- 1. The officer picker ---------------------------------------------------------------


def test_officer_picker_offers_the_department_first_and_heads_for_responsible(client, users):
    req = new_draft(client, users)
    page = client.get(edit_url(req)).content.decode()

    responsible = groups(select(page, "officers-0-user"))
    # 001 §4(1)ア, 002 §2: heads only — the 局長 above the section first, then other heads.
    assert responsible[0] == ("経済観光局", ["高橋 健"])
    assert responsible[-1][0] == "その他の所属"
    assert "伊藤 誠（総務局）" in responsible[-1][1]
    assert "山本 直樹（危機管理局）" in responsible[-1][1]
    offered = [name for _label, names in responsible for name in names]
    assert not any("鈴木 一郎" in n or "佐藤 花子" in n or "田中 美咲" in n for n in offered)

    manager = groups(select(page, "officers-1-user"))
    assert [label for label, _names in manager] == [
        "観光プロモーション課",
        "経済観光局",
        "その他の所属",
    ]
    assert manager[0][1] == ["佐藤 花子", "鈴木 一郎"]
    assert "田中 美咲（広報課）" in manager[2][1]
    # Never the system administrator.
    assert "中村 陽子" not in select(page, "officers-1-user")


def test_officer_picker_reads_the_users_once_whatever_the_number_of_rows(client, users):
    req = new_draft(client, users)

    def page_queries(rows: int) -> tuple[int, int]:
        payload = dict(req.payload)
        for i in range(3, rows):
            payload[f"officers-{i}-role"] = OfficerRole.OPERATOR
        payload["officers-TOTAL_FORMS"] = str(rows)
        ApprovalRequest.objects.filter(pk=req.pk).update(payload=payload)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(edit_url(req))
        assert response.content.decode().count('name="officers-') >= rows
        # The staff offered in the rows: active users, read once (approvals.forms).
        user_lists = [
            q["sql"]
            for q in ctx.captured_queries
            if re.search(
                r'FROM "organization_user".*WHERE.*"organization_user"\."is_active"', q["sql"]
            )
        ]
        return len(ctx.captured_queries), len(user_lists)

    few, users_few = page_queries(3)
    many, users_many = page_queries(15)
    assert few == many
    assert users_few == users_many == 1


def test_a_non_head_posted_as_responsible_is_refused_and_kept(client, users):
    req = new_draft(client, users)
    data = filled_registration(req.payload, users, **{"officers-0-user": str(users["manager"].pk)})
    response = client.post(edit_url(req), {**data, "action": "submit"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "鈴木 一郎は局長・所属長ではないため、アカウント責任者に選べません" in page
    # What was posted is shown again, selected, not silently dropped from the heads-only list.
    assert selected(select(page, "officers-0-user")) == str(users["manager"].pk)
    req.refresh_from_db()
    assert req.state == RequestState.DRAFT
    assert req.payload["officers-0-user"] == str(users["manager"].pk)


def test_a_responsible_typed_by_name_is_not_checked_against_the_staff_roles(client, users):
    """000 §4(5): the head who orders an outsourced operation may not use the registry."""
    req = new_draft(client, users)
    data = filled_registration(
        req.payload, users, **{"officers-0-user": "", "officers-0-name": "経済観光局長 山田"}
    )
    response = client.post(edit_url(req), {**data, "action": "submit"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD


# --- 2. One person in all three roles ----------------------------------------------------


def test_one_person_in_all_three_roles_is_refused(client, users):
    req = new_draft(client, users)
    head = str(users["head"].pk)
    data = filled_registration(
        req.payload,
        users,
        **{"officers-0-user": head, "officers-1-user": head, "officers-2-user": head},
    )
    response = client.post(edit_url(req), {**data, "action": "submit"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "高橋 健がアカウント責任者・管理者・担当者のすべてを兼ねています" in page
    req.refresh_from_db()
    assert req.state == RequestState.DRAFT
    assert req.payload["officers-2-user"] == head


@pytest.mark.parametrize(
    ("responsible", "manager", "operator"),
    [
        ("head", "head", "operator"),  # 002 §2: the 所属長 opens, closes and runs it
        ("head", "manager", "manager"),  # a small 課: the 課長 posts
        ("head", "manager", "head"),  # the 局長 posts, the 課長 consents (001 §5(1))
    ],
)
def test_two_roles_on_one_person_are_allowed(client, users, responsible, manager, operator):
    req = new_draft(client, users)
    data = filled_registration(
        req.payload,
        users,
        **{
            "officers-0-user": str(users[responsible].pk),
            "officers-1-user": str(users[manager].pk),
            "officers-2-user": str(users[operator].pk),
        },
    )
    response = client.post(edit_url(req), {**data, "action": "submit"})
    assert response.status_code == 302, response.content.decode()[:2000]
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD


def test_the_rule_is_the_models_too():
    """The account's own check (``list_publicly``'s condition) asks the same rule, by name for
    people who are not users of the registry."""
    holders = [
        officer_holder(OfficerRole.RESPONSIBLE, None, "委託先 山田"),
        officer_holder(OfficerRole.MANAGER, None, "委託先　山田"),
        officer_holder(OfficerRole.OPERATOR, None, " 委託先 山田 "),
    ]
    problems = officer_problems([h[0] for h in holders], holders=holders)
    assert problems == [
        "委託先 山田がアカウント責任者・管理者・担当者のすべてを兼ねています。"
        "投稿する人と了承する人を分けるため、少なくとも1つの役割は別の人にしてください"
        "（001 §4(1)、§5(1)）。"
    ]
    assert officer_problems([h[0] for h in holders], holders=holders[:2]) == []


def test_demo_accounts_satisfy_the_rule(users):
    from accounts.models import OfficialAccount

    for account in OfficialAccount.objects.prefetch_related("officers"):
        assert account.officer_problems() == [], account


def test_bulk_officer_change_refuses_a_non_head_responsible_and_all_three_roles(
    client, users, tourism_account
):
    leaving = [
        officers.Leaving(tourism_account.pk, role, users[name].pk)
        for role, name in (
            (OfficerRole.RESPONSIBLE, "head"),
            (OfficerRole.MANAGER, "manager"),
        )
    ]
    req = officers.bulk_change_create(actor=users["manager"], leaving=leaving)
    rows = {r.role: r for r in req.replacements.all()}
    responsible, manager = rows[OfficerRole.RESPONSIBLE], rows[OfficerRole.MANAGER]
    client.force_login(users["manager"])
    page = client.get(edit_url(req)).content.decode()
    offered = select(page, f"replacements-r{responsible.pk}_user")
    # Heads only (the department's staff and those above it, issue 11 §7).
    assert re.findall(r'value="(\d+)"', offered) == [str(users["head"].pk)]

    # The operator (佐藤) as 責任者: not a head.
    data = {
        f"replacements-r{responsible.pk}_user": str(users["operator"].pk),
        f"replacements-r{manager.pk}_user": str(users["operator"].pk),
        "action": "submit",
    }
    response = client.post(edit_url(req), data)
    assert response.status_code == 422
    assert "アカウント責任者には局長・所属長を選んでください" in response.content.decode()

    # 佐藤 is already the 担当者: as 責任者 (were she a head) and 管理者 she would hold all three.
    users["operator"].role = users["operator"].Role.HEAD
    users["operator"].save()
    response = client.post(edit_url(req), data)
    assert response.status_code == 422
    assert "佐藤 花子がアカウント責任者・管理者・担当者のすべてを兼ねています" in (
        response.content.decode()
    )
    req.refresh_from_db()
    assert req.state == RequestState.DRAFT


# --- 3. Deleting an empty draft -----------------------------------------------------------


def test_the_author_deletes_an_empty_draft_after_confirming(client, users):
    req = new_draft(client, users)
    assert req.title == "（アカウント名未入力）"
    dashboard = client.get(reverse("staff:dashboard")).content.decode()
    delete_url = reverse("staff:request_delete", args=[req.pk])
    assert f'action="{delete_url}"' in dashboard
    assert "下書きを削除" in dashboard

    asked = client.post(delete_url)
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "この下書きを削除しますか？" in page
    assert "（アカウント名未入力）" in page
    assert 'name="confirmed" value="1"' in page
    assert ApprovalRequest.objects.filter(pk=req.pk).exists()

    done = client.post(delete_url, {"confirmed": "1"})
    assert done["Location"] == reverse("staff:dashboard")
    assert not ApprovalRequest.objects.filter(pk=req.pk).exists()
    assert "下書き「（アカウント名未入力）」を削除しました。" in messages_of(done)
    after = client.get(reverse("staff:dashboard")).content.decode()
    assert f'action="{delete_url}"' not in after


def test_a_colleague_may_not_delete_the_draft_but_may_withdraw_it(client, users):
    req = new_draft(client, users)
    client.force_login(users["manager"])
    detail = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert reverse("staff:request_delete", args=[req.pk]) not in detail
    assert reverse("staff:request_withdraw", args=[req.pk]) in detail
    response = client.post(reverse("staff:request_delete", args=[req.pk]), {"confirmed": "1"})
    assert response["Location"] == reverse("staff:request_detail", args=[req.pk])
    assert "下書きを削除できるのは、作成した本人だけです。" in messages_of(response)
    assert ApprovalRequest.objects.filter(pk=req.pk).exists()


@pytest.mark.parametrize("how", ["submitted", "returned", "withdrawn"])
def test_a_request_ever_submitted_is_never_deleted(client, users, how):
    req = new_draft(client, users)
    services.request_submit(
        req=req, actor=users["operator"], data=filled_registration(req.payload, users)
    )
    if how == "returned":
        services.request_decide(
            req=req, actor=users["head"], action=Action.RETURN, comment="URLを確認してください。"
        )
    elif how == "withdrawn":
        services.request_withdraw(req=req, actor=users["operator"])
    req.refresh_from_db()
    before = (req.state, Decision.objects.filter(request=req).count(), req.account.status)
    detail = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert reverse("staff:request_delete", args=[req.pk]) not in detail
    response = client.post(reverse("staff:request_delete", args=[req.pk]), {"confirmed": "1"})
    assert response["Location"] == reverse("staff:request_detail", args=[req.pk])
    assert any(
        "一度提出した申請は記録として残るため、削除できません" in m for m in messages_of(response)
    )
    req.refresh_from_db()
    assert (req.state, req.decisions.count(), req.account.status) == before


def test_deleting_a_change_draft_leaves_the_account_as_it_is(client, users, tourism_account):
    client.force_login(users["operator"])
    req = services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    client.post(reverse("staff:request_delete", args=[req.pk]), {"confirmed": "1"})
    assert not ApprovalRequest.objects.filter(pk=req.pk).exists()
    tourism_account.refresh_from_db()
    assert tourism_account.status == AccountStatus.LISTED
    assert tourism_account.officers.count() == 3


def test_deleting_a_bulk_change_draft_deletes_its_replacements(client, users, tourism_account):
    req = officers.bulk_change_create(
        actor=users["operator"],
        leaving=[officers.Leaving(tourism_account.pk, OfficerRole.MANAGER, users["manager"].pk)],
    )
    client.force_login(users["operator"])
    client.post(reverse("staff:request_delete", args=[req.pk]), {"confirmed": "1"})
    assert not ApprovalRequest.objects.filter(pk=req.pk).exists()
    assert not OfficerReplacement.objects.filter(request_id=req.pk).exists()
    assert Officer.objects.filter(account=tourism_account, user=users["manager"]).exists()


def test_delete_answers_get_with_405(client, users):
    req = new_draft(client, users)
    assert client.get(reverse("staff:request_delete", args=[req.pk])).status_code == 405


# --- 4. Confirmation before withdrawing, rejecting, 対応不要 -------------------------------


def submitted(users) -> ApprovalRequest:
    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    services.request_submit(
        req=req, actor=users["operator"], data=filled_registration(req.payload, users)
    )
    return ApprovalRequest.objects.get(pk=req.pk)


def test_withdraw_asks_first(client, users, mailoutbox, django_capture_on_commit_callbacks):
    req = submitted(users)
    client.force_login(users["manager"])  # a colleague: the requester hears of it
    url = reverse("staff:request_withdraw", args=[req.pk])
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(url)
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "本当に取り下げますか？" in page
    assert ">取り下げる</button>" in page
    assert "戻る" in page
    assert "申請者（佐藤 花子）にメールで知らせます。" in page
    assert "<script>" not in page  # a form, no script
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD
    assert req.decisions.count() == 1
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"confirmed": "1"})
    assert done["Location"] == reverse("staff:dashboard")
    req.refresh_from_db()
    assert req.state == RequestState.WITHDRAWN
    assert req.account.status == AccountStatus.ABANDONED
    assert [m.to for m in mailoutbox] == [[users["operator"].email]]


def test_reject_asks_first_and_keeps_the_comment(
    client, users, mailoutbox, django_capture_on_commit_callbacks
):
    req = submitted(users)
    client.force_login(users["head"])
    url = reverse("staff:request_decide", args=[req.pk])
    comment = "目的が既存の公式アカウントと重複しています。\r\n統合を検討してください。<b>"
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(url, {"action": "reject", "comment": comment, "state": req.state})
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "本当に却下しますか？" in page
    assert ">却下する</button>" in page
    assert "統合を検討してください。&lt;b&gt;</textarea>" in page
    assert 'name="state" value="awaiting_head"' in page
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD
    mailoutbox.clear()  # the submission's mail to the head

    # 「戻る」 goes back to the request with the comment as typed.
    back = client.post(url, {"action": "reject", "comment": comment, "back": "1", "confirmed": "1"})
    assert back["Location"] == reverse("staff:request_detail", args=[req.pk])
    detail = client.get(back["Location"]).content.decode()
    assert "統合を検討してください。&lt;b&gt;</textarea>" in detail
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url, {"action": "reject", "comment": comment, "state": req.state, "confirmed": "1"}
        )
    assert done["Location"] == reverse("staff:dashboard")
    req.refresh_from_db()
    assert req.state == RequestState.REJECTED
    last = req.decisions.last()
    assert (last.action, last.actor_id) == (Action.REJECT, users["head"].pk)
    assert last.comment.startswith("目的が既存の公式アカウントと重複しています。")
    assert last.comment.endswith("統合を検討してください。<b>")
    assert len(mailoutbox) == 1
    assert "統合を検討してください。" in mailoutbox[0].body


def test_reject_without_a_comment_says_so_before_asking(client, users):
    req = submitted(users)
    client.force_login(users["head"])
    response = client.post(
        reverse("staff:request_decide", args=[req.pk]), {"action": "reject", "comment": " "}
    )
    assert response["Location"] == reverse("staff:request_detail", args=[req.pk])
    assert any("理由をコメントに記入してください" in m for m in messages_of(response))


def test_someone_who_may_not_reject_is_refused_not_asked(client, users):
    req = submitted(users)
    client.force_login(users["pr"])  # the PR step is not reached yet
    response = client.post(
        reverse("staff:request_decide", args=[req.pk]), {"action": "reject", "comment": "不要"}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD


@pytest.mark.parametrize(
    ("action", "state"),
    [("approve", RequestState.AWAITING_PR), ("return", RequestState.RETURNED)],
)
def test_approve_and_return_do_not_ask(client, users, action, state):
    req = submitted(users)
    client.force_login(users["head"])
    response = client.post(
        reverse("staff:request_decide", args=[req.pk]),
        {"action": action, "comment": "確認しました。"},
    )
    assert response["Location"] == reverse("staff:dashboard")
    req.refresh_from_db()
    assert req.state == state


def test_dismissing_a_report_asks_first_and_keeps_the_note(client, users):
    report = ImpersonationReport.objects.create(reported_text="https://x.com/fake_city")
    client.force_login(users["pr"])
    url = reverse("staff_impersonation:dismiss", args=[report.pk])
    queue = client.get(reverse("staff_impersonation:queue")).content.decode()
    assert f'action="{url}"' in queue

    asked = client.post(url, {"note": "市の別の公式アカウント <確認済み>"})
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "本当に「対応不要」にしますか？" in page
    assert "https://x.com/fake_city" in page
    assert 'value="市の別の公式アカウント &lt;確認済み&gt;"' in page
    assert ">対応不要にする</button>" in page
    assert "戻る" in page
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW

    done = client.post(url, {"note": "市の別の公式アカウント <確認済み>", "confirmed": "1"})
    assert done["Location"] == reverse("staff_impersonation:queue")
    report.refresh_from_db()
    assert report.status == ReportStatus.DISMISSED
    assert report.staff_note == "市の別の公式アカウント <確認済み>"


# --- 5. A change request with no change --------------------------------------------------


def test_a_change_with_no_change_cannot_be_submitted(client, users, tourism_account):
    client.force_login(users["operator"])
    req = services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    response = client.post(edit_url(req), {**req.payload, **CHECKLIST, "action": "submit"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "変更点がありません。変更する項目を入力してから提出してください。" in page
    assert "入力内容に誤りが" not in page
    req.refresh_from_db()
    assert req.state == RequestState.DRAFT
    assert req.round == 0
    assert req.payload["checklist-R6"] == "on"  # everything typed kept
    assert 'name="checklist-R6" checked' in page or re.search(
        r'name="checklist-R6"[^>]*checked', page
    )

    # Saving the draft as it is stays possible.
    saved = client.post(edit_url(req), {**req.payload, "action": "save"})
    assert saved.status_code == 302
    assert "下書きを保存しました。" in messages_of(saved)

    # One change, and it goes.
    changed = client.post(
        edit_url(req),
        {
            **req.payload,
            "account-purpose": "四季の観光スポットと旬の食、祭りを写真で紹介します。",
            "action": "submit",
        },
    )
    assert changed.status_code == 302
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD


def test_an_officer_change_alone_is_a_change(client, users, tourism_account):
    client.force_login(users["operator"])
    req = services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    rows = int(req.payload["officers-TOTAL_FORMS"])
    data = {
        **req.payload,
        **CHECKLIST,
        "officers-TOTAL_FORMS": str(rows + 1),
        f"officers-{rows}-role": OfficerRole.OPERATOR,
        f"officers-{rows}-user": str(users["manager"].pk),
        "action": "submit",
    }
    response = client.post(edit_url(req), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD


def test_the_reject_confirmation_keeps_the_state_the_approver_saw(client, users):
    """A decision taken by someone else between the approver's page and the confirmation is
    still detected: the confirmation passes on the state the page showed, not today's."""
    req = submitted(users)
    client.force_login(users["head"])
    url = reverse("staff:request_decide", args=[req.pk])
    asked = client.post(url, {"action": "reject", "comment": "見送り", "state": "returned"})
    assert 'name="state" value="returned"' in asked.content.decode()
    done = client.post(
        url, {"action": "reject", "comment": "見送り", "state": "returned", "confirmed": "1"}
    )
    assert done.status_code in (302, 409)
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD  # nothing decided on a stale page
