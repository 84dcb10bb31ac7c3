"""Two approvers pressing 承認 at the same moment (PostgreSQL only).

Each approver runs in a real thread with its own database connection; a barrier releases
both at once. The services lock the request row first, so exactly one decides and the other
is refused with a typed, Japanese error; the request advances one step, one Decision row is
written, and on final approval one policy version is published and the account listed once.

SQLite has no row locks (``select_for_update`` is a no-op there), so this only runs against
PostgreSQL: ``DATABASE_URL=postgres://… pytest tests/approvals/test_concurrency.py``.
"""

from __future__ import annotations

import io
import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import AccountStatus, OfficialAccount, Service
from approvals import services
from approvals.models import Action, ApprovalRequest, Decision, RequestKind, RequestState, Step
from core.errors import DomainError
from organization.models import User
from policies.models import PolicyStatus
from tests.approvals.conftest import filled_registration

ROUNDS = 5
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


pytestmark = [
    pytest.mark.postgres,
    # A string condition: evaluated when each test is set up (run time), not at import.
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="needs PostgreSQL: SQLite has no row locks (select_for_update is a no-op), "
        "so two approvers cannot race; run with DATABASE_URL=postgres://…",
    ),
    # serialized_rollback: a transactional test empties every table afterwards; this puts
    # back what the migrations wrote (the service catalogue…) before each test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def cast():
    """The demo municipality, committed, plus a second head in 経済観光局 and a second member
    of the PR division, so that two people may legitimately take each step."""
    call_command("seed_demo", stdout=io.StringIO())
    users = {u.username: u for u in User.objects.all()}
    head = users["head"]
    users["head_b"] = User.objects.create(
        username="head_b",
        last_name="小林",
        first_name="修",
        role=User.Role.HEAD,
        department=head.department,
        title="経済観光局長（代理）",
        email="head_b@city.example.lg.jp",
    )
    pr = users["pr"]
    users["pr_b"] = User.objects.create(
        username="pr_b",
        last_name="加藤",
        first_name="恵",
        role=pr.role,
        department=pr.department,
        title="主任",
        email="pr_b@city.example.lg.jp",
    )
    return users


def submitted_registration(users, n: int) -> ApprovalRequest:
    """A new registration (of a distinct X account per round) awaiting the head."""
    operator = users["operator"]
    req = services.request_create(kind=RequestKind.NEW, actor=operator)
    data = filled_registration(
        req.payload,
        users,
        **{
            "account-service": str(Service.objects.get(slug="x").pk),
            "account-url": f"https://x.com/kanko_race_{n}",
            "account-display_name": f"サンプル市観光レース{n}",
        },
    )
    services.request_submit(req=req, actor=operator, data=data)
    return ApprovalRequest.objects.get(pk=req.pk)


def race(pk: int, actors: list) -> list[tuple[str, object]]:
    """Both actors approve request ``pk`` at once, each in its own thread and connection.
    Returns [(username, "ok" | the exception)] in the order the threads were started."""
    barrier = threading.Barrier(len(actors), timeout=30)
    results: dict[str, object] = {}

    def approve(actor):
        try:
            req = ApprovalRequest.objects.get(pk=pk)  # each thread: its own connection
            barrier.wait()
            services.request_decide(req=req, actor=actor, action=Action.APPROVE)
            results[actor.username] = "ok"
        except BaseException as exc:  # reported, and asserted on, by the main thread
            results[actor.username] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(a,), daemon=True) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "an approver never finished (deadlock?)"
    return [(a.username, results.get(a.username, "no result")) for a in actors]


def assert_one_winner(outcome: list[tuple[str, object]]) -> tuple[str, DomainError]:
    winners = [name for name, result in outcome if result == "ok"]
    losers = [(name, result) for name, result in outcome if result != "ok"]
    assert len(winners) == 1, f"expected exactly one approval, got {outcome!r}"
    assert len(losers) == 1, outcome
    loser, error = losers[0]
    assert isinstance(error, DomainError), f"{loser} got {error!r}, not a DomainError"
    assert JAPANESE.search(error.message), f"not a Japanese message: {error.message!r}"
    return winners[0], error


def test_two_heads_approving_at_once_advance_the_request_one_step(cast):
    heads = [cast["head"], cast["head_b"]]
    for n in range(ROUNDS):
        req = submitted_registration(cast, n)
        assert req.state == RequestState.AWAITING_HEAD

        winner, _error = assert_one_winner(race(req.pk, heads))

        req.refresh_from_db()
        assert req.state == RequestState.AWAITING_PR  # one step, not two
        head_approvals = Decision.objects.filter(
            request=req, round=req.round, step=Step.HEAD, action=Action.APPROVE
        )
        assert head_approvals.count() == 1
        assert head_approvals.get().actor.username == winner
        assert req.decisions.count() == 2  # submit + one head approval
        account = req.account
        assert account.status == AccountStatus.PENDING  # not public before the PR step
        assert not account.policies.filter(status=PolicyStatus.PUBLISHED).exists()


def test_two_pr_members_approving_at_once_publish_once(cast):
    prs = [cast["pr"], cast["pr_b"]]
    for n in range(ROUNDS):
        req = submitted_registration(cast, n)
        services.request_decide(req=req, actor=cast["head"], action=Action.APPROVE)
        req.refresh_from_db()
        assert req.state == RequestState.AWAITING_PR

        winner, _error = assert_one_winner(race(req.pk, prs))

        req.refresh_from_db()
        assert req.state == RequestState.APPROVED
        pr_approvals = Decision.objects.filter(
            request=req, round=req.round, step=Step.PR, action=Action.APPROVE
        )
        assert pr_approvals.count() == 1
        assert pr_approvals.get().actor.username == winner
        assert req.decisions.count() == 3  # submit + head + one PR approval

        account = OfficialAccount.objects.get(pk=req.account_id)
        assert account.status == AccountStatus.LISTED
        assert account.policies.filter(status=PolicyStatus.PUBLISHED).count() == 1
        assert account.policies.count() == 1  # no stray draft version either
        # Listed once: one live record for the key, and one move to "listed" in its history.
        assert (
            OfficialAccount.objects.filter(
                service=account.service, identifier=account.identifier
            ).count()
            == 1
        )
        assert account.history.filter(status=AccountStatus.LISTED).count() == 1
