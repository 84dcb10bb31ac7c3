"""Issue 12 §4: the public search finds the same accounts on SQLite and PostgreSQL, on
PostgreSQL through the trigram index (accounts/migrations/0013_issue12_trigram_search.py).

Both CI runs compare the database's answer with the plain meaning of the search — every folded
word is a substring of the account's folded text — so the two databases agree with each other.
"""

from __future__ import annotations

import pytest
from django.db import connection

from accounts import selectors
from accounts.models import OfficialAccount
from accounts.search import terms
from accounts.text_match import contains_term, pairs
from tests.factories import OfficialAccountFactory

# Names a search has to tell apart: wildcards that must stay literal, half-width kana, ASCII.
NAMES = [
    "サンプル市観光100%キャンペーン",
    "サンプル市観光10円キャンペーン",
    "サンプル市a_b広報",
    "サンプル市axb広報",
    "サンプル市ｶﾝｺｳ案内",
    "サンプル市＼防災",
]

QUERIES = [
    "観光",  # two kanji: the commonest query, no trigram of its own
    "観",  # one character: no index can help, the answer must still be right
    "観光課",  # three characters
    "かんこう",  # hiragana finds katakana and kanji (by reading)
    "カンコウ",
    "ｶﾝｺｳ",  # half-width kana
    "ＳＡＭＰＬＥ",  # full-width ASCII
    "sample",
    "s",
    "100%",  # % is a character here, not "anything"
    "%",
    "10_",
    "a_b",  # _ is a character, not "any one character": axb must not match
    "_",
    "＼",  # the LIKE escape character itself (folded to a backslash)
    "\\防災",
    "防災 観光",  # two words: both must match
    "サンプル　防災",  # a full-width space separates words too
    "観光 zzz",
    "存在しない語",
    "光課",
    "んこ",
]


@pytest.fixture
def accounts(demo):
    for name in NAMES:
        OfficialAccountFactory(listed=True, display_name=name)


def _expected(query: str) -> set[int]:
    words = terms(query)
    return {
        a.pk for a in selectors.listed_accounts() if all(word in a.search_text for word in words)
    }


def _found(query: str) -> set[int]:
    flt = selectors.ListFilter(q=query)
    return set(selectors.listed_matching(flt).values_list("pk", flat=True))


@pytest.mark.parametrize("query", QUERIES)
def test_a_search_finds_exactly_the_accounts_containing_every_word(accounts, query):
    assert _found(query) == _expected(query)


def test_wildcards_are_literal_and_folding_still_applies(accounts):
    def names(query: str) -> set[str]:
        return {
            a.display_name
            for a in OfficialAccount.objects.filter(pk__in=_found(query))
            if a.display_name in NAMES
        }

    assert names("100%") == {"サンプル市観光100%キャンペーン"}
    assert names("a_b") == {"サンプル市a_b広報"}
    assert names("ｶﾝｺｳ案内") == {"サンプル市ｶﾝｺｳ案内"}  # stored and asked half-width
    assert "サンプル市ｶﾝｺｳ案内" in names("カンコウ")


def test_the_public_page_and_the_api_list_the_same_accounts(accounts, client):
    page = client.get("/", {"q": "観光"}).content.decode()
    data = client.get("/api/v1/accounts/", {"q": "観光", "page_size": 500}).json()
    api_names = {row["display_name"] for row in data["results"]}
    expected = set(
        OfficialAccount.objects.filter(pk__in=_expected("観光")).values_list(
            "display_name", flat=True
        )
    )
    assert api_names == expected
    assert all(name in page for name in expected)  # fewer than a page of 50


# --- PostgreSQL: the column the index is built on, and the index itself ------------------


def _pairs_column(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_pairs FROM accounts_officialaccount WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL (pg_trgm)")
def test_the_doubled_text_follows_every_way_search_text_is_written(accounts):
    account = OfficialAccount.objects.get(display_name=NAMES[0])
    assert _pairs_column(account.pk) == pairs(account.search_text)  # insert
    account.display_name = "サンプル市観光新アカウント"
    account.save()  # update
    assert _pairs_column(account.pk) == pairs(account.search_text)
    account.search_text = "改 めた"
    OfficialAccount.objects.bulk_update([account], ["search_text"])  # the importers' way
    assert _pairs_column(account.pk) == "改改  めめたた"


def _plan(query: str) -> str:
    # The search's own condition alone: on the demo's few rows the planner would rather read
    # the small list-order index, and this asks whether the trigram index can answer it.
    qs = OfficialAccount.objects.filter(*(contains_term(word) for word in terms(query)))
    sql, params = qs.order_by().values_list("pk", flat=True).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL (pg_trgm)")
@pytest.mark.parametrize("query", ["観光", "かんこう", "sample", "観光 防災"])
def test_a_query_of_two_characters_or_more_can_be_answered_from_the_trigram_index(accounts, query):
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm('観光課')")
        assert cursor.fetchone()[0], "pg_trgm makes no trigrams of kanji in this locale"
    assert "account_search_pairs_trgm" in _plan(query)
