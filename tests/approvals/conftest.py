"""Fixtures for the workflow: the demo municipality and filled-in request data."""

import pytest
from django.core.management import call_command

from accounts.models import OfficialAccount
from organization.models import User
from tests.seeding import seeded_for_module


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """The demo municipality seeded once per module that asks for it (tests/seeding.py)."""
    with seeded_for_module(django_db_blocker):
        yield


@pytest.fixture
def users(demo):
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def tourism_account(demo):
    """A listed account of 観光プロモーション課 (the operator's own department)."""
    return OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")


@pytest.fixture
def bousai_account(demo):
    """A listed account of 危機管理課 (another department)."""
    return OfficialAccount.objects.get(service__slug="x", identifier="sample_bousai")


def filled_registration(payload: dict, users: dict, **overrides) -> dict:
    """A complete new-registration form, as the operator would fill it in."""
    data = dict(payload)
    data.update(
        {
            "account-service": "1",  # X
            "account-url": "https://x.com/kanko_event",
            "account-display_name": "サンプル市観光イベント",
            "account-purpose": "観光イベントの最新情報をお知らせします。",
            "account-registration_email": "kanko@city.example.lg.jp",
            "account-badge_status": "applied",
            "account-info_class": "1",
            "officers-0-user": str(users["head"].pk),
            "officers-1-user": str(users["manager"].pk),
            "policy-purpose": "観光イベントの情報発信",
            "policy-content": "イベント情報、観光スポットの紹介",
            "checklist-R6": "on",
            "checklist-R7": "on",
            "checklist-R11": "on",
            "checklist-R14": "on",
        }
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
