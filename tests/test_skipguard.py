"""In CI a test that needs a service fails when it skips (tests/skipguard.py, tests/conftest.py)."""

import pytest

import tests.conftest
from tests.skipguard import failure_for_skip, services_required

REDIS = "Redis is not running on 127.0.0.1:6379 (the CI machine has it)"
CHROMIUM = "browser tests need Chromium at /usr/bin/chromium (apt-get install chromium)"
POSTGRES = "needs PostgreSQL: SQLite serialises writers at BEGIN IMMEDIATE"
YAML = "could not import 'yaml': No module named 'yaml'"
ABSTRACT = "an abstract base (no model): its subclasses are checked"


@pytest.mark.parametrize(
    ("reason", "postgres_marked", "on_postgresql", "fails"),
    [
        (REDIS, False, False, True),
        (REDIS, True, False, True),  # the SQLite run excuses PostgreSQL, not Redis
        (CHROMIUM, False, False, True),
        (YAML, False, False, True),
        (POSTGRES, True, False, False),  # the SQLite run: the PostgreSQL run covers it
        (POSTGRES, False, False, False),
        (POSTGRES, True, True, True),
        (POSTGRES, False, True, True),
        ("a reason that names no service", True, True, True),  # marked: it must run there
        ("a reason that names no service", True, False, False),
        (ABSTRACT, False, False, False),
        (ABSTRACT, False, True, False),
    ],
)
def test_in_ci_a_skip_fails_when_it_is_for_a_missing_service(
    reason, postgres_marked, on_postgresql, fails
):
    message = failure_for_skip(
        reason, postgres_marked=postgres_marked, on_postgresql=on_postgresql, required=True
    )
    assert (message is not None) is fails
    # Outside CI every skip stands.
    assert (
        failure_for_skip(
            reason, postgres_marked=postgres_marked, on_postgresql=on_postgresql, required=False
        )
        is None
    )


@pytest.mark.parametrize(
    ("environ", "required"),
    [
        ({}, False),
        ({"REQUIRE_SERVICES": "1"}, True),
        ({"REQUIRE_SERVICES": "0"}, False),
        ({"CI": "true"}, True),
        ({"CI": "TRUE"}, True),
        ({"CI": "false"}, False),
    ],
)
def test_ci_is_told_by_require_services_or_ci(environ, required):
    assert services_required(environ) is required


SKIPPING_TESTS = f"""
import pytest

@pytest.fixture
def redis():
    pytest.skip({REDIS!r})

def test_cache(redis):
    pass

def test_browser():
    pytest.skip({CHROMIUM!r})

def test_yaml():
    pytest.importorskip("a_module_that_is_not_installed")

@pytest.mark.postgres
@pytest.mark.skipif(True, reason={POSTGRES!r})
def test_race():
    pass

def test_abstract():
    pytest.skip({ABSTRACT!r})

@pytest.mark.xfail(reason="Redis: a known failure is no skip")
def test_known():
    assert False
"""


@pytest.fixture
def skipping_suite(pytester, monkeypatch):
    """A suite with the project's hooks and one test per kind of skip, on "SQLite"."""
    pytester.makeini("[pytest]\nmarkers =\n    postgres: needs PostgreSQL\n")
    pytester.makeconftest(
        "from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport"
    )
    pytester.makepyfile(test_skips=SKIPPING_TESTS)
    monkeypatch.setattr(tests.conftest, "_on_postgresql", lambda: False)
    monkeypatch.delenv("REQUIRE_SERVICES", raising=False)
    monkeypatch.delenv("CI", raising=False)
    return lambda: pytester.runpytest("-p", "no:django", "-p", "no:cacheprovider", "-rA")


def test_the_hooks_turn_a_service_skip_into_a_failure_in_ci(skipping_suite, monkeypatch):
    monkeypatch.setenv("REQUIRE_SERVICES", "1")
    result = skipping_suite()
    # Redis (a fixture's skip: reported at setup, an error), Chromium and the missing module
    # fail; PostgreSQL on SQLite and the abstract base still skip; an xfail is left alone.
    result.assert_outcomes(errors=1, failed=2, skipped=2, xfailed=1)
    result.stdout.fnmatch_lines(["*test_cache*needs Redis*", "*test_browser*needs Chromium*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED

    monkeypatch.setattr(tests.conftest, "_on_postgresql", lambda: True)
    result = skipping_suite()
    result.assert_outcomes(errors=2, failed=2, skipped=1, xfailed=1)  # skipif: at setup
    result.stdout.fnmatch_lines(["*test_race*needs PostgreSQL*"])


def test_the_hooks_let_every_skip_stand_outside_ci(skipping_suite):
    result = skipping_suite()
    result.assert_outcomes(skipped=5, xfailed=1)
    assert result.ret == pytest.ExitCode.OK


def test_a_module_skipped_whole_for_a_service_fails_in_ci(skipping_suite, pytester, monkeypatch):
    pytester.makepyfile(
        test_module="import pytest\n"
        f"pytest.skip({REDIS!r}, allow_module_level=True)\n"
        "def test_never_collected():\n    pass\n"
    )
    monkeypatch.setenv("CI", "true")
    result = skipping_suite()
    result.stdout.fnmatch_lines(["*test_module.py*needs Redis*"])
    assert result.ret != pytest.ExitCode.OK
