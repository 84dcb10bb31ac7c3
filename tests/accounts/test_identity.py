"""accounts.identity: what people paste → one canonical account key, or a refusal with a code.

Runs with or without Django settings (``-p no:django``): only codes are compared, except in
the message tests, which configure minimal settings when none are loaded.
"""

import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from accounts.hosts import service_of_host
from accounts.identity import (
    SERVICE_HOSTS,
    SERVICE_SLUGS,
    SHORTENER_HOSTS,
    AccountKey,
    IdentityError,
    canonicalize,
    check_not_shortener,
)

if not os.environ.get("DJANGO_SETTINGS_MODULE"):  # run with -p no:django
    from django.conf import settings as django_settings

    if not django_settings.configured:
        django_settings.configure(USE_I18N=False)

CHANNEL = "UCaBcDeFgHiJkLmNoPqRsTuV"
DID = "did:plc:abcdefghijklmnopqrstuvwx"

# (pasted, service chosen or None, expected str(key))
VALID = [
    # X
    ("https://x.com/city_example", None, "x:city_example"),
    ("https://twitter.com/City_Example", None, "x:city_example"),
    ("https://mobile.twitter.com/city_example/", None, "x:city_example"),
    ("https://m.twitter.com/city_example", "x", "x:city_example"),
    ("https://www.x.com/city_example?lang=ja", None, "x:city_example"),
    ("https://x.com/City_Example/status/1790000000000000000?s=20&t=abcDEF", None, "x:city_example"),
    ("https://twitter.com/city_example/status/123/photo/1", None, "x:city_example"),
    ("x.com/city_example", None, "x:city_example"),
    ("@city_example", "x", "x:city_example"),
    ("city_example", "x", "x:city_example"),
    ("＠ｃｉｔｙ＿ｅｘａｍｐｌｅ", "x", "x:city_example"),
    ("ｈｔｔｐｓ：／／ｘ．ｃｏｍ／Ｃｉｔｙ＿ｅｘａｍｐｌｅ", None, "x:city_example"),
    ("\u3000 https://x.com/city_example \u200b", None, "x:city_example"),
    ("\ufeff「https://x.com/city_example」", None, "x:city_example"),
    ("<https://x.com/city_example>", None, "x:city_example"),
    ("//x.com/city_example", None, "x:city_example"),
    ("HTTPS://X.COM/CITY_EXAMPLE", None, "x:city_example"),
    ("https://x.com./city_example", None, "x:city_example"),
    ("https://x.com:443/city_example", None, "x:city_example"),
    ("https://twitter.com/#!/city_example", None, "x:city_example"),
    ("https://x.com//city_example//", None, "x:city_example"),
    ("http://twitter.com/city_example#top", "x", "x:city_example"),
    # Instagram
    ("https://www.instagram.com/city.example/", None, "instagram:city.example"),
    ("https://instagram.com/City.Example?igshid=MzRlODBiNWFlZA==", None, "instagram:city.example"),
    ("https://www.instagram.com/city.example/reels/", None, "instagram:city.example"),
    ("https://www.instagram.com/city.example/tagged/", None, "instagram:city.example"),
    ("https://www.instagram.com/stories/city.example/3300000000/", None, "instagram:city.example"),
    ("https://m.instagram.com/city.example", None, "instagram:city.example"),
    ("@City.Example", "instagram", "instagram:city.example"),
    ("https://www.instagram.com/city.example/?utm_source=ig_web_copy_link&igsh=eHl6", "instagram",
     "instagram:city.example"),
    # Facebook
    ("https://www.facebook.com/profile.php?id=100064123456789", None,
     "facebook:id:100064123456789"),
    ("https://m.facebook.com/profile.php?id=100064123456789&mibextid=ZbWKwL", None,
     "facebook:id:100064123456789"),
    ("https://www.facebook.com/Sample.City.PR", None, "facebook:samplecitypr"),
    ("https://www.facebook.com/samplecitypr/?fbclid=IwAR0abcdef", None, "facebook:samplecitypr"),
    ("https://m.facebook.com/sample.city.pr/posts/pfbid02abcDEF", None, "facebook:samplecitypr"),
    ("https://web.facebook.com/samplecitypr", None, "facebook:samplecitypr"),
    ("https://mbasic.facebook.com/samplecitypr", "facebook", "facebook:samplecitypr"),
    ("https://fb.com/samplecitypr", None, "facebook:samplecitypr"),
    ("https://www.facebook.com/people/Sample-City/100064123456789/", None,
     "facebook:id:100064123456789"),
    ("https://www.facebook.com/pages/Sample-City/123456789012345", None,
     "facebook:id:123456789012345"),
    ("https://www.facebook.com/p/Sample-City-100064123456789/", None,
     "facebook:id:100064123456789"),
    ("https://www.facebook.com/pg/samplecitypr/posts/", None, "facebook:samplecitypr"),
    ("sample.city.pr", "facebook", "facebook:samplecitypr"),
    # YouTube
    ("https://www.youtube.com/@SampleCityCh", None, "youtube:@samplecitych"),
    ("https://m.youtube.com/@samplecitych/videos", None, "youtube:@samplecitych"),
    ("https://www.youtube.com/@samplecitych/featured?si=AbCdEf", None, "youtube:@samplecitych"),
    (f"https://www.youtube.com/channel/{CHANNEL}", None, f"youtube:channel/{CHANNEL}"),
    (f"https://youtube.com/channel/{CHANNEL}/streams", None, f"youtube:channel/{CHANNEL}"),
    ("https://www.youtube.com/c/SampleCity", None, "youtube:c/samplecity"),
    ("https://www.youtube.com/user/SampleCityPR/playlists", None, "youtube:user/samplecitypr"),
    ("https://www.youtube.com/SampleCity", None, "youtube:c/samplecity"),  # legacy custom URL
    ("@SampleCityCh", "youtube", "youtube:@samplecitych"),
    ("samplecitych", "youtube", "youtube:@samplecitych"),
    (CHANNEL, "youtube", f"youtube:channel/{CHANNEL}"),
    ("https://www.youtube.com/@%E3%82%B5%E3%83%B3%E3%83%97%E3%83%AB%E5%B8%82", None,
     "youtube:@サンプル市"),
    # LINE
    ("https://line.me/R/ti/p/@samplecity", None, "line:@samplecity"),
    ("https://line.me/R/ti/p/%40SampleCity", None, "line:@samplecity"),
    ("https://line.me/ti/p/@123abcde", None, "line:@123abcde"),
    ("https://page.line.me/123abcde?openQrModal=true", None, "line:@123abcde"),
    ("@SampleCity", "line", "line:@samplecity"),
    # TikTok
    ("https://www.tiktok.com/@Sample_City_Kanko", None, "tiktok:@sample_city_kanko"),
    ("https://www.tiktok.com/@sample_city_kanko/video/7300000000000000000?is_from_webapp=1",
     None, "tiktok:@sample_city_kanko"),
    ("https://m.tiktok.com/@sample_city_kanko", "tiktok", "tiktok:@sample_city_kanko"),
    ("sample_city_kanko", "tiktok", "tiktok:@sample_city_kanko"),
    # Threads
    ("https://www.threads.net/@sample_city_kanko", None, "threads:@sample_city_kanko"),
    ("https://www.threads.com/@Sample_City_Kanko/post/C1abcDEF", None,
     "threads:@sample_city_kanko"),
    ("https://threads.net/@sample_city_kanko?xmt=AQGz", "threads", "threads:@sample_city_kanko"),
    ("@sample_city_kanko", "threads", "threads:@sample_city_kanko"),
    # Bluesky
    ("https://bsky.app/profile/samplecity.bsky.social", None, "bluesky:samplecity.bsky.social"),
    ("https://bsky.app/profile/SampleCity.bsky.social/post/3kabc", None,
     "bluesky:samplecity.bsky.social"),
    (f"https://bsky.app/profile/{DID}", None, f"bluesky:{DID}"),
    (DID, "bluesky", f"bluesky:{DID}"),
    ("@samplecity.bsky.social", "bluesky", "bluesky:samplecity.bsky.social"),
    ("samplecity", "bluesky", "bluesky:samplecity.bsky.social"),
    ("https://bsky.app/profile/www.city.example.lg.jp", None, "bluesky:www.city.example.lg.jp"),
    # note
    ("https://note.com/sample_city", None, "note:sample_city"),
    ("https://note.com/Sample_City/n/n1a2b3c4d5e6f", None, "note:sample_city"),
    ("https://note.mu/sample_city/m/m1a2b3c", None, "note:sample_city"),
    ("note.com/sample_city/", "note", "note:sample_city"),
    ("sample_city", "note", "note:sample_city"),
    # Other
    ("https://blog.example.lg.jp/kouhou/", None, "other:blog.example.lg.jp/kouhou"),
    ("https://www.City.Example.lg.jp/Kouhou/Blog/?utm_source=x#top", None,
     "other:city.example.lg.jp/Kouhou/Blog"),
    ("blog.example.lg.jp/kouhou", "other", "other:blog.example.lg.jp/kouhou"),
    ("https://blog.example.lg.jp", "other", "other:blog.example.lg.jp"),
    ("https://例え.jp/お知らせ", None, "other:xn--r8jz45g.jp/お知らせ"),
    ("https://blog.example.lg.jp/%E3%81%8A%E7%9F%A5%E3%82%89%E3%81%9B", "other",
     "other:blog.example.lg.jp/お知らせ"),
    ("https://x.com.example.net/city_example", None, "other:x.com.example.net/city_example"),
    ("https://evil-x.com/city_example", None, "other:evil-x.com/city_example"),
    # What demo.data seeds
    ("@sample_city_pr", "x", "x:sample_city_pr"),
    ("https://www.facebook.com/sample.city.pr", "facebook", "facebook:samplecitypr"),
    ("https://www.youtube.com/@samplecitych", "youtube", "youtube:@samplecitych"),
    ("https://line.me/R/ti/p/@samplecity", "line", "line:@samplecity"),
    ("@samplecity.bsky.social", "bluesky", "bluesky:samplecity.bsky.social"),
    ("https://note.com/sample_city", "note", "note:sample_city"),
    ("https://blog.sample-city.example.jp/shogai", "other",
     "other:blog.sample-city.example.jp/shogai"),
    *[("@bulk0000042", s, None) for s in SERVICE_SLUGS if s != "other"],
    ("https://www.city.example.lg.jp/sns/bulk0000042", "other",
     "other:city.example.lg.jp/sns/bulk0000042"),
]  # fmt: skip

