"""A closed account's public page (issue 11 §9, R13): a record, not an invitation.

Closed through the real workflow (request, department head, PR division) with the closure
form's category and successor; then read as a citizen would: no QR code and no "share this
page", but when and why it closed and where its information is now.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from accounts import identity
from accounts.models import OfficialAccount
from approvals import services
from approvals.models import Action, RequestKind
from tests.workflow import close_account, closure_form, staff_for

pytestmark = pytest.mark.django_db


def _account(service: str, handle: str) -> OfficialAccount:
    key = identity.canonicalize(handle, service=service)
    return OfficialAccount.objects.get(service__slug=key.service, identifier=key.identifier)


def _close(account, users, *, category: str, successor: OfficialAccount | None = None):
    """Close ``account`` through both approvals with the closure form's category/successor."""
    operator, head = staff_for(account, users)
    req = services.request_create(kind=RequestKind.CLOSURE, actor=operator, account=account)
    data = {**closure_form(), "closure-category": category}
    if successor is not None:
        data["closure-successor"] = str(successor.pk)
    services.request_submit(req=req, actor=operator, data=data)
    services.request_decide(req=req, actor=head, action=Action.APPROVE)
    services.request_decide(req=req, actor=users["pr"], action=Action.APPROVE)
    account.refresh_from_db()
    assert account.status == "closed"
    return account


def _page(client, account) -> str:
    response = client.get(reverse("public:account_detail", args=[account.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def tiktok(demo):
    """The tourism TikTok: its followers are sent to the tourism Instagram when it closes."""
    return _account("tiktok", "@sample_city_kanko")


def test_closed_page_has_no_qr_code_and_no_invitation_to_share(client, users, tiktok):
    qr_url = reverse("public:account_qr", args=[tiktok.pk])
    before = _page(client, tiktok)
    assert qr_url in before  # while official, the page offers its QR code and address
    assert "このページのURL" in before

    _close(tiktok, users, category="low_use")
    page = _page(client, tiktok)
    assert qr_url not in page
    assert "QRコード" not in page
    assert "このページのURL" not in page
    assert "廃止しました" in page


def test_qr_code_of_a_closed_account_is_gone(client, users, tiktok):
    qr_url = reverse("public:account_qr", args=[tiktok.pk])
    assert client.get(qr_url).status_code == 200
    _close(tiktok, users, category="purpose_ended")
    assert client.get(qr_url).status_code == 404


def test_closed_page_shows_date_category_and_successor(client, users, tiktok, tourism_account):
    _close(tiktok, users, category="merged", successor=tourism_account)
    page = _page(client, tiktok)
    text = strip_tags(page)
    assert "廃止日" in text
    assert tiktok.closed_at is not None
    day = timezone.localtime(tiktok.closed_at).date()
    assert f"{day.year}年{day.month}月{day.day}日" in text
    assert "廃止の理由" in text
    assert "他のアカウントへの統合・移行" in text  # ClosureCategory.MERGED's label
    successor_url = reverse("public:account_detail", args=[tourism_account.pk])
    assert f'href="{successor_url}"' in page
    assert "引き続き発信している公式アカウント" in text
    assert "@sample_city_kanko" in text  # the successor's handle, beside its link


def test_no_successor_line_without_a_successor(client, users, tiktok):
    _close(tiktok, users, category="service_ended")
    text = strip_tags(_page(client, tiktok))
    assert "サービスの終了・仕様変更" in text
    assert "引き続き発信している公式アカウント" not in text


def test_a_successor_that_closed_since_is_no_longer_offered(client, users, tiktok, tourism_account):
    _close(tiktok, users, category="merged", successor=tourism_account)
    successor_url = reverse("public:account_detail", args=[tourism_account.pk])
    assert f'href="{successor_url}"' in _page(client, tiktok)

    close_account(tourism_account, users)
    page = _page(client, tiktok)
    assert f'href="{successor_url}"' not in page
    assert "引き続き発信している公式アカウント" not in page
    assert "他のアカウントへの統合・移行" in strip_tags(page)  # the reason stays


def test_closed_list_shows_the_reason(client, users, tiktok):
    _close(tiktok, users, category="security")
    text = strip_tags(client.get(reverse("public:closed_list")).content.decode())
    assert tiktok.display_name in text
    assert "廃止の理由：不正アクセス等の被害" in text


def test_verifier_answer_for_a_closed_account_offers_no_qr(client, users, tiktok):
    _close(tiktok, users, category="low_use")
    page = client.get(
        reverse("public:verify"), {"q": "https://www.tiktok.com/@sample_city_kanko"}
    ).content.decode()
    assert "以前の公式アカウントです" in page
    assert reverse("public:account_qr", args=[tiktok.pk]) not in page
    assert "このページのURL" not in page
