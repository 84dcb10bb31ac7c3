"""One answer to "who is this client" (core/client_address.py), used by the report limit and by
the login lockout (django-axes), for a deployment with 0, 1 or 2 reverse proxies."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from core.client_address import client_address

LOGIN = "/staff/login/"


def request(remote="10.0.0.5", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # No proxy: X-Forwarded-For is whatever the client wrote, and ignored.
        (0, "203.0.113.7", None, "203.0.113.7"),
        (0, "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # One proxy: it appended the address it saw; anything left of that is the client's.
        (1, "10.0.0.5", "203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.5", "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.5", " 2001:db8::1 ", "2001:db8::1"),
        # Two proxies: the outer one's entry is second from the right.
        (2, "10.0.0.6", "198.51.100.1, 203.0.113.7, 10.0.0.5", "203.0.113.7"),
        # Not through every proxy (a health check, a direct call): only the peer is known.
        (1, "10.0.0.5", None, "10.0.0.5"),
        (2, "10.0.0.6", "203.0.113.7", "10.0.0.6"),
        # Garbage where an address should be: never trusted.
        (1, "10.0.0.5", "198.51.100.1, not-an-address", "10.0.0.5"),
        (1, "10.0.0.5", "203.0.113.7\r\nX: y", "10.0.0.5"),
    ],
)
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request(remote, forwarded)) == expected


def test_axes_uses_the_same_address(settings):
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXY_COUNT = 1
    assert get_client_ip_address(request("10.0.0.5", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"


# --- Login lockout: per (user name, address), as the README says ---------------------------


def fail(client, username, **meta):
    return client.post(LOGIN, {"username": username, "password": "wrong"}, **meta)


def log_in(client, username, **meta):
    return client.post(LOGIN, {"username": username, "password": "demo-pass-2026"}, **meta)


@pytest.mark.django_db
def test_lockout_is_per_user_and_address(client, demo, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.66", **proxy}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail(client, "operator", **attacker)
    locked = log_in(client, "operator", **attacker)
    assert locked.status_code in (403, 429)
    assert "ログインを一時停止しています" in locked.content.decode()
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    # The colleague whose name was typed still gets in from their own desk, behind the same
    # proxy: a lockout by name alone would let anyone lock them out.
    colleague = log_in(client, "operator", HTTP_X_FORWARDED_FOR="198.51.100.10", **proxy)
    assert colleague.status_code == 302
    client.logout()
    # Others at the attacker's address (one NAT for a whole city hall) are not locked out.
    assert log_in(client, "manager", **attacker).status_code == 302