# (pasted, service chosen or None, expected IdentityError.code)
REFUSED = [
    ("https://bit.ly/3abcDEF", None, "shortener"),
    ("https://t.co/abc123", "x", "shortener"),
    ("https://lin.ee/abc123", "line", "shortener"),
    ("https://lin.ee/abc123", None, "shortener"),
    ("https://vm.tiktok.com/ZSabc123/", "tiktok", "shortener"),
    ("https://vt.tiktok.com/ZSabc123/", None, "shortener"),
    ("https://tinyurl.com/abc", "other", "shortener"),
    ("www.bit.ly/abc", None, "shortener"),
    ("https://qr.paps.jp/abc", "other", "shortener"),
    ("https://youtu.be/dQw4w9WgXcQ", "other", "shortener"),
    ("https://x.com.example.net/city_example", "x", "lookalike_host"),
    ("https://twitter.com-login.example/city_example", "x", "lookalike_host"),
    ("https://evil-x.com/city_example", "x", "lookalike_host"),
    ("https://twіtter.com/city_example", "x", "lookalike_host"),  # Cyrillic і
    ("https://xn--twtter-qvf.com/city_example", "x", "lookalike_host"),  # the same, punycode
    ("https://instagram.com.evil.example/city", "instagram", "lookalike_host"),
    ("https://example.net/city_example", "x", "service_mismatch"),
    ("https://www.instagram.com/city.example/", "x", "service_mismatch"),
    ("https://x.com/city_example", "other", "service_mismatch"),
    ("https://x.com@evil.example/", None, "userinfo"),
    ("https://user:pw@x.com/city_example", "x", "userinfo"),
    ("javascript:alert(1)", None, "scheme"),
    ("data:text/html,hello", None, "scheme"),
    ("ftp://x.com/city_example", "x", "scheme"),
    ("mailto:kouhou@city.example.lg.jp", None, "scheme"),
    ("https://x.com/home", None, "not_account"),
    ("https://x.com/search?q=city", None, "not_account"),
    ("https://x.com/i/status/123", None, "not_account"),
    ("https://x.com/", None, "not_account"),
    ("@intent", "x", "not_account"),
    ("https://help.x.com/ja", "x", "not_account"),
    ("https://www.instagram.com/p/C1abcDEF/", None, "not_account"),
    ("https://www.instagram.com/reel/C1abcDEF/", None, "not_account"),
    ("https://www.instagram.com/explore/tags/city/", None, "not_account"),
    ("https://www.facebook.com/groups/123456/", None, "not_account"),
    ("https://www.facebook.com/share/p/abcDEF/", None, "not_account"),
    ("https://www.facebook.com/watch/?v=123", None, "not_account"),
    ("https://www.facebook.com/story.php?story_fbid=1", None, "not_account"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", None, "not_account"),
    ("https://www.youtube.com/shorts/abc123", None, "not_account"),
    ("https://www.youtube.com/playlist?list=PL123", None, "not_account"),
    ("https://youtu.be/dQw4w9WgXcQ", None, "not_account"),
    ("https://youtu.be/dQw4w9WgXcQ", "youtube", "not_account"),
    ("https://liff.line.me/1234567890-abcdefgh", None, "not_account"),
    ("https://line.me/R/msg/text/?hello", None, "not_account"),
    ("https://www.tiktok.com/explore", None, "not_account"),
    ("https://note.com/hashtag/city", None, "not_account"),
    ("https://bsky.app/search?q=city", None, "not_account"),
    ("", None, "empty"),
    (" \u3000\u200b ", "x", "empty"),
    ("「」", "x", "empty"),
    ("https://x.com/" + "a" * 2048, None, "too_long"),
    ("@city_example", None, "service_required"),
    ("city_example", None, "service_required"),
    ("@city-example", "x", "bad_handle"),
    ("@abcdefghijklmnop", "x", "bad_handle"),  # 16 characters
    ("https://x.com/city.example", None, "bad_handle"),
    ("@a" + "b" * 30, "instagram", "bad_handle"),
    ("https://www.youtube.com/channel/UCshort", None, "bad_handle"),
    ("@ab", "youtube", "bad_handle"),
    ("@city example", "tiktok", "bad_handle"),
    ("https://bsky.app/profile/samplecity", None, "bad_handle"),
    ("city", "other", "bad_url"),
    ("https://exa mple.com/", None, "bad_url"),
]


@pytest.mark.parametrize(("raw", "service", "expected"), VALID)
def test_canonical_key(raw, service, expected):
    key = canonicalize(raw, service)
    if expected is not None:
        assert str(key) == expected
    assert canonicalize(key.url, key.service) == key
    assert canonicalize(key.url) == key


@pytest.mark.parametrize(("raw", "service", "code"), REFUSED)
def test_refused(raw, service, code):
    with pytest.raises(IdentityError) as info:
        canonicalize(raw, service)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("key", "url", "handle"),
    [
        (AccountKey("x", "city_example"), "https://x.com/city_example", "@city_example"),
        (AccountKey("instagram", "city.example"), "https://www.instagram.com/city.example/",
         "@city.example"),
        (AccountKey("facebook", "samplecitypr"), "https://www.facebook.com/samplecitypr",
         "facebook.com/samplecitypr"),
        (AccountKey("facebook", "id:100064"), "https://www.facebook.com/profile.php?id=100064",
         "facebook.com/profile.php?id=100064"),
        (AccountKey("youtube", "@samplecitych"), "https://www.youtube.com/@samplecitych",
         "@samplecitych"),
        (AccountKey("youtube", f"channel/{CHANNEL}"), f"https://www.youtube.com/channel/{CHANNEL}",
         f"youtube.com/channel/{CHANNEL}"),
        (AccountKey("line", "@samplecity"), "https://line.me/R/ti/p/@samplecity", "@samplecity"),
        (AccountKey("tiktok", "@kanko"), "https://www.tiktok.com/@kanko", "@kanko"),
        (AccountKey("threads", "@kanko"), "https://www.threads.com/@kanko", "@kanko"),
        (AccountKey("bluesky", "city.bsky.social"), "https://bsky.app/profile/city.bsky.social",
         "@city.bsky.social"),
        (AccountKey("bluesky", DID), f"https://bsky.app/profile/{DID}", DID),
        (AccountKey("note", "sample_city"), "https://note.com/sample_city", "note.com/sample_city"),
        (AccountKey("other", "blog.example.jp/a b"), "https://blog.example.jp/a%20b",
         "blog.example.jp/a b"),
    ],
)  # fmt: skip
def test_url_and_display_handle(key, url, handle):
    assert key.url == url
    assert key.display_handle == handle
    assert str(key) == f"{key.service}:{key.identifier}"


