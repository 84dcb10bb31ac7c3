"""Two app servers on one PostgreSQL and one Redis (issue 12 §2), started the documented way
(README "run as production"): ``scripts/production.sh`` on the first (migrations, task worker,
scheduler), ``scripts/production.sh --no-jobs`` on the second, the same config file, two ports.

What a load balancer in front of them must be able to rely on: an approval through one is
official on the other at once (the cache generation is in the database, not in a server), a
sign-in through one is good on the other, the citizen report limit counts on both, a job
enqueued through the server that runs no worker is run by the other's, and a server killed
with SIGKILL while citizens' reports are in flight loses none that was answered, leaves none
half-written (ATOMIC_REQUESTS), and the other server keeps answering.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from concurrent.futures import ThreadPoolExecutor
from threading import Event, Lock

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
from tests.deploy.web import Web, forms

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="needs PostgreSQL (shared by two servers)"
    ),
]

NEW_NAME = "サンプル市二台確認"
NEW_URL = "https://x.com/sample_twin"
REPORTS_PER_HOUR = 5  # impersonation.services.REPORTS_PER_HOUR


@pytest.fixture(scope="module")
def servers(module_database, cache_prefix, tmp_path_factory, deploy_static_root):
    env = production_env(module_database, cache_prefix=cache_prefix, static_root=deploy_static_root)
    logs = tmp_path_factory.mktemp("two_servers")
    main = ProductionServer(env=env, port=free_port(), log=logs / "main.log")
    second = ProductionServer(
        env=env, port=free_port(), log=logs / "second.log", args=("--no-jobs",)
    )
    try:
        main.start()  # migrates the empty database
        manage(env, "seed_demo")
        second.start()
        yield main, second
    finally:
        for server in (second, main):
            server.stop()
            if server.proc and server.proc.poll() is None:
                server.kill()


def test_two_app_servers_on_one_database_and_cache(servers, module_database):
    """One test, its steps in order on the same two servers (a split across xdist workers
    would start two more servers and another database)."""
    only_the_first_runs_the_jobs(servers)
    an_approval_through_one_is_official_on_the_other_at_once(servers, module_database)
    a_sign_in_through_one_is_good_on_the_other(servers)
    the_report_limit_counts_on_both_servers(servers)
    killing_one_server_loses_nothing_and_the_other_answers(servers, module_database)


def verdict(web: Web, query: str) -> str:
    response = web.get("/api/v1/verify/?q=" + query)
    assert response.status == 200, response.status
    return json.loads(response.text)["verdict"]


def only_the_first_runs_the_jobs(servers):
    main, second = servers
    assert any("db_worker" in c for c in main.processes().values())
    assert any("run_scheduler" in c for c in main.processes().values())
    assert not any("manage.py" in c for c in second.processes().values()), second.processes()
    assert any("gunicorn" in c for c in second.processes().values())


def an_approval_through_one_is_official_on_the_other_at_once(servers, module_database):
    main, second = servers
    on_main = Web(main.port)
    # Citizens have asked the first server already: its answers are in the shared cache.
    assert verdict(on_main, NEW_URL) != "official"
    assert NEW_NAME not in on_main.get("/").text

    operator, head, pr = Web(second.port), Web(main.port), Web(second.port)
    operator.log_in("operator", DEMO_PASSWORD)
    last_mail = module_database.value("SELECT coalesce(max(id), 0) FROM jobs_outboxmail")
    pk = register(operator, module_database, name=NEW_NAME, url=NEW_URL)
    head.log_in("head", DEMO_PASSWORD)
    approve(head, pk)  # the first step through the first server …
    pr.log_in("pr", DEMO_PASSWORD)
    approve(pr, pk)  # … the last through the second

    # The very next request to the first server: official, listed, no stale cache.
    assert verdict(on_main, NEW_URL) == "official"
    assert NEW_NAME in on_main.get("/").text
    assert verdict(Web(second.port), NEW_URL) == "official"

    # The mail queued by the submission through the second server (which runs no worker) is
    # sent by the first server's worker.
    def all_sent() -> bool:
        rows = module_database.query(
            "SELECT status FROM jobs_outboxmail WHERE id > %s", (last_mail,)
        )
        return bool(rows) and all(status == "sent" for (status,) in rows)

    wait_until(all_sent, timeout=30, what="the submission's mail sent by the worker")


def a_sign_in_through_one_is_good_on_the_other(servers):
    main, second = servers
    person = Web(main.port)
    person.log_in("manager", DEMO_PASSWORD)
    person.port = second.port
    dashboard = person.get("/staff/")
    assert dashboard.status == 200
    assert "ダッシュボード" in dashboard.text
    # Signing out through the second ends the session on the first too.
    logout = forms(dashboard.text, action_contains="/staff/logout/")[0]
    assert person.post(logout.action, logout.pairs()).status == 302
    person.port = main.port
    again = person.get("/staff/")
    assert again.status == 302
    assert again.location_path.startswith("/staff/login/")


def report(web: Web, text: str):
    page = web.get("/report/")
    assert page.status == 200
    form = forms(page.text, action_contains="")[-1]
    return web.post("/report/", form.filled(reported_text=text, description="似ています").pairs())


def the_report_limit_counts_on_both_servers(servers):
    main, second = servers
    citizen = Web(main.port, client_address="198.51.100.7")
    for n in range(REPORTS_PER_HOUR):
        citizen.port = (main, second)[n % 2].port
        answer = report(citizen, f"https://x.com/fake_limit_{n}")
        assert answer.status == 302, answer.status
    citizen.port = second.port if REPORTS_PER_HOUR % 2 else main.port
    refused = report(citizen, "https://x.com/fake_limit_x")
    assert refused.status == 429
    assert "時間をおいて" in refused.text
    # Per address: someone else is not refused.
    other = Web(second.port, client_address="198.51.100.8")
    assert report(other, "https://x.com/fake_limit_y").status == 302


def _hit_key(secret: str, address: str) -> str:
    """core.ratelimit._key: the keyed hash a report's rate-limit row is stored under."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def killing_one_server_loses_nothing_and_the_other_answers(servers, module_database):
    main, second = servers
    count = 40
    citizens = [Web(main.port, client_address=f"192.0.2.{n + 10}") for n in range(count)]
    forms_for = []
    for n, citizen in enumerate(citizens):  # each citizen has the form open already
        page = citizen.get("/report/")
        form = forms(page.text, action_contains="")[-1]
        forms_for.append(form.filled(reported_text=f"https://x.com/fake_kill_{n}"))
        citizen.port = second.port
        citizen.timeout = 10

    answered: dict[int, int] = {}
    lock, enough = Lock(), Event()

    def send(n: int) -> None:
        try:
            status = citizens[n].post("/report/", forms_for[n].pairs()).status
        except OSError:
            return  # the server died under it: no answer, no promise
        with lock:
            answered[n] = status
            if len(answered) >= 8:
                enough.set()

    with ThreadPoolExecutor(max_workers=8) as pool:
        for n in range(count):
            pool.submit(send, n)
        enough.wait(timeout=30)
        second.kill()  # SIGKILL to the script, gunicorn's master and every worker
    killed_at = time.monotonic()

    assert not second.processes()
    succeeded = [n for n, status in answered.items() if status == 302]
    assert succeeded, answered
    assert all(status in (302,) for status in answered.values()), answered

    secret = main.env["DJANGO_SECRET_KEY"]
    reports = {
        text
        for (text,) in module_database.query(
            "SELECT reported_text FROM impersonation_impersonationreport "
            "WHERE reported_text LIKE 'https://x.com/fake_kill_%%'"
        )
    }
    keys = {
        key
        for (key,) in module_database.query(
            "SELECT key FROM core_ratelimithit WHERE scope = 'report'"
        )
    }
    for n in range(count):
        stored = f"https://x.com/fake_kill_{n}" in reports
        counted = _hit_key(secret, f"192.0.2.{n + 10}") in keys
        if n in succeeded:
            assert stored, f"report {n} was answered 302 but is not in the database"
        # One transaction per request: the report and its rate-limit row, or neither.
        assert stored == counted, f"report {n}: stored={stored}, counted={counted}"

    # The first server never noticed.
    survivor = Web(main.port)
    assert survivor.get("/healthz").status == 200
    assert survivor.get("/").status == 200
    assert verdict(survivor, NEW_URL) == "official"
    assert time.monotonic() - killed_at < 10
    print(  # noqa: T201 — the figures for the report (pytest -s)
        f"kill -9 with {count} reports sent: {len(succeeded)} answered before, "
        f"{len(reports)} stored, {count - len(answered)} without an answer"
    )
