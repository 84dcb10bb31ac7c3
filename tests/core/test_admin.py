"""The Django admin is usable by the system administrator for every model (issue 2 §5)."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from accounts.models import OfficialAccount
from organization.models import User
from policies.models import OperationPolicy, PolicyStatus

pytestmark = pytest.mark.django_db

DOMAIN_APPS = {"organization", "accounts", "policies", "approvals", "impersonation"}


@pytest.fixture
def demo():
    call_command("seed_demo")


@pytest.fixture
def sysadmin_client(client, demo):
    client.force_login(User.objects.get(username="admin"))
    return client


def registered_models():
    return [m for m in admin.site._registry if m._meta.app_label in DOMAIN_APPS]


def test_every_domain_model_is_registered():
    names = {m._meta.model_name for m in registered_models()}
    assert {
        "department",
        "user",
        "service",
        "officialaccount",
        "operationpolicy",
        "operationrules",
        "policytemplate",
        "approvalrequest",
        "decision",
        "knownimpersonation",
        "impersonationreport",
    } <= names


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_changelist_search_and_change_pages_render(sysadmin_client, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    response = sysadmin_client.get(changelist, {"q": "サンプル"})
    assert response.status_code == 200
    obj = model.objects.first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert sysadmin_client.get(change).status_code == 200
        history = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
        assert sysadmin_client.get(history).status_code == 200


def test_admin_index_is_in_japanese(sysadmin_client):
    page = sysadmin_client.get(reverse("admin:index")).content.decode()
    for label in (
        "公式アカウント",
        "運用ポリシー",
        "運用ルール（内部）",
        "組織",
        "職員",
        "サービス",
    ):
        assert label in page


def test_account_page_shows_officers_rules_and_policy_versions(sysadmin_client):
    account = OfficialAccount.objects.first()
    page = sysadmin_client.get(
        reverse("admin:accounts_officialaccount_change", args=[account.pk])
    ).content.decode()
    assert "アカウント責任者" in page
    assert "投稿前の承認の手順" in page
    assert "公開済み" in page


def test_published_policy_is_read_only_in_the_admin(sysadmin_client):
    policy = OperationPolicy.objects.filter(status=PolicyStatus.PUBLISHED).first()
    url = reverse("admin:policies_operationpolicy_change", args=[policy.pk])
    page = sysadmin_client.get(url).content.decode()
    assert 'name="_save"' not in page
    response = sysadmin_client.post(url, {"purpose": "書き換え", "content": "書き換え"})
    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.purpose != "書き換え"


def test_accounts_cannot_be_deleted_in_the_admin(sysadmin_client):
    account = OfficialAccount.objects.first()
    url = reverse("admin:accounts_officialaccount_delete", args=[account.pk])
    assert sysadmin_client.post(url, {"post": "yes"}).status_code == 403
    assert OfficialAccount.objects.filter(pk=account.pk).exists()


@pytest.mark.parametrize("username", ["operator", "head", "pr"])
def test_staff_without_admin_role_cannot_enter_the_admin(client, demo, username):
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse("admin:accounts_officialaccount_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def _account_form(**overrides):
    from accounts.models import Service
    from organization.models import Department

    data = {
        "service": Service.objects.get(slug="x").pk,
        "url": "https://mobile.twitter.com/Sample_New/status/1?s=20",
        "display_name": "サンプル市新規",
        "department": Department.objects.get(code="411").pk,
        "purpose": "新しいお知らせ",
        "registration_email": "sns-411@city.example.lg.jp",
        "badge_status": "not_applied",
        "info_class": "1",
        **{
            f"{prefix}-{k}": v
            for prefix in ("officers", "operation_rules", "policies")
            for k, v in {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0"}.items()
        },
    }
    data.update(overrides)
    return data


def test_admin_add_derives_the_canonical_key_from_a_pasted_url(sysadmin_client):
    response = sysadmin_client.post(reverse("admin:accounts_officialaccount_add"), _account_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    account = OfficialAccount.objects.get(display_name="サンプル市新規")
    assert account.identifier == "sample_new"
    assert account.url == "https://x.com/sample_new"


def test_admin_add_refuses_a_shortener_and_keeps_what_was_typed(sysadmin_client):
    response = sysadmin_client.post(
        reverse("admin:accounts_officialaccount_add"), _account_form(url="https://bit.ly/xyz")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "R11" in page
    assert "サンプル市新規" in page
    assert not OfficialAccount.objects.filter(display_name="サンプル市新規").exists()
