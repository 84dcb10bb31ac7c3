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
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import PYTHON, ROOT, BenchError, log
from bench.cpu import QuietWaiter
from bench.environment import (
    bench_env,
    copy_csv_to_static,
    create_db,
    drop_cache_keys,
    drop_db,
    ensure_request,
    load_data,
    manage,
    simulate_approval,
    vacuum_analyze,
)
from bench.measure import PHASES, Result, run_phase, set_etag
from bench.profiling import profile_main
from bench.report import print_memory, print_table, worker_memory
from bench.server import (
    fill_cache,
    free_port,
    sign_in,
    start_gunicorn,
    start_task_worker,
    stop_gunicorn,
    tail,
    warm,
)
from bench.targets import BASELINE, JSON_DUMP_PATHS, STAFF, STATIC_CSV, build_targets

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 — demo.data.DEMO_PASSWORD, the published one

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
    p.add_argument(
        "--staff-concurrency",
        type=int,
        default=1,
        help="client processes for the staff and admin pages (judged by latency)",
    )
    p.add_argument(
        "--gunicorn-conf",
        default="auto",
        help="gunicorn config file; 'auto' = config/gunicorn.conf.py when it exists, 'none'",
    )
    p.add_argument("--workers", type=int, help="gunicorn workers (default: conf, else 3)")
    p.add_argument(
        "--worker-class", choices=["sync", "gthread"], help="default: conf, else gthread"
    )
    p.add_argument("--threads", type=int, help="threads per worker (default: conf, else 4)")
    p.add_argument(
        "--keep-alive", type=int, help="gunicorn --keep-alive seconds (0: close after each)"
    )
    p.add_argument(
        "--task-worker",
        choices=["auto", "on", "off"],
        default="auto",
        help="run manage.py db_worker beside gunicorn (auto: when public/tasks.py exists)",
    )
    p.add_argument("--client-timeout", type=float, default=120, help="socket time-out, s")
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
        default="cold,warm,staff",
        type=lambda v: [x.strip() for x in v.split(",") if x.strip() in PHASES],
        help="cold (right after an approval), warm (steady state), staff (signed-in pages)",
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
        help="use --db-name as left by --keep-db: migrate (new indexes) and VACUUM, no seed",
    )
    p.add_argument("--db-name", default="sns_bench")
    p.add_argument("--pg-host", default="127.0.0.1")
    p.add_argument("--pg-port", type=int, default=5432)
    p.add_argument("--pg-user", default="postgres")
    p.add_argument("--cache-url", default="redis://127.0.0.1:6379/1")
    args = p.parse_args(argv)
    if args.gunicorn_conf == "auto":
        conf = ROOT / "config" / "gunicorn.conf.py"
        args.gunicorn_conf = conf if conf.exists() else None
    elif args.gunicorn_conf == "none":
        args.gunicorn_conf = None
    if args.task_worker == "auto":
        args.task_worker = "on" if (ROOT / "public" / "tasks.py").exists() else "off"
    return args


def seed_database(args, env) -> str:
    """Migrate and seed the new database; the line that reports the seed time ("" if none)."""
    t, _ = manage(env, "migrate", "--noinput", capture=True)
    log(f"migrate: {t:.1f} s")
    setup_s = t
    t, _ = manage(env, "seed_demo")
    log(f"seed_demo: {t:.1f} s")
    setup_s += t
    if args.accounts <= 0:
        return ""
    t, out = manage(env, "seed_demo", "--accounts", str(args.accounts))
    own = re.search(r"（([\d.]+)秒）", out)
    seed_line = (
        f"seed: migrate + demo data {setup_s:.1f} s; {args.accounts} bulk accounts "
        f"{t:.1f} s wall" + (f" ({own[1]} s inside seed_bulk_accounts)" if own else "")
    )
    log(seed_line)
    t = vacuum_analyze(args)
    log(f"VACUUM ANALYZE: {t:.1f} s")
    return seed_line + f"; VACUUM ANALYZE {t:.1f} s"


