"""Constraints of official accounts and officers, on whichever database DATABASE_URL names."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from accounts.forms import OfficialAccountAdminForm
from accounts.models import (
    AccountStatus,
    InfoClass,
    Officer,
    OfficerRole,
    OfficialAccount,
    officer_problems,
)
from tests.factories import (
    OfficerFactory,
    OfficialAccountFactory,
    SectionFactory,
    service,
    with_full_officers,
)

pytestmark = pytest.mark.django_db


def draft(raw: str, slug: str = "x", **fields) -> OfficialAccount:
    """A new account record saved the way staff's forms save one (``accounts.forms``: the
    identity from whatever was pasted); what the form refuses is raised as ValidationError."""
    data = {
        "service": service(slug).pk,
        "url": raw,
        "display_name": "サンプル市公式",
        "department": SectionFactory().pk,
        "purpose": "市政情報の発信",
        "registration_email": "sns@city.example.lg.jp",
        "badge_status": "not_applied",
        "info_class": InfoClass.NORMAL,
    }
    data.update(fields)
    form = OfficialAccountAdminForm(data)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.save()


class TestCanonicalIdentity:
    def test_pasted_url_is_stored_as_canonical_key_and_url(self):
        account = draft("https://mobile.twitter.com/Sample_City/status/123?s=20")
        assert (account.service.slug, account.identifier) == ("x", "sample_city")
        assert account.url == "https://x.com/sample_city"

    def test_second_live_account_with_the_same_key_is_refused_in_japanese(self):
        draft("@sample_city")
        with pytest.raises(ValidationError) as exc:
            draft("ｈｔｔｐｓ：／／ｔｗｉｔｔｅｒ．ｃｏｍ／ＳＡＭＰＬＥ＿ＣＩＴＹ")
        assert "既に台帳に登録されています" in str(exc.value)

    def test_database_refuses_duplicate_live_key_even_without_validation(self):
        first = OfficialAccountFactory(identifier="dup_city")
        with pytest.raises(IntegrityError), transaction.atomic():
            OfficialAccountFactory(identifier="dup_city", service=first.service)

    def test_closed_account_key_can_be_registered_again(self):
        old = OfficialAccountFactory(
            identifier="reborn", status=AccountStatus.CLOSED, closed_at=timezone.now()
        )
        new = OfficialAccountFactory(identifier="reborn", service=old.service)
        assert new.pk != old.pk

    def test_same_handle_on_another_service_is_another_account(self):
        draft("@sample_city", slug="x")
        other = draft("@sample_city", slug="instagram")
        assert other.identifier == "sample_city"

    @pytest.mark.parametrize(
        ("raw", "slug"),
        [
            ("https://bit.ly/3abcdE", "x"),  # R11
            ("https://t.co/abc123", "other"),  # R11
            ("https://lin.ee/abcd123", "line"),  # R11: LINE's own short links too
            ("https://x.com.example.net/sample_city", "x"),  # look-alike host
            ("https://x.com@evil.example/sample_city", "x"),  # userinfo trick
            ("javascript:alert(1)", "other"),
        ],
    )
    def test_shorteners_and_lookalikes_are_refused_with_a_message(self, raw, slug):
        with pytest.raises(ValidationError) as exc:
            draft(raw, slug=slug)
        assert exc.value.message_dict["url"][0]
        assert not OfficialAccount.objects.exists()


class TestPermanentId:
    """Issue 14: a permanent ID is one account, like the handle key (a partial unique
    constraint among live accounts), and the form says so in Japanese first."""

    def test_the_form_stores_the_id_as_the_verifier_spells_it(self):
        account = draft("@sample_city", platform_id="https://x.com/i/user/9876543210")
        assert account.platform_id == "id:9876543210"
        assert account.platform_key.url == "https://x.com/i/user/9876543210"

    def test_the_form_refuses_a_second_live_account_with_the_id(self):
        draft("@sample_city", platform_id="9876543210")
        with pytest.raises(ValidationError) as exc:
            draft("@sample_city_new", platform_id="９８７６５４３２１０")
        assert exc.value.message_dict["platform_id"] == [
            "この固定ID（9876543210）は既に台帳の別のアカウントに登録されています。"
        ]

    def test_database_refuses_a_duplicate_live_permanent_id(self):
        first = OfficialAccountFactory(platform_id="id:4242")
        with pytest.raises(IntegrityError), transaction.atomic():
            OfficialAccountFactory(platform_id="id:4242", service=first.service)

    def test_a_closed_or_other_service_account_may_share_it_and_empty_is_not_an_id(self):
        old = OfficialAccountFactory(
            platform_id="id:4243", status=AccountStatus.CLOSED, closed_at=timezone.now()
        )
        OfficialAccountFactory(platform_id="id:4243", service=old.service)
        OfficialAccountFactory(platform_id="id:4243", service=service("facebook"))
        OfficialAccountFactory(platform_id="")
        OfficialAccountFactory(platform_id="")
        assert OfficialAccount.objects.filter(platform_id="id:4243").count() == 3


class TestConfiguredRules:
    def test_r8_personal_email_is_refused_naming_the_rule(self, configure):
        configure(ORG_EMAIL_DOMAINS=["city.example.lg.jp"], CHECKLIST=["R8"])
        with pytest.raises(ValidationError) as exc:
            draft("@sample_city", registration_email="tanaka@gmail.com")
        message = exc.value.message_dict["registration_email"][0]
        assert "R8" in message
        assert "@city.example.lg.jp" in message

    @pytest.mark.parametrize(
        ("email", "ok"),
        [
            ("sns@city.example.lg.jp", True),
            ("sns@kouhou.city.example.lg.jp", True),  # a sub-domain of the organisation
            ("sns@CITY.EXAMPLE.LG.JP", True),
            ("sns@evilcity.example.lg.jp", False),  # only a suffix, not a sub-domain
            ("sns@city.example.lg.jp.evil.com", False),
            ("sns@gmail.com", False),
        ],
    )
    def test_r8_domain_match(self, configure, email, ok):
        configure(ORG_EMAIL_DOMAINS=["city.example.lg.jp"], CHECKLIST=["R8"])
        account = OfficialAccountFactory.build(
            registration_email=email, department=SectionFactory()
        )
        if ok:
            account.full_clean()
        else:
            with pytest.raises(ValidationError):
                account.full_clean()

    def test_r8_off_accepts_any_address(self, configure):
        configure(ORG_EMAIL_DOMAINS=["city.example.lg.jp"], CHECKLIST=[])
        assert draft("@sample_city", registration_email="tanaka@gmail.com").pk

    def test_r9_prefix_is_required_when_switched_on(self, configure):
        configure(ACCOUNT_NAME_PREFIX="川崎市", CHECKLIST=["R9"])
        with pytest.raises(ValidationError) as exc:
            draft("@kawasaki_kanko", display_name="かわさき観光")
        assert "「川崎市」で始めてください（R9" in exc.value.message_dict["display_name"][0]
        assert draft("@kawasaki_kanko", display_name="川崎市観光").pk

    def test_r9_full_and_half_width_are_the_same_name(self, configure):
        configure(ACCOUNT_NAME_PREFIX="ＡＢＣ町", CHECKLIST=["R9"])
        assert draft("@abc_town", display_name="ABC町公式").pk

    def test_r9_off_by_default(self):
        assert draft("@any_name", display_name="観光情報").pk


class TestOfficers:
    def test_second_responsible_officer_is_refused_by_the_database(self):
        account = OfficialAccountFactory()
        OfficerFactory(account=account, role=OfficerRole.RESPONSIBLE)
        with pytest.raises(IntegrityError), transaction.atomic():
            OfficerFactory(account=account, role=OfficerRole.RESPONSIBLE)

    def test_second_manager_is_refused_with_a_japanese_message(self):
        account = OfficialAccountFactory()
        OfficerFactory(account=account, role=OfficerRole.MANAGER)
        with pytest.raises(ValidationError) as exc:
            Officer(account=account, role=OfficerRole.MANAGER, name="別の課長").full_clean()
        assert "1アカウントに1人" in str(exc.value)

    def test_many_operators_are_allowed(self):
        account = OfficialAccountFactory()
        OfficerFactory.create_batch(3, account=account, role=OfficerRole.OPERATOR)
        assert account.officers.count() == 3

    def test_officer_needs_a_user_or_a_name(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Officer.objects.create(account=OfficialAccountFactory(), role="operator", name="")

    @pytest.mark.parametrize(
        ("roles", "expected"),
        [
            ((), ["責任者", "管理者", "担当者"]),
            (("responsible", "manager"), ["担当者"]),
            (("responsible", "operator", "operator"), ["管理者"]),
            (("responsible", "manager", "operator"), []),
        ],
    )
    def test_officer_problems_name_what_is_missing(self, roles, expected):
        account = OfficialAccountFactory()
        for role in roles:
            OfficerFactory(account=account, role=role)
        problems = account.officer_problems()
        assert len(problems) == len(expected)
        for word, problem in zip(expected, problems, strict=True):
            assert word in problem

    @pytest.mark.parametrize(
        "roles",
        [(), ("responsible", "manager"), ("responsible", "responsible", "operator"), ("manager",)],
    )
    def test_the_request_form_asks_the_models_rule(self, roles):
        """001 §4(1) is declared once (accounts.models.officer_problems): the officer section
        of a request refuses what the account's listing would, with the same words."""
        from approvals.forms import OfficerFormSet

        data = {"officers-TOTAL_FORMS": str(len(roles)), "officers-INITIAL_FORMS": "0"}
        for i, role in enumerate(roles):
            data |= {f"officers-{i}-role": role, f"officers-{i}-name": f"職員{i}"}
        formset = OfficerFormSet(data, prefix="officers")
        assert not formset.is_valid()
        assert formset.non_form_errors() == officer_problems(roles)

    def test_the_database_refuses_a_role_outside_001_section_4(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Officer.objects.create(account=OfficialAccountFactory(), role="owner", name="誰か")


class TestLifecycle:
    def test_listing_needs_complete_officers(self):
        account = OfficialAccountFactory()
        account.submit()
        with pytest.raises(TransitionNotAllowed):
            account.list_publicly()
        assert account.status == AccountStatus.PENDING

    def test_full_lifecycle_sets_dates(self):
        account = with_full_officers(OfficialAccountFactory())
        account.submit()
        account.list_publicly()
        account.save()
        assert account.listed_at is not None
        account.suspend(notice="不正アクセスのため一時停止しています。")
        account.save()
        assert account.is_public
        account.resume()
        account.close()
        account.save()
        account.refresh_from_db()
        assert account.status == AccountStatus.CLOSED
        assert account.closed_at is not None
        assert not account.is_public

    @pytest.mark.parametrize("status", [AccountStatus.DRAFT, AccountStatus.PENDING])
    def test_an_account_never_listed_cannot_be_closed(self, status):
        account = OfficialAccountFactory(status=status)
        with pytest.raises(TransitionNotAllowed):
            account.close()

    def test_database_refuses_closed_without_closure_date(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            OfficialAccountFactory(status=AccountStatus.CLOSED, closed_at=None)

    def test_database_refuses_listed_without_listing_date(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            OfficialAccountFactory(status=AccountStatus.LISTED, listed_at=None)


class TestOutsourcingAndInformationClass:
    def test_r14_contractor_needs_an_ordered_contract_period(self):
        account = OfficialAccountFactory.build(
            department=SectionFactory(),
            contractor_name="株式会社サンプル",
            contract_start=timezone.localdate(),
            contract_end=None,
        )
        with pytest.raises(ValidationError) as exc:
            account.full_clean()
        assert "R14" in str(exc.value)

    def test_r14_contract_end_before_start_is_refused_by_the_database(self):
        today = timezone.localdate()
        with pytest.raises(IntegrityError), transaction.atomic():
            OfficialAccountFactory(
                contractor_name="株式会社サンプル",
                contract_start=today,
                contract_end=today.replace(year=today.year - 1),
            )

    def test_r14_valid_contract_is_accepted(self):
        today = timezone.localdate()
        account = OfficialAccountFactory(
            contractor_name="株式会社サンプル",
            contract_start=today,
            contract_end=today.replace(year=today.year + 1),
        )
        account.full_clean()

    def test_r15_class_two_needs_the_measures_written_down(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            OfficialAccountFactory(info_class=InfoClass.PERSONAL, info_class_justification="")
        account = OfficialAccountFactory(
            info_class=InfoClass.PERSONAL,
            info_class_justification="受付業務は委託先の別アカウントで行い、定期報告を受ける。",
        )
        assert account.pk


def test_history_keeps_who_changed_an_account():
    account = OfficialAccountFactory(display_name="サンプル市旧名")
    account.display_name = "サンプル市新名"
    account.save()
    names = list(account.history.order_by("history_date").values_list("display_name", flat=True))
    assert names == ["サンプル市旧名", "サンプル市新名"]