def test_account_key_refuses_unknown_service():
    with pytest.raises(ValueError, match="unknown service"):
        AccountKey("myspace", "abc")


def test_canonicalize_refuses_unknown_service():
    with pytest.raises(ValueError, match="unknown service"):
        canonicalize("https://x.com/abc", "myspace")


@pytest.mark.parametrize(
    ("service", "host"), sorted((s, h) for s, hosts in SERVICE_HOSTS.items() for h in hosts)
)
def test_every_service_host_is_the_service(service, host):
    assert service_of_host(host) == service


@pytest.mark.parametrize("host", sorted(SHORTENER_HOSTS))
def test_check_not_shortener_refuses_every_shortener(host):
    for url in (f"https://{host}/abc", f"http://www.{host}/abc", f"{host.upper()}/abc"):
        with pytest.raises(IdentityError) as info:
            check_not_shortener(url)
        assert info.value.code == "shortener"


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/city_example",
        "https://www.city.example.lg.jp/kouhou/",
        "https://bit.ly.example.com/",  # only the real host and its subdomains are shorteners
        "https://notbit.ly/",
        "not a url",
        "",
    ],
)
def test_check_not_shortener_accepts_other_urls(url):
    check_not_shortener(url)


def test_check_not_shortener_sees_through_userinfo():
    with pytest.raises(IdentityError) as info:
        check_not_shortener("https://x.com@bit.ly/abc")
    assert info.value.code == "shortener"


