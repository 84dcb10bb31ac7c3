"""One measurement of one target, and a phase (every target, in turns)."""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import threading
from array import array
from collections import Counter
from dataclasses import dataclass, field

from bench.client import client_process, fetch, request_bytes
from bench.common import CLK_TCK, BenchError, log
from bench.cpu import ConnectionSampler, cpu_seconds, machine_jiffies, snapshot
from bench.targets import STAFF, Target, zipf_cum_weights

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
    concurrency: int = 0
    loadavg: float | None = None  # the machine's 1-minute load average as the slice began
    worker_cpu: dict[int, float] = field(default_factory=dict)  # CPU-s per worker
    worker_conns: Counter = field(default_factory=Counter)  # connections held, summed samples
    conn_samples: int = 0

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
        for pid, sec in other.worker_cpu.items():
            self.worker_cpu[pid] = self.worker_cpu.get(pid, 0.0) + sec
        self.worker_conns.update(other.worker_conns)
        self.conn_samples += other.conn_samples
        if other.loadavg is not None:
            self.loadavg = max(self.loadavg or 0.0, other.loadavg)

    @property
    def stack_ms(self) -> float:
        """CPU milliseconds per request spent by the server side: gunicorn, PostgreSQL, Redis."""
        cpu = self.server_cpu + self.db_cpu + self.redis_cpu
        return cpu / self.requests * 1000 if self.requests else float("nan")

    @property
    def ms_per_mb(self) -> float:
        """Server-side CPU milliseconds per MB (10^6 bytes) of body sent."""
        cpu = self.server_cpu + self.db_cpu + self.redis_cpu
        return cpu * 1000 / (self.nbytes / 1e6) if self.nbytes else float("nan")

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / 1e6 / self.wall if self.wall else 0.0

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


def set_etag(target: Target, port: int) -> None:
    """If-None-Match for a revalidation target: the ETag its URL answers with now."""
    headers = {k: v for k, v in target.headers.items() if k != "If-None-Match"}
    status, got, _ = fetch(port, target.paths[0], headers=headers)
    if status != 200 or "etag" not in got:
        raise BenchError(f"{target.paths[0]} answered {status} without an ETag")
    target.headers = {**headers, "If-None-Match": got["etag"]}


def concurrency_of(target: Target, args) -> int:
    """Staff and admin pages are judged by latency: one signed-in person at a time by default
    (``--staff-concurrency``); everything else by throughput under ``--concurrency``."""
    return args.staff_concurrency if target.kind == STAFF else args.concurrency


def measure(target: Target, port: int, args, server, seconds: float, seed: int) -> Result:
    """One slice: ``concurrency_of(target)`` client processes against a target for
    ``seconds``, sampling meanwhile which worker holds each client connection."""
    ctx = multiprocessing.get_context("fork")
    conc = concurrency_of(target, args)
    cookie = server.sessions.get(target.role, "")
    if target.revalidate:  # the file's ETag now (a new generation may have a new file)
        set_etag(target, port)
    requests = [request_bytes(p, port, cookie, target.headers) for p in target.paths]
    order = list(range(len(requests)))
    # The same popularity ranking in every round (popular paths spread over the id range);
    # the clients' random draws differ per round and per process.
    random.Random(f"{args.seed}:{target.name}").shuffle(order)
    requests = [requests[i] for i in order]
    cum = zipf_cum_weights(len(requests), args.zipf)
    barrier = ctx.Barrier(conc + 1)
    procs, pipes = [], []
    for i in range(conc):
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(
            target=client_process,
            args=(
                port,
                requests,
                cum,
                seconds,
                f"{seed}:{i}",
                args.per_conn,
                args.client_timeout,
                barrier,
                send,
                target.expect,
            ),
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
    load_at_start = os.getloadavg()[0]
    busy0, _ = machine_jiffies()
    snap0 = snapshot(server.pid, args.db_name, server.extra_pids)
    sampler = ConnectionSampler(server.pid, port)
    sampler.start()
    results = []
    for p, pipe in zip(procs, pipes, strict=True):
        if pipe.poll(seconds + args.client_timeout + 30):
            results.append(pipe.recv())
        p.join(timeout=10)
        if p.is_alive():  # our own child, by object
            p.terminate()
    sampler.stop()
    busy1, _ = machine_jiffies()
    snap1 = snapshot(server.pid, args.db_name, server.extra_pids)
    if len(results) != len(procs):
        raise BenchError(f"{target.name}: {len(procs) - len(results)} client(s) hung")

    res = Result(target, concurrency=conc, loadavg=load_at_start)
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
    for pid in snap1["workers"]:
        res.worker_cpu[pid] = (snap1["workers"][pid] - snap0["workers"].get(pid, 0)) / CLK_TCK
    res.worker_conns, res.conn_samples = sampler.counts, sampler.samples
    return res


PHASES = {
    "cold": "COLD — right after an approval: the cache is empty, URLs drawn by Zipf popularity",
    "warm": "STEADY STATE — between approvals: every URL of the pool has been served once",
    "staff": "STAFF AND ADMIN PAGES — signed in (PR division `pr`, system admin `admin`), "
    "judged by latency",
}


def run_phase(name: str, targets, port: int, args, server, quiet) -> list[Result]:
    """Load every target; targets take turns (``--rounds`` slices each), so that anything else
    running on the machine disturbs them alike and the ratios to the trivial view stay
    comparable."""
    results: dict[str, Result] = {}
    for rnd in range(args.rounds):
        for t in targets:
            load = quiet()
            r = measure(t, port, args, server, args.seconds / args.rounds, rnd)
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
