"""Canonical identity of a social-media account: whatever a person pasted → one ``AccountKey``.

Citizens and staff paste URLs and handles in every form (mobile hosts, post URLs, tracking
parameters, full-width characters typed with a Japanese IME, ``@handle``…). ``canonicalize``
turns them into ``service:identifier`` following each service's own rules, so that two
spellings of the same account compare equal and a look-alike host never passes for a service.

URLs are read as a browser reads them (WHATWG URL Standard, ada-url; ADR 0009), then by each
service's rules below. The services and their facts (names, hosts, URL forms) are in the one
catalogue, ``accounts.catalogue``; keys and refusals live in ``accounts.keys``, handle syntax
in ``accounts.handles``, host predicates in ``accounts.hosts``; everything is importable from
here.

Pure Python: no models, no settings. Messages are lazy Japanese strings for people.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

import ada_url

from accounts.catalogue import SERVICE_SLUGS
from accounts.handles import (
    AT_SERVICES,
    BARE_RE,
    DIGITS,
    RESERVED,
    YT_CHANNEL,
    bsky,
    handle,
    is_domain,
    yt_name,
)
from accounts.hosts import (
    SERVICE_HOSTS,
    SHORTENER_HOSTS,
    is_lookalike,
    is_shortener,
    own_site_of,
    service_of_host,
)
from accounts.keys import (
    MAX_INPUT_LENGTH,
    AccountKey,
    IdentityError,
    Reading,
    service_label,
)

__all__ = [
    "MAX_INPUT_LENGTH", "SERVICE_HOSTS", "SERVICE_SLUGS", "SHORTENER_HOSTS", "AccountKey",
    "IdentityError", "Reading", "bare_keys", "canonicalize", "check_not_shortener",
    "is_lookalike_key", "read", "service_label",
]  # fmt: skip


# --- Reading the raw input --------------------------------------------------------------------


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Inside a URL (not at its ends) an invisible character is part of the path a browser asks for.
_INVISIBLE_RE = re.compile(r"(?<=\S)[\u200b\u200c\u200d\u2060\ufeff\u00ad]+(?=\S)")
_PAIRS = dict(zip("「『<([【\"'“‘〈《`", "」』>)]】\"'”’〉》`", strict=True))
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(.*)", re.DOTALL)
_HOST_PORT_RE = re.compile(r"[^/:@?#\\]*\.[^/:@?#\\]*:[0-9]+(?:[/?#\\].*)?", re.DOTALL)
_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?")


def _clean(raw: str | None) -> str:
    if raw is None or raw == "":
        raise IdentityError("empty")
    if len(raw) > 8 * MAX_INPUT_LENGTH:  # guard before any work
        raise IdentityError("too_long")
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE).strip()
    while True:  # 「…」, <…>, "…" copied along; a trailing 。 or 、 from a sentence
        text = text.rstrip("。、").strip()
        if len(text) < 2 or _PAIRS.get(text[0]) != text[-1]:
            break
        text = text[1:-1].strip()
    if not text:
        raise IdentityError("empty")
    if len(text) > MAX_INPUT_LENGTH:
        raise IdentityError("too_long")
    return text


def _rewrites_structure(raw: str) -> bool:
    """Whether normalising ``raw`` (NFKC, invisible characters dropped) could turn something a
    browser keeps as it is into "/", "\\", "." or "%": "．．", "／", ".\u200b.", "％２ｅ".
    Only then may a dot segment that appears after normalising be a trick (ADR 0009)."""
    inner = raw.strip().strip("".join(map(chr, _INVISIBLE))).strip()
    return any(
        ord(c) in _INVISIBLE
        or (ord(c) > 127 and any(s in unicodedata.normalize("NFKC", c) for s in "./\\%?#"))
        for c in inner
    )


def check_structure(raw: str) -> None:
    """Refuse text in which normalising could have made a path a browser would not take:
    "x.com/evil/．．/city", "x.com/city？/../evil", "x.com/city" + U+200B + "x" (ADR 0009).
    ``read`` calls it; text read in parts (flyer text: "X https://…") calls it first."""
    inner = raw.strip()
    if not _rewrites_structure(raw):
        return
    folded = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    pieces = re.split(r"[/\\?#&=\s]", folded)
    if any(p.lower().replace("%2e", ".") in (".", "..") for p in pieces):
        raise IdentityError("bad_url")
    if _INVISIBLE_RE.search(inner) and re.search(r"[/.]", folded):
        raise IdentityError("bad_url")  # an invisible character inside a URL is in its path


def _as_url(text: str, service: str | None) -> str | None:
    """``text`` as an absolute http(s) URL, or None when it is a bare handle."""
    if text[:2] in ("//", "\\\\", "/\\", "\\/"):
        return "https:" + text
    if _HOST_PORT_RE.fullmatch(text):  # "x.com:443/abc" is a host and port, not a scheme
        return "https://" + text
    if m := _SCHEME_RE.fullmatch(text):
        scheme = m.group(1).lower()
        if scheme in ("http", "https"):
            return f"{scheme}://" + m.group(2).lstrip("/\\")
        if scheme == "did":  # a Bluesky DID typed bare
            return None
        if scheme == "line":  # LINE's deprecated app scheme on old QR codes: "line://ti/p/@id"
            return "https://line.me/R/" + m.group(2).lstrip("/")
        raise IdentityError("scheme")
    if text.startswith("@"):
        return None
    host = re.split(r"[/?#\\]", text.lower(), maxsplit=1)[0].rstrip(".")
    if service in (None, "bluesky") and host == text.lower() and host.endswith(".bsky.social"):
        return None  # "city.bsky.social" is a Bluesky handle, not a web site to visit
    if any(c in text for c in "/?#\\") or service_of_host(host) or is_shortener(host):
        return "https://" + text
    if service in (None, "other") and re.search(r"\.[a-z][a-z0-9\-]*$", host):  # a domain
        return "https://" + text
    return None  # a handle typed bare: "city_example", "city.bsky.social" (with a service)


@dataclass(frozen=True)
class _URL:
    """A URL as a browser reads it (WHATWG URL Standard, ada-url; ADR 0009)."""

    host: str  # ASCII (IDNA), lower case, no trailing dot
    segments: list[str]  # the path after "." and ".." are resolved, each segment decoded
    query: dict[str, list[str]]
    fragment: str
    href: str


def _parse_url(url: str) -> _URL:
    """Parse like a browser: backslashes are "/", tabs and newlines vanish, "..", "%2e%2e"
    leave the segment before, the host is IDNA-encoded. Refuses userinfo and odd hosts."""
    try:
        parts = ada_url.parse_url(url)
    except ValueError as exc:
        raise IdentityError("bad_url") from exc
    if parts["username"] or parts["password"]:  # "https://x.com@evil.example/" is evil.example
        raise IdentityError("userinfo")
    host = parts["hostname"].rstrip(".")
    if parts["host_type"] != ada_url.HostType.DEFAULT or not is_domain(host, _LABEL_RE):
        raise IdentityError("bad_url")
    if parts["port"]:  # "x.com:8443" is another server than the one that shows the account
        raise IdentityError("bad_url")
    pathname = parts["pathname"]
    # Each segment decoded on its own and not normalised again: "%2F" inside a segment is not
    # a "/" to the server, and "%EF%BD%93" is not "s" to it (the text was NFKC'd before parsing).
    segments = [unquote(s, errors="replace") for s in pathname.split("/") if s]
    if any("/" in s or "\\" in s or re.match(r"\.\.?;", s) for s in segments):
        # "status%2F1" may be routed as "status/1"; "..;" is ".." to some servers (Tomcat).
        raise IdentityError("bad_url")
    return _URL(
        host=host,
        segments=segments,
        query=parse_qs(parts["search"][1:]),
        fragment=unquote(parts["hash"][1:], errors="replace"),
        href=parts["href"],
    )


# --- Per-service rules ------------------------------------------------------------------------


def _param(url: _URL, name: str) -> str:
    """A query parameter that names the account. Given twice, services differ on which one
    counts (PHP takes the last): then the link names no one we can vouch for."""
    values = url.query.get(name, [""])
    if len(values) > 1:
        raise IdentityError("not_account")
    return values[0]


# Each rule: (service's URL) → (identifier, post). ``seg``/``low``: the path segments (and
# their lower case) padded with "", so that seg[i] never fails. ADR 0009 lists the forms.


def _x(url: _URL, seg: list[str], low: list[str]) -> tuple[str, bool]:
    if low[0] == "intent" and (user_id := _param(url, "user_id")):
        # The permanent ID (issue 14): "intent/user?user_id=<n>" opens that account whatever
        # it is called now. With a screen_name beside it, which one X follows we cannot tell.
        by_number = low[1] in ("follow", "user") and DIGITS.fullmatch(user_id)
        if by_number and not _param(url, "screen_name"):
            return "id:" + user_id, False
        raise IdentityError("not_account")
    if low[0] == "intent" and low[1] in ("follow", "user") and _param(url, "screen_name"):
        return handle("x", _param(url, "screen_name")), False  # follow/share buttons
    if (low[0], low[1]) == ("i", "user") and DIGITS.fullmatch(seg[2]) and not seg[3]:
        return "id:" + seg[2], False  # the permanent URL "x.com/i/user/<n>" (issue 14)
    if (low[0], low[1], low[2]) == ("i", "flow", "login") or low[0] == "login":
        return _redirect("x", url, _param(url, "redirect_after_login"))
    # X shows x.com/<anyone>/status/<id> as the post of its real author (issue 13).
    return handle("x", seg[0]), low[1] in ("status", "statuses", "article") and bool(seg[2])


def _instagram(url: _URL, seg: list[str], low: list[str]) -> tuple[str, bool]:
    if url.host == "ig.me":  # chat link "ig.me/m/<name>"
        if low[0] == "m" and seg[1]:
            return handle("instagram", seg[1]), False
        raise IdentityError("not_account")
    if low[0] == "accounts" and low[1] == "login":  # the login wall: "?next=/<name>/"
        return _redirect("instagram", url, _param(url, "next"))
    if low[0] == "_u" and seg[1]:  # app link
        return handle("instagram", seg[1]), False
    if low[0] == "stories" and low[1] not in ("", "highlights"):
        return handle("instagram", seg[1]), bool(seg[2])
    return handle("instagram", seg[0]), low[1] in ("p", "reel", "reels", "tv") and bool(seg[2])


def _facebook(url: _URL, seg: list[str], low: list[str]) -> tuple[str, bool]:
    if low[0] in ("login", "login.php"):  # the login wall: "?next=https://www.facebook.com/…"
        return _redirect("facebook", url, _param(url, "next"))
    if low[0] == "profile.php" and DIGITS.fullmatch(ids := _param(url, "id")):
        return "id:" + ids, False
    if low[0] in ("permalink.php", "story.php") and DIGITS.fullmatch(ids := _param(url, "id")):
        return "id:" + ids, True
    if low[0] in ("people", "pages") and DIGITS.fullmatch(seg[2]):
        return "id:" + seg[2], False
    if low[0] == "p" and (m := re.fullmatch(r"(?:.*-)?([1-9][0-9]{5,19})", seg[1])):
        return "id:" + m[1], False
    if low[0] == "pg" and seg[1]:
        return handle("facebook", seg[1]), False
    post = low[1] in ("posts", "videos", "photos", "permalink", "reels", "events") and bool(seg[2])
    return handle("facebook", seg[0]), post


def _youtube(url: _URL, seg: list[str], low: list[str]) -> tuple[str, bool]:
    lb = bool(_param(url, "lb"))  # a community post: ".../community?lb=<id>"
    if seg[0].startswith("@"):
        return handle("youtube", seg[0]), lb
    if low[0] == "channel" and seg[1]:
        if YT_CHANNEL.fullmatch(seg[1]):
            return "channel/" + seg[1], lb
        raise IdentityError("bad_handle", service="youtube")
    if low[0] in ("c", "user") and seg[1]:
        return f"{low[0]}/{yt_name(seg[1])}", lb
    if low[0] == "subscription_center" and (name := _param(url, "add_user")):
        return "user/" + yt_name(name), False  # old subscribe buttons
    if low[0] in RESERVED["youtube"]:
        raise IdentityError("not_account")  # a video, a playlist: they do not name the channel
    return "c/" + yt_name(seg[0]), lb  # legacy "youtube.com/<custom name>"


def _line(url: _URL, seg: list[str], low: list[str]) -> tuple[str, bool]:
    if url.host == "page.line.me":
        name = seg[0] or _param(url, "accountId")
        if name:
            return handle("line", name), False
        raise IdentityError("not_account")
    i = 1 if low[0] == "r" else 0
    if url.host != "liff.line.me":
        # Add friend, chat, recommend (LINE URL scheme, developers.line.biz).
        for prefix in (["ti", "p"], ["oamessage"], ["nv", "recommendoa"]):
            name = seg[i + len(prefix)]
            if low[i : i + len(prefix)] == prefix and name.startswith("@"):
                return handle("line", name), False
        home = low[i : i + 2] == ["home", "public"] and low[i + 2] in ("main", "profile", "post")
        if home and (name := _param(url, "id")):
            return handle("line", "@" + name.removeprefix("@")), low[i + 2] == "post"
    raise IdentityError("not_account")  # liff apps, /R/msg/…, personal "/ti/p/~id" links


def _tiktok(url: _URL, seg: list[str], low: list[str]) -> tuple[str, bool]:
    if len(seg[0]) < 2 or not seg[0].startswith("@"):
        raise IdentityError("not_account")  # "/t/<code>", "/@/video/<id>", "/embed/…"
    # TikTok shows tiktok.com/@<anyone>/video/<id> as the real video (issue 13).
    return handle("tiktok", seg[0]), low[1] in ("video", "photo") and bool(seg[2])


def _threads(url: _URL, seg: list[str], low: list[str]) -> tuple[str, bool]:
    if low[0] == "intent" and low[1] == "follow" and _param(url, "username"):
        return handle("threads", _param(url, "username")), False  # Threads web intents
    if not seg[0].startswith("@"):
        raise IdentityError("not_account")
    return handle("threads", seg[0]), low[1] == "post" and bool(seg[2])


def _bluesky(url: _URL, seg: list[str], low: list[str]) -> tuple[str, bool]:
    if low[0] == "profile" and seg[1]:
        # A post is a record in the repository of the DID (or handle) in its link
        # (at://<did>/app.bsky.feed.post/<rkey>): the account part is authoritative.
        return bsky(seg[1]), False
    raise IdentityError("not_account")


def _note(url: _URL, seg: list[str], low: list[str]) -> tuple[str, bool]:
    return handle("note", seg[0]), low[1] in ("n", "m") and bool(seg[2])


_RULES = {
    "x": _x, "instagram": _instagram, "facebook": _facebook, "youtube": _youtube, "line": _line,
    "tiktok": _tiktok, "threads": _threads, "bluesky": _bluesky, "note": _note,
}  # fmt: skip


def _from_url(service: str, url: _URL) -> tuple[str, bool]:
    """The identifier a URL of ``service`` names, and whether it is a link to one post."""
    segs = url.segments
    if service == "x" and not segs and url.fragment.startswith("!/"):  # old "twitter.com/#!/a"
        segs = [s for s in url.fragment[2:].split("/") if s]
        if any(s.lower().replace("%2e", ".") in (".", "..") for s in segs):
            raise IdentityError("bad_url")  # X would resolve them: never read the first name
    if not segs and not (service == "line" and url.host == "page.line.me"):
        raise IdentityError("not_account")  # (page.line.me/?accountId=<id> names it in the query)
    seg = [*segs, "", "", "", ""]
    return _RULES[service](url, seg, [s.lower() for s in seg])


def _redirect(service: str, url: _URL, target: str) -> tuple[str, bool]:
    """A login wall's "where to go next": read it as a browser would, once, on the same service."""
    if not target or url.fragment == "redirected":
        raise IdentityError("not_account")
    try:
        joined = _parse_url(ada_url.join_url(url.href, target))
    except ValueError as exc:
        raise IdentityError("not_account") from exc
    if service_of_host(joined.host) != service:
        raise IdentityError("not_account")
    return _from_url(service, _URL(**{**joined.__dict__, "fragment": "redirected"}))