def test_shorteners_include_those_common_in_japan():
    assert {"bit.ly", "t.co", "lin.ee", "youtu.be", "qr.paps.jp", "urx.blue"} <= SHORTENER_HOSTS


def test_messages_are_japanese_and_name_the_rule():
    codes = {}
    for raw, service, _code in REFUSED:
        try:
            canonicalize(raw, service)
        except IdentityError as exc:
            codes[exc.code] = str(exc.message)
    assert set(codes) == {code for _raw, _service, code in REFUSED}
    assert all(message and message == message.strip() for message in codes.values())
    assert "R11" in codes["shortener"]
    for raw, service, name in [
        ("https://x.com.example.net/abc", "x", "X（旧Twitter）"),  # the service asked for
        ("https://x.com/abc", "other", "X（旧Twitter）"),  # the service to choose instead
        ("https://www.instagram.com/abc/", "x", "Instagram"),
        ("@a-b", "tiktok", "TikTok"),
    ]:
        with pytest.raises(IdentityError) as info:
            canonicalize(raw, service)
        assert name in str(info.value) == str(info.value.message)


# --- Properties ----------------------------------------------------------------------------


def fullwidth(text: str) -> str:
    """What a Japanese IME in full-width mode types: ASCII → U+FF01–U+FF5E, space → U+3000."""
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text
    )


