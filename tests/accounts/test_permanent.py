"""Permanent platform identifiers (issue 14, accounts.permanent): what staff type or paste is
kept in the form the verifier's keys spell it, so ``x.com/i/user/123`` and the stored ID meet."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import permanent
from accounts.catalogue import PERMANENT_ID_SERVICES, SERVICES
from accounts.identity import AccountKey, IdentityError, canonicalize, read
from accounts.models import AccountStatus, OfficialAccount
from tests.factories import OfficialAccountFactory, service

DID = "did:plc:abcdefghijklmnopqrstuvwx"
CHANNEL = "UCabcdefghijklmnopqrstuv"


def test_which_services_have_a_permanent_id():
    # The note to the team lists these; note, Threads and web sites have none.
    assert set(PERMANENT_ID_SERVICES) == {
        "x", "facebook", "instagram", "youtube", "line", "tiktok", "bluesky"
    }  # fmt: skip
    assert [s.slug for s in SERVICES if s.permanent_id and s.permanent_id.checked_daily] == [
        "bluesky"
    ]


@pytest.mark.parametrize("facts", [s for s in SERVICES if s.permanent_id], ids=lambda f: f.slug)
def test_every_permanent_id_has_help_in_japanese_and_its_example_is_accepted(facts):
    pid = facts.permanent_id
    assert pid.label
    assert pid.how_to_find
    assert pid.example
    assert any("\u3040" <= c <= "\u30ff" for c in pid.how_to_find)  # kana: written for staff
    assert permanent.parse(facts.slug, pid.example) == pid.prefix + pid.example


@pytest.mark.parametrize(
    ("service", "typed", "stored"),
    [
        ("x", "1234567890", "id:1234567890"),
        ("x", "１２３４５６７８９０", "id:1234567890"),  # typed with a Japanese IME
        ("x", " 1234567890 ", "id:1234567890"),
        ("x", "https://x.com/i/user/1234567890", "id:1234567890"),
        ("x", "https://twitter.com/intent/user?user_id=1234567890", "id:1234567890"),
        ("facebook", "100064123456789", "id:100064123456789"),
        ("facebook", "https://www.facebook.com/profile.php?id=1000641234", "id:1000641234"),
        ("instagram", "17841400000000000", "id:17841400000000000"),
        ("tiktok", "6812345678901234567", "id:6812345678901234567"),
        ("youtube", CHANNEL, "channel/" + CHANNEL),
        ("youtube", "https://www.youtube.com/channel/" + CHANNEL, "channel/" + CHANNEL),
        ("bluesky", DID, DID),
        ("bluesky", "https://bsky.app/profile/" + DID, DID),
        ("line", "@123ABCDE", "@123abcde"),
        ("line", "https://line.me/R/ti/p/@123abcde", "@123abcde"),
    ],
)  # fmt: skip
def test_staff_type_the_id_or_paste_its_permanent_url(service, typed, stored):
    assert permanent.parse(service, typed) == stored


@pytest.mark.parametrize(
    ("service", "typed", "code"),
    [
        ("x", "@samplecity", "bad_permanent_id"),  # a handle is not the permanent ID
        ("x", "https://x.com/samplecity", "bad_permanent_id"),
        ("x", "https://x.com.evil.example/i/user/123", "bad_permanent_id"),
        ("x", "https://x.com/i/user/123abc", "bad_permanent_id"),
        ("x", "1" * 21, "bad_permanent_id"),
        ("youtube", "UCshort", "bad_permanent_id"),
        ("youtube", "https://www.youtube.com/@samplecity", "bad_permanent_id"),
        ("bluesky", "samplecity.bsky.social", "bad_permanent_id"),
        ("bluesky", "did:plc:ABCDEFGHIJKLMNOPQRSTUVWX", "bad_permanent_id"),
        ("facebook", "https://www.facebook.com/samplecity", "bad_permanent_id"),
        ("note", "12345", "no_permanent_id"),
        ("threads", "12345", "no_permanent_id"),
        ("other", "12345", "no_permanent_id"),
        ("x", "", "empty"),
        ("x", "1" * 5000, "too_long"),
    ],
)
def test_what_is_not_a_permanent_id_is_refused_with_a_message(service, typed, code):
    with pytest.raises(IdentityError) as info:
        permanent.parse(service, typed)
    assert info.value.code == code
    assert str(info.value.message)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://x.com/i/user/1234567890", "x:id:1234567890"),
        ("https://mobile.twitter.com/i/user/1234567890/", "x:id:1234567890"),
        ("https://x.com/intent/user?user_id=1234567890", "x:id:1234567890"),
        ("https://x.com/intent/follow?user_id=1234567890", "x:id:1234567890"),
    ],
)
def test_the_permanent_urls_of_x_are_read(url, key):
    assert str(canonicalize(url)) == key
    assert read(url).post is False


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/i/user/",
        "https://x.com/i/user/abc",
        "https://x.com/i/user/123/likes",
        "https://x.com/intent/user?user_id=12a",
        # Which account X opens with both we cannot tell: never vouch for either.
        "https://x.com/intent/user?user_id=1&screen_name=samplecity",
        "https://x.com/intent/user?user_id=1&user_id=2",
        "https://x.com/intent/tweet?user_id=1",
    ],
)
def test_a_permanent_url_that_names_no_one_for_certain_is_refused(url):
    with pytest.raises(IdentityError):
        canonicalize(url)


def test_the_x_permanent_key_is_shown_and_opened_as_its_permanent_url():
    key = AccountKey("x", "id:1234567890")
    assert key.url == "https://x.com/i/user/1234567890"
    assert key.display_handle == "x.com/i/user/1234567890"
    assert permanent.is_permanent(key)
    assert not permanent.is_permanent(AccountKey("x", "samplecity"))
    # LINE's basic ID looks like a handle: never assumed to be the permanent one.
    assert not permanent.is_permanent(AccountKey("line", "@123abcde"))


@pytest.mark.django_db
def test_an_account_registered_by_its_permanent_url_carries_it_as_its_permanent_id():
    account = OfficialAccountFactory(service=service("bluesky"), identifier=DID)
    account.refresh_from_db()
    assert account.platform_id == DID
    handle = OfficialAccountFactory(service=service("bluesky"), identifier="city.bsky.social")
    handle.refresh_from_db()
    assert handle.platform_id == ""


@pytest.mark.django_db
def test_a_permanent_id_is_one_live_account_in_the_database():
    first = OfficialAccountFactory(service=service("x"), identifier="city_a", platform_id="id:42")
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficialAccountFactory(service=first.service, identifier="city_b", platform_id="id:42")
    # A closed account frees it, like the handle key.
    OfficialAccount.objects.filter(pk=first.pk).update(
        status=AccountStatus.CLOSED, closed_at=timezone.now(), listed_at=timezone.now()
    )
    OfficialAccountFactory(service=first.service, identifier="city_b", platform_id="id:42")
    # Two accounts without one are fine.
    OfficialAccountFactory(service=first.service, identifier="city_c")
    OfficialAccountFactory(service=first.service, identifier="city_d")


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/i/user/0123",
        "https://x.com/intent/user?user_id=0123",
        "https://www.facebook.com/profile.php?id=0123",
    ],
)
def test_a_numeric_id_has_one_spelling_so_a_leading_zero_is_no_id(url):
    """ "0123" would be a second key for 123: the unique constraint and the verifier would
    treat them as two accounts."""
    with pytest.raises(IdentityError):
        canonicalize(url)
    with pytest.raises(IdentityError):
        permanent.parse("x", "0123")
