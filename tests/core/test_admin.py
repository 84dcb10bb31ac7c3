"""The Django admin is usable by the system administrator for every model (issue 2 §5), and
is view-only for the records the workflow governs or keeps as evidence (issue 8 §2, ADR 0010).
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import OfficialAccount
from impersonation.verification import verify
from organization.models import Department, User
from policies.models import OperationPolicy, PolicyStatus

pytestmark = pytest.mark.django_db

DOMAIN_APPS = {"organization", "accounts", "policies", "approvals", "impersonation", "incidents"}


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


# --- Issue 8 §2: nothing public changes without both approvals (R1, R2) ------------------------

# Changed only through an approved request (R1, R2), or kept as evidence and retired with a
# state (R17, the login audit): view-only for everyone, the superuser included.
VIEW_ONLY = {
    "accounts.OfficialAccount",
    # Issue 14: the handle history (an approved rename, an import, the PR division's page).
    "accounts.FormerIdentifier",
    "policies.OperationPolicy",
    "policies.OperationRules",
    "approvals.ApprovalRequest",
    "approvals.Decision",
    "impersonation.KnownImpersonation",
    "impersonation.ImpersonationReport",
    "incidents.Incident",  # R18: the incident log is evidence
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
    # The job runner's record (ADR 0014): mail is retried by the worker, not edited by hand.
    "jobs.OutboxMail",
    "jobs.JobRun",
    "django_tasks_database.DBTaskResult",
    # 人事異動: part of a bulk officer change's record; flags raised and resolved by signals.
    "approvals.OfficerReplacement",
    "personnel.OfficerChangeNeeded",
    # R12, R10: what the account's 管理者 confirmed, recorded on the staff pages.
    "reviews.AccountReview",
    "reviews.CredentialCheck",
}
# Configuration: stays editable.
EDITABLE = {
    "organization.Department",
    "organization.User",
    "accounts.Service",
    "policies.PolicyTemplate",
}


@pytest.fixture
def evidence(demo):
    """One row of every view-only kind, so each change and delete URL can be tried."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from impersonation.models import ImpersonationReport, KnownImpersonation
    from tests.workflow import change_account

    pr = User.objects.get(username="pr")
    account = OfficialAccount.objects.get(identifier="sample_bousai")
    change_account(account, {u.username: u for u in User.objects.all()})  # a request, decisions
    from accounts.models import IdentifierSource
    from accounts.renames import record_former_identifier

    record_former_identifier(
        account, service=account.service, identifier="old_bousai", source=IdentifierSource.STAFF
    )
    KnownImpersonation.objects.create(
        service=account.service,
        identifier="sample_bousai_jp",
        url="https://x.com/sample_bousai_jp",
        warning="給付金の申請をDMで受け付けると書いています。",
        imitates=account,
        created_by=pr,
    )
    ImpersonationReport.objects.create(reported_text="https://x.com/sample_bousai_jp")
    from incidents.services import account_suspend

    account_suspend(account=account, actor=pr, kind="hijack", notice="乗っ取りの疑いがあります。")
    who = {"username": "operator", "ip_address": "192.0.2.1", "user_agent": "test"}
    AccessAttempt.objects.create(**who, failures_since_start=5)
    AccessLog.objects.create(**who)
    AccessFailureLog.objects.create(**who)
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from jobs.models import JobRun, OutboxMail

    OutboxMail.objects.create(to=["a@example.jp"], subject="件名", body="本文")
    JobRun.objects.create(
        name="reminder_digest", day=timezone.localdate(), started_at=timezone.now()
    )
    DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="jobs.tasks.deliver_mail",
        backend_name="default",
        queue_name="default",
    )
    # 人事異動: the operator moves (flags), the manager asks for successors (replacements).
    from personnel.models import OfficerChangeNeeded
    from personnel.services import fix_in_one_request

    operator = User.objects.get(username="operator")
    operator.department = Department.objects.get(code="511")
    operator.save()
    flags = list(OfficerChangeNeeded.objects.filter(user=operator))
    fix_in_one_request(actor=User.objects.get(username="manager"), flags=flags)
    # R12, R10: a review and a credential check, as the 管理者 records them.
    from reviews.models import AccountReview, CredentialCheck

    tourism = OfficialAccount.objects.get(identifier="sample_city_kanko")
    manager = User.objects.get(username="manager")
    AccountReview.objects.create(
        account=tourism, reviewed_by=manager, reviewed_on=timezone.localdate(), outcome="confirmed"
    )
    CredentialCheck.objects.create(
        account=tourism,
        checked_by=manager,
        checked_on=timezone.localdate(),
        rotated_on=timezone.localdate(),
        holders="アカウント管理者：鈴木 一郎",
    )