def with_digit(chars: str, before: int, after: int) -> st.SearchStrategy[str]:
    """Handles with a digit in them, so never one of the services' reserved words."""
    return st.from_regex(rf"[{chars}]{{0,{before}}}[0-9][{chars}]{{0,{after}}}", fullmatch=True)


def hosts_of(service):
    return SERVICE_HOSTS[service]


# service → (handle strategy, canonical identifier of a handle, case-insensitive, URL forms)
KINDS = {
    "x": (with_digit("A-Za-z0-9_", 7, 7), str.lower, True,
          [(hosts_of("x"), p) for p in ("/{h}", "/{h}/status/1790000000000000000",
                                         "/{h}/status/1/photo/1", "/{h}/media")]),
    "instagram": (with_digit("A-Za-z0-9._", 14, 15), str.lower, True,
                  [(hosts_of("instagram"), p) for p in ("/{h}", "/{h}/reels", "/{h}/tagged",
                                                         "/stories/{h}/3300000000")]),
    "threads": (with_digit("A-Za-z0-9._", 14, 15), lambda h: "@" + h.lower(), True,
                [(hosts_of("threads"), p) for p in ("/@{h}", "/@{h}/post/C1abcDEF")]),
    "facebook": (st.from_regex(r"[A-Za-z][A-Za-z0-9]{3,15}[0-9]", fullmatch=True),
                 str.lower, True,
                 [(hosts_of("facebook"), p) for p in ("/{h}", "/{h}/posts/pfbid0abc",
                                                       "/pg/{h}/posts", "/{h}/about")]),
    "facebook-id": (st.from_regex(r"[1-9][0-9]{5,16}", fullmatch=True), lambda h: "id:" + h,
                    False, [(hosts_of("facebook"), p) for p in (
                        "/profile.php?id={h}", "/people/Sample-City/{h}",
                        "/pages/Sample-City/{h}", "/p/Sample-City-{h}", "/{h}")]),
    "youtube": (with_digit("A-Za-z0-9_.\\-", 14, 14).filter(lambda h: len(h) >= 3),
                lambda h: "@" + h.lower(), True,
                [(hosts_of("youtube"), "/@{h}" + tab) for tab in (
                    "", "/videos", "/featured", "/streams", "/shorts", "/playlists", "/about")]),
    "youtube-channel": (st.from_regex(r"UC[A-Za-z0-9_\-]{22}", fullmatch=True),
                        lambda h: "channel/" + h, False,
                        [(hosts_of("youtube"), p)
                         for p in ("/channel/{h}", "/channel/{h}/videos")]),
    "line": (with_digit("A-Za-z0-9._\\-", 9, 9), lambda h: "@" + h.lower(), True,
             [(("line.me",), p) for p in ("/R/ti/p/@{h}", "/ti/p/@{h}", "/R/ti/p/%40{h}")]
             + [(("page.line.me",), "/{h}")]),
    "tiktok": (with_digit("A-Za-z0-9._", 11, 11).filter(lambda h: len(h) >= 2),
               lambda h: "@" + h.lower(), True,
               [(hosts_of("tiktok"), p) for p in ("/@{h}", "/@{h}/video/7300000000000000000")]),
    "bluesky": (st.from_regex(r"[A-Za-z][A-Za-z0-9\-]{0,10}[A-Za-z0-9]\.(bsky\.social|lg\.jp)",
                              fullmatch=True), str.lower, True,
                [(("bsky.app",), p) for p in ("/profile/{h}", "/profile/{h}/post/3kabc")]),
    "note": (with_digit("A-Za-z0-9_", 10, 10), str.lower, True,
             [(hosts_of("note"), p) for p in ("/{h}", "/{h}/n/n1a2b3c", "/{h}/m/m1a2b")]),
}  # fmt: skip

TRACKING = ["utm_source", "utm_medium", "utm_campaign", "fbclid", "igshid", "igsh", "si", "s", "t",
            "ref", "ref_src", "lang", "mibextid", "is_from_webapp"]  # fmt: skip
safe_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.",
                    max_size=12)  # fmt: skip


def random_case(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, flips, strict=True))


