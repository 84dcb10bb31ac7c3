"""Japanese-aware search that behaves the same on SQLite and PostgreSQL.

Neither database folds full-width/half-width forms or hiragana/katakana the same way (SQLite's
LIKE only folds ASCII case; PostgreSQL's depends on the collation), so the folding is done here,
in Python, once when an account is saved (``OfficialAccount.search_text``) and once for the
query; the database then only does a plain substring match on already-folded text.
"""

from __future__ import annotations

import re
import unicodedata

_KATAKANA = re.compile(r"[\u30a1-\u30f6]")
_SPACE = re.compile(r"\s+")
# Marks people type or omit at will: the long-vowel mark stays (it changes words), but the
# middle dot and similar separators do not matter for matching.
_IGNORED = str.maketrans("", "", "・･·‧")


def fold(text: str) -> str:
    """NFKC (full/half width), case-fold, katakana → hiragana, collapse spaces."""
    text = unicodedata.normalize("NFKC", text or "").casefold().translate(_IGNORED)
    text = _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)
    return _SPACE.sub(" ", text).strip()


def terms(query: str, *, limit: int = 8) -> list[str]:
    """The folded words of a query; every word must match (AND)."""
    return [t for t in fold(query).split(" ") if t][:limit]


def account_search_text(*parts: str) -> str:
    return " ".join(fold(p) for p in parts if p)