def _other(host: str, segs: list[str]) -> str:
    while host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    if any(unicodedata.category(c) in ("Cc", "Cs") or c in "/\\" for s in segs for c in s):
        raise IdentityError("bad_url")  # "%2F" inside a segment: the server may read "/"
    return "/".join([host, *segs])


def _read_handle(text: str, service: str | None) -> Reading:
    """A bare handle ("@abc" or "abc") read as the handle of the service the person chose."""
    if service is None:
        raise IdentityError("service_required")
    if service == "other":
        raise IdentityError("bad_url")
    if service == "youtube" and YT_CHANNEL.fullmatch(text):
        return Reading(AccountKey(service, "channel/" + text))
    if service == "line" and not text.startswith("@"):
        raise IdentityError("line_at")  # "samplecity" is a personal LINE ID
    return Reading(AccountKey(service, handle(service, text)))


def _service_of_url_host(host: str, service: str | None) -> str:
    """The service a URL on ``host`` names, checked against the one the person chose (if any)."""
    detected = service_of_host(host)
    if service is None:
        if detected is None and own_site_of(host):
            raise IdentityError("not_account")  # the service's own site, e.g. help.x.com
        return detected or "other"
    if detected != service and (detected or service != "other"):
        if detected:
            raise IdentityError("service_mismatch", service=service, found=detected)
        if own_site_of(host) == service:
            raise IdentityError("not_account")
        if is_lookalike(host):
            raise IdentityError("lookalike_host", service=service, host=host)
        raise IdentityError("service_mismatch", service=service)
    return service


