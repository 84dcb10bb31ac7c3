"""python manage.py backup_sqlite PATH — an online backup of the embedded SQLite database.

    python manage.py backup_sqlite /var/backups/sns-registry            # a dated file inside
    python manage.py backup_sqlite /var/backups/sns-registry --keep 30  # and keep the newest 30
    python manage.py backup_sqlite /somewhere/registry-copy.sqlite3     # exactly this file

Copying db.sqlite3 with cp while the app runs can give a torn file (half before, half after a
write) and misses what is still in db.sqlite3-wal. This uses SQLite's backup API
(``sqlite3.Connection.backup``) in one step, inside one read transaction: the copy is the
database as it was at one instant, and in WAL mode (which the app switches on,
config/settings/base.py) the app goes on writing meanwhile. The copy is made self-contained
(journal mode DELETE: one file, no -wal beside it), checked with ``PRAGMA integrity_check`` and
only then renamed to its final name. PostgreSQL is backed up with scripts/backup.sh instead
(docs/operations/backup.md).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _

# Dated names sort by time, and retention only ever deletes files of this pattern.
PREFIX = "sns-registry-"
SUFFIX = ".sqlite3"
DATED = "%Y%m%d-%H%M%S"
# As long as a request waits for the write lock (config/settings/base.py): the backup's read
# transaction only waits in rollback-journal mode, while a writer commits.
BUSY_TIMEOUT_SECONDS = 20


class Command(BaseCommand):
    # A backup must work even when the code's checks fail (the moment one is most wanted).
    requires_system_checks: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "SQLiteのデータベースを、アプリを止めずにバックアップします"
            "（PostgreSQLは scripts/backup.sh）。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            help=_("書き出すファイル、または日時入りの名前で書き出すディレクトリ。"),
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=14,
            help=_(
                "ディレクトリに書き出すとき、新しいものからN件を残して古いバックアップを"
                "削除します（0: 削除しない。既定: 14）。"
            ),
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=_("データベースの別名。"))

    def handle(self, *args, path: str, keep: int, database: str, **options) -> None:
        source = self._source(database)
        target = Path(path)
        in_directory = target.is_dir()
        if in_directory:
            target = target / f"{PREFIX}{timezone.localtime().strftime(DATED)}{SUFFIX}"
        if target.exists():
            # Never over an earlier backup: a typo in a cron line must not destroy one.
            raise CommandError(_("%(path)s はすでにあります。") % {"path": target})
        if not target.parent.is_dir():
            raise CommandError(_("ディレクトリ %(path)s がありません。") % {"path": target.parent})

        copy_database(source, target)
        self.stdout.write(
            _("%(path)s に書き出しました（%(size)d バイト）。")
            % {"path": target, "size": target.stat().st_size}
        )
        if in_directory and keep > 0:
            for old in sorted(target.parent.glob(f"{PREFIX}*{SUFFIX}"), reverse=True)[keep:]:
                old.unlink()
                self.stdout.write(_("古いバックアップ %(path)s を削除しました。") % {"path": old})

    def _source(self, database: str) -> Path:
        connection = connections[database]
        if connection.vendor != "sqlite":
            raise CommandError(
                _(
                    "このデータベースはSQLiteではありません（%(vendor)s）。"
                    "PostgreSQLは scripts/backup.sh でバックアップしてください。"
                )
                % {"vendor": connection.vendor}
            )
        if connection.is_in_memory_db():  # type: ignore[attr-defined]  # SQLite backend only
            raise CommandError(_("メモリ上のデータベースはバックアップできません。"))
        source = Path(connection.settings_dict["NAME"])
        if not source.is_file():
            raise CommandError(_("データベース %(path)s がありません。") % {"path": source})
        return source


def copy_database(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` through a partial file renamed only when complete."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    # Readable by its owner only (staff names, mail addresses, password hashes); an empty
    # file is an empty database to SQLite.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        # A connection of its own, not Django's: the backup's read transaction must not join
        # (or wait for) whatever transaction this process has open.
        with (
            closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)  # pages=-1: everything in one step, so one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise CommandError(
                    _("書き出したファイルが壊れています: %(problems)s")
                    % {"problems": "; ".join(problems[:5])}
                )
            if not dst.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone():
                raise CommandError(
                    _("%(path)s はこのアプリのデータベースではありません。") % {"path": source}
                )
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    finally:
        partial.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
