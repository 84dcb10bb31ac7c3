"""Throughput benchmark of the public pages against a trivial Django view, on one machine.

    .venv/bin/python -m bench.run [--accounts 20000] [--seconds 10] [--concurrency 8]
                                  [--workers 3] [--worker-class sync|gthread] [--keep-db]

What it does, in order (see bench/README.md for how to read the output):

1. creates a fresh PostgreSQL database (``--db-name``, dropped first if it exists), migrates,
   runs ``seed_demo`` and ``seed_demo --accounts N`` (the seed time is reported);
2. ``collectstatic`` into a temporary STATIC_ROOT;
3. starts gunicorn with ``bench.settings`` (production settings + ``/bench/trivial/``) on a free
   port of 127.0.0.1, waits until it answers and warms every target. Worker class: gthread
   (3 workers × 4 threads by default): every public page waits on PostgreSQL and Redis, which a
   thread overlaps and a sync worker does not, and keep-alive spares client and server a TCP
   connect per request (sync workers close every connection: they cost about twice the CPU
   per trivial request here). ``--worker-class sync`` is there for comparison;
4. for each target, runs a closed-loop load for ``--seconds`` with ``--concurrency`` connections,
   one client *process* per connection (no GIL between them), and records req/s, p50/p99
   latency, errors, the ``X-Cache`` hit rate and where the CPU went (client, gunicorn,
   PostgreSQL, Redis, other programs); the targets take turns (``--rounds``). This runs twice
   (``--phases``): first with an empty cache, as right after an approval ("cold"), then after
   every URL of each target has been requested once, as between approvals ("warm", the
   steady state the throughput target is judged on);
5. profiles one cache-miss request of each page in-process (query count, SQL time, the
   hottest functions) unless ``--no-profile``;
6. stops gunicorn and drops the database (unless ``--keep-db``).

Exit status: 0 when every request succeeded, 1 on any error (a missed throughput target is
reported, not an error). The client is the standard library only; psycopg (a project
dependency) creates/drops the database and redis-py (needed by Django's Redis cache backend
anyway) deletes this run's cache keys. All load goes to 127.0.0.1 and is bounded by --seconds.
"""

from __future__ import annotations

import argparse
import bisect
import http.client
import json
import math
import multiprocessing
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
TARGET_RATIO = 0.5  # each public page: at least half the trivial view's throughput
CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class BenchError(Exception):
    pass


# --- Set-up: database, seed, static files ----------------------------------------------


def bench_env(args, static_root: str, cache_prefix: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_name}",
        EMAIL_URL="consolemail://",
        # Permalinks and QR codes only; nothing is fetched from it.
        SITE_URL=os.environ.get("SITE_URL", "https://sns.city.example.lg.jp"),
        CACHE_URL=args.cache_url,
        BENCH_STATIC_ROOT=static_root,
        BENCH_CACHE_PREFIX=cache_prefix,
        PYTHONUNBUFFERED="1",
    )
    return env