@st.composite
def pasted_accounts(draw):
    """(kind, what someone pasted, the key it must give) with every harmless variation."""
    kind = draw(st.sampled_from(sorted(KINDS)))
    handles, identifier, case_insensitive, forms = KINDS[kind]
    handle = draw(handles)
    expected = AccountKey(kind.split("-")[0], identifier(handle))
    hosts, template = draw(st.sampled_from(forms))
    host = random_case(draw, draw(st.sampled_from(hosts)))
    path = template.format(h=random_case(draw, handle) if case_insensitive else handle)
    path, _, query = path.partition("?")
    if draw(st.booleans()):
        path += "/"
    if draw(st.booleans()):
        path = path.replace("/", "//")
    params = draw(st.lists(st.tuples(st.sampled_from(TRACKING), safe_text), max_size=3))
    query = "&".join(filter(None, [query, *(f"{k}={v}" for k, v in params)]))
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://", "//", ""]))
    url = scheme + host + path + ("?" + query if query else "")
    if draw(st.booleans()):
        url += "#" + draw(safe_text)
    if draw(st.booleans()):
        url = fullwidth(url)
    before, after = draw(st.sampled_from([("", ""), (" ", "\n"), ("\u3000", "\u200b"),
                                          ("「", "」"), ("<", ">")]))  # fmt: skip
    return kind, before + url + after, expected


@given(pasted_accounts())
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_variation_gives_the_same_key(case):
    _kind, pasted, expected = case
    assert canonicalize(pasted) == expected
    assert canonicalize(pasted, expected.service) == expected


@given(pasted_accounts(), st.sampled_from(["", "@", "＠"]))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_canonical_forms_are_fixed_points(case, at):
    _kind, _pasted, key = case
    assert canonicalize(key.url) == key
    assert canonicalize(key.url, key.service) == key
    assert canonicalize(key.display_handle, key.service) == key
    assert canonicalize(fullwidth(key.url)) == key
    if key.service == "line" and not at:
        # LINE's official IDs start with "@"; without it, a personal ID (LINE's help).
        with pytest.raises(IdentityError):
            canonicalize(key.identifier.removeprefix("@"), key.service)
    elif key.identifier.startswith("@") or key.service in ("x", "instagram", "note"):
        assert canonicalize(at + key.identifier.removeprefix("@"), key.service) == key


@given(st.data())
def test_bare_handles_equal_their_urls(data):
    kind = data.draw(st.sampled_from(["x", "instagram", "threads", "line", "tiktok", "note"]))
    handles, identifier, _ci, _forms = KINDS[kind]
    handle = data.draw(handles)
    forms = ["@" + handle, fullwidth("@" + handle)] + ([] if kind == "line" else [handle])
    bare = data.draw(st.sampled_from(forms))  # a LINE official ID is written with its "@"
    key = canonicalize(bare, kind)
    assert key == AccountKey(kind, identifier(handle))
    assert canonicalize(key.url) == key
    if bare[0] in "@＠" or "." not in bare:  # "city.example" alone could be a web site
        with pytest.raises(IdentityError) as info:
            canonicalize(bare)
        assert info.value.code == "service_required"


@given(st.from_regex(r"[A-Za-z][A-Za-z0-9]{3,15}[0-9]", fullmatch=True), st.data())
def test_periods_do_not_count_in_facebook_usernames(name, data):
    positions = data.draw(st.lists(st.integers(1, len(name) - 1), max_size=4))
    dotted = "".join(c + ("." if i in positions else "") for i, c in enumerate(name, 1))
    assert canonicalize(f"https://www.facebook.com/{dotted}") == AccountKey(
        "facebook", name.lower()
    )


@given(st.from_regex(r"UC[A-Za-z0-9_\-]{22}", fullmatch=True))
def test_youtube_channel_ids_keep_their_case(channel):
    key = canonicalize(f"https://www.youtube.com/channel/{channel}/videos")
    assert key.identifier == f"channel/{channel}"
    swapped = channel[:2] + channel[2:].swapcase()
    assume(swapped != channel)
    assert canonicalize(f"https://www.youtube.com/channel/{swapped}") != key


path_segment = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs"), blacklist_characters="/?#%\\"),
    min_size=1,
    max_size=10,
)
domain_label = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)


@given(
    st.lists(domain_label, min_size=1, max_size=3),
    st.sampled_from(["jp", "lg.jp", "example", "net"]),
    st.lists(path_segment, max_size=4),
)
@settings(deadline=None)
def test_other_paths_keep_their_case(labels, tld, segments):
    host = ".".join([*labels, tld])
    assume(service_of_host(host) is None)
    try:
        check_not_shortener(f"https://{host}/")
    except IdentityError:
        assume(False)
    assume(not host.startswith("www."))
    assume(not {".", ".."} & set(segments))  # a browser resolves those (tested above)
    assume(not any(host.endswith("." + h) for hs in SERVICE_HOSTS.values() for h in hs))
    url = f"https://{host.upper()}/{quote('/'.join(segments))}?utm_source=x#top"
    key = canonicalize(url)
    assert key == canonicalize(url, "other")
    assert key.service == "other"
    assert key.identifier == "/".join([host, *segments])
    assert canonicalize(key.url) == key