def update_database(args, env) -> str:
    """A kept database, possibly seeded by older code: the new migrations (indexes), then
    VACUUM ANALYZE, so that before and after runs meet the same physical state."""
    t, out = manage(env, "migrate", "--noinput", capture=True)
    applied = out.count("Applying ")
    v = vacuum_analyze(args)
    line = (
        f"seed: reused {args.db_name}; migrate {t:.1f} s ({applied} applied), "
        f"VACUUM ANALYZE {v:.1f} s"
    )
    log(line)
    return line


def measure_phases(targets, server, args, env, quiet):
    """cold (right after a simulated approval), warm (every URL cached), staff (signed in):
    ([(phase, title, results)], cache fills)."""
    port = server.port
    public = [t for t in targets if t.kind != STAFF]
    staff = [t for t in targets if t.kind == STAFF]
    phases: list[tuple[str, str, list[Result]]] = []
    if "cold" in args.phases:
        # Each run has a cache of its own, and an approval starts a new public generation:
        # every page is rendered again on its first request (or warmed by the task worker,
        # where the code has one), seen through Zipf popularity.
        simulate_approval(env)
        phases.append(
            ("cold", PHASES["cold"], run_phase("cold", public, port, args, server, quiet))
        )
    fills = []
    if "warm" in args.phases:
        for t in public:
            seconds = fill_cache(t, port)
            fills.append((t, seconds))
            log(f"cached every URL of {t.name} ({len(t.paths)}) in {seconds:.1f} s")
        phases.append(
            ("warm", PHASES["warm"], run_phase("warm", public, port, args, server, quiet))
        )
    if "staff" in args.phases and staff:
        phases.append(
            ("staff", PHASES["staff"], run_phase("staff", staff, port, args, server, quiet))
        )
    return phases, fills


def print_results(phases, fills, args, server, n_accounts, seed_line, log_tail) -> bool:
    """Print the tables, the cache fills and the seed time; True when a request failed."""
    for phase, title, results in phases:
        base = next((r for r in results if r.target.kind == BASELINE), None)
        if base is None:  # the staff table: trivial as measured in the last public phase
            base = next((r for _p, _t, rs in phases for r in rs if r.target.kind == BASELINE), None)
        print_table(results, base, args, server, n_accounts, title, phase)
    if fills:
        print("\nEvery URL of a target requested once (8 at a time) after the cold phase:")
        for t, seconds in fills:
            print(
                f"  {t.name:<30} {len(t.paths):5d} URLs in {seconds:6.1f} s"
                f" = {len(t.paths) / seconds:7.1f} URLs/s"
            )
    if seed_line:
        print(seed_line)
    if any(r.n_errors for _p, _title, results in phases for r in results):
        print(f"\ngunicorn log (last lines):\n{log_tail}")
        return True
    return False


def profile_samples(targets) -> list[tuple[str, str, str]]:
    """One URL of each page to profile: (label, path, user to sign in as or "")."""
    by_name = {t.name: t for t in targets}
    samples = [("trivial", "/bench/trivial/", "")]
    if "list /" in by_name:
        samples.append(("list", "/", ""))
    if "list /?page=N" in by_name:
        samples.append(("list page", by_name["list /?page=N"].paths[-1], ""))
    if "account /accounts/<id>/" in by_name:
        samples.append(("account", by_name["account /accounts/<id>/"].paths[-1], ""))
    for name, label in (("verify API", "verify API"), ("verify page", "verify page")):
        vt = next((t for n, t in by_name.items() if n.startswith(name)), None)
        if vt:
            samples.append(
                (f"{label} (registered)", next(p for p in vt.paths if "nosuch" not in p), "")
            )
            samples.append((f"{label} (unknown)", next(p for p in vt.paths if "nosuch" in p), ""))
    for t in targets:
        seen = {path for _label, path, _role in samples}  # the CSV's variants: one profile
        if (t.name.startswith(("search", "open data")) or t.kind == STAFF) and (
            t.paths[-1] not in seen
        ):
            samples.append((t.name, t.paths[-1], t.role))
    return samples


def profile(targets, env) -> bool:
    """Profile one cache-miss request per page in a child process; False when it failed."""
    proc = subprocess.run(
        [PYTHON, "-m", "bench.run", "_profile", json.dumps(profile_samples(targets))],
        cwd=ROOT,
        env=env,
        text=True,
    )
    if proc.returncode != 0:
        log("profiling failed (see above)")
        return False
    return True


