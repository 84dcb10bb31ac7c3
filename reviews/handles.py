"""The daily handle check (issue 14 §3): noticing a rename nobody filed.

When a city renames ``@old`` to ``@new`` without a change request, the registry keeps
vouching for ``@old`` — a handle the service has released to anyone. Where the service
answers publicly, without a key, which handle an account's permanent identifier has now, this
daily job asks it: Bluesky's public AppView resolves a DID (``OfficialAccount.platform_id``)
to its current handle (``GET {BLUESKY_API_URL}/xrpc/app.bsky.actor.getProfile?actor=<did>``).
The services that can be asked are those whose ``PermanentIdFacts.checked_daily`` is set
(accounts.catalogue); the others are confirmed by the 管理者 in the periodic review
(reviews.forms.ReviewForm).

A different handle (or ``handle.invalid``: the DID's handle no longer verifies) is an
incident of kind 未申請のID変更 for the PR division and the account's 責任者 side
(``incidents.services.incident_detected``, recorded by nobody: 「台帳の自動確認」). The
account is never changed here: a rename is a change request, a hijack a suspension. One open
incident per (account, observed handle), so the next days' runs add nothing while it is open.

The network is only ever used by this job (``manage.py run_daily_jobs``, the scheduler),
never inside a web request. Each request, from the name lookup (DNS) to the last byte of
the answer, is given up after ``HANDLE_CHECK_TIMEOUT`` seconds in all (``_fetch``), follows
no redirect and reads at most ``MAX_BYTES``. A run makes at most
``HANDLE_CHECK_MAX_REQUESTS`` requests, ``HANDLE_CHECK_PAUSE`` seconds apart; it stops asking
after ``HANDLE_CHECK_MAX_FAILURES`` failures in a row (the service is down: the rest are
unchecked) and starts no request that could end after ``HANDLE_CHECK_RUN_SECONDS`` (at most
half the daily jobs' lease, ``jobs.runner.LOCK_FOR``: the rest wait for the next day). A
service that is down, slow, or answers garbage leaves the account unchecked (a warning in
the log, the count in the run's summary) and the run still succeeds: the next day's run asks
again.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from accounts import catalogue
from accounts.handles import bsky
from accounts.keys import IdentityError
from accounts.models import PUBLIC_STATUSES, OfficialAccount
from incidents.services import incident_detected, observed_display
from jobs.runner import LOCK_FOR
from jobs.schedule import JobFailed, daily_job

logger = logging.getLogger(__name__)

# A profile is a few hundred bytes (with a long description a few KiB): more is not an answer.
MAX_BYTES = 64 * 1024
CHUNK = 8 * 1024
# The answer Bluesky gives for a DID whose handle no longer verifies (its domain dropped the
# record, or someone else holds it): as much a mismatch as another name.
INVALID_HANDLE = "handle.invalid"


class LookupFailed(Exception):
    """The service gave no usable answer: down, too slow, an error, not JSON, too large, a
    redirect, or an answer about another DID. ``str()`` says which, for the log."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed (to another host least of all): urllib then raises the
    3xx as an HTTPError, which is a failed lookup."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Sockets:
    """The sockets one request opened, so that its deadline can cut them (``expire``): a
    socket timeout bounds each wait, not the whole — a server sending a byte every few
    tenths of a second (headers or body) never lets one expire."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._expired = False

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if not self._expired:
                self._open.append(sock)
                return
        sock.close()  # connected after the deadline (a slow DNS answer): not used
        raise OSError("the deadline has passed")

    def expire(self) -> None:
        with self._lock:
            self._expired = True
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed
                # Wakes the worker blocked in recv() at once (close() alone may not).
                sock.shutdown(socket.SHUT_RDWR)


def _watched(base: type[http.client.HTTPConnection], sockets: _Sockets) -> Any:
    """``base`` whose connections register their socket with ``sockets`` (the TLS and the
    proxy tunnel are on that same socket, so cutting it ends them too)."""

    class Watched(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = self._connect_watched

        def _connect_watched(self, *args: Any, **kwargs: Any) -> socket.socket:
            sock = socket.create_connection(*args, **kwargs)
            sockets.add(sock)
            return sock

    return Watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, sockets: _Sockets) -> None:
        super().__init__()
        self.sockets = sockets

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_watched(http.client.HTTPConnection, self.sockets), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, sockets: _Sockets) -> None:
        super().__init__()
        self.sockets = sockets
        self.tls = ssl.create_default_context()  # certificates and host names verified

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(
            _watched(http.client.HTTPSConnection, self.sockets), req, context=self.tls
        )


def _opener(sockets: _Sockets) -> urllib.request.OpenerDirector:
    # The proxy settings of the environment (HTTPS_PROXY, NO_PROXY) still apply: a city's
    # network often reaches the internet only through one.
    return urllib.request.build_opener(_NoRedirects, _HTTPHandler(sockets), _HTTPSHandler(sockets))


def _profile_url(did: str) -> str:
    base = str(settings.BLUESKY_API_URL).rstrip("/")
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LookupFailed(f"BLUESKY_API_URL is not an http(s) URL: {base!r}")
    query = urllib.parse.urlencode({"actor": did})
    return f"{base}/xrpc/app.bsky.actor.getProfile?{query}"


def _read(response: http.client.HTTPResponse) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > MAX_BYTES:
        raise LookupFailed(f"answer too large ({length} bytes)")
    body = b""
    while True:
        chunk = response.read(CHUNK)
        if not chunk:
            return body
        body += chunk
        if len(body) > MAX_BYTES:
            raise LookupFailed("answer too large")


def _get(url: str, timeout: float, sockets: _Sockets) -> bytes:
    request = urllib.request.Request(  # noqa: S310 — the scheme is checked: http(s) only
        url,
        headers={"Accept": "application/json", "User-Agent": "sns-registry-handle-check/1"},
    )
    try:
        with _opener(sockets).open(request, timeout=timeout) as response:
            return _read(response)
    except urllib.error.HTTPError as error:
        raise LookupFailed(f"HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise LookupFailed(f"{type(error).__name__}: {error}") from None


def _fetch(url: str, timeout: float) -> bytes:
    """The body at ``url``, or LookupFailed — within ``timeout`` seconds in all.

    The request runs in a daemon thread the caller waits for at most ``timeout``; at the
    deadline its sockets are shut down (ending a dripping answer at once) and it is
    abandoned. That bounds what a socket timeout cannot: a server dripping its headers or
    body, and the name lookup (getaddrinfo has no timeout; the thread ends when the resolver
    gives up). Not a ThreadPoolExecutor: its workers are joined at interpreter exit, so a
    lookup stuck in DNS would keep ``run_daily_jobs`` from exiting; a daemon thread does not."""
    sockets = _Sockets()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["body"] = _get(url, timeout, sockets)
        except Exception as error:
            outcome["error"] = error

    worker = threading.Thread(target=work, name="handle-check", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        sockets.expire()
        raise LookupFailed(f"no complete answer within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return bytes(outcome["body"])


def _handle_in(body: bytes, did: str) -> str:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise LookupFailed("answer is not JSON") from None
    if not isinstance(data, dict) or data.get("did") != did:
        raise LookupFailed("answer is not the profile of this DID")
    handle = data.get("handle")
    if not isinstance(handle, str) or handle.startswith("did:"):
        raise LookupFailed("answer has no handle")
    try:
        return bsky(handle.strip())  # canonical, as OfficialAccount.identifier stores it
    except IdentityError:
        raise LookupFailed(f"answer's handle is not a handle: {handle[:100]!r}") from None


def request_timeout() -> float:
    """``HANDLE_CHECK_TIMEOUT``: the seconds one request may take in all (never 0)."""
    return max(float(settings.HANDLE_CHECK_TIMEOUT), 0.1)


def current_handle(did: str) -> str:
    """The handle Bluesky's public AppView says ``did`` has now, canonical (lower case), or
    ``handle.invalid``, within ``HANDLE_CHECK_TIMEOUT`` seconds. Raises LookupFailed. The
    one function here that uses the network."""
    return _handle_in(_fetch(_profile_url(did), request_timeout()), did)


def accounts_to_check() -> QuerySet[OfficialAccount]:
    """Official accounts (listed or suspended) on a service the job can ask, known by a
    handle and with their permanent identifier (a DID) registered."""
    return (
        OfficialAccount.objects.filter(
            status__in=PUBLIC_STATUSES, service__slug__in=catalogue.CHECKED_DAILY_SERVICES
        )
        .exclude(platform_id="")
        .exclude(identifier=F("platform_id"))
        .exclude(identifier__startswith="did:")
        .select_related("service")
        .order_by("pk")
    )


def _todays_share(pks: list[int], day: date, limit: int) -> list[int]:
    """At most ``limit`` of ``pks``: all of them when they fit, else a window that moves on
    every day (the same window for the same day, so a second run asks the same accounts)."""
    if not pks:
        return []
    # When all fit the order still moves on every day, so that a run cut short by its time
    # budget does not leave the same accounts unasked day after day.
    start = day.toordinal() * (limit if len(pks) > limit else 1) % len(pks)
    return (pks[start:] + pks[:start])[:limit]


def _description(account: OfficialAccount, observed: str) -> str:
    said = (
        _(
            "「%(invalid)s」（この DID のハンドルが確認できない状態：ハンドルに使っていた"
            "ドメインの設定が外れたか、別の人が使っている）"
        )
        % {"invalid": INVALID_HANDLE}
        if observed == INVALID_HANDLE
        else observed_display(account, observed)
    )
    return _(
        "毎日のIDの確認で、%(service)s に固定ID（DID）%(did)s のアカウントが今使っている"
        "ハンドルを問い合わせたところ、%(said)s と答えました。台帳のIDは %(registered)s です。"
        "IDの変更の申請は出ていません。台帳は書き換えていません。\n"
        "アカウントを開いて確かめ、市が名前を変えたのなら変更を申請してください。"
        "市が変えていないなら乗っ取りとして扱い、一時停止してください。"
    ) % {
        "service": account.service.name,
        "did": account.platform_id_display,
        "said": said,
        "registered": account.key.display_handle,
    }


def run_seconds() -> float:
    """The time budget of one run (``HANDLE_CHECK_RUN_SECONDS``), never more than half the
    daily jobs' lease: a run longer than the lease would let a second runner start."""
    ceiling = LOCK_FOR.total_seconds() / 2
    wanted = float(settings.HANDLE_CHECK_RUN_SECONDS)
    if wanted > ceiling:
        logger.warning(
            "HANDLE_CHECK_RUN_SECONDS=%s is more than half the daily jobs' lease: %s s used",
            wanted,
            ceiling,
        )
    return max(min(wanted, ceiling), 0.0)


