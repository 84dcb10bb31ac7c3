"""Production settings as deployed (config/settings/production.py), in a process of their own:
``check --deploy`` finds nothing to warn about, HTTPS is enforced with HSTS, and a 500 leaves
its traceback on stderr (issue 8 §6)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def production_env(tmp_path):
    """The variables production requires, with dummy values (as .ci/run sets them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="dummy-" + "k3y-" * 15,
        DJANGO_ALLOWED_HOSTS="sns.city.example.lg.jp,testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        SITE_URL="https://sns.city.example.lg.jp",
        EMAIL_URL="smtp://127.0.0.1:25",
        CACHE_URL="locmemcache://",
    )
    return env


def run(env, *args, stdin=None):
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_no_warnings(production_env):
    result = run(production_env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "(0 silenced)" in result.stdout  # 0 warnings, none of them hidden


SCRIPT = """
import logging
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
# The database has no tables: every page that reads it fails.
broken = client.get("/", HTTP_X_FORWARDED_PROTO="https")
print("status", broken.status_code)
print("hsts", broken.get("Strict-Transport-Security"))
print("csp", broken.get("Content-Security-Policy"))
plain = client.get("/about/")
print("plain", plain.status_code, plain.get("Location"))
print("app-level", logging.getLogger("approvals.services").getEffectiveLevel())
logging.getLogger("core.cache").info("an INFO line from the app")
"""


def test_a_500_leaves_a_traceback_on_stderr_and_https_is_enforced(production_env):
    result = run(production_env, "-c", SCRIPT)
    out, err = result.stdout, result.stderr
    assert result.returncode == 0, out + err
    assert "status 500" in out
    assert "Internal Server Error: /" in err
    assert "Traceback (most recent call last)" in err
    assert "no such table" in err  # the cause, for whoever reads the log
    # HSTS on by default, including sub-domains; the policy on an error page too.
    assert "hsts max-age=31536000; includeSubDomains" in out
    assert "default-src 'self'" in out.split("csp ", 1)[1].split("\n", 1)[0]
    # Plain http is redirected to https.
    assert "plain 301 https://testserver/about/" in out
    # The application's own loggers speak from INFO.
    assert "app-level 20" in out
    assert "INFO core.cache" in err
    assert "an INFO line from the app" in err
