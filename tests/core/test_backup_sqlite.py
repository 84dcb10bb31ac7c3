"""``manage.py backup_sqlite``: the embedded SQLite default backed up while the app writes
(issue 12 §3, docs/operations/backup.md §3).

The database backed up is a file made for the test: a copy of the migrated test database, in WAL
mode as the app runs it, into which a writer thread keeps committing transactions of three rows
while the real command runs in another process. The copy must be one instant of the database —
every table as it was, the written one with only whole transactions — and the writer must not
have been held up by it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from core.models import RateLimitHit

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="the default database is not SQLite"
)

ROWS_PER_TRANSACTION = 3
WRITTEN = RateLimitHit._meta.db_table


def _command(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "backup_sqlite", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


class Writer(threading.Thread):
    """The app writing: transactions of three rate-limit rows, as fast as SQLite lets it."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.committed = 0
        self.slowest = 0.0
        self.errors: list[Exception] = []

    def run(self) -> None:
        db = sqlite3.connect(self.path, timeout=20, isolation_level=None)
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                db.execute("BEGIN IMMEDIATE")  # as the app's transactions (settings: IMMEDIATE)
                db.executemany(
                    f"INSERT INTO {WRITTEN} (scope, key, at) VALUES ('backup-test', ?, ?)",
                    [(f"txn{self.committed}", "2026-01-01 00:00:00")] * ROWS_PER_TRANSACTION,
                )
                db.execute("COMMIT")
                self.committed += 1
                self.slowest = max(self.slowest, time.monotonic() - started)
                time.sleep(0.002)
        except Exception as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            db.close()


@pytest.fixture
def app_database(django_db_setup, django_db_blocker, tmp_path) -> Path:
    """A file with the migrated schema (content types, permissions …): a copy of the test
    database, taken outside any test transaction (a transaction would lock the copy out)."""
    source = tmp_path / "db.sqlite3"
    with django_db_blocker.unblock(), closing(sqlite3.connect(source)) as copy:
        connection.ensure_connection()
        assert not connection.in_atomic_block
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=WAL")  # as config/settings/base.py runs it
    return source


def test_an_online_backup_is_one_instant_of_the_database_while_the_app_writes(
    app_database, tmp_path
):
    source = app_database
    backups = tmp_path / "backups"
    backups.mkdir()
    for name in ("sns-registry-20200101-000000.sqlite3", "sns-registry-20200102-000000.sqlite3"):
        (backups / name).write_bytes(b"an older backup")
    (backups / "README.txt").write_text("not a backup")
    before = _counts(source)

    writer = Writer(source)
    writer.start()
    try:
        while writer.committed < 20 and writer.is_alive():
            time.sleep(0.01)
        done = _command(source, str(backups), "--keep", "2")
        time.sleep(0.2)  # the writer goes on after the copy, too
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert not writer.errors
    # Not held up: WAL lets the backup read while the writer commits (a rollback journal would
    # make the writer wait until the copy is done).
    assert writer.slowest < 3.0

    left = sorted(path.name for path in backups.iterdir())
    assert left[:2] == ["README.txt", "sns-registry-20200102-000000.sqlite3"]
    assert len(left) == 3
    backup = backups / left[2]
    assert f"{backup} に書き出しました" in done.stdout
    assert backup.stat().st_mode & 0o077 == 0  # staff names and password hashes: owner only
    with closing(sqlite3.connect(backup)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # One self-contained file: nothing waits in a -wal beside it.
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        incomplete = db.execute(
            f"SELECT key FROM {WRITTEN} WHERE scope = 'backup-test' "
            "GROUP BY key HAVING count(*) != ?",
            [ROWS_PER_TRANSACTION],
        ).fetchall()
    assert incomplete == []  # only whole transactions

    after = _counts(source)
    copied = _counts(backup)
    assert set(copied) == set(before)
    assert {t: n for t, n in copied.items() if t != WRITTEN} == {
        t: n for t, n in before.items() if t != WRITTEN
    }
    # Taken while the writer ran: rows from before it and rows after it are missing from it.
    assert before[WRITTEN] < copied[WRITTEN] < after[WRITTEN]
    assert (copied[WRITTEN] - before[WRITTEN]) % ROWS_PER_TRANSACTION == 0


def test_an_existing_file_is_never_overwritten(tmp_path):
    source = tmp_path / "db.sqlite3"
    with closing(sqlite3.connect(source)) as db:
        db.execute("CREATE TABLE django_migrations (id integer primary key)")
    target = tmp_path / "backup.sqlite3"
    target.write_bytes(b"yesterday's backup")

    done = _command(source, str(target))
    assert done.returncode != 0
    assert "すでにあります" in done.stderr
    assert target.read_bytes() == b"yesterday's backup"


def test_another_database_is_refused_with_the_way_to_back_it_up(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://registry@db.invalid:5432/registry",  # never connected to
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "backup_sqlite", str(tmp_path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "SQLiteではありません" in done.stderr
    assert "scripts/backup.sh" in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db  # the test database (in memory), not the developer's db.sqlite3
def test_the_in_memory_test_database_is_refused(tmp_path):
    with pytest.raises(CommandError, match="メモリ上"):
        call_command("backup_sqlite", str(tmp_path / "copy.sqlite3"))
    assert list(tmp_path.iterdir()) == []
