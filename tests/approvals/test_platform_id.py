"""Issue 14 on the request forms: the permanent ID typed or pasted, checked and saved; the
handle history written by a rename; the PR division told when a handle another account used
before is claimed; the reminder when the permanent ID is missing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    AccountStatus,
    FormerIdentifier,
    IdentifierSource,
    OfficialAccount,
    Service,
)
from accounts.renames import record_former_identifier
from approvals import services
from approvals.models import Action, ApprovalRequest, RequestKind, RequestState
from core.errors import ProposalInvalid
from organization.permissions import pr_members
from tests.approvals.conftest import filled_registration
from tests.workflow import A_CHANGE, CHECKLIST_ON, close_account

pytestmark = pytest.mark.django_db


def service_pk(slug: str) -> str:
    return str(Service.objects.get(slug=slug).pk)


def with_platform_id(account: OfficialAccount, stored: str) -> OfficialAccount:
    """Give ``account`` a permanent ID directly (the demo may have given it another)."""
    OfficialAccount.objects.filter(pk=account.pk).update(platform_id=stored)
    account.refresh_from_db()
    return account


def registration(users, **fields) -> ApprovalRequest:
    """A registration of the operator's, filled in and saved as a draft."""
    req = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    services.request_save_draft(
        req=req, actor=users["operator"], data=filled_registration(req.payload, users, **fields)
    )
    req.refresh_from_db()
    return req


def submit(req, users) -> ApprovalRequest:
    services.request_submit(req=req, actor=users["operator"])
    req.refresh_from_db()
    return req


def approve(req, users) -> ApprovalRequest:
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    req.refresh_from_db()
    return req


def refusal(req, users) -> dict[str, list[str]]:
    with pytest.raises(ProposalInvalid) as exc:
        services.request_submit(req=req, actor=users["operator"])
    return exc.value.proposal.forms["account"].errors


# --- Typed or pasted, read, saved ---------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "1234567890123",
        " １２３４５６７８９０１２３ ",  # typed with the IME on
        "https://x.com/i/user/1234567890123",
        "https://twitter.com/intent/user?user_id=1234567890123",
    ],
)
def test_a_registration_saves_the_permanent_id_it_was_given(users, typed):
    req = registration(users, **{"account-platform_id": typed})
    req = approve(submit(req, users), users)
    assert req.state == RequestState.APPROVED
    account = req.account
    account.refresh_from_db()
    assert account.status == AccountStatus.LISTED
    assert account.platform_id == "id:1234567890123"
    assert account.platform_id_display == "1234567890123"
    assert req.payload["account-platform_id"] == typed  # what was typed is kept (ADR 0005)