BRAND_HOSTS = {
    "x": ["x.com", "twitter.com"], "facebook": ["facebook.com", "fb.com"],
    "instagram": ["instagram.com"], "youtube": ["youtube.com"], "line": ["line.me"],
    "tiktok": ["tiktok.com"], "threads": ["threads.net", "threads.com"], "bluesky": ["bsky.app"],
    "note": ["note.com", "note.mu"],
}  # fmt: skip
CONFUSABLE = {"a": "а", "e": "е", "o": "о", "c": "с", "x": "х", "i": "і", "p": "р", "s": "ѕ"}


@st.composite
def lookalikes(draw):
    service = draw(st.sampled_from(sorted(BRAND_HOSTS)))
    brand = draw(st.sampled_from(BRAND_HOSTS[service]))
    label = draw(st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True))
    tld = draw(st.sampled_from(["com", "net", "jp", "example", "xyz"]))
    where = [i for i, c in enumerate(brand) if c in CONFUSABLE]
    i = draw(st.sampled_from(where))
    host = draw(
        st.sampled_from(
            [
                f"{brand}.{label}.{tld}",
                f"{label}-{brand}",
                f"{brand}-{label}.{tld}",
                f"{label}.{brand}-{label}.{tld}",
                brand[:i] + CONFUSABLE[brand[i]] + brand[i + 1 :],
            ]
        )
    )
    # "x.com.x.com" is a subdomain of the service's own domain, not a look-alike.
    assume(not any(host.endswith("." + b) for bs in BRAND_HOSTS.values() for b in bs))
    path = draw(st.sampled_from(["/city_example", "/@city_example", "/profile/a.bsky.social"]))
    return service, draw(st.sampled_from(["https://", "http://", ""])) + host + path


@given(lookalikes())
@settings(deadline=None)
def test_lookalike_hosts_are_never_the_service(case):
    service, url = case
    try:
        key = canonicalize(url)
    except IdentityError:
        pass
    else:
        assert key.service == "other"
    with pytest.raises(IdentityError) as info:
        canonicalize(url, service)
    assert info.value.code == "lookalike_host"


URL_PIECES = [
    "https://", "http:", "//", "/", "@", ".", ":", "?", "#", "%40", "%", "x.com", "www.",
    "youtube.com", "line.me", "bsky.app", "profile", "channel", "did:plc:", "xn--", "-", "ａ",
    "．", "\u200b", " ", "id=", "&", "UC", "abc", "A", "1", "_", "ı", "ǅ", "ß", "\u0307", "例",
]  # fmt: skip
urlish = st.builds("".join, st.lists(st.sampled_from(URL_PIECES), max_size=12))


@given(st.one_of(st.text(), urlish), st.sampled_from([None, *SERVICE_SLUGS]))
@settings(deadline=None)
def test_any_text_gives_a_key_or_an_identity_error(text, service):
    try:
        key = canonicalize(text, service)
    except IdentityError as exc:
        code = exc.code
        assert code
        return
    assert key.service in SERVICE_SLUGS
    assert service in (None, key.service)
    assert canonicalize(key.url, key.service) == key


@given(st.one_of(st.text(), urlish))
def test_check_not_shortener_raises_only_for_shorteners(text):
    try:
        check_not_shortener(text)
    except IdentityError as exc:
        code = exc.code
        assert code == "shortener"


# --- Read like a browser, never match what is not that account (issue 8 §1, ADR 0009) ----------

from accounts.identity import bare_keys, read  # noqa: E402

