"""R3: the database refuses a published policy version without its required items
(``OperationPolicy.REQUIRED_FOR_PUBLICATION``; the request form has always required them).

A published version can never be changed (migration 0002), so a row that already breaks the
rule cannot be mended here: the migration stops and names it instead of failing on a bare
constraint error. SQLite rebuilds the table to add (or remove) a CHECK, which drops the
triggers of migration 0002: they are created again after both.
"""

import importlib

from django.db import migrations, models

# As the rule stood when this migration was written (a migration never reads today's model).
REQUIRED = (
    "purpose",
    "content",
    "reply_policy",
    "contact",
    "prohibited_matters",
    "intellectual_property",
    "disclaimer",
    "deletion_rules",
)

_triggers = importlib.import_module("policies.migrations.0002_published_policy_triggers")


def refuse_incomplete_published_rows(apps, schema_editor):
    policy = apps.get_model("policies", "OperationPolicy")
    empty = models.Q()
    for field in REQUIRED:
        empty |= models.Q(**{field: ""})
    rows = list(
        policy.objects.using(schema_editor.connection.alias)
        .filter(empty, status="published")
        .values_list("pk", "account_id", "version")
    )
    if rows:
        listed = ", ".join(f"id {pk} (account {a}, version {v})" for pk, a, v in rows[:20])
        raise RuntimeError(
            f"{len(rows)} published operation policy version(s) lack a required item "
            f"({', '.join(REQUIRED)}): {listed}. Published versions are immutable (migration "
            "0002); decide with the PR division how to correct them before migrating."
        )


def recreate_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in _triggers.SQLITE_CREATE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0002_published_policy_triggers"),
    ]

    operations = [
        # Backwards, this runs last: after the CHECK is removed (a rebuild on SQLite).
        migrations.RunPython(refuse_incomplete_published_rows, recreate_sqlite_triggers),
        migrations.AddConstraint(
            model_name="operationpolicy",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "draft"),
                    models.Q(*(~models.Q((field, "")) for field in REQUIRED)),
                    _connector="OR",
                ),
                name="policy_published_has_required_items",
                violation_error_message=(
                    "公開する運用ポリシーには、目的・掲載内容・コメントへの対応・問い合わせ先・"
                    "禁止事項・知的財産権・免責事項・削除の基準をすべて記入してください（R3）。"
                ),
            ),
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
