"""What staff see on the request and account pages (rendered templates, real forms)."""

import pytest
from django.urls import reverse

from accounts.models import Service
from approvals import services
from approvals.models import Action, ApprovalRequest, RequestKind, RequestState
from tests.approvals.conftest import filled_registration

pytestmark = pytest.mark.django_db


def new_request(client, users) -> ApprovalRequest:
    client.force_login(users["operator"])
    response = client.post(reverse("staff:request_new"))
    req = ApprovalRequest.objects.get()
    assert response["Location"] == reverse("staff:request_edit", args=[req.pk])
    return req


def test_registration_form_is_prefilled_and_sectioned(client, users):
    req = new_request(client, users)
    page = client.get(reverse("staff:request_edit", args=[req.pk])).content.decode()
    for heading in (
        "アカウント",
        "運用体制",
        "運用ポリシー（公開）",
        "ガイドラインのチェック項目",
    ):
        assert heading in page
    # The internal rules are asked under R4 or R16, neither on by default (issue 10 §7;
    # tests/reviews/test_switches.py).
    assert "運用ルール（内部・非公開）" not in page
    # The municipality-wide template fills the policy; the checklist is the configured one.
    assert "観光プロモーション課の担当職員" in page
    assert "R6：" in page
    assert "R11：" in page
    assert "R16：" not in page  # not configured by default


def test_failed_submission_keeps_everything_typed(client, users):
    req = new_request(client, users)
    data = {
        **req.payload,
        "account-display_name": "サンプル市観光イベント",
        "account-url": "https://bit.ly/abc",
        "action": "submit",
    }
    response = client.post(reverse("staff:request_edit", args=[req.pk]), data)
    page = response.content.decode()
    assert response.status_code == 422
    assert "入力内容に誤りが" in page
    assert "短縮URL" in page
    assert 'value="サンプル市観光イベント"' in page
    assert 'value="https://bit.ly/abc"' in page
    # ... and it was saved: coming back later shows it too.
    req.refresh_from_db()
    assert req.payload["account-display_name"] == "サンプル市観光イベント"
    assert req.state == RequestState.DRAFT


def test_draft_shows_no_errors_until_submitted(client, users):
    req = new_request(client, users)
    page = client.get(reverse("staff:request_edit", args=[req.pk])).content.decode()
    assert "is-invalid" not in page
    assert "入力内容に誤りが" not in page


def test_adding_an_officer_row_needs_no_javascript(client, users):
    req = new_request(client, users)
    data = {**req.payload, "action": "add_officer"}
    client.post(reverse("staff:request_edit", args=[req.pk]), data)
    req.refresh_from_db()
    assert req.payload["officers-TOTAL_FORMS"] == "4"
    page = client.get(reverse("staff:request_edit", args=[req.pk])).content.decode()
    assert "担当職員 4" in page


def _submitted(client, users) -> ApprovalRequest:
    req = new_request(client, users)
    data = filled_registration(
        req.payload, users, **{"account-service": str(Service.objects.get(slug="x").pk)}
    )
    response = client.post(
        reverse("staff:request_edit", args=[req.pk]), {**data, "action": "submit"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    req.refresh_from_db()
    return req


def test_head_sees_buttons_and_the_timeline(client, users):
    req = _submitted(client, users)
    client.force_login(users["head"])
    dashboard = client.get(reverse("staff:dashboard")).content.decode()
    assert "サンプル市観光イベント" in dashboard
    page = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert "所属長として判断してください" in page
    assert "承認する" in page
    assert "差し戻す" in page
    assert "却下する" in page
    assert "佐藤 花子（主事） が提出" in page


def test_operator_sees_no_decision_buttons(client, users):
    req = _submitted(client, users)
    page = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert "承認する" not in page
    assert "申請を取り下げる" in page


def test_return_without_comment_shows_a_message_and_changes_nothing(client, users):
    req = _submitted(client, users)
    client.force_login(users["head"])
    response = client.post(
        reverse("staff:request_decide", args=[req.pk]),
        {"action": "return", "comment": ""},
        follow=True,
    )
    assert "理由をコメントに記入してください" in response.content.decode()
    req.refresh_from_db()
    assert req.state == RequestState.AWAITING_HEAD


def test_change_request_page_shows_a_side_by_side_diff(client, users, tourism_account):
    client.force_login(users["operator"])
    client.post(reverse("staff_accounts:request_change", args=[tourism_account.pk]))
    req = ApprovalRequest.objects.get(kind=RequestKind.CHANGE)
    # A browser sends every textarea back with CRLF line ends: untouched text is unchanged.
    as_browser = {k: v.replace("\n", "\r\n") for k, v in req.payload.items()}
    data = {
        **as_browser,
        "policy-operating_hours": "毎日9時から18時まで",
        **{f"checklist-{r}": "on" for r in ("R6", "R7", "R11", "R14")},
        "action": "submit",
    }
    client.post(reverse("staff:request_edit", args=[req.pk]), data)
    client.force_login(users["head"])
    page = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert "変更内容（現在 → 変更後）" in page
    assert page.count('class="table-warning"') == 1
    assert "毎日9時から18時まで" in page
    assert "原則として、平日" in page  # the current text, beside the new one


def test_account_page_shows_history_with_who_changed_what(client, users, tourism_account):
    req = services.request_create(
        kind=RequestKind.CHANGE, actor=users["operator"], account=tourism_account
    )
    data = {
        **req.payload,
        "account-purpose": "新しい目的",
        **{f"checklist-{r}": "on" for r in ("R6", "R7", "R11", "R14")},
    }
    services.request_submit(req=req, actor=users["operator"], data=data)
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    client.force_login(users["pr"])
    client.post(reverse("staff:request_decide", args=[req.pk]), {"action": "approve"})
    client.force_login(users["operator"])
    page = client.get(reverse("staff_accounts:detail", args=[tourism_account.pk])).content.decode()
    assert "変更履歴" in page
    assert "発信の目的（概要）" in page  # the changed field is named
    assert "田中 美咲" in page  # the PR member whose approval made the change
