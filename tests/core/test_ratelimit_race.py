"""A citizen's reports sent at the same moment still meet the limit (issue 8 §6): the
count-then-insert of core/ratelimit.py is serialised per client on every database."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from core import ratelimit
from core.models import RateLimitHit

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twelve_simultaneous_hits_from_one_address_let_in_only_the_limit():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers at BEGIN IMMEDIATE")
    barrier = threading.Barrier(12)
    accepted, refused = [], []

    def send():
        try:
            with transaction.atomic():
                barrier.wait()
                ratelimit.hit(scope="report", who="203.0.113.9", limit=5, window=timedelta(hours=1))
                time.sleep(0.1)  # the rest of the request, while others wait
            accepted.append(1)
        except ratelimit.RateLimited:
            refused.append(1)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(accepted), len(refused)) == (5, 7)
    assert RateLimitHit.objects.count() == 5