def test_a_bad_permanent_id_is_refused_with_a_message_and_kept_as_typed(client, users):
    req = registration(users)
    client.force_login(users["operator"])
    response = client.post(
        reverse("staff:request_edit", args=[req.pk]),
        {**req.payload, "account-platform_id": "sample_city_abc", "action": "submit"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "ユーザーID（数字）の形式ではありません（例：1234567890123456789）。" in page
    assert 'value="sample_city_abc"' in page
    req.refresh_from_db()
    assert req.state == RequestState.DRAFT
    assert req.payload["account-platform_id"] == "sample_city_abc"


def test_a_service_without_a_permanent_id_asks_for_an_empty_field(users):
    req = registration(
        users,
        **{
            "account-service": service_pk("note"),
            "account-url": "https://note.com/sample_kanko_event",
            "account-badge_status": "not_offered",
            "account-platform_id": "12345",
        },
    )
    errors = refusal(req, users)
    assert errors["platform_id"] == [
        "このサービスには、台帳に登録できる固定のIDがありません。空欄にしてください。"
    ]


def test_a_permanent_id_another_live_account_carries_is_refused(users, bousai_account):
    with_platform_id(bousai_account, "id:5550001")
    req = registration(users, **{"account-platform_id": "x.com/i/user/5550001"})
    errors = refusal(req, users)
    assert errors["platform_id"] == [
        "この固定ID（5550001）は既に台帳の別のアカウントに登録されています。"
    ]
    # Registered by its permanent URL, the same account is refused by its URL.
    req = registration(users, **{"account-url": "https://x.com/i/user/5550001"})
    assert (
        "このIDは台帳の別のアカウントの固定IDとして登録されています。"
        in refusal(req, users)["url"][0]
    )


def test_a_permanent_id_that_is_another_accounts_handle_is_refused(users):
    line = OfficialAccount.objects.get(service__slug="line", status=AccountStatus.LISTED)
    req = registration(
        users,
        **{
            "account-service": service_pk("line"),
            "account-url": "https://line.me/R/ti/p/@kanko_event",
            "account-badge_status": "applied",
            "account-platform_id": line.identifier,  # "@samplecity": that account's handle
        },
    )
    errors = refusal(req, users)
    assert "台帳の別のアカウントのアカウントIDとして登録されています" in errors["platform_id"][0]


def test_the_url_and_the_permanent_id_must_name_the_same_account(users):
    req = registration(
        users,
        **{"account-url": "https://x.com/i/user/111", "account-platform_id": "222"},
    )
    assert refusal(req, users)["platform_id"] == [
        "アカウントのURLが示す固定ID（111）と一致しません。"
    ]


def test_a_closed_accounts_permanent_id_may_be_registered_and_is_pointed_out(
    client, users, bousai_account
):
    with_platform_id(bousai_account, "id:5550002")
    close_account(bousai_account, users)
    req = submit(registration(users, **{"account-platform_id": "5550002"}), users)
    assert req.state == RequestState.AWAITING_HEAD
    client.force_login(users["head"])
    page = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert 'id="platform-closed-note"' in page
    assert "この固定IDは、廃止した公式アカウントのものです" in page


# --- A change request ---------------------------------------------------------------------


def test_a_change_starts_from_the_permanent_id_and_shows_it_changed(client, users, bousai_account):
    with_platform_id(bousai_account, "id:5550003")
    operator, head = users["operator2"], users["head2"]
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=bousai_account)
    assert req.payload["account-platform_id"] == "5550003"  # as people type it
    services.request_submit(
        req=req,
        actor=operator,
        data={**req.payload, **CHECKLIST_ON, "account-platform_id": "5550004"},
    )
    client.force_login(head)
    page = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert "固定ID（サービス上の永続的なID）" in page
    assert '<td class="pre-wrap text-break">5550003</td>' in page
    assert '<td class="pre-wrap text-break">5550004</td>' in page
    assert 'id="platform-id-changed-warning"' in page
    assert "固定IDが違えば、サービス上では別のアカウントです" in page
    services.request_decide(req=req, actor=head, action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    bousai_account.refresh_from_db()
    assert bousai_account.platform_id == "id:5550004"


def test_an_unchanged_permanent_id_is_no_change(client, users, bousai_account):
    with_platform_id(bousai_account, "id:5550005")
    operator = users["operator2"]
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=bousai_account)
    data = {**req.payload, **CHECKLIST_ON, **A_CHANGE}
    services.request_submit(req=req, actor=operator, data=data)
    client.force_login(users["head2"])
    page = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert 'id="platform-id-changed-warning"' not in page
    assert 'id="platform-id-missing"' not in page


def test_a_rename_through_a_change_request_keeps_the_old_handle(client, users, tourism_account):
    operator = users["operator"]
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=tourism_account)
    services.request_submit(
        req=req,
        actor=operator,
        data={
            **req.payload,
            **CHECKLIST_ON,
            "account-url": "https://www.instagram.com/sample_city_kanko_new/",
        },
    )
    approve(req, users)
    tourism_account.refresh_from_db()
    assert tourism_account.identifier == "sample_city_kanko_new"
    former = FormerIdentifier.objects.get(account=tourism_account)
    assert former.identifier == "sample_city_kanko"
    assert former.source == IdentifierSource.CHANGE
    assert former.used_until == timezone.localdate()
    assert former.used_from == timezone.localdate(
        OfficialAccount.objects.get(pk=tourism_account.pk).listed_at
    )
    assert former.note == f"変更申請 No.{req.pk}"
    assert former.recorded_by == operator
    client.force_login(users["manager"])
    page = client.get(reverse("staff_accounts:detail", args=[tourism_account.pk])).content.decode()
    assert "以前のID" in page
    assert "@sample_city_kanko</td>" in page.replace("Instagram ", "")
    assert "変更申請（承認済み）" in page
    assert f"変更申請 No.{req.pk}" in page


# --- The PR division is told of a handle another account used before (issue 14 §2) ---------


@pytest.fixture
def renamed_handle(users, bousai_account):
    """「@bousai_old」: the 防災 account's handle before a rename."""
    record_former_identifier(
        bousai_account,
        service=bousai_account.service,
        identifier="bousai_old",
        source=IdentifierSource.STAFF,
        used_until=timezone.localdate().replace(year=2024, month=3, day=31),
    )
    return "https://x.com/bousai_old"


