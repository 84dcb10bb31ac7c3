"""The production command, for real (issue 12 §1, "CI boots this production configuration"):
``scripts/production.sh`` against a fresh PostgreSQL database seeded with the demo and Redis,
reached over HTTP as nginx reaches it (docs/deploy/nginx.conf). Citizens' pages, /healthz, a
staff login, one registration through both approvals (R1, R2) until it is on the public list,
the access log on stderr, and SIGTERM stopping every process the script started.
"""

from __future__ import annotations

import json
import os
import signal

import pytest
from django.db import connection  # noqa: F401 — read by the skipif condition below

from demo.data import DEMO_PASSWORD
from tests.deploy.conftest import (
    ProductionServer,
    free_port,
    manage,
    production_env,
    wait_until,
)
from tests.deploy.registration import approve, register
from tests.deploy.web import Web

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="needs PostgreSQL (the production database)"
    ),
]

NEW_NAME = "サンプル市本番確認アカウント"
NEW_URL = "https://x.com/sample_smoke"


@pytest.fixture(scope="module")
def server(module_database, cache_prefix, tmp_path_factory, deploy_static_root):
    """production.sh on an empty database (its own migrate makes the tables), then the demo."""
    env = production_env(module_database, cache_prefix=cache_prefix, static_root=deploy_static_root)
    log = tmp_path_factory.mktemp("smoke") / "production.log"
    server = ProductionServer(env=env, port=free_port(), log=log)
    try:
        server.start()
        manage(env, "seed_demo")
        yield server
    finally:
        server.stop()
        if server.proc and server.proc.poll() is None:
            server.kill()


def test_the_production_command_serves_the_registry(server, module_database):
    """One test, its steps in order: each needs what the one before did, on one server (a
    split across xdist workers would start a second server and database)."""
    public_pages_answer_as_production(server, module_database)
    plain_http_is_sent_to_https(server)
    healthz_reports_database_cache_and_queue(server)
    a_staff_login_and_one_registration_through_both_approvals(server, module_database)
    every_log_line_is_on_stderr(server)
    sigterm_stops_every_process(server)
    when_one_process_dies_the_rest_are_stopped_and_the_script_fails(server)


def public_pages_answer_as_production(server, module_database):
    citizen = Web(server.port)
    first = module_database.value(
        "SELECT id FROM accounts_officialaccount WHERE status = 'listed' ORDER BY id LIMIT 1"
    )
    pages = {
        "/": "公式SNSアカウント一覧",
        "/verify/?q=%40sample_bousai": "公式アカウント",
        f"/accounts/{first}/": "運用ポリシー",
        "/feed/": "<feed",
        "/accounts.csv": "sample_bousai",
        "/api/v1/accounts/": '"results"',
        "/about/": "サンプル市",
    }
    for path, expected in pages.items():
        response = citizen.get(path)
        assert response.status == 200, (path, response.status, response.text[:500])
        assert expected in response.text, path
        # Production's headers on every page: HSTS (https as seen through the proxy), CSP.
        assert response.header("Strict-Transport-Security").startswith("max-age=31536000"), path
        assert response.header("Content-Security-Policy"), path
    # A static file, served by WhiteNoise from STATIC_ROOT (collectstatic ran), compressed.
    css = citizen.get(
        "/static/vendor/bootstrap/css/bootstrap.min.css", **{"Accept-Encoding": "gzip"}
    )
    assert css.status == 200
    assert css.header("Content-Encoding") == "gzip"


def plain_http_is_sent_to_https(server):
    citizen = Web(server.port)
    response = citizen.get("/about/", **{"X-Forwarded-Proto": "http"})
    assert response.status == 301
    assert response.header("Location") == "https://sns.city.example.lg.jp/about/"


def healthz_reports_database_cache_and_queue(server):
    # As a load balancer probes: plain http, the server's address as Host, no forwarding.
    probe = Web(server.port).get("/healthz", Host="10.0.0.5", **{"X-Forwarded-Proto": ""})
    assert probe.status == 200, probe.text
    assert probe.header("Cache-Control") == "no-store"
    body = json.loads(probe.text)
    assert body["status"] == "ok", body
    assert all(check["ok"] for check in body["checks"].values()), body


def a_staff_login_and_one_registration_through_both_approvals(server, module_database):
    operator, head, pr = Web(server.port), Web(server.port), Web(server.port)
    operator.log_in("operator", DEMO_PASSWORD)
    dashboard = operator.get("/staff/")
    assert dashboard.status == 200
    assert "ダッシュボード" in dashboard.text
    assert "no-store" in dashboard.header("Cache-Control")

    pk = register(operator, module_database, name=NEW_NAME, url=NEW_URL)
    head.log_in("head", DEMO_PASSWORD)
    approve(head, pk)
    assert NEW_NAME not in Web(server.port).get("/").text  # not before the PR division (R2)
    pr.log_in("pr", DEMO_PASSWORD)
    approve(pr, pk)

    citizen = Web(server.port)
    assert NEW_NAME in citizen.get("/").text
    verdict = json.loads(citizen.get("/api/v1/verify/?q=" + NEW_URL).text)["verdict"]
    assert verdict == "official"


def every_log_line_is_on_stderr(server):
    log = server.log.read_text(errors="replace")
    assert '"GET /about/ HTTP/1.1" 200' in log  # gunicorn's access log
    assert "203.0.113.10" in log  # the client's address as nginx passed it on
    assert "Booting worker" in log  # gunicorn's error log
    assert "スケジューラーを開始しました" in log  # the scheduler
    assert "django_tasks" in log or "public.files" in log  # the worker ran a task


def sigterm_stops_every_process(server):
    before = server.processes()
    kinds = {
        "gunicorn": [p for p, c in before.items() if "gunicorn" in c],
        "db_worker": [p for p, c in before.items() if "db_worker" in c],
        "run_scheduler": [p for p, c in before.items() if "run_scheduler" in c],
    }
    assert len(kinds["gunicorn"]) >= 2, before  # the master and its workers
    assert len(kinds["db_worker"]) == 1, before
    assert len(kinds["run_scheduler"]) == 1, before

    status = server.stop(signal.SIGTERM)
    assert status == 143
    wait_until(lambda: not server.processes(), timeout=10, what=f"left: {server.processes()}")
    assert not server.healthy()  # nothing listens on the port any more


def when_one_process_dies_the_rest_are_stopped_and_the_script_fails(server):
    """A crash of any of the three (here the worker, killed): the script stops the others and
    exits non-zero, so the service manager restarts the whole set."""
    log = server.log.with_name("again.log")
    again = ProductionServer(env=server.env, port=free_port(), log=log)
    again.start()
    try:
        worker = [p for p, c in again.processes().items() if "db_worker" in c]
        assert len(worker) == 1
        os.kill(worker[0], signal.SIGKILL)
        again.proc.wait(timeout=60)
        assert again.proc.returncode != 0
        assert "a process exited" in again.log.read_text()
        wait_until(lambda: not again.processes(), timeout=10, what=f"left: {again.processes()}")
    finally:
        again.kill()