# --- Public functions -------------------------------------------------------------------------


def read(raw: str, service: str | None = None) -> Reading:
    """Turn whatever a person pasted into the account it names, or raise IdentityError.

    service=None: detected from the URL's host (unknown hosts are "other"); a bare handle
    raises code "service_required". service given: the URL must belong to it, and a bare
    handle ("@abc" or "abc") is read as that service's handle.
    """
    if service is not None and service not in SERVICE_SLUGS:
        raise ValueError(f"unknown service {service!r}")
    text = _clean(raw)
    url = _as_url(text, service)
    if url is None:
        return _read_handle(text, service)

    check_structure(raw)  # "x.com/evil/．．/city": a browser keeps "．．", the page is evil's
    parsed = _parse_url(url)
    host = parsed.host
    if host == "youtu.be" and service in (None, "youtube"):
        raise IdentityError("not_account")  # a video link does not name the channel
    if is_shortener(host):
        raise IdentityError("shortener")
    service = _service_of_url_host(host, service)
    if service == "other":
        return Reading(AccountKey("other", _other(host, parsed.segments)))
    if any(";" in s for s in parsed.segments):  # no service routes ";": never guess past it
        raise IdentityError("bad_url")
    identifier, post = _from_url(service, parsed)
    return Reading(AccountKey(service, identifier), post)