def clean_up(args, server, prefix, created_db, tmp) -> None:
    """Stop gunicorn, delete this run's cache keys, drop the database unless it is kept."""
    stop_gunicorn(server)
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


def prepare_targets(args, server, targets) -> list:
    """Sign in for the staff targets, find the JSON dump's URL, warm every target; the targets
    that exist in this version of the code."""
    roles = {t.role for t in targets if t.role}
    if roles:
        sign_in(server, roles, DEMO_PASSWORD)
    kept = []
    for t in targets:
        if t.optional:
            for path in JSON_DUMP_PATHS:
                t.paths = [path]
                if warm(t, server):
                    break
            else:
                log(f"skipped {t.name}: none of {', '.join(JSON_DUMP_PATHS)} exists (404)")
                continue
        else:
            if t.revalidate:
                set_etag(t, server.port)
            warm(t, server)
        kept.append(t)
    return kept


def select(targets, only: str | None):
    if not only:
        return targets
    wanted = [w.strip() for w in only.split(",")]
    chosen = {t.name for t in targets[1:] if any(t.name.startswith(w) for w in wanted)}
    chosen |= {t.vs for t in targets if t.name in chosen and t.vs}  # their static baselines
    return [targets[0]] + [t for t in targets[1:] if t.name in chosen]


def main(argv=None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    run_started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="sns-bench-"))
    prefix = f"bench{secrets.token_hex(4)}"
    env = bench_env(args, str(tmp / "static"), prefix)
    server = None
    seed_line = ""
    failed = False
    created_db = False
    try:
        if not (ROOT / "node_modules" / "bootstrap" / "dist").is_dir():
            log("node_modules missing: npm ci")
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
        if args.reuse_db:
            log(f"reusing database {args.db_name}")
            seed_line = update_database(args, env)
        else:
            log(f"creating database {args.db_name}")
            create_db(args)
            created_db = True
            seed_line = seed_database(args, env)
        ensure_request(env)
        data = load_data(env)
        rows = data["accounts"]
        log(f"{len(rows)} listed accounts, {data['staff_accounts']} in the staff list")
        targets = select(build_targets(data, args.pool, args.seed), args.only)
        t, _ = manage(env, "collectstatic", "--noinput", capture=True)
        log(f"collectstatic into {tmp / 'static'}: {t:.1f} s")
        if any(t.vs for t in targets):
            sizes = copy_csv_to_static(env, str(tmp / "static" / STATIC_CSV))
            log(f"/accounts.csv copied to STATIC_ROOT/{STATIC_CSV} ({sizes}) for WhiteNoise")

        quiet = QuietWaiter(args.wait_quiet, args.quiet_threshold)
        server = start_gunicorn(args, env, free_port(), tmp / "gunicorn.log")
        if args.task_worker == "on":
            server.task_worker = start_task_worker(env, tmp / "task-worker.log")
        targets = prepare_targets(args, server, targets)
        log("warmed; measuring")
        phases, fills = measure_phases(targets, server, args, env, quiet)
        memory = worker_memory(server)
        stop_gunicorn(server)
        if server.proc.returncode not in (0, -signal.SIGTERM):
            log(f"gunicorn exited with {server.proc.returncode}")
        log_tail = tail(tmp / "gunicorn.log", 15)
        failed = print_results(phases, fills, args, server, len(rows), seed_line, log_tail)
        print_memory(memory)
        if args.profile and not profile(targets, env):
            failed = True
    except BenchError as exc:
        log(f"FAILED: {exc}")
        failed = True
    except KeyboardInterrupt:
        log("interrupted")
        failed = True
    finally:
        clean_up(args, server, prefix, created_db, tmp)
    log(f"total {time.perf_counter() - run_started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["imports"]:  # issue 11 §1: the import of existing accounts
        from bench.imports import main as imports_main

        sys.exit(imports_main(sys.argv[2:]))
    if len(sys.argv) == 3 and sys.argv[1] == "_profile":
        profile_main([tuple(x) for x in json.loads(sys.argv[2])])
        sys.exit(0)
    sys.exit(main())
