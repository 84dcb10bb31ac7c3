"""Backups that restore (issue 12 §3): the real scripts/backup.sh and scripts/restore.sh on a real
registry, restored into a fresh database (docs/operations/backup.md §5 says what this checks).

The registry is built the way production gets its data: ``migrate``, ``seed_demo``, then changes
through the approval workflow (tests/workflow.py), so several accounts have several published
policy versions, decisions, history rows and queued mail. Both databases are this module's own
(``sns_backup_<random>``, ``…_restored``) and are dropped at the end, also on failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models  # noqa: F401 — connection: the skipif condition
from psycopg import sql

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="needs PostgreSQL (pg_dump, pg_restore)"
    ),
    # One worker builds the registry once for the whole module.
    pytest.mark.xdist_group("backup_restore"),
]

BASE_DIR = Path(settings.BASE_DIR)
DUMP_NAME = re.compile(r"^sns-registry-\d{8}-\d{6}\.dump$")
# Their one row is always id 1 (a CHECK says so): they never draw from their sequence.
ONE_ROW_TABLES = {"core_publicgeneration", "policies_policytemplate"}

# Run in a subprocess against one of this module's databases (DATABASE_URL): "build" makes the
# registry, "change" approves one more change (new rows in many tables: the sequences must go
# on from where the backup left them). Prints the public generation and any unapplied migration.
APP_SCRIPT = textwrap.dedent(
    """
    import io, json, sys
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if sys.argv[1] == "build":
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=io.StringIO())

    from accounts.models import OfficialAccount
    from approvals import services
    from approvals.models import Action, RequestKind
    from organization.models import User
    from tests.workflow import A_CHANGE, CHECKLIST_ON, change_account, close_account, staff_for

    users = {u.username: u for u in User.objects.all()}
    kanko = OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")
    bousai = OfficialAccount.objects.get(service__slug="x", identifier="sample_bousai")
    if sys.argv[1] == "build":
        change_account(kanko, users, **{"policy-operating_hours": "平日8時30分から17時15分まで"})
        change_account(kanko, users, **{"policy-contact": "観光プロモーション課 内線1234"})
        change_account(bousai, users)
        other = (
            OfficialAccount.objects.filter(status="listed", department=kanko.department)
            .exclude(pk=kanko.pk)
            .first()
        )
        close_account(other, users)
        # A request in progress, returned once (a decision with a comment).
        operator, head = staff_for(kanko, users)
        req = services.request_create(kind=RequestKind.CHANGE, actor=operator, account=kanko)
        data = {**req.payload, **CHECKLIST_ON, **A_CHANGE}
        services.request_submit(req=req, actor=operator, data=data)
        services.request_decide(req=req, actor=head, action=Action.RETURN, comment="再検討を")
    else:
        change_account(bousai, users, **{"policy-operating_hours": "毎日8時から20時まで"})

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM core_publicgeneration WHERE id = 1")
        generation = cursor.fetchone()[0]
    print(json.dumps({"generation": generation, "unapplied": [str(m) for m, _ in plan]}))
    """
)


@dataclass(frozen=True)
class Database:
    name: str

    @property
    def url(self) -> str:
        db = settings.DATABASES["default"]
        auth = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        return f"postgresql://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{self.name}"

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)


def _server() -> psycopg.Connection:
    return Database("postgres").connect()


def _drop(*databases: Database) -> None:
    with _server() as server:
        for db in databases:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name))
            )


def _run(args: list[str], database: Database, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database.url,
    }
    return subprocess.run(
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180, **kwargs
    )


def _app(database: Database, mode: str) -> dict:
    done = _run([sys.executable, "-c", APP_SCRIPT, mode], database)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Registry:
    source: Database
    restored: Database
    built: dict


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    missing = [
        tool for tool in ("pg_dump", "pg_restore", "psql", "createdb") if not shutil.which(tool)
    ]
    assert not missing, f"the PostgreSQL client programs are missing: {missing}"
    stem = f"sns_backup_{secrets.token_hex(4)}"
    source, restored = Database(stem), Database(f"{stem}_restored")
    with _server() as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(source.name)))
    try:
        yield Registry(source, restored, _app(source, "build"))
    finally:
        _drop(source, restored)


# --- What is compared ------------------------------------------------------------------------


def _tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    return [name for (name,) in rows]


def _counts(conn: psycopg.Connection) -> dict[str, int]:
    query = "SELECT count(*) FROM {}"
    return {
        table: conn.execute(sql.SQL(query).format(sql.Identifier(table))).fetchone()[0]
        for table in _tables(conn)
    }


def _contents(conn: psycopg.Connection) -> dict[str, str]:
    """A digest of every row of every table (small tables: the demo municipality)."""
    query = "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t"
    return {
        table: conn.execute(sql.SQL(query).format(sql.Identifier(table))).fetchone()[0]
        for table in _tables(conn)
    }


def _published_versions(conn: psycopg.Connection) -> dict[tuple[int, int], str]:
    """(account, version) -> hash of the whole row: the text citizens read and its metadata."""
    cursor = conn.execute(
        "SELECT * FROM policies_operationpolicy WHERE status = 'published' ORDER BY id"
    )
    names = [column.name for column in cursor.description]
    versions = {}
    for row in cursor:
        record = dict(zip(names, row, strict=True))
        digest = hashlib.sha256(repr(sorted(record.items())).encode()).hexdigest()
        versions[(record["account_id"], record["version"])] = digest
    return versions


SCHEMA = """
SELECT 'trigger', tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
  FROM pg_trigger WHERE NOT tgisinternal
