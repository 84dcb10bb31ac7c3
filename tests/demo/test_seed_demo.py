import pytest
from django.core.management import call_command

from accounts.models import AccountStatus, FormerIdentifier, OfficialAccount
from impersonation.verification import verify
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


def test_demo_accounts_carry_permanent_ids_and_one_earlier_handle():
    """Issue 14: the demo verifier shows "renamed" for @sample_koho and finds accounts by
    their permanent-ID URLs; seeding again adds nothing and keeps the IDs."""
    call_command("seed_demo")
    ids = dict(
        OfficialAccount.objects.exclude(platform_id="").values_list("identifier", "platform_id")
    )
    assert ids["sample_bousai"] == "id:1460000000000000002"
    assert ids["@samplecitych"] == "channel/UCsampleCityChannel00001"
    assert ids["samplecity.bsky.social"] == "did:plc:samplecitypublicaccounts"
    assert len(ids) >= 5
    formers = list(FormerIdentifier.objects.values_list("identifier", "account__identifier"))
    assert formers == [("sample_koho", "sample_city_pr")]

    call_command("seed_demo")
    assert FormerIdentifier.objects.count() == 1
    assert (
        dict(
            OfficialAccount.objects.exclude(platform_id="").values_list("identifier", "platform_id")
        )
        == ids
    )
    assert verify("@sample_koho").verdict == "renamed"
    assert verify("https://x.com/i/user/1460000000000000002").verdict == "official"
