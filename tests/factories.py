"""Shared factory_boy factories. Services come from the catalogue migration, not factories."""

import factory
from django.utils import timezone

from accounts import identity
from accounts.models import AccountStatus, Officer, OfficerRole, OfficialAccount, Service
from organization.models import Department, User
from policies.models import OperationPolicy, PolicyStatus


class BureauFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"第{n}局")
    kind = Department.Kind.BUREAU
    code = factory.Sequence(lambda n: f"B{n:04d}")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"第{n}課")
    kind = Department.Kind.SECTION
    code = factory.Sequence(lambda n: f"S{n:04d}")
    parent = factory.SubFactory(BureauFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "山田"
    first_name = factory.Sequence(lambda n: f"太郎{n}")
    role = User.Role.STAFF
    department = factory.SubFactory(SectionFactory)
    password = factory.django.Password("pw-for-tests")


def service(slug: str) -> Service:
    return Service.objects.get(slug=slug)


class OfficialAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficialAccount

    service = factory.LazyFunction(lambda: service("x"))
    identifier = factory.Sequence(lambda n: f"city_acct_{n}")
    url = factory.LazyAttribute(lambda o: identity.AccountKey(o.service.slug, o.identifier).url)
    display_name = factory.Sequence(lambda n: f"サンプル市アカウント{n}")
    department = factory.SubFactory(SectionFactory)
    purpose = "市政の情報をお知らせします。"
    registration_email = "sns@city.example.lg.jp"

    class Params:
        listed = factory.Trait(
            status=AccountStatus.LISTED, listed_at=factory.LazyFunction(timezone.now)
        )


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    account = factory.SubFactory(OfficialAccountFactory)
    role = OfficerRole.OPERATOR
    name = factory.Sequence(lambda n: f"担当者{n}")


def with_full_officers(account: OfficialAccount) -> OfficialAccount:
    """001 §4: one 責任者, one 管理者, one 担当者."""
    for role in (OfficerRole.RESPONSIBLE, OfficerRole.MANAGER, OfficerRole.OPERATOR):
        OfficerFactory(account=account, role=role)
    return account


class OperationPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperationPolicy

    account = factory.SubFactory(OfficialAccountFactory)
    version = factory.Sequence(lambda n: n + 1)
    status = PolicyStatus.DRAFT
    purpose = "市政の情報を発信します。"
    content = "イベント、防災、暮らしの情報。"
