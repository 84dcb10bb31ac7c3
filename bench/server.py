"""gunicorn: start, stop, warm up, fill the cache."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.client import fetch, login
from bench.common import HOST, PYTHON, ROOT, BenchError, log
from bench.targets import STAFF, Target

# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """gunicorn as started, its effective settings, the task worker beside it (if any) and the
    signed-in sessions (role -> Cookie header) the staff targets use."""

    proc: subprocess.Popen
    port: int
    settings: dict[str, str]
    task_worker: subprocess.Popen | None = None
    sessions: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def extra_pids(self) -> tuple[int, ...]:
        w = self.task_worker
        return (w.pid,) if w is not None and w.poll() is None else ()

    def describe(self) -> str:
        s = self.settings
        threads = f" × {s.get('threads')} threads" if s.get("worker_class") == "gthread" else ""
        conf = f", -c {s['conf']}" if s.get("conf") else ", no config file"
        return (
            f"gunicorn {s.get('workers')} × {s.get('worker_class')}{threads}, keep-alive "
            f"{s.get('keepalive')} s, max_requests {s.get('max_requests')}{conf}"
        )


def gunicorn_argv(args, port: int, logfile: Path) -> list[str]:
    """The command line: ``-c --gunicorn-conf`` (if any) and what the bench must override;
    without a config file, the bench's own defaults (3 gthread workers × 4 threads)."""
    gunicorn = Path(PYTHON).parent / "gunicorn"
    if not gunicorn.exists():
        raise BenchError(f"{gunicorn} is missing: .venv/bin/pip install gunicorn")
    cmd = [str(gunicorn)]
    if args.gunicorn_conf:
        cmd += ["-c", str(args.gunicorn_conf)]
    own = not args.gunicorn_conf  # no config file: the bench's defaults fill the gaps
    worker_class = args.worker_class or ("gthread" if own else None)
    threads = args.threads or (4 if own and worker_class == "gthread" else None)
    for flag, value in (
        ("--workers", args.workers or (3 if own else None)),
        ("--worker-class", worker_class),
        ("--threads", 1 if worker_class == "sync" else threads),
        ("--keep-alive", args.keep_alive),
    ):
        if value is not None:
            cmd += [flag, str(value)]
    cmd += [
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        "--error-logfile",
        str(logfile),
        "--env",
        "DJANGO_SETTINGS_MODULE=bench.settings",
    ]
    if not args.gunicorn_conf:
        cmd += ["--backlog", "256", "--timeout", "30"]
    return [*cmd, "config.wsgi:application"]


def effective_settings(cmd: list[str], env) -> dict[str, str]:
    """What gunicorn makes of config file + command line (``--print-config``)."""
    proc = subprocess.run(
        [cmd[0], "--print-config", *cmd[1:]],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
    )
    out = {}
    for line in proc.stdout.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() in (
            "workers",
            "worker_class",
            "threads",
            "keepalive",
            "max_requests",
        ):
            out[name.strip()] = value.strip().rsplit(".", 1)[-1].removesuffix("Worker").lower()
    if out.get("worker_class") == "threadworker":
        out["worker_class"] = "gthread"
    return out


def start_gunicorn(args, env, port: int, logfile: Path) -> Server:
    cmd = gunicorn_argv(args, port, logfile)
    settings = effective_settings(cmd, env)
    settings["conf"] = str(args.gunicorn_conf or "")
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(proc, port, settings)
    log(f"{server.describe()} on {HOST}:{port}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited ({proc.returncode}):\n{tail(logfile)}")
        try:
            status, _, body = fetch(port, "/bench/trivial/", timeout=5)
            if status == 200 and body == b"ok":
                return server
            stop_gunicorn(server)
            raise BenchError(f"/bench/trivial/ answered {status}: {body[:300]!r}")
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(server)
    raise BenchError(f"gunicorn did not answer within 60 s:\n{tail(logfile)}")


def start_task_worker(env, logfile: Path) -> subprocess.Popen:
    """The job queue's worker, as production runs it beside gunicorn: after an approval it
    writes the open-data files and re-renders the hot pages (public/tasks.py, issue 12)."""
    log("task worker: manage.py db_worker (public refresh after an approval)")
    with open(logfile, "ab") as out:
        return subprocess.Popen(
            [PYTHON, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def sign_in(server: Server, roles: set[str], password: str) -> None:
    """One session per role, through the login form (see client.login)."""
    for role in sorted(roles):
        server.sessions[role] = login(server.port, role, password)
        log(f"signed in as {role}")


def stop_gunicorn(server: Server | None) -> None:
    if server is None:
        return
    for proc in (server.task_worker, server.proc):
        if proc is None or proc.poll() is not None:
            continue
        proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()  # our own child, by object
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
        status, _, body = fetch(port, path, headers=target.headers)
        if status != target.expect:
            raise BenchError(f"{path} answered {status}: {body[:300]!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(get, target.paths))
    return time.perf_counter() - started


def warm(target: Target, server: Server) -> bool:
    """Warm each target's first URL in every worker (templates, connections), not the pool.
    False when an optional target does not exist in this version of the code (404)."""
    path = target.paths[0]
    cookie = server.sessions.get(target.role, "")
    workers = int(server.settings.get("workers") or 3)
    # Staff pages are slow before issue 12 (seconds at 100 000 accounts): once per worker.
    for _ in range(workers if target.kind == STAFF else max(3, 2 * workers)):
        status, _, body = fetch(server.port, path, cookie=cookie, headers=target.headers)
        if status == 404 and target.optional:
            return False
        if status != target.expect:
            raise BenchError(f"warm-up {path} answered {status}: {body[:500]!r}")
    return True