def pg_admin(args, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=args.pg_host,
        port=args.pg_port,
        user=args.pg_user,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def create_db(args) -> None:
    pg_admin(args, f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
    pg_admin(args, f'CREATE DATABASE "{args.db_name}"')


def drop_db(args) -> None:
    pg_admin(args, f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')


def manage(env, *argv: str, capture: bool = False) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise BenchError(f"manage.py {' '.join(argv)} failed:\n{proc.stdout[-4000:]}")
    if not capture:
        for line in proc.stdout.strip().splitlines()[-3:]:
            log(f"  | {line}")
    return elapsed, proc.stdout


DATA_SCRIPT = """
import json
from accounts.selectors import listed_accounts
rows = listed_accounts().order_by("pk").values_list("pk", "service__slug", "identifier", "url")
print("BENCHDATA" + json.dumps(list(rows)))
"""


def load_accounts(env) -> list[tuple[int, str, str, str]]:
    _, out = manage(env, "shell", "-c", DATA_SCRIPT, capture=True)
    for line in out.splitlines():
        if line.startswith("BENCHDATA"):
            return [tuple(r) for r in json.loads(line[len("BENCHDATA") :])]
    raise BenchError(f"could not read the seeded accounts:\n{out[-2000:]}")


# --- Targets ------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    paths: list[str]
    public: bool = True  # judged against the trivial view
    note: str = ""


def spread(items: list, n: int) -> list:
    """n items evenly spread over the list (all of them if it is shorter)."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def build_targets(rows, pool: int, seed: int) -> list[Target]:
    rng = random.Random(seed)
    picked = spread(rows, pool)
    account_paths = [f"/accounts/{pk}/" for pk, *_ in picked]

    # Verify queries: half existing accounts (as the canonical URL or as a bare @handle, which
    # the verifier tries against every service), half look-alikes that are not registered.
    queries = []
    for i, (_pk, slug, identifier, url) in enumerate(spread(rows, pool // 2)):
        queries.append("@" + identifier.lstrip("@") if i % 2 and slug != "other" else url)
    while len(queries) < pool:
        fake = f"nosuch_{rng.randrange(16**8):08x}"
        queries.append(f"@{fake}" if len(queries) % 2 else f"https://x.com/{fake}")
    rng.shuffle(queries)
    q = [quote(s, safe="@") for s in queries]

    pages = max(1, -(-len(rows) // 50))
    page_paths = [f"/?page={p}" for p in spread(list(range(1, pages + 1)), pool)]
    return [
        Target("trivial", ["/bench/trivial/"], public=False, note="baseline, no DB"),
        Target("list /", ["/"]),
        Target("list /?page=N", page_paths, note=f"{len(page_paths)} pages of {pages}"),
        Target("account /accounts/<id>/", account_paths, note=f"{len(account_paths)} ids"),
        Target("verify API", [f"/api/v1/verify/?q={s}" for s in q], note=f"{len(q)} queries"),
        Target("verify page /verify/", [f"/verify/?q={s}" for s in q], note=f"{len(q)} queries"),
    ]


def zipf_cum_weights(n: int, s: float) -> list[float]:
    """Popularity of the n paths of a target: a few are asked for often, most rarely."""
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / rank**s
        out.append(total)
    return out


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
    length, chunked, xcache = None, False, ""
    close = version == "HTTP/1.0"
    for line in lines[1:]:
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
    body = buf[end + 4 :]
    if length is not None:
        got = len(body)
        while got < length:
            chunk = sock.recv(min(length - got, 262144))
            if not chunk:
                raise Closed(got)
            got += len(chunk)
        size = length
    elif chunked:  # not used by Django for these pages, but be correct
        while not body.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                raise Closed(len(body))
            body += chunk
        size, close = len(body), close
    else:
        while chunk := sock.recv(65536):
            body += chunk
        size, close = len(body), True
    return int(status), xcache, size, close


def client_process(port, requests, cum_weights, seconds, seed, per_conn, barrier, out) -> None:
    """Closed loop: send a request, wait for the whole response, send the next one.

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
    sock = None

    def connect():
        s = socket.create_connection((HOST, port), timeout=30)
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
            if fresh:
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
        if status != 200:
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


# --- CPU accounting -------------------------------------------------------------------------


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return total - idle, total


def proc_stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, user+system jiffies) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    rest = data.rpartition(")")[2].split()
    return int(rest[1]), int(rest[11]) + int(rest[12])


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def snapshot(gunicorn_pid: int, db_name: str) -> dict[str, dict[int, int]]:
    """CPU jiffies per process of: gunicorn (master + workers), the PostgreSQL backends serving
    our database (their process title names it), and Redis."""
    out: dict[str, dict[int, int]] = {"gunicorn": {}, "postgres": {}, "redis": {}}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        st = proc_stat(pid)
        if st is None:
            continue
        if pid == gunicorn_pid or st[0] == gunicorn_pid:
            out["gunicorn"][pid] = st[1]
            continue
        cmd = cmdline(pid)
        if cmd.startswith("postgres: ") and f" {db_name} " in cmd:
            out["postgres"][pid] = st[1]
        elif cmd.startswith("redis-server"):
            out["redis"][pid] = st[1]
    return out


def cpu_seconds(before: dict[int, int], after: dict[int, int]) -> float:
    return sum(j - before.get(pid, 0) for pid, j in after.items()) / CLK_TCK


# --- One measurement ------------------------------------------------------------------------


@dataclass
class Result:
    target: Target
    requests: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    xcache: Counter = field(default_factory=Counter)
    nbytes: int = 0
    client_cpu: float = 0.0  # CPU-seconds of the load generator
    server_cpu: float = 0.0  # gunicorn master + workers
    db_cpu: float = 0.0  # PostgreSQL backends of our database
    redis_cpu: float = 0.0
    machine_busy: float = 0.0  # CPU-seconds, all processes

    @property
    def others_cpu(self) -> float:
        """Everything else on the machine (other people's tests, …): interference."""
        return max(
            0.0,
            self.machine_busy - self.client_cpu - self.server_cpu - self.db_cpu - self.redis_cpu,
        )

    def merge(self, other: Result) -> None:
        """Add another slice (round) of the same target."""
        self.requests += other.requests
        self.wall += other.wall
        self.latencies = sorted(self.latencies + other.latencies)
        self.errors.update(other.errors)
        self.xcache.update(other.xcache)
        self.nbytes += other.nbytes
        self.client_cpu += other.client_cpu
        self.server_cpu += other.server_cpu
        self.db_cpu += other.db_cpu
        self.redis_cpu += other.redis_cpu
        self.machine_busy += other.machine_busy

    @property
    def stack_ms(self) -> float:
        """CPU milliseconds per request spent by the server side: gunicorn, PostgreSQL, Redis."""
        cpu = self.server_cpu + self.db_cpu + self.redis_cpu
        return cpu / self.requests * 1000 if self.requests else float("nan")

    @property
    def rps(self) -> float:
        return self.requests / self.wall if self.wall else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        k = max(0, min(len(self.latencies) - 1, math.ceil(p / 100 * len(self.latencies)) - 1))
        return self.latencies[k] * 1000

    @property
    def n_errors(self) -> int:
        return sum(self.errors.values())

    @property
    def hit_rate(self) -> float | None:
        seen = self.xcache.get("hit", 0) + self.xcache.get("miss", 0)
        return self.xcache.get("hit", 0) / seen if seen else None


def request_bytes(path: str, port: int) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: sns-registry-bench\r\n"
        "Accept: text/html,application/json;q=0.9,*/*;q=0.8\r\n\r\n"
    ).encode()


def measure(
    target: Target, port: int, args, gunicorn_pid: int, seconds: float, seed: int
) -> Result:
    """One slice: ``--concurrency`` client processes against one target for ``seconds``."""
    ctx = multiprocessing.get_context("fork")
    requests = [request_bytes(p, port) for p in target.paths]
    order = list(range(len(requests)))
    # The same popularity ranking in every round (popular paths spread over the id range);
    # the clients' random draws differ per round and per process.
    random.Random(f"{args.seed}:{target.name}").shuffle(order)
    requests = [requests[i] for i in order]
    cum = zipf_cum_weights(len(requests), args.zipf)
    barrier = ctx.Barrier(args.concurrency + 1)
    procs, pipes = [], []
    for i in range(args.concurrency):
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(
            target=client_process,
            args=(port, requests, cum, seconds, f"{seed}:{i}", args.per_conn, barrier, send),
            daemon=True,
        )
        p.start()
        send.close()
        procs.append(p)
        pipes.append(recv)
    try:
        barrier.wait(timeout=60)
    except threading.BrokenBarrierError:
        raise BenchError(f"{target.name}: client processes did not start") from None
    busy0, _ = machine_jiffies()
    snap0 = snapshot(gunicorn_pid, args.db_name)
    results = []
    for p, pipe in zip(procs, pipes, strict=True):
        if pipe.poll(seconds + 60):
            results.append(pipe.recv())
        p.join(timeout=10)
        if p.is_alive():  # our own child, by object
            p.terminate()
    busy1, _ = machine_jiffies()
    snap1 = snapshot(gunicorn_pid, args.db_name)
    if len(results) != len(procs):
        raise BenchError(f"{target.name}: {len(procs) - len(results)} client(s) hung")

    res = Result(target)
    lat = array("d")
    for r in results:
        lat.frombytes(r["latencies"])
        res.errors.update(r["errors"])
        res.xcache.update(r["xcache"])
        res.nbytes += r["bytes"]
        res.client_cpu += r["cpu"]
    res.latencies = sorted(lat)
    res.requests = len(lat)
    res.wall = max(r["finished"] for r in results) - min(r["started"] for r in results)
    res.server_cpu = cpu_seconds(snap0["gunicorn"], snap1["gunicorn"])
    res.db_cpu = cpu_seconds(snap0["postgres"], snap1["postgres"])
    res.redis_cpu = cpu_seconds(snap0["redis"], snap1["redis"])
    res.machine_busy = (busy1 - busy0) / CLK_TCK
    return res


# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def fetch(port: int, path: str, timeout: float = 30) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": f"{HOST}:{port}"})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def start_gunicorn(args, env, port: int, logfile: Path) -> subprocess.Popen:
    gunicorn = Path(PYTHON).parent / "gunicorn"
    if not gunicorn.exists():
        raise BenchError(f"{gunicorn} is missing: .venv/bin/pip install gunicorn")
    cmd = [
        str(gunicorn),
        "config.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--backlog",
        "256",
        "--timeout",
        "30",
        "--log-level",
        "warning",
        "--error-logfile",
        str(logfile),
        "--env",
        "DJANGO_SETTINGS_MODULE=bench.settings",
    ]
    log(
        f"gunicorn: {args.workers} {args.worker_class} workers"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + f" on {HOST}:{port}"
    )
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited ({proc.returncode}):\n{tail(logfile)}")
        try:
            status, _, body = fetch(port, "/bench/trivial/", timeout=5)
            if status == 200 and body == b"ok":
                return proc
            raise BenchError(f"/bench/trivial/ answered {status}: {body[:300]!r}")
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within 60 s:\n{tail(logfile)}")


def stop_gunicorn(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


PHASES = {
    "cold": "COLD — right after an approval: the cache is empty, URLs drawn by Zipf popularity",
    "warm": "STEADY STATE — between approvals: every URL of the pool has been served once",
}


def run_phase(name: str, targets, port: int, args, gunicorn, quiet) -> list[Result]:
    """Load every target; targets take turns (``--rounds`` slices each), so that anything else
    running on the machine disturbs them alike and the ratios to the trivial view stay
    comparable."""
    results: dict[str, Result] = {}
    for rnd in range(args.rounds):
        for t in targets:
            load = quiet()
            r = measure(t, port, args, gunicorn.pid, args.seconds / args.rounds, rnd)
            log(
                f"{name} round {rnd + 1}/{args.rounds} {t.name}: {r.rps:.0f} req/s, "
                f"p50 {r.pct(50):.1f} ms, p99 {r.pct(99):.1f} ms, {r.n_errors} errors, "
                f"hit {r.hit_rate if r.hit_rate is not None else float('nan'):.0%} "
                f"(other processes: {load:.2f} cores before, "
                f"{r.others_cpu / (r.wall or 1):.2f} during)"
            )
            if t.name in results:
                results[t.name].merge(r)
            else:
                results[t.name] = r
    return list(results.values())


def fill_cache(target: Target, port: int) -> float:
    """Request every URL of the target once (what citizens do between two approvals)."""
    from concurrent.futures import ThreadPoolExecutor

    def get(path: str) -> None:
        status, _, body = fetch(port, path)
        if status != 200:
            raise BenchError(f"{path} answered {status}: {body[:300]!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(get, target.paths))
    return time.perf_counter() - started


def warm(target: Target, port: int, workers: int) -> None:
    """Warm each target's first URL in every worker (templates, connections), not the pool."""
    path = target.paths[0]
    for _ in range(max(3, 2 * workers)):
        status, _, body = fetch(port, path)
        if status != 200:
            raise BenchError(f"warm-up {path} answered {status}: {body[:500]!r}")


def drop_cache_keys(args, prefix: str) -> None:
    try:
        import redis
    except ImportError:
        return
    try:
        r = redis.Redis.from_url(args.cache_url)
        keys = list(r.scan_iter(match=f"{prefix}:*", count=1000))
        for i in range(0, len(keys), 500):
            r.delete(*keys[i : i + 500])
    except Exception as exc:  # cleanup only: the keys expire after 10 minutes anyway
        log(f"could not delete cached keys {prefix}:* ({exc})")


# --- Profiling one cache-miss request per page (in-process) ----------------------------------


def profile_main(paths: list[tuple[str, str]]) -> None:
    """Run inside a child with bench.settings: a cache-miss request of each page, profiled."""
    import cProfile
    import pstats

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.cache import bump

    client = Client(HTTP_HOST=HOST)
    site = str(Path(django.__file__).parent.parent)

    def where(key) -> str:
        filename, line, func = key
        if filename.startswith(str(ROOT)) and ".venv" not in filename:
            filename = filename[len(str(ROOT)) + 1 :]
        elif filename.startswith(site):
            filename = filename[len(site) + 1 :]
        return f"{filename}:{line}({func})"

    print()
    print(
        "Profile: one cache-miss request per page, in-process (django.test.Client, "
        "bench.settings; SQL via CaptureQueriesContext; the BEGIN/COMMIT of ATOMIC_REQUESTS "
        "not counted)"
    )
    for label, path in paths:
        assert client.get(path).status_code == 200, path  # templates loaded, code warm
        miss_ms, hit_ms = [], []
        for _ in range(3):
            bump()  # a new public generation: the next request is a cache miss
            with CaptureQueriesContext(connection) as miss_q:
                t0 = time.perf_counter()
                r = client.get(path)
                miss_ms.append((time.perf_counter() - t0) * 1000)
            with CaptureQueriesContext(connection) as hit_q:
                t0 = time.perf_counter()
                client.get(path)
                hit_ms.append((time.perf_counter() - t0) * 1000)
        miss_sql = [q for q in miss_q.captured_queries if q["sql"] not in TX]
        hit_sql = [q for q in hit_q.captured_queries if q["sql"] not in TX]
        sql_ms = sum(float(q["time"]) for q in miss_sql) * 1000
        shapes = Counter(_shape(q["sql"]) for q in miss_sql)
        repeated = sum(n for n in shapes.values() if n > 1)
        print(
            f"\n  {label}  {path[:70]}\n"
            f"    miss {statistics.median(miss_ms):6.1f} ms  {len(miss_sql)} "
            f"queries ({sql_ms:.1f} ms SQL, {repeated} of the same shape)  "
            f"X-Cache={r.headers.get('X-Cache')}  {len(r.content) // 1024} KiB\n"
            f"    hit  {statistics.median(hit_ms):6.1f} ms  {len(hit_sql)} "
            f"queries"
        )
        slow = sorted(miss_sql, key=lambda q: -float(q["time"]))[:2]
        for q in slow:
            print(f"    slowest SQL {float(q['time']) * 1000:5.1f} ms: {q['sql'][:150]}")
        bump()
        prof = cProfile.Profile()
        prof.enable()
        client.get(path)
        prof.disable()
        st = pstats.Stats(prof)
        total = st.total_tt or 1e-9
        items = sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:5]  # by own time
        print("    hottest (own time under cProfile):")
        for key, (_cc, nc, tt, _ct, _callers) in items:
            print(f"      {tt / total:5.1%} {nc:7d} calls  {where(key)[:110]}")
        project = [
            (key, v)
            for key, v in st.stats.items()
            if key[0].startswith(str(ROOT)) and ".venv" not in key[0] and "/bench/" not in key[0]
        ]
        project.sort(key=lambda kv: -kv[1][3])
        print("    project functions by cumulative time:")
        for key, (_cc, nc, _tt, ct, _callers) in project[:4]:
            print(f"      {ct / total:5.1%} {nc:7d} calls  {where(key)[:110]}")


TX = ("BEGIN", "COMMIT", "ROLLBACK")


def _shape(sql: str) -> str:
    return re.sub(r"\b\d+\b|'[^']*'", "?", sql)


# --- Report ----------------------------------------------------------------------------------


def print_table(results: list[Result], args, listed: int, title: str) -> None:
    base = results[0].rps
    print()
    print(title)
    print(
        f"Results: {args.seconds:g} s per target, {args.concurrency} client processes "
        f"(closed loop), gunicorn {args.workers} × {args.worker_class}"
        + (f"/{args.threads} threads" if args.worker_class == "gthread" else "")
        + f", {NCPU} CPU cores, {listed} listed accounts"
    )
    base_cpu = results[0].stack_ms
    head = (
        f"{'target':<25} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'×trivial':>8} {'target ≥0.5×':>12} {'hit %':>6} {'KiB':>5} "
        f"{'CPU ms/req':>10} {'×trivial(CPU)':>13}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        ratio = r.rps / base if base else float("nan")
        hit = f"{r.hit_rate * 100:5.1f}" if r.hit_rate is not None else "    -"
        verdict = ("meets" if ratio >= TARGET_RATIO else "MISSES") if r.target.public else "-"
        kib = r.nbytes / max(1, r.requests) / 1024
        cpu_ratio = base_cpu / r.stack_ms if r.stack_ms else float("nan")
        print(
            f"{r.target.name:<25} {r.rps:8.1f} {r.pct(50):7.2f} {r.pct(99):7.2f} "
            f"{r.n_errors:6d} {ratio:8.2f} {verdict:>12} {hit:>6} {kib:5.1f} "
            f"{r.stack_ms:10.2f} {cpu_ratio:13.2f}"
        )
    print(
        "  CPU ms/req: CPU time of gunicorn + our PostgreSQL backends + Redis per request;"
        " ×trivial(CPU) = trivial's CPU ms/req ÷ this,\n  the throughput ratio to expect when"
        " the server is CPU-bound — it barely depends on what else runs on the machine."
    )
    print()
    print(f"CPU during each target (core-seconds per second of wall time; the machine has {NCPU}):")
    for r in results:
        w = r.wall or 1
        print(
            f"  {r.target.name:<25} busy {r.machine_busy / w:4.2f} = client "
            f"{r.client_cpu / w:4.2f} ({r.client_cpu / max(1, r.requests) * 1e6:3.0f} µs/req)"
            f" + gunicorn {r.server_cpu / w:4.2f} + PostgreSQL "
            f"{r.db_cpu / w:4.2f} + Redis {r.redis_cpu / w:4.2f} + others {r.others_cpu / w:4.2f}"
            + (f"   [{r.target.note}]" if r.target.note else "")
        )
    for r in results:
        if r.errors:
            print(f"  errors in {r.target.name}: {dict(r.errors)}")
    noisy = [r for r in results if r.wall and r.others_cpu / r.wall > 0.2]
    if noisy:
        print(
            "  WARNING: other processes used CPU during "
            + ", ".join(f"{r.target.name} ({r.others_cpu / r.wall:.2f} cores)" for r in noisy)
            + ": those figures are lower than on a quiet machine, and ratios between targets"
            " measured under different interference are unreliable. Run again when idle."
        )
    heavy = [r for r in results if r.wall and r.client_cpu / (r.wall * NCPU) > 0.25]
    if heavy:
        print(
            "  note: the load generator used over a quarter of the machine for "
            + ", ".join(r.target.name for r in heavy)
            + "; the server had that much less CPU, so those req/s are understated."
        )


def background_load(seconds: float = 1.0) -> float:
    """Cores busy over the next few seconds (call while our own processes are idle)."""
    b0, t0 = machine_jiffies()
    time.sleep(seconds)
    b1, t1 = machine_jiffies()
    return (b1 - b0) / max(1, t1 - t0) * NCPU


class QuietWaiter:
    """Before each target, wait (within one overall budget) until the machine is idle."""

    def __init__(self, budget: float, threshold: float):
        self.left, self.threshold = budget, threshold

    def __call__(self) -> float:
        said = False
        while True:
            started = time.perf_counter()
            load = background_load(0.5)
            self.left -= time.perf_counter() - started
            if load <= self.threshold or self.left <= 0:
                return load
            if not said:
                log(
                    f"  machine busy ({load:.2f} cores without us): waiting for it to go idle "
                    f"(at most {self.left:.0f} s more in this run)"
                )
                said = True


# --- Main ------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--accounts", type=int, default=20000, help="bulk accounts to seed")
    p.add_argument("--seconds", type=float, default=10, help="measurement time per target")
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="split each target's time into turns taken in rotation",
    )
    p.add_argument("--concurrency", type=int, default=8, help="client processes/connections")
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    p.add_argument("--worker-class", choices=["sync", "gthread"], default="gthread")
    p.add_argument("--threads", type=int, default=4, help="threads per worker (gthread)")
    p.add_argument(
        "--per-conn", type=int, default=100, help="requests per kept-alive client connection"
    )
    p.add_argument("--pool", type=int, default=2000, help="distinct URLs per varied target")
    p.add_argument("--zipf", type=float, default=1.0, help="popularity skew of the URLs")
    p.add_argument("--seed", type=int, default=1, help="random seed (URLs and their order)")
    p.add_argument("--only", help="comma-separated target name prefixes (trivial always runs)")
    p.add_argument("--no-profile", dest="profile", action="store_false")
    p.add_argument(
        "--phases",
        default="cold,warm",
        type=lambda v: [x.strip() for x in v.split(",") if x.strip() in PHASES],
        help="cold (empty cache, as right after an approval) and/or warm (steady state)",
    )
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=45,
        help="seconds (in all) to wait for other processes to go idle",
    )
    p.add_argument(
        "--quiet-threshold",
        type=float,
        default=0.3,
        help="cores busy without us that count as idle",
    )
    p.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    p.add_argument(
        "--reuse-db",
        action="store_true",
        help="skip create/migrate/seed: use --db-name as left by --keep-db",
    )
    p.add_argument("--db-name", default="sns_bench")
    p.add_argument("--pg-host", default="127.0.0.1")
    p.add_argument("--pg-port", type=int, default=5432)
    p.add_argument("--pg-user", default="postgres")
    p.add_argument("--cache-url", default="redis://127.0.0.1:6379/1")
    args = p.parse_args(argv)
    if args.worker_class == "sync":
        args.threads = 1
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    run_started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="sns-bench-"))
    prefix = f"bench{secrets.token_hex(4)}"
    env = bench_env(args, str(tmp / "static"), prefix)
    gunicorn = None
    seed_line = "seed: skipped (--reuse-db)" if args.reuse_db else ""
    failed = False
    created_db = False
    try:
        if not (ROOT / "node_modules" / "bootstrap" / "dist").is_dir():
            log("node_modules missing: npm ci")
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
        if args.reuse_db:
            log(f"reusing database {args.db_name}")
        else:
            log(f"creating database {args.db_name}")
            create_db(args)
            created_db = True
            t, _ = manage(env, "migrate", "--noinput", capture=True)
            log(f"migrate: {t:.1f} s")
            setup_s = t
            t, _ = manage(env, "seed_demo")
            log(f"seed_demo: {t:.1f} s")
            setup_s += t
            if args.accounts > 0:
                t, out = manage(env, "seed_demo", "--accounts", str(args.accounts))
                own = re.search(r"（([\d.]+)秒）", out)
                seed_line = (
                    f"seed: migrate + demo data {setup_s:.1f} s; {args.accounts} bulk accounts "
                    f"{t:.1f} s wall" + (f" ({own[1]} s inside seed_bulk_accounts)" if own else "")
                )
                log(seed_line)
        t, _ = manage(env, "collectstatic", "--noinput", capture=True)
        log(f"collectstatic into {tmp / 'static'}: {t:.1f} s")
        rows = load_accounts(env)
        log(f"{len(rows)} listed accounts")
        targets = build_targets(rows, args.pool, args.seed)
        if args.only:
            wanted = [w.strip() for w in args.only.split(",")]
            targets = [targets[0]] + [
                t for t in targets[1:] if any(t.name.startswith(w) for w in wanted)
            ]

        quiet = QuietWaiter(args.wait_quiet, args.quiet_threshold)
        port = free_port()
        gunicorn = start_gunicorn(args, env, port, tmp / "gunicorn.log")
        for t in targets:
            warm(t, port, args.workers)
        log("warmed; measuring")
        phases: list[tuple[str, list[Result]]] = []
        if "cold" in args.phases:
            # Each run has a cache of its own: this is the state right after an approval (every
            # page is rendered again on its first request), seen through Zipf popularity.
            phases.append((PHASES["cold"], run_phase("cold", targets, port, args, gunicorn, quiet)))
        fills = []
        if "warm" in args.phases:
            for t in targets:
                seconds = fill_cache(t, port)
                fills.append((t, seconds))
                log(f"cached every URL of {t.name} ({len(t.paths)}) in {seconds:.1f} s")
            phases.append((PHASES["warm"], run_phase("warm", targets, port, args, gunicorn, quiet)))
        stop_gunicorn(gunicorn)
        if gunicorn.returncode not in (0, -signal.SIGTERM):
            log(f"gunicorn exited with {gunicorn.returncode}")
        log_tail = tail(tmp / "gunicorn.log", 15)
        for title, results in phases:
            print_table(results, args, len(rows), title)
        if fills:
            print("\nEvery URL of a target requested once (8 at a time) after the cold phase:")
            for t, seconds in fills:
                print(
                    f"  {t.name:<25} {len(t.paths):5d} URLs in {seconds:6.1f} s"
                    f" = {len(t.paths) / seconds:7.1f} URLs/s"
                )
        if seed_line:
            print(seed_line)
        if any(r.n_errors for _title, results in phases for r in results):
            results = [r for _title, rs in phases for r in rs]
            failed = True
            print(f"\ngunicorn log (last lines):\n{log_tail}")

        if args.profile:
            by_name = {t.name: t for t in targets}
            samples = [("trivial", "/bench/trivial/")]
            if "list /" in by_name:
                samples.append(("list", "/"))
            if "list /?page=N" in by_name:
                samples.append(("list page", by_name["list /?page=N"].paths[-1]))
            if "account /accounts/<id>/" in by_name:
                samples.append(("account", by_name["account /accounts/<id>/"].paths[-1]))
            for name, label in (("verify API", "verify API"), ("verify page", "verify page")):
                vt = next((t for n, t in by_name.items() if n.startswith(name)), None)
                if vt:
                    samples.append(
                        (f"{label} (registered)", next(p for p in vt.paths if "nosuch" not in p))
                    )
                    samples.append(
                        (f"{label} (unknown)", next(p for p in vt.paths if "nosuch" in p))
                    )
            proc = subprocess.run(
                [PYTHON, "-m", "bench.run", "_profile", json.dumps(samples)],
                cwd=ROOT,
                env=env,
                text=True,
            )
            if proc.returncode != 0:
                log("profiling failed (see above)")
                failed = True
    except BenchError as exc:
        log(f"FAILED: {exc}")
        failed = True
    except KeyboardInterrupt:
        log("interrupted")
        failed = True
    finally:
        stop_gunicorn(gunicorn)
        drop_cache_keys(args, prefix)
        if args.keep_db or args.reuse_db:
            log(
                f"kept database {args.db_name} (drop it with: dropdb -h {args.pg_host} "
                f"-U {args.pg_user} {args.db_name})"
            )
        elif created_db:
            drop_db(args)
            log(f"dropped database {args.db_name}")
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"total {time.perf_counter() - run_started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "_profile":
        profile_main([tuple(x) for x in json.loads(sys.argv[2])])
        sys.exit(0)
    sys.exit(main())