def _model(label):
    return next(m for m in admin.site._registry if m._meta.label == label)


def _urls(model, pk):
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    return {
        "changelist": reverse(f"{name}_changelist"),
        "add": reverse(f"{name}_add"),
        "change": reverse(f"{name}_change", args=[pk]),
        "delete": reverse(f"{name}_delete", args=[pk]),
    }


def test_every_registered_model_is_classified():
    """A new admin registration must be decided: view-only record or editable configuration."""
    registered = {m._meta.label for m in admin.site._registry}
    assert registered - {"auth.Group"} == VIEW_ONLY | EDITABLE


@pytest.mark.parametrize("label", sorted(VIEW_ONLY))
def test_workflow_and_evidence_records_are_view_only(sysadmin_client, evidence, label):
    model = _model(label)
    obj = model.objects.first()
    urls = _urls(model, obj.pk)
    changelist = sysadmin_client.get(urls["changelist"])
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()  # no bulk deletion either
    page = sysadmin_client.get(urls["change"])
    assert page.status_code == 200  # the sysadmin may read
    assert 'name="_save"' not in page.content.decode()
    assert sysadmin_client.post(urls["change"], {}).status_code == 403
    assert sysadmin_client.get(urls["add"]).status_code == 403
    assert sysadmin_client.get(urls["delete"]).status_code == 403
    assert sysadmin_client.post(urls["delete"], {"post": "yes"}).status_code == 403
    bulk = sysadmin_client.post(
        urls["changelist"],
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert model.objects.filter(pk=obj.pk).exists()


def test_admin_cannot_make_another_handle_official(sysadmin_client):
    """The reproduction: POST a new URL and name to a listed account's change page."""
    account = OfficialAccount.objects.get(identifier="sample_bousai")
    before = (account.url, account.display_name, account.identifier)
    url = reverse("admin:accounts_officialaccount_change", args=[account.pk])
    response = sysadmin_client.post(
        url,
        {
            "service": account.service_id,
            "url": "https://x.com/attacker_handle",
            "display_name": "乗っ取り",
            "department": account.department_id,
            "purpose": account.purpose,
            "registration_email": account.registration_email,
            "badge_status": account.badge_status,
            "info_class": account.info_class,
        },
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert (account.url, account.display_name, account.identifier) == before
    assert verify("https://x.com/attacker_handle").verdict != "official"
    assert verify("https://x.com/sample_bousai").verdict == "official"


def test_admin_history_cannot_revert_an_account(sysadmin_client):
    account = OfficialAccount.objects.get(identifier="sample_bousai")
    record = account.history.earliest()
    url = reverse(
        "admin:accounts_officialaccount_simple_history", args=[account.pk, record.history_id]
    )
    response = sysadmin_client.post(url, {"display_name": "乗っ取り"})
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.display_name != "乗っ取り"


def test_configuration_stays_editable(sysadmin_client):
    department = Department.objects.get(code="611")
    url = reverse("admin:organization_department_change", args=[department.pk])
    page = sysadmin_client.get(url).content.decode()
    assert 'name="_save"' in page
    response = sysadmin_client.post(
        url,
        {
            "name": "生涯学習推進課",
            "kind": department.kind,
            "code": department.code,
            "parent": department.parent_id,
            "sort_order": department.sort_order,
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    department.refresh_from_db()
    assert department.name == "生涯学習推進課"
    for label in ("organization.User", "accounts.Service", "policies.PolicyTemplate"):
        model = _model(label)
        page = sysadmin_client.get(_urls(model, model.objects.first().pk)["change"])
        assert 'name="_save"' in page.content.decode(), label


def test_a_service_cannot_be_renamed_into_another_services_name(sysadmin_client, client):
    """The verifier says "Xではサンプル市の公式アカウントです": renaming the service "X" to
    "Instagram" in the admin would make it vouch for an Instagram handle (review, issue 8 §2)."""
    from accounts.models import Service

    x = Service.objects.get(slug="x")
    url = reverse("admin:accounts_service_change", args=[x.pk])
    response = sysadmin_client.post(
        url,
        {
            "name": "Instagram",
            "slug": "instagram",
            "offers_verified_badge": "on",
            "is_active": "on",
            "sort_order": 5,
        },
    )
    assert response.status_code == 302
    x.refresh_from_db()
    assert (x.name, x.slug, x.sort_order) == ("X（旧Twitter）", "x", 5)  # order stays settable
    answer = client.get("/api/v1/verify/", {"q": "@sample_city_pr"}).json()
    names = {m["service_name"] for m in answer["services"] if m["verdict"] == "official"}
    assert names == {"X（旧Twitter）"}
