"""The tables printed at the end of a run."""

from __future__ import annotations

from bench.common import NCPU, TARGET_RATIO
from bench.measure import Result

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