UNION ALL SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL SELECT 'index', tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL SELECT 'function', '', proname, pg_get_functiondef(oid)
  FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prokind = 'f'
UNION ALL SELECT 'extension', '', extname, extversion FROM pg_extension
"""


# PostgreSQL prints a restored `col IN (…)` with its casts moved ("(ARRAY['a'::varchar])::text[]"
# comes back as "ARRAY[('a'::varchar)::text]"): the same condition, other text. Compared
# without casts to text and varchar, brackets and spaces.
PRINTED_ONLY = re.compile(r"::(character varying|text)(\[\])?|[()\s]")


def _schema(conn: psycopg.Connection) -> set[tuple[str, str, str, str]]:
    return {
        (kind, table, name, PRINTED_ONLY.sub("", definition))
        for kind, table, name, definition in conn.execute(SCHEMA)
    }


def _sequences(conn: psycopg.Connection) -> dict[str, tuple[int, int | None]]:
    """Per model table with an automatic key: (the next value its sequence gives, max key)."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        pk = model._meta.pk
        if not isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
            continue
        table, column = model._meta.db_table, pk.column
        (sequence,) = conn.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [table, column]
        ).fetchone()
        assert sequence, f"{table}.{column} has no sequence"
        last, called = conn.execute(
            sql.SQL("SELECT last_value, is_called FROM {}").format(
                sql.Identifier(*sequence.split("."))
            )
        ).fetchone()
        (highest,) = conn.execute(
            sql.SQL("SELECT max({}) FROM {}").format(sql.Identifier(column), sql.Identifier(table))
        ).fetchone()
        found[table] = (last + 1 if called else last, highest)
    return found


# --- The tests -------------------------------------------------------------------------------


