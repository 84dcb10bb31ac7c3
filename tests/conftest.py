"""Fixtures every test package shares, and the hooks that keep the suite fast and honest."""

import pytest
from _pytest.nodeid import coerce_node_id  # the structured node id (pytest 9.2)

from accounts.models import OfficialAccount
from core.municipality import reset_cache
from organization.models import User
from tests.seeding import seeded_for_module
from tests.skipguard import failure_for_skip, services_required

pytest_plugins = ["pytester"]  # tests/test_skipguard.py runs pytest on the hooks below


@pytest.fixture(autouse=True)
def _empty_cache():
    """The public generation is rolled back with each test's transaction; the in-memory
    cache is not. Without this, a test could be served another test's cached page."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_municipality():
    """Every test starts from (and leaves) the configuration in settings."""
    reset_cache()
    yield
    reset_cache()


@pytest.fixture
def configure(settings):
    """Change the per-deployment configuration for one test: configure(CHECKLIST=["R9"], …)."""

    def apply(**overrides):
        settings.MUNICIPALITY = {**settings.MUNICIPALITY, **overrides}
        reset_cache()

    return apply


# --- The demo municipality (demo/data.py: 8 staff, 12 listed accounts) ---------------------
# Seeding is the slow part of most tests that need it. It is done once per test module, inside
# a transaction rolled back when the module ends (tests/seeding.py); every test runs in its own
# savepoint inside it (pytest-django's ``db``), so each starts from the freshly seeded data and
# nothing it changes reaches the next. The tests of a module that do not ask for the demo run
# before those that do (pytest_collection_modifyitems below), so they never see it. A test
# that commits (``transaction=True``, a live server) seeds its own (tests/e2e/conftest.py).


@pytest.fixture(scope="module")
def _demo_for_module(django_db_setup, django_db_blocker):
    with seeded_for_module(django_db_blocker):
        yield


@pytest.fixture
def demo(_demo_for_module, db):
    """The demo municipality, as ``manage.py seed_demo`` makes it."""


@pytest.fixture
def users(demo):
    """The demo staff by user name: operator, manager, head, pr, prhead, operator2, head2,
    admin (demo/data.py USERS)."""
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def tourism_account(demo):
    """A listed account of 観光プロモーション課 (the operator's own department)."""
    return OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")


@pytest.fixture
def bousai_account(demo):
    """A listed account of 危機管理課 (another department)."""
    return OfficialAccount.objects.get(service__slug="x", identifier="sample_bousai")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Within each module, the tests that do not ask for the demo run first (in their order),
    then those that do: once seeded, the module's demo stays until the module ends."""
    first_seen = {}
    for item in items:
        first_seen.setdefault(item.path, len(first_seen))
    items.sort(key=lambda i: (first_seen[i.path], "demo" in getattr(i, "fixturenames", ())))
    _xdist_groups_for_pytest_9_2(items)


def _xdist_groups_for_pytest_9_2(items) -> None:
    """``--dist loadgroup`` sends an ``xdist_group`` module to one worker by appending
    ``@group`` to each item's node id. pytest-xdist 3.8 writes ``item._nodeid``, which pytest
    9.2 no longer reads (the id is ``item._id``), so without this every group was split over
    the workers. Runs after xdist's own hook (trylast)."""
    for item in items:
        grouped = item.__dict__.get("_nodeid")
        if grouped and grouped != item.nodeid:
            item._id = coerce_node_id(grouped)


# No silent skips in CI: a test skipped for want of Redis, Chromium, PostgreSQL (on the
# PostgreSQL run) or a dev dependency fails there instead (tests/skipguard.py says which).
def _on_postgresql() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _fail_if_required(report, reason: str, *, postgres_marked: bool) -> None:
    message = failure_for_skip(
        reason,
        postgres_marked=postgres_marked,
        on_postgresql=_on_postgresql(),
        required=services_required(),
    )
    if message:
        report.outcome = "failed"
        report.longrepr = message


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and call.excinfo is not None:
        reason = getattr(call.excinfo.value, "msg", None) or str(call.excinfo.value)
        _fail_if_required(
            report, reason, postgres_marked=item.get_closest_marker("postgres") is not None
        )
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """A whole module skipped: pytest.skip(allow_module_level=True), a module-level importorskip."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2].removeprefix("Skipped: ")
        _fail_if_required(report, reason, postgres_marked=False)
    return report
