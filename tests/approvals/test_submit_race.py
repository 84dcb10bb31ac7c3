"""Twenty drafts submitting the same account at the same moment (PostgreSQL only).

Was: 3 × 500 (IntegrityError on the live-account constraint: every form check passed, then
the inserts collided). Now one registration is accepted and every other person sees the form
again with 「このアカウントは既に台帳に登録されています。」 on the URL, their draft kept.

Each submission runs in its own thread and connection, through the real page (test client,
ATOMIC_REQUESTS committing for real); a barrier releases them together.
"""

from __future__ import annotations

import io
import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import OfficialAccount
from approvals import services
from approvals.models import ApprovalRequest, RequestKind, RequestState
from organization.models import User
from tests.approvals.conftest import filled_registration
from tests.seeding import reset_sequences

DRAFTS = 20

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="needs PostgreSQL: SQLite serialises writers, so the inserts cannot collide",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_twenty_drafts_of_one_account_submitted_at_once_one_accepted_the_rest_told():
    reset_sequences()  # after other modules' flush-and-restore: an id collision is no race
    call_command("seed_demo", stdout=io.StringIO())
    users = {u.username: u for u in User.objects.all()}
    operator = users["operator"]
    drafts = []
    for _ in range(DRAFTS):
        req = services.request_create(kind=RequestKind.NEW, actor=operator)
        drafts.append((req.pk, filled_registration(req.payload, users)))
    clients = []
    for _ in drafts:
        client = Client(raise_request_exception=False)
        client.force_login(operator)
        clients.append(client)
    connection.close()  # the threads open their own

    barrier = threading.Barrier(DRAFTS, timeout=60)
    answers: dict[int, object] = {}

    def submit(client, pk, data):
        try:
            barrier.wait()
            answers[pk] = client.post(
                reverse("staff:request_edit", args=[pk]), {**data, "action": "submit"}
            )
        except BaseException as exc:  # asserted on by the main thread
            answers[pk] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(c, pk, data), daemon=True)
        for c, (pk, data) in zip(clients, drafts, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a submission never finished (deadlock?)"

    statuses = sorted(getattr(a, "status_code", repr(a)) for a in answers.values())
    errors = {  # what the refused forms said, to tell a lost race from any other refusal
        " ".join(
            re.findall(
                r'class="invalid-feedback[^"]*"[^>]*>\s*(?:<[^>]+>)*([^<]+)<', a.content.decode()
            )
        )
        for a in answers.values()
        if getattr(a, "status_code", None) == 422
    }
    assert statuses == [302] + [422] * (DRAFTS - 1), (statuses, errors)
    for response in answers.values():
        if response.status_code == 422:
            assert "このアカウントは既に台帳に登録されています。" in response.content.decode()
    assert ApprovalRequest.objects.filter(state=RequestState.AWAITING_HEAD).count() == 1
    assert ApprovalRequest.objects.filter(state=RequestState.DRAFT).count() == DRAFTS - 1
    assert OfficialAccount.objects.filter(identifier="kanko_event").count() == 1
    # The losers' drafts keep everything they typed.
    for req in ApprovalRequest.objects.filter(state=RequestState.DRAFT):
        assert req.payload["account-url"] == "https://x.com/kanko_event"