# service → (handle strategy, URL template of a profile whose first segment is the handle)
ESCAPES = {
    "x": (with_digit("a-z0-9_", 6, 6), "https://x.com/{h}"),
    "instagram": (with_digit("a-z0-9_", 10, 10), "https://www.instagram.com/{h}"),
    "tiktok": (with_digit("a-z0-9_", 10, 10), "https://www.tiktok.com/@{h}"),
    "threads": (with_digit("a-z0-9_", 10, 10), "https://www.threads.com/@{h}"),
    "youtube": (with_digit("a-z0-9_", 10, 10).filter(lambda h: len(h) >= 3),
                "https://www.youtube.com/@{h}"),
    "note": (with_digit("a-z0-9_", 10, 10), "https://note.com/{h}"),
    "facebook": (st.from_regex(r"[a-z][a-z0-9]{4,12}[0-9]", fullmatch=True),
                 "https://www.facebook.com/{h}"),
}  # fmt: skip
DOT_DOT = ["..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "./.."]


@given(st.data())
@settings(deadline=None)
def test_a_path_that_leaves_the_account_names_the_other_one(data):
    """ "x.com/<official>/../<other>" is <other> in a browser, so it is <other> here."""
    service = data.draw(st.sampled_from(sorted(ESCAPES)))
    handles, template = ESCAPES[service]
    handles = handles.filter(lambda h: len(h) >= 3)  # TikTok and YouTube need a few letters
    official, other = data.draw(handles), data.draw(handles)
    assume(official.lower() != other.lower())
    up = data.draw(st.sampled_from(DOT_DOT))
    base = template.format(h=official)
    escape = data.draw(st.sampled_from([f"{base}/{up}/", f"{base}\\{up}\\"]))
    url = escape + template.format(h=other).rsplit("/", 1)[1]
    expected = canonicalize(template.format(h=other))
    assert read(url).key == expected
    assert read(url).key != canonicalize(base)


@given(st.data())
@settings(deadline=None)
def test_one_changed_character_never_matches(data):
    service = data.draw(st.sampled_from(sorted(ESCAPES)))
    handles, template = ESCAPES[service]
    handle = data.draw(handles)
    i = data.draw(st.integers(0, len(handle) - 1))
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789" + ("" if service == "facebook" else "_")
    c = data.draw(st.sampled_from(alphabet).filter(lambda c: c != handle[i].lower()))
    changed = handle[:i] + c + handle[i + 1 :]
    try:
        key = read(template.format(h=changed)).key
    except IdentityError:
        return  # not even a valid handle
    assert key != canonicalize(template.format(h=handle))


@pytest.mark.parametrize(
    "host",
    ["x.com.evil.example", "twitter.co", "twitter.com.jp", "instagram.com.jp", "evil-x.com",
     "xn--twtter-qvf.com", "twіtter.com", "faceb00k.com", "instagrarn.com", "youtube.com.example",
     "line.me.example.net", "tiktok-login.com", "threads.net.example", "bsky.app.example",
     "note.com-profile.example", "x-com.example", "m.x.com.evil.example"],
)  # fmt: skip
def test_a_lookalike_host_is_never_the_service(host):
    for path in (
        "/sample_bousai",
        "/@samplecitych",
        "/R/ti/p/@samplecity",
        "/profile/a.bsky.social",
    ):
        key = read(f"https://{host}{path}").key
        assert key.service == "other", (host, path)


@given(st.from_regex(r"@?[A-Za-z0-9._\-]{1,30}", fullmatch=True))
def test_a_bare_id_is_compared_as_it_is_on_every_service(raw):
    """No service's folding (Facebook's periods, Bluesky's default domain) applies to an ID
    typed alone: each key's handle is the ID itself, case aside."""
    try:
        keys = bare_keys(raw)
    except IdentityError:
        return
    bare = raw.removeprefix("@").lower()
    for key in keys:
        assert key.identifier.removeprefix("@") == bare, key


@given(pasted_accounts())
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_canonical_url_is_a_profile_not_a_post(case):
    _kind, _pasted, key = case
    assert read(key.url) == read(key.url, key.service)
    assert read(key.url).post is False


@pytest.mark.parametrize(
    ("url", "post"),
    [
        ("https://x.com/a_b/status/1790000000000000000", True),
        ("https://x.com/a_b/status", False),
        ("https://www.tiktok.com/@a_b/video/7300000000000000000", True),
        ("https://www.instagram.com/a_b/p/C1abc/", True),
        ("https://www.instagram.com/stories/a_b/3300000000/", True),
        ("https://www.instagram.com/stories/a_b/", False),
        ("https://www.threads.com/@a_b/post/C1abc", True),
        ("https://www.facebook.com/ab.cd/posts/pfbid02abc", True),
        ("https://www.facebook.com/ab.cd/posts/", False),
        ("https://www.facebook.com/permalink.php?story_fbid=1&id=100064123456789", True),
        ("https://www.youtube.com/@abc/community?lb=Ugkx", True),
        ("https://www.youtube.com/@abc/community", False),
        ("https://note.com/a_b/n/n1a2b3c", True),
        ("https://line.me/R/home/public/post?id=abc&postId=1", True),
        # Bluesky: the post is in the repository of the account in its link (ADR 0009).
        ("https://bsky.app/profile/a.bsky.social/post/3kabc", False),
    ],
)
def test_which_links_are_posts(url, post):
    assert read(url).post is post
    assert canonicalize(url) == read(url).key  # staff forms: the account named, as before


FLYER_PIECES = [
    *URL_PIECES, "X", "Instagram", "LINE ID", "：", ":", "（", "）", "(", ")", "公式",
    "インスタグラム", "ツイッター", " ", "\\", "..", "%2e", "\t", "\n", "line://",
]  # fmt: skip


@given(
    st.one_of(st.text(), st.builds("".join, st.lists(st.sampled_from(FLYER_PIECES), max_size=12)))
)
@settings(deadline=None)
def test_whatever_is_typed_into_the_verifier_is_read_or_refused(text):
    """accounts.reading: keys, or an IdentityError with a code — never another exception."""
    from accounts.reading import interpret

    try:
        query = interpret(text)
    except IdentityError as exc:
        code = exc.code
        assert code
        return
    assert query.keys
    assert all(k.service in SERVICE_SLUGS for k in query.keys)
    assert not (query.post and query.bare)
