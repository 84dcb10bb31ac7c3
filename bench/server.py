"""gunicorn: start, stop, warm up, fill the cache."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

from bench.client import fetch
from bench.common import HOST, PYTHON, ROOT, BenchError, log
from bench.targets import Target

# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


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