def _flags() -> list:
    return [m for m in mail.outbox if "以前別の公式アカウントが使っていたID" in m.subject]


def test_a_registration_claiming_a_former_handle_is_flagged(
    client, users, renamed_handle, mailoutbox, django_capture_on_commit_callbacks
):
    req = registration(users, **{"account-url": renamed_handle})
    client.force_login(users["operator"])
    page = client.get(reverse("staff:request_edit", args=[req.pk])).content.decode()
    assert 'id="renamed-warning"' in page
    assert "このIDは以前、別の公式アカウント（サンプル市防災" in page
    assert "〜2024/03/31" in page
    assert "第三者が取得している可能性があります" in page
    with django_capture_on_commit_callbacks(execute=True):
        submit(req, users)
    flags = _flags()
    assert len(flags) == 1
    expected = {u.email for u in pr_members() if u.email}
    assert set(flags[0].to) == expected != set()
    assert "@bousai_old" in flags[0].body
    assert "@sample_bousai" in flags[0].body  # the account's handle now
    assert reverse("staff:request_detail", args=[req.pk]) in flags[0].body
    client.force_login(users["pr"])
    page = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert "このIDは以前、別の公式アカウント" in page
    # Returned and submitted again with the same handle: not mailed a second time.
    services.request_decide(
        req=req, actor=users["head"], action=Action.RETURN, comment="確認してください。"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit(req, users)
    assert _flags() == []


def test_a_change_that_keeps_its_handle_is_not_flagged(
    users, bousai_account, mailoutbox, django_capture_on_commit_callbacks
):
    # The handle the 防災 account uses now was, once, another account's.
    other = OfficialAccount.objects.filter(status=AccountStatus.LISTED, service__slug="x").exclude(
        pk=bousai_account.pk
    )[0]
    record_former_identifier(
        other,
        service=other.service,
        identifier=bousai_account.identifier,
        source=IdentifierSource.STAFF,
        used_until=timezone.localdate().replace(year=2020, month=3, day=31),
    )
    operator = users["operator2"]
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=bousai_account)
    with django_capture_on_commit_callbacks(execute=True):
        data = {**req.payload, **CHECKLIST_ON, **A_CHANGE}
        services.request_submit(req=req, actor=operator, data=data)
    assert _flags() == []


def test_a_change_to_a_former_handle_is_flagged(
    users, renamed_handle, tourism_account, mailoutbox, django_capture_on_commit_callbacks
):
    # The 防災 account's old X handle is not the Instagram account's: only the same service
    # counts. Ask for the X handle on an X account instead.
    x_account = OfficialAccount.objects.get(service__slug="x", identifier="sample_city_pr")
    operator = users["pr"]
    req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=x_account)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_submit(
            req=req,
            actor=operator,
            data={**req.payload, **CHECKLIST_ON, "account-url": renamed_handle},
        )
    flags = _flags()
    assert len(flags) == 1
    # The PR division's own request: the head over it takes the PR step (issue 8 §4), and
    # the requester is not told of their own.
    assert flags[0].to == [users["prhead"].email]


# --- The reminder when the permanent ID is missing ----------------------------------------


def test_a_missing_permanent_id_is_a_reminder_not_a_refusal(client, users):
    req = registration(users)
    client.force_login(users["operator"])
    page = client.get(reverse("staff:request_edit", args=[req.pk])).content.decode()
    assert "固定IDが未入力です" in page
    assert "accountId" in page  # how to find it (accounts.catalogue)
    assert 'id="permanent-id-help"' in page  # under the field, every service
    req = submit(req, users)
    assert req.state == RequestState.AWAITING_HEAD
    client.force_login(users["head"])
    page = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    assert "固定IDが未入力です" in page


@pytest.mark.parametrize(
    "fields",
    [
        {"account-platform_id": "1234567"},
        {"account-url": "https://x.com/i/user/1234567"},  # the URL is the permanent ID
        {
            "account-service": "note",
            "account-url": "https://note.com/sample_kanko_event",
            "account-badge_status": "not_offered",
        },
    ],
    ids=["given", "by-url", "no-such-id"],
)
def test_no_reminder_when_given_or_when_the_service_has_none(client, users, fields):
    if "account-service" in fields:
        fields = {**fields, "account-service": service_pk(fields["account-service"])}
    req = registration(users, **fields)
    client.force_login(users["operator"])
    page = client.get(reverse("staff:request_edit", args=[req.pk])).content.decode()
    assert "固定IDが未入力です" not in page
