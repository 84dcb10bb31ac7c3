"""What the deployment tests share: a fresh PostgreSQL database of their own, the environment
production reads, ``manage.py`` in a subprocess, and ``scripts/production.sh`` as a running
server (issue 12 §1, §2, §3).

Every database is named ``sns_deploy_<random>`` (or the prefix a test asks for), made on the
server the test run's own DATABASE_URL points at, and dropped at the end, also on failure.
The cache is Redis db 14 under a key prefix of the run's own, deleted at the end.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 14
HOST = "sns.city.example.lg.jp"  # DJANGO_ALLOWED_HOSTS, the name nginx passes on


# --- PostgreSQL -----------------------------------------------------------------------------


def _server() -> dict:
    """Where the test run's own database lives: the deployment databases go beside it."""
    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": int(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
    }


def admin_connection():
    import psycopg

    return psycopg.connect(**_server(), dbname="postgres", autocommit=True)


@dataclass
class Database:
    """One PostgreSQL database of a deployment test."""

    name: str

    @property
    def url(self) -> str:
        s = _server()
        auth = s["user"] + (f":{s['password']}" if s["password"] else "")
        return f"postgres://{auth}@{s['host']}:{s['port']}/{self.name}"

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of one statement, in a connection of its own (autocommit)."""
        import psycopg

        with psycopg.connect(**_server(), dbname=self.name, autocommit=True) as conn:
            cursor = conn.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def value(self, sql: str, params: tuple = ()):
        rows = self.query(sql, params)
        return rows[0][0] if rows else None


def create_database(prefix: str = "sns_deploy") -> Database:
    from psycopg import sql

    db = Database(f"{prefix}_{secrets.token_hex(4)}")
    with admin_connection() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.name)))
    return db


def drop_database(db: Database) -> None:
    from psycopg import sql

    with admin_connection() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name))
        )


@pytest.fixture(scope="module")
def module_database() -> Iterator[Database]:
    """A fresh, empty database for the whole test module (seed it once)."""
    db = create_database()
    try:
        yield db
    finally:
        drop_database(db)


@pytest.fixture
def new_database() -> Iterator[Callable[..., Database]]:
    """``new_database(prefix="sns_deploy")``: fresh empty databases, all dropped afterwards."""
    made: list[Database] = []

    def make(prefix: str = "sns_deploy") -> Database:
        db = create_database(prefix)
        made.append(db)
        return db

    yield make
    for db in made:
        drop_database(db)


# --- Redis ------------------------------------------------------------------------------------


def require_redis() -> None:
    import redis

    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not running at {REDIS_HOST}:{REDIS_PORT} (the shared cache)")


def delete_redis_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="module")
def cache_prefix() -> Iterator[str]:
    """A Redis key prefix of this module's own (db 14); its keys are deleted at the end."""
    require_redis()
    prefix = f"sns_deploy_{secrets.token_hex(4)}"
    yield prefix
    delete_redis_prefix(prefix)


# --- The production environment and manage.py -------------------------------------------------


@pytest.fixture(scope="session")
def deploy_static_root() -> Path:
    """One STATIC_ROOT for every server of the run: production.sh collects into it once (its
    stamp) under a lock, instead of spending ~40 s of CPU per server."""
    return Path(tempfile.gettempdir()) / "sns_deploy_static"


def production_env(db: Database, *, cache_prefix: str, static_root: Path, **extra: str) -> dict:
    """What a deployment sets (README "run as production"), for ``db``: production settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL=db.url,
        SITE_URL=f"https://{HOST}",
        EMAIL_URL="consolemail://",  # the worker "sends" by writing the mail to its output
        CACHE_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        CACHE_KEY_PREFIX=cache_prefix,
        STATIC_ROOT=str(static_root),
        # The daily jobs run at the scheduler's start: their handle check must not go out to
        # the internet from CI (nothing listens on port 9; the job counts it as unchecked).
        BLUESKY_API_URL="http://127.0.0.1:9",
        HANDLE_CHECK_TIMEOUT="0.5",
        SKIP_INSTALL="1",  # .ci/run and scripts/test.sh installed this tree already
        # Two workers: enough for a master with several workers, light beside the other tests.
        GUNICORN_WORKERS="2",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    """``python manage.py <args>`` with ``env``; its output, or a failure that shows it."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- scripts/production.sh as a running server -------------------------------------------------


def session_processes(sid: int) -> dict[int, str]:
    """Every live process of session ``sid`` (production.sh runs in a session of its own):
    pid → command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] == "Z" or int(fields[3]) != sid:  # state, …, session
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, IndexError, ValueError):
            continue
        found[int(entry.name)] = cmdline
    return found


@dataclass
class ProductionServer:
    """``bash scripts/production.sh [args]`` on ``port``, stderr (every log) in ``log``."""

    env: dict
    port: int
    log: Path
    args: tuple[str, ...] = ()
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, *, ready_within: float = 180) -> ProductionServer:
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                ["bash", "scripts/production.sh", *self.args],
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,  # its own session: every child can be found and killed
            )
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"production.sh exited ({self.proc.returncode}):\n{self.tail()}"
                )
            if self.healthy():
                return self
            time.sleep(0.3)
        self.kill()
        raise AssertionError(
            f"production.sh did not answer within {ready_within} s:\n{self.tail()}"
        )

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                return r.status == 200
        except (OSError, urllib.error.URLError):
            return False

    @property
    def sid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def processes(self) -> dict[int, str]:
        return session_processes(self.sid)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Signal the script (as a service manager does) and wait; its exit status."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL to every process of the session: the machine is gone."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.sid, signal.SIGKILL)
        for pid in self.processes():  # a child that left the process group
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def wait_until(predicate, *, timeout: float, interval: float = 0.2, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"not within {timeout} s: {what}")
