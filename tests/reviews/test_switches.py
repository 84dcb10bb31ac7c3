"""R4, R10 and R12 change what the request form asks (issue 10 §7). R12's pages and reminders
are in test_pages.py and test_reminders.py."""

import pytest
from django.urls import reverse

from accounts.models import Officer
from approvals import services
from approvals.models import Action, RequestKind
from approvals.proposal import Proposal
from core.errors import ProposalInvalid
from policies.models import OperationRules
from tests.reviews.conftest import DEFAULT
from tests.workflow import CHECKLIST_ON

pytestmark = pytest.mark.django_db

TICKS = {**CHECKLIST_ON, "checklist-R4": "on", "checklist-R10": "on", "checklist-R16": "on"}


def _change(account, users, **overrides):
    req = services.request_create(kind=RequestKind.CHANGE, actor=users["operator"], account=account)
    return req, {**req.payload, **TICKS, "policy-operating_hours": "平日9時から", **overrides}


def _submit(req, users, data):
    try:
        services.request_submit(req=req, actor=users["operator"], data=data)
    except ProposalInvalid as exc:
        return exc.proposal
    return None


def _approve(req, users):
    services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)


# --- R4: the internal operating rules -------------------------------------------------------


def test_r4_on_asks_the_rules_and_requires_who_posts_and_the_approval(
    configure, users, tourism_account
):
    configure(CHECKLIST=[*DEFAULT, "R4"])
    req, data = _change(tourism_account, users, **{"rules-posting_staff": ""})
    proposal = _submit(req, users, data)
    assert proposal is not None
    assert "posting_staff" in proposal.forms["rules"].errors


def test_r4_off_the_rules_are_not_asked_and_an_approved_change_keeps_them(
    configure, client, users, tourism_account
):
    configure(CHECKLIST=DEFAULT)
    before = OperationRules.objects.get(account=tourism_account)
    req, data = _change(tourism_account, users, **{"rules-posting_staff": "書き換え"})
    client.force_login(users["operator"])
    page = client.get(reverse("staff:request_edit", args=[req.pk])).content.decode()
    assert "運用ルール（内部・非公開）" not in page
    assert _submit(req, users, data) is None
    req.refresh_from_db()
    assert not any(k.startswith("rules-") for k in req.payload)
    _approve(req, users)
    after = OperationRules.objects.get(account=tourism_account)
    assert after.posting_staff == before.posting_staff


def test_r16_alone_asks_only_the_devices_part_of_the_rules(configure, users, tourism_account):
    configure(CHECKLIST=[*DEFAULT, "R16"])
    req, _data = _change(tourism_account, users)
    proposal = Proposal.of(req, user=users["operator"])
    assert set(proposal.forms["rules"].fields) == {"devices", "devices_checked_by_ict"}


# --- R10: the credentials ----------------------------------------------------------------


def _holder_keys(data):
    return [k for k in data if k.endswith("-holds_credentials")]


def test_r10_on_asks_the_holders_and_the_rotation_date(configure, client, users, tourism_account):
    configure(CHECKLIST=[*DEFAULT, "R10"])
    req, data = _change(tourism_account, users)
    client.force_login(users["operator"])
    page = client.get(reverse("staff:request_edit", args=[req.pk])).content.decode()
    assert "ログイン情報を管理する（R10）" in page
    assert "パスワード最終変更日" in page
    for key in _holder_keys(data):
        del data[key]
    data["account-credentials_rotated_on"] = ""
    proposal = _submit(req, users, data)
    assert proposal is not None
    assert (
        "ログイン情報を管理する職員を1人以上選んでください（R10）。"
        in proposal.officers.non_form_errors()
    )
    assert "credentials_rotated_on" in proposal.account_form.errors


def test_r10_off_hides_them_and_an_approved_change_keeps_who_holds_them(
    configure, client, users, tourism_account
):
    configure(CHECKLIST=DEFAULT)
    held = set(
        Officer.objects.filter(account=tourism_account, holds_credentials=True).values_list(
            "role", flat=True
        )
    )
    assert held
    rotated = tourism_account.credentials_rotated_on
    req, data = _change(tourism_account, users, **{"account-credentials_rotated_on": "2020-01-01"})
    client.force_login(users["operator"])
    page = client.get(reverse("staff:request_edit", args=[req.pk])).content.decode()
    assert "ログイン情報を管理する（R10）" not in page
    assert "パスワード最終変更日" not in page
    for key in _holder_keys(data):
        del data[key]
    assert _submit(req, users, data) is None
    _approve(req, users)
    tourism_account.refresh_from_db()
    assert tourism_account.credentials_rotated_on == rotated
    assert held == set(
        Officer.objects.filter(account=tourism_account, holds_credentials=True).values_list(
            "role", flat=True
        )
    )
