"""The tables printed at the end of a run: per phase, the figures and the verdict per row;
then where the connections and the CPU went per worker, and the workers' memory."""

from __future__ import annotations

import unicodedata

from bench.common import NCPU
from bench.cpu import memory_kib, worker_pids
from bench.measure import Result
from bench.targets import RATIO_TARGETS, STAFF, STAFF_TARGET_MS, STATIC, judge

# --- Report ----------------------------------------------------------------------------------


def pad(text: str, width: int) -> str:
    """Left-aligned in ``width`` terminal columns (a kanji takes two)."""
    out, used = "", 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width:
            break
        out, used = out + ch, used + w
    return out + " " * (width - used)


WORKER_MEMORY_TARGET_MB = 200  # issue 12: no worker above 200 MB after the whole benchmark


def print_table(
    results: list[Result], base: Result | None, args, server, listed: int, title: str, phase: str
) -> None:
    print()
    print(title)
    conc = (
        f"{args.staff_concurrency} client process(es) at a time"
        if phase == "staff"
        else f"{args.concurrency} client processes"
    )
    loads = [r.loadavg for r in results if r.loadavg is not None]
    print(
        f"Results: {args.seconds:g} s per target, {conc} (closed loop), {server.describe()}, "
        f"{NCPU} CPU cores, {listed} listed accounts, load average (1 min) "
        + (f"{min(loads):.1f}–{max(loads):.1f}" if loads else "?")
    )
    base_rps = base.rps if base else float("nan")
    base_cpu = base.stack_ms if base else float("nan")
    by_name = {r.target.name: r for r in results}
    head = (
        f"{'target':<30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} "
        f"{'×trivial':>8} {'hit %':>6} {'KiB':>7} {'CPU ms/req':>10} {'×triv(CPU)':>10} "
        f"{'×static':>7} {'×stat(CPU)':>10} {'target':>8} {'req/s|p50':>9} {'CPU':>5}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        ratio = r.rps / base_rps if base_rps else float("nan")
        cpu_ratio = base_cpu / r.stack_ms if r.stack_ms else float("nan")
        static = static_ratios(r, by_name.get(r.target.vs))
        judged = static or (ratio, cpu_ratio)
        goal, verdict, cpu_verdict = judge(r.target.kind, phase, *judged, r.pct(50), r.stack_ms)
        if static and goal != "-":  # which ratio the verdicts read
            goal = goal.replace("×", "×MB" if r.target.per_mb else "×st")
        hit = f"{r.hit_rate * 100:5.1f}" if r.hit_rate is not None else "    -"
        kib = r.nbytes / max(1, r.requests) / 1024
        ratios = (
            f"{'-':>8} {hit:>6} {kib:7.1f} {r.stack_ms:10.2f} {'-':>10}"
            if r.target.kind == STAFF
            else f"{ratio:8.2f} {hit:>6} {kib:7.1f} {r.stack_ms:10.2f} {cpu_ratio:10.2f}"
        )
        ratios += f" {static[0]:7.2f} {static[1]:10.2f}" if static else f" {'-':>7} {'-':>10}"
        print(
            f"{pad(r.target.name, 30)} {r.rps:8.1f} {r.pct(50):8.2f} {r.pct(99):8.2f} "
            f"{r.n_errors:4d} {ratios} {goal:>8} {verdict:>9} {cpu_verdict:>5}"
        )
    if phase == "staff":
        print(
            f"  Target ≤ {STAFF_TARGET_MS:.0f} ms at 100 000 accounts on a quiet machine: "
            "'req/s|p50' judges the median latency,\n  'CPU' the server-side CPU per request "
            "(gunicorn + PostgreSQL + Redis), which other programs on the machine hardly change."
        )
    else:
        print(
            f"  Target ×trivial ≥ {RATIO_TARGETS.get(phase, 1.0):.1f} (between approvals "
            f"{RATIO_TARGETS['warm']:.1f}, right after one {RATIO_TARGETS['cold']:.1f}): "
            "'req/s|p50' judges req/s ÷ trivial's req/s,\n  'CPU' judges ×triv(CPU) = trivial's "
            "CPU ms/req ÷ this — the ratio to expect when the server is CPU-bound, steadier on\n"
            "  a busy machine. CPU ms/req: gunicorn + our PostgreSQL backends + Redis per "
            "request.\n  Open data is judged against the same-size static file served by "
            "WhiteNoise (×st: req/s and CPU ms/req\n  ÷ the static file's; ×MB, the JSON dump: "
            "MB/s and CPU ms per MB ÷ the static file's); the 304 row and the feed against "
            "trivial."
        )
        print_per_mb(results)
    print_cpu(results)
    print_spread(results, server)


def static_ratios(r: Result, static: Result | None) -> tuple[float, float] | None:
    """(throughput ratio, CPU ratio) of an open-data row to its static file (None if it has
    none): per request, or per MB for a file of another size (the JSON dump)."""
    if static is None:
        return None
    nan = float("nan")
    if r.target.per_mb:
        return (
            r.mb_per_s / static.mb_per_s if static.mb_per_s else nan,
            static.ms_per_mb / r.ms_per_mb if r.ms_per_mb else nan,
        )
    return (
        r.rps / static.rps if static.rps else nan,
        static.stack_ms / r.stack_ms if r.stack_ms else nan,
    )


def print_per_mb(results: list[Result]) -> None:
    """Server-side CPU per MB sent: the open-data files beside the static file."""
    rows = [r for r in results if r.target.kind == STATIC or r.target.name.startswith("open")]
    if not rows:
        return
    print()
    print("Per MB sent (server-side CPU ms per 10^6 bytes of body; 304s send none):")
    for r in rows:
        sent = r.nbytes / max(1, r.requests) / 1024
        print(
            f"  {pad(r.target.name, 30)} {sent:9.1f} KiB/req  {r.mb_per_s:7.1f} MB/s  "
            f"{r.ms_per_mb:8.2f} CPU ms/MB"
        )


def print_cpu(results: list[Result]) -> None:
    print()
    print(f"CPU during each target (core-seconds per second of wall time; the machine has {NCPU}):")
    for r in results:
        w = r.wall or 1
        print(
            f"  {pad(r.target.name, 30)} busy {r.machine_busy / w:4.2f} = client "
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
            + ": those req/s are lower than on a quiet machine, and ratios between targets"
            " measured under different interference are unreliable; the CPU columns hold better."
        )
    heavy = [r for r in results if r.wall and r.client_cpu / (r.wall * NCPU) > 0.25]
    if heavy:
        print(
            "  note: the load generator used over a quarter of the machine for "
            + ", ".join(r.target.name for r in heavy)
            + "; the server had that much less CPU, so those req/s are understated."
        )


def print_spread(results: list[Result], server) -> None:
    """Connections held and CPU used per worker: does the load reach every worker?"""
    shown = [r for r in results if r.concurrency > 1 and r.worker_cpu]
    if not shown:
        return
    print()
    print(
        "Spread over the gunicorn workers: client connections each worker held (mean of "
        "samples every 0.25 s;\n'queued' = accepted by the kernel, not yet by a worker) and "
        "each worker's share of the workers' CPU (workers that did something, by pid; a\n"
        "worker replaced meanwhile, e.g. by max_requests, is a column of its own):"
    )
    for r in shown:
        n = max(1, r.conn_samples)
        total_cpu = sum(r.worker_cpu.values()) or 1
        workers = sorted(
            pid
            for pid in set(r.worker_cpu) | set(r.worker_conns) - {0}
            if r.worker_cpu.get(pid, 0) > 0 or r.worker_conns.get(pid, 0) > 0
        )
        conns = " ".join(f"{r.worker_conns.get(pid, 0) / n:4.1f}" for pid in workers)
        shares = " ".join(f"{r.worker_cpu.get(pid, 0) / total_cpu:4.0%}" for pid in workers)
        print(
            f"  {pad(r.target.name, 30)} conns [{conns}] queued {r.worker_conns.get(0, 0) / n:4.1f}"
            f"   CPU [{shares}]   ({r.concurrency} clients)"
        )


def worker_memory(server) -> list[tuple[str, int, int, int]]:
    """(what, pid, VmRSS KiB, VmHWM KiB) of each worker and the master, read before the stop."""
    out = [("worker", pid, *memory_kib(pid)) for pid in worker_pids(server.pid)]
    return [*out, ("master", server.pid, *memory_kib(server.pid))]


def print_memory(memory: list[tuple[str, int, int, int]]) -> None:
    print()
    print(
        "gunicorn worker memory after the whole benchmark (VmRSS now, VmHWM = the peak; target:"
        f" no worker above {WORKER_MEMORY_TARGET_MB} MB):"
    )
    for what, pid, rss, hwm in memory:
        # /proc gives KiB; the target is read strictly, in MB of 10^6 bytes.
        rss_mb, hwm_mb = rss * 1024 / 1e6, hwm * 1024 / 1e6
        verdict = ""
        if what == "worker":
            verdict = "MISS" if rss_mb > WORKER_MEMORY_TARGET_MB else "PASS"
        print(f"  {what} {pid}: VmRSS {rss_mb:7.1f} MB, VmHWM {hwm_mb:7.1f} MB   {verdict}")
