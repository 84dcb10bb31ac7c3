"""Issue 12 §4: the public search through a trigram index on PostgreSQL (pg_trgm).

A plain ``gin_trgm_ops`` index on ``search_text`` cannot serve the commonest Japanese query: a
word of two kanji such as 観光 gives ``LIKE '%観光%'`` no trigram at all (a two-character word
between wildcards has none), so PostgreSQL reads every row. The index is therefore built on
``search_pairs``: the folded text with every character written twice (観光課 → 観観光光課課).
``t`` occurs in ``s`` exactly when ``pairs(t)`` occurs in ``pairs(s)``, and ``pairs(観光)`` =
観観光光 has the trigrams 観観光 and 観光光, so every query of two characters or more is
answered from the index (``accounts.text_match``); a single character still reads every row,
as it must with any trigram index.

``search_pairs`` exists on PostgreSQL only and Django does not know it: a trigger derives it
from ``search_text`` on every insert and on every update that writes ``search_text``, so no
code path (``save()``, ``bulk_create``, ``bulk_update``, the importers) can forget it, and the
folding still happens once, in Python (accounts/search.py). SQLite keeps the plain ``LIKE``
on ``search_text``, with the same results (tests/public/test_trigram_search.py).

pg_trgm ships with PostgreSQL (contrib) and is a trusted extension since PostgreSQL 13: the
owner of the database may create it. If the application's role cannot, this migration stops
with the statement the DBA has to run; it does not carry on without the index, because a
registry that searches 100 000 rows per keyword is only noticed under load.
"""

from django.db import DatabaseError, migrations, models

TABLE = "accounts_officialaccount"

NO_EXTENSION = (
    "拡張機能 pg_trgm を作成できませんでした（公開検索の索引に必要です）。"
    "データベース管理者が、このデータベースで次を一度実行してから、migrate をやり直してください:\n"
    "    CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
    "（PostgreSQL 13 以降はデータベースの所有者も実行できます。"
    "Debian/Ubuntu で拡張機能がない場合は postgresql-contrib を導入します。）\n"
    "原因: {error}"
)

# Every character twice: '(.)' matches newlines too in PostgreSQL's regular expressions.
PAIRS = r"regexp_replace({text}, '(.)', '\1\1', 'g')"

FORWARD = [
    f"ALTER TABLE {TABLE} ADD COLUMN search_pairs text NOT NULL DEFAULT ''",
    f"""
    CREATE FUNCTION accounts_search_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_pairs := {PAIRS.format(text="NEW.search_text")};
        RETURN NEW;
    END
    $$
    """,
    f"""
    CREATE TRIGGER accounts_search_pairs
    BEFORE INSERT OR UPDATE OF search_text ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION accounts_search_pairs()
    """,
    f"UPDATE {TABLE} SET search_pairs = {PAIRS.format(text='search_text')}",  # noqa: S608
    f"CREATE INDEX account_search_pairs_trgm ON {TABLE} USING gin (search_pairs gin_trgm_ops)",
]

BACKWARD = [
    f"DROP TRIGGER IF EXISTS accounts_search_pairs ON {TABLE}",
    "DROP FUNCTION IF EXISTS accounts_search_pairs()",
    # Dropping the column drops its index. The extension stays: other things may use it.
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_pairs",
]


def _ensure_pg_trgm(schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return  # created by the DBA beforehand: nothing asked of the app's role
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            raise RuntimeError(NO_EXTENSION.format(error=exc)) from exc


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite searches search_text with LIKE (accounts.text_match)
    _ensure_pg_trgm(schema_editor)
    for sql in FORWARD:
        schema_editor.execute(sql)


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in BACKWARD:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_reading_closure_category_successor"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
        # /closed/ and the feed's closures, newest first (selectors.closed_accounts).
        migrations.AddIndex(
            model_name="officialaccount",
            index=models.Index(
                condition=models.Q(("listed_at__isnull", False), ("status", "closed")),
                fields=["-closed_at", "id"],
                name="account_closed_order",
            ),
        ),
    ]
