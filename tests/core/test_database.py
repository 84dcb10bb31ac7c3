"""The database connection never turns a passing problem into a 500 (issue 8 §5).

- PostgreSQL: a backend killed between two requests (a restart, a failover, an idle timeout
  in a pooler) is noticed before the next request uses the kept connection
  (``CONN_HEALTH_CHECKS`` wherever ``CONN_MAX_AGE`` keeps connections).
- SQLite (the embedded default): a few citizens sending a report at the same moment all get
  through — WAL, a busy timeout and transactions that take the write lock when they start,
  instead of "database is locked".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test.client import RequestFactory


def wsgi_get(path: str, query: str) -> str:
    """A request as a WSGI server makes it (request_started/finished and their connection
    housekeeping included, which the test client leaves out)."""
    environ = RequestFactory()._base_environ(PATH_INFO=path, QUERY_STRING=query)
    status = []
    response = WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s))
    b"".join(response)
    response.close()  # request_finished: a kept connection stays open (CONN_MAX_AGE)
    return status[0]


def test_every_environment_checks_a_kept_connection_before_using_it():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "registry.example.jp",
        "DATABASE_URL": "postgres://u@db.example.jp:5432/registry",
        "SITE_URL": "https://registry.example.jp",
        "EMAIL_URL": "smtp://mail.example.jp:25",
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    max_age, health_checks = json.loads(out.stdout.strip().splitlines()[-1])
    assert max_age > 0
    assert health_checks is True


@pytest.mark.postgres
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="needs PostgreSQL (pg_terminate_backend)"
)
# serialized_rollback: like the other transactional tests, so the flush afterwards leaves the
# migrations' rows for them to put back (a plain flush would re-create the content types).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_backend_does_not_fail_the_next_request(monkeypatch):
    """Was: every request on the dead kept connection answered 500 until the worker restarted."""
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)  # as in production
    try:
        assert wsgi_get("/", "q=first").startswith("200")
        assert connection.connection is not None  # kept for the next request
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        other = connection.copy()
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                assert cursor.fetchone()[0] is True
        finally:
            other.close()

        assert wsgi_get("/", "q=second").startswith("200")
        assert wsgi_get("/", "q=third").startswith("200")
    finally:
        connection.close()


SQLITE_WRITERS = textwrap.dedent(
    """
    import json, sys, threading
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    connection.close()
    WRITERS, EACH = 8, 3
    barrier = threading.Barrier(WRITERS, timeout=60)
    statuses = []

    def writer(n):
        client = Client(raise_request_exception=False)
        barrier.wait()
        for i in range(EACH):
            response = client.post(
                "/report/",
                {"reported_text": f"https://x.com/fake_{n}_{i}", "description": "偽物"},
                REMOTE_ADDR=f"10.0.{n}.{i}",
            )
            statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    from impersonation.models import ImpersonationReport
    print(json.dumps({"statuses": statuses, "stored": ImpersonationReport.objects.count()}))
    """
)


def test_sqlite_takes_concurrent_citizen_reports(tmp_path):
    """Was: "database is locked" 500s with a few writers at once on the SQLite default."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'registry.sqlite3'}",
        "CACHE_URL": "locmemcache://",
    }
    out = subprocess.run(
        [sys.executable, "-c", SQLITE_WRITERS],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["statuses"] == [302] * 24, out.stderr[-3000:]
    assert result["stored"] == 24