@dataclass
class Tally:
    checked: int = 0
    same: int = 0
    changed: int = 0
    raised: int = 0
    unchecked: int = 0
    deferred: int = 0
    failed: int = 0
    # The service failed this many times in a row, and the rest were not asked (unchecked).
    gave_up_after: int = 0
    not_asked: int = 0
    # The run's time budget (seconds) was spent, and this many wait for the next day.
    out_of_time: int = 0
    budget: float = 0.0

    def summary(self) -> str:
        text = _(
            "ハンドルの確認%(checked)d件（一致%(same)d件、違い%(changed)d件・新しいインシデント"
            "%(raised)d件）、サービスが答えず確認できなかったもの%(unchecked)d件"
        ) % vars(self)
        if self.not_asked:
            text += _(
                "（うち%(not_asked)d件は、サービスが%(gave_up_after)d回続けて答えなかったため"
                "問い合わせを打ち切ったもの）"
            ) % vars(self)
        if self.deferred:
            text += _("、1回の上限を超えて翌日以降に回したもの%(deferred)d件") % vars(self)
        if self.out_of_time:
            text += _(
                "（うち%(out_of_time)d件は、1回の処理時間の上限%(budget)g秒に達したため）"
            ) % vars(self)
        if self.failed:
            text += _("、記録に失敗したもの%(failed)d件") % vars(self)
        return text + "。"


