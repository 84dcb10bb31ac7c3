"""Fixtures for the open-data tests: the demo municipality and real workflow actions."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from accounts.models import OfficialAccount
from tests import workflow

# The demo officers (demo/data.py USERS) and the organisation's mail domain: none of these may
# ever appear in open data.
OFFICER_NAMES = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村")
ORG_MAIL_DOMAIN = "@city.example.lg.jp"


class SavepointClient(Client):
    """The test client, with each request in its own savepoint.

    The public views are non-atomic (``core.cache.cached_public``), so in production a request
    runs in autocommit and DRF's error handling (``rest_framework.views.set_rollback``, called
    for every 404/405) finds no transaction to mark. Under pytest-django the test's own
    transaction is open, and DRF would mark *it* for rollback: every later query in the same
    test would fail with TransactionManagementError. A savepoint per request restores the
    production behaviour — one request cannot break the next.
    """

    def request(self, **request):
        with transaction.atomic():
            return super().request(**request)


@pytest.fixture
def client():
    return SavepointClient()


@pytest.fixture
def plain_client():
    """The ordinary test client, for counting queries (no SAVEPOINT/RELEASE statements)."""
    return Client()


@pytest.fixture
def close_account(users):
    """Close an account through the real workflow (request → head → PR division)."""
    return lambda account: workflow.close_account(account, users)


@pytest.fixture
def change_policy(users):
    """Change an account's operation policy through the real workflow (publishes a new version)."""

    def change(account: OfficialAccount, **fields: str) -> OfficialAccount:
        before = account.policies.filter(status="published").count()
        account = workflow.change_account(account, users, **fields)
        assert account.policies.filter(status="published").count() == before + 1
        return account

    return change