def test_a_backup_restores_into_a_fresh_database_with_everything_in_it(registry, tmp_path):
    source, restored = registry.source, registry.restored
    backups = tmp_path / "backups"
    made = _run(["bash", "scripts/backup.sh", str(backups)], source)
    assert made.returncode == 0, made.stderr
    (dump,) = backups.iterdir()
    assert DUMP_NAME.match(dump.name)
    assert f"wrote {dump}" in made.stdout
    assert dump.stat().st_mode & 0o077 == 0  # staff names and password hashes: owner only

    # restore.sh creates the database, restores, and runs `migrate --check` (exit status).
    done = _run(["bash", "scripts/restore.sh", str(dump)], restored)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"creating database {restored.name}" in done.stdout
    assert "公開済みの運用ポリシー" in done.stdout

    with source.connect() as src, restored.connect() as dst:
        model_tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
        assert model_tables <= set(_tables(dst))
        assert _counts(dst) == _counts(src)
        restored_contents, source_contents = _contents(dst), _contents(src)
        # Every row of every table, except the public generation: restore.sh gives it a new
        # random value, so that no page cached after the backup under the backup's generation
        # is served again (a page is stored under the generation read before rendering it).
        generation = "core_publicgeneration"
        assert restored_contents.pop(generation) != source_contents.pop(generation)
        assert restored_contents == source_contents

        # Every published version, word for word, with its metadata (R3): the demo's 12
        # plus the three approved changes; the tourism account has three.
        published = _published_versions(src)
        assert len(published) >= 15
        assert max(version for _, version in published) >= 3
        assert _published_versions(dst) == published

        # The same triggers, constraints, indexes, functions and extensions.
        schema = _schema(src)
        assert any(
            kind == "trigger" and name == "policy_published_immutable"
            for kind, _, name, _ in schema
        )
        assert _schema(dst) == schema

        # R3 / ADR 0004: the restored database still refuses to rewrite or delete what
        # citizens were shown, whoever asks.
        for statement in (
            "UPDATE policies_operationpolicy SET purpose = purpose || '（改）' "
            "WHERE status = 'published'",
            "DELETE FROM policies_operationpolicy WHERE status = 'published'",
        ):
            with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="immutable"):
                dst.execute(statement)
        assert _published_versions(dst) == published

        # Every sequence goes on after the highest key (no "duplicate key" on the next insert).
        sequences = _sequences(dst)
        assert sequences == _sequences(src)
        behind = {
            t for t, (next_id, top) in sequences.items() if top is not None and next_id <= top
        }
        assert behind <= ONE_ROW_TABLES

    # A second restore into the now populated database is refused and changes nothing.
    again = _run(["bash", "scripts/restore.sh", str(dump)], restored)
    assert again.returncode != 0
    assert "nothing restored" in again.stderr
    with source.connect() as src, restored.connect() as dst:
        assert _counts(dst) == _counts(src)

    # The app works on the restored database: one more approved change inserts rows into the
    # requests, decisions, policy versions, history and outbox tables.
    after = _app(restored, "change")
    assert after["unapplied"] == []
    with restored.connect() as dst:
        assert len(_published_versions(dst)) == len(published) + 1

    # The public cache stays right (core/cache.py): the restored database has a generation of
    # its own (restore.sh), and the source going on after the backup (a timeline the restore
    # throws away) and the restored one each draw a new random generation, so no page cached
    # in the lost timeline, or under the backup's generation, is served.
    lost = _app(source, "change")
    assert len({registry.built["generation"], lost["generation"], after["generation"]}) == 3


def test_a_backup_keeps_the_newest_and_leaves_other_files_alone(registry, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    for name in ("sns-registry-20200101-000000.dump", "sns-registry-20200102-000000.dump"):
        (backups / name).write_bytes(b"an older backup")
    (backups / "README.txt").write_text("not a backup")

    made = _run(["bash", "scripts/backup.sh", "--keep", "2", str(backups)], registry.source)
    assert made.returncode == 0, made.stderr
    left = sorted(path.name for path in backups.iterdir())
    assert len(left) == 3
    assert left[:2] == ["README.txt", "sns-registry-20200102-000000.dump"]
    assert DUMP_NAME.match(left[2])
    assert "deleted old backup" in made.stdout


def test_a_failed_backup_exits_non_zero_and_leaves_no_file(tmp_path):
    backups = tmp_path / "backups"
    gone = Database(f"sns_backup_{secrets.token_hex(4)}_missing")
    made = _run(["bash", "scripts/backup.sh", str(backups)], gone)
    assert made.returncode != 0
    assert "does not exist" in made.stderr
    assert list(backups.iterdir()) == []
