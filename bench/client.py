"""The load generator: one client process per kept-alive connection, standard library only."""

from __future__ import annotations

import bisect
import http.client
import random
import resource
import socket
import time
from array import array
from collections import Counter

from bench.common import HOST

# --- The HTTP client (one process per connection) -------------------------------------------


class Closed(Exception):
    """The server closed the connection before a complete response."""

    def __init__(self, got: int):
        super().__init__(f"connection closed after {got} bytes")
        self.got = got


def exchange(sock: socket.socket, request: bytes) -> tuple[int, str, int, bool]:
    """Send one request, read one response: (status, X-Cache, body bytes, server closes)."""
    sock.sendall(request)
    buf = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            raise Closed(len(buf))
        buf += chunk
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            break
    lines = buf[:end].decode("latin-1").split("\r\n")
    version, status, *_ = lines[0].split(" ", 2)
    length, chunked, xcache, close = _headers(lines[1:], close=version == "HTTP/1.0")
    code = int(status)
    if code in (204, 304) or 100 <= code < 200:  # no body, whatever the headers say (RFC 9110)
        return code, xcache, 0, close
    size, close = _read_body(sock, buf[end + 4 :], length, chunked, close)
    return code, xcache, size, close


def _headers(lines: list[str], close: bool) -> tuple[int | None, bool, str, bool]:
    """The header lines that matter here: (Content-Length, chunked, X-Cache, server closes)."""
    length, chunked, xcache = None, False, ""
    for line in lines:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            close = value == "close"
        elif name == "transfer-encoding":
            chunked = "chunked" in value
        elif name == "x-cache":
            xcache = value
    return length, chunked, xcache, close


def _read_body(
    sock: socket.socket, body: bytes, length: int | None, chunked: bool, close: bool
) -> tuple[int, bool]:
    """Read the rest of the body after the head: (body bytes, server closes)."""
    if length is not None:
        got = len(body)
        while got < length:
            chunk = sock.recv(min(length - got, 262144))
            if not chunk:
                raise Closed(got)
            got += len(chunk)
        size = length
    elif chunked:  # a response without Content-Length (a cached hit before issue 12)
        # Count, keep only the tail: appending every chunk to one bytes object is quadratic
        # and cost this client ~1 s of CPU per 28 MB CSV, CPU the server then lacked.
        size, tail = len(body), body[-5:]
        while not tail.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(262144)
            if not chunk:
                raise Closed(size)
            size += len(chunk)
            tail = (tail + chunk)[-5:]
    else:
        size = len(body)
        while chunk := sock.recv(262144):
            size += len(chunk)
        close = True
    return size, close


def client_process(
    port, requests, cum_weights, seconds, seed, per_conn, timeout, barrier, out, expect=200
) -> None:
    """Closed loop: send a request, wait for the whole response, send the next one. Any
    status other than ``expect`` counts as an error.

    A kept-alive connection is closed after ``per_conn`` requests, as browsers and proxies do
    eventually: otherwise each connection would stay with the gthread worker that accepted it
    for the whole run, and an uneven first share-out would decide the result.
    """
    rng = random.Random(seed)
    on_conn = 0
    total = cum_weights[-1]
    last = len(requests) - 1
    latencies = array("d")
    statuses: Counter = Counter()
    xcache: Counter = Counter()
    errors: Counter = Counter()
    nbytes = 0
    sock: socket.socket | None = None

    def connect() -> socket.socket:
        s = socket.create_connection((HOST, port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    barrier.wait()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    deadline = started + seconds
    finished = started
    while True:
        t0 = time.perf_counter()
        if t0 >= deadline:
            break
        request = requests[min(bisect.bisect(cum_weights, rng.random() * total), last)]
        try:
            fresh = sock is None
            if sock is None:
                sock = connect()
                on_conn = 0
            try:
                status, xc, size, close = exchange(sock, request)
            except (Closed, ConnectionResetError, BrokenPipeError) as exc:
                # A kept-alive connection the server had already closed: retry once, fresh.
                if fresh or (isinstance(exc, Closed) and exc.got):
                    raise
                sock.close()
                sock = connect()
                status, xc, size, close = exchange(sock, request)
        except (OSError, ValueError, Closed) as exc:
            errors[type(exc).__name__] += 1
            if sock is not None:
                sock.close()
            sock = None
            continue
        finished = time.perf_counter()
        latencies.append(finished - t0)
        statuses[status] += 1
        if status != expect:
            errors[f"HTTP {status}"] += 1
        xcache[xc or "-"] += 1
        nbytes += size
        on_conn += 1
        if close or on_conn >= per_conn:
            sock.close()
            sock = None
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    if sock is not None:
        sock.close()
    out.send(
        {
            "started": started,
            "finished": finished,
            "latencies": latencies.tobytes(),
            "statuses": dict(statuses),
            "xcache": dict(xcache),
            "errors": dict(errors),
            "bytes": nbytes,
            "cpu": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
        }
    )
    out.close()


# What nginx adds in front of the app (config/nginx example, TRUSTED_PROXY_COUNT = 1): the
# production settings then see HTTPS (no redirect, Secure cookies) and the client's address.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": HOST}


def request_bytes(
    path: str, port: int, cookie: str = "", headers: dict[str, str] | None = None
) -> bytes:
    extra = "".join(f"{k}: {v}\r\n" for k, v in {**PROXY_HEADERS, **(headers or {})}.items())
    if cookie:
        extra += f"Cookie: {cookie}\r\n"
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: sns-registry-bench\r\n"
        f"Accept: text/html,application/json;q=0.9,*/*;q=0.8\r\n{extra}\r\n"
    ).encode()


def fetch(
    port: int, path: str, timeout: float = 120, cookie: str = "", method: str = "GET", **kw
) -> tuple[int, dict, bytes]:
    """One request with the proxy's headers: (status, headers, body); Set-Cookie values are
    joined in ``headers["set-cookie"]`` as "name=value; name=value"."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    headers = {"Host": f"{HOST}:{port}", **PROXY_HEADERS, **kw.pop("headers", {})}
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request(method, path, headers=headers, **kw)
        r = conn.getresponse()
        out = {k.lower(): v for k, v in r.getheaders()}
        cookies = [v.split(";", 1)[0] for k, v in r.getheaders() if k.lower() == "set-cookie"]
        out["set-cookie"] = "; ".join(cookies)
        return r.status, out, r.read()
    finally:
        conn.close()


def _merge_cookies(*jars: str) -> str:
    merged: dict[str, str] = {}
    for jar in jars:
        for part in jar.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                merged[name] = value
    return "; ".join(f"{k}={v}" for k, v in merged.items())


def login(port: int, username: str, password: str) -> str:
    """Sign in through the login form over HTTP, as a browser does (CSRF cookie and token,
    Origin and Referer, which Django checks on HTTPS); the Cookie header of the session."""
    import re
    from urllib.parse import urlencode

    status, headers, body = fetch(port, "/staff/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token:
        raise OSError(f"/staff/login/ answered {status} without a CSRF token")
    cookie = headers["set-cookie"]
    origin = f"https://{HOST}:{port}"
    status, headers, body = fetch(
        port,
        "/staff/login/",
        cookie=cookie,
        method="POST",
        body=urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token[1].decode(),
            }
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}/staff/login/",
        },
    )
    cookie = _merge_cookies(cookie, headers["set-cookie"])
    if status != 302 or "sessionid=" not in cookie:
        raise OSError(f"login as {username} answered {status}: {body[:300]!r}")
    return cookie
