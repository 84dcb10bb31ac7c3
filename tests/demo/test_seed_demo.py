import pytest
from django.core.management import call_command

from accounts.models import AccountStatus, OfficialAccount
from organization.models import User
from policies.models import OperationPolicy, PolicyStatus

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        OfficialAccount.objects.count(),
        OperationPolicy.objects.count(),
    )


def test_seed_demo_is_idempotent_and_makes_every_role(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(User.Role.values)
    assert User.objects.filter(department__is_pr_division=True).exists()
    assert "demo-pass-2026" in capsys.readouterr().out
    operator = User.objects.get(username="operator")
    assert operator.check_password("demo-pass-2026")


def test_demo_accounts_are_listed_with_officers_and_a_published_policy():
    call_command("seed_demo")
    accounts = OfficialAccount.objects.all()
    assert accounts.count() >= 12
    assert len({a.service_id for a in accounts}) >= 8
    for account in accounts:
        assert account.status == AccountStatus.LISTED
        assert account.officer_problems() == []
        assert account.policies.filter(status=PolicyStatus.PUBLISHED).count() == 1


def test_bulk_accounts_are_added_each_time_without_collisions():
    call_command("seed_demo")
    base = OfficialAccount.objects.count()
    call_command("seed_demo", accounts=30)
    call_command("seed_demo", accounts=30)
    listed = OfficialAccount.objects.filter(status=AccountStatus.LISTED)
    assert listed.count() == base + 60
    bulk = listed.exclude(pk__in=listed.order_by("pk")[:base].values("pk"))
    assert all(a.officer_problems() == [] for a in bulk.prefetch_related("officers"))
    assert OperationPolicy.objects.filter(account__in=bulk, status="published").count() == 60
