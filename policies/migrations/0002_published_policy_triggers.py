"""R3 / ADR 0004: the database itself refuses to change or delete a published policy version.

SQLite rebuilds tables on most AlterField operations, dropping triggers: a later migration
touching policies_operationpolicy must run these statements again (the immutability tests
fail on SQLite if it does not).
"""

from django.db import migrations

TABLE = "policies_operationpolicy"
MESSAGE = "published operation policy versions are immutable"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS policy_published_no_update BEFORE UPDATE ON {TABLE}
        FOR EACH ROW WHEN OLD.status = 'published'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS policy_published_no_delete BEFORE DELETE ON {TABLE}
        FOR EACH ROW WHEN OLD.status = 'published'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS policy_published_no_update",
    "DROP TRIGGER IF EXISTS policy_published_no_delete",
]
POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION policy_refuse_published_change() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END;
        $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER policy_published_immutable BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW WHEN (OLD.status = 'published')
        EXECUTE FUNCTION policy_refuse_published_change()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS policy_published_immutable ON {TABLE}",
    "DROP FUNCTION IF EXISTS policy_refuse_published_change()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
