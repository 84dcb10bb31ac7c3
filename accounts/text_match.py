"""``search_text`` contains a folded term: the same rows on both databases, from an index on
PostgreSQL.

SQLite: ``search_text LIKE '%term%'`` (Django's ``contains``, with ``%``, ``_`` and ``\\``
escaped, so they match themselves).

PostgreSQL: ``search_pairs LIKE '%tteerrmm%'`` on the trigger-kept column of
accounts/migrations/0013_issue12_trigram_search.py, whose trigram index serves every term of two
characters or more — 観光 included, which a trigram index on ``search_text`` itself cannot
serve. Doubling every character keeps the answer: a term occurs in the text exactly when the
doubled term occurs in the doubled text. A one-character term has no trigram either way, so it
reads ``search_text`` (half as long) as before.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, TextField
from django.db.models.expressions import Col
from django.db.models.lookups import Contains

# The column exists on PostgreSQL only, outside the model; a field object to name it in SQL.
_PAIRS = TextField()
_PAIRS.set_attributes_from_name("search_pairs")


def pairs(text: str) -> str:
    """Every character twice (the SQL trigger's ``regexp_replace(…, '(.)', '\\1\\1', 'g')``)."""
    return "".join(ch * 2 for ch in text)


class FoldedContains(Contains):
    """``search_text`` contains ``term`` (already folded by ``accounts.search.terms``)."""

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if isinstance(self.lhs, Col) and len(self.rhs) >= 2:
            column = Col(self.lhs.alias, _PAIRS)
            return compiler.compile(Contains(column, pairs(self.rhs)))
        return self.as_sql(compiler, connection)


def contains_term(term: str, field: str = "search_text") -> FoldedContains:
    """A filter for ``OfficialAccount`` querysets: ``qs.filter(contains_term("観光"))``."""
    return FoldedContains(F(field), term)