def _check_one(account: OfficialAccount, tally: Tally) -> bool:
    """Ask about one account; False when the service gave no usable answer."""
    try:
        observed = current_handle(account.platform_id)
    except LookupFailed as error:
        logger.warning(
            "handle check: account %s (%s) not checked: %s", account.pk, account.platform_id, error
        )
        tally.unchecked += 1
        return False
    tally.checked += 1
    if observed == account.identifier.lower():
        tally.same += 1
        return True
    tally.changed += 1
    logger.warning(
        "handle check: account %s is @%s in the registry, the service says @%s",
        account.pk,
        account.identifier,
        observed,
    )
    try:
        incident = incident_detected(
            account=account,
            observed_identifier=observed,
            description=_description(account, observed),
        )
    except Exception:
        logger.exception("handle check: the incident of account %s was not recorded", account.pk)
        tally.failed += 1
        return True
    if incident is not None:
        tally.raised += 1
    return True


@daily_job("check_platform_handles", order=20, atomic=False)
def check_platform_handles(day: date) -> str:
    """Ask the service which handle each checked account's DID has now; a mismatch is an
    incident (issue 14 §3). No transaction around the run: nothing waits on the network
    holding a lock; each incident is its own transaction (``incident_detected``).

    Bounded however the service behaves: each request by ``HANDLE_CHECK_TIMEOUT``, the run by
    ``run_seconds()`` (no request is started that could end after it), and after
    ``HANDLE_CHECK_MAX_FAILURES`` failures in a row the run stops asking."""
    started = time.monotonic()
    limit = max(int(settings.HANDLE_CHECK_MAX_REQUESTS), 0)
    pause = max(float(settings.HANDLE_CHECK_PAUSE), 0.0)
    timeout = request_timeout()
    max_failures = max(int(settings.HANDLE_CHECK_MAX_FAILURES), 1)
    budget = run_seconds()
    accounts = {a.pk: a for a in accounts_to_check()}
    share = _todays_share(list(accounts), day, limit)
    tally = Tally(deferred=len(accounts) - len(share), budget=budget)
    failures = 0
    for n, pk in enumerate(share):
        if failures >= max_failures:
            tally.gave_up_after = failures
            tally.not_asked = len(share) - n
            tally.unchecked += tally.not_asked
            logger.warning(
                "handle check: %s failures in a row, %s accounts not asked this run",
                failures,
                tally.not_asked,
            )
            break
        if time.monotonic() - started + (pause if n else 0.0) + timeout > budget:
            tally.out_of_time = len(share) - n
            tally.deferred += tally.out_of_time
            logger.warning(
                "handle check: the run's %s s are spent, %s accounts left for the next day",
                budget,
                tally.out_of_time,
            )
            break
        if n and pause:
            time.sleep(pause)
        failures = 0 if _check_one(accounts[pk], tally) else failures + 1
    summary = tally.summary()
    if tally.failed:
        raise JobFailed(summary)
    return summary