def canonicalize(raw: str, service: str | None = None) -> AccountKey:
    """The canonical key of the account ``raw`` names (see ``read``), or raise IdentityError.

    A link to a post gives the account named in it: staff registering their own account may
    paste one. Only the verifier needs to know that it was a post (``read(...).post``).
    """
    return read(raw, service).key


def bare_keys(raw: str) -> list[AccountKey]:
    """Every service on which ``raw`` (an "@ID" typed alone) is a valid handle, as is."""
    text = _clean(raw)
    if text.startswith("did:"):
        return [AccountKey("bluesky", bsky(text))]
    if YT_CHANNEL.fullmatch(text):
        return [AccountKey("youtube", "channel/" + text)]
    h = text.removeprefix("@")
    low = h.lower()
    keys = []
    for service, pattern in BARE_RE.items():
        if service == "line" and not text.startswith("@"):
            continue  # without "@" it is a personal LINE ID (LINE's help)
        reserved = low in RESERVED.get(service, ()) or (service == "facebook" and low.isdigit())
        if re.fullmatch(pattern, low) and not reserved:
            keys.append(AccountKey(service, "@" + low if service in AT_SERVICES else low))
    checks: tuple[tuple[str, Callable[[], str | None]], ...] = (
        ("youtube", lambda: "@" + yt_name(h, is_handle=True)),
        ("bluesky", lambda: bsky(h) if "." in h else None),
    )
    for service, check in checks:
        try:
            identifier = check()
        except IdentityError:
            continue
        if identifier:
            keys.append(AccountKey(service, identifier))
    return sorted(keys, key=lambda k: SERVICE_SLUGS.index(k.service))


def check_not_shortener(url: str) -> None:
    """R11: raise IdentityError(code='shortener') when the URL's host is a URL shortener."""
    try:
        text = _as_url(_clean(url), None)
        if not text:
            return
        parts = ada_url.parse_url(text)
    except (ValueError, TypeError):
        return  # not a URL at all: other validators say so
    if is_shortener(parts["hostname"].rstrip(".")):
        raise IdentityError("shortener")


def is_lookalike_key(key: AccountKey) -> bool:
    """An "other" page whose host imitates a service's domain ("x.com.evil.example/…")."""
    return key.service == "other" and is_lookalike(key.identifier.split("/", 1)[0])
