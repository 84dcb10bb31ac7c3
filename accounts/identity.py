"""Canonical identity of a social-media account: whatever a person pasted → one ``AccountKey``.

Citizens and staff paste URLs and handles in every form (mobile hosts, post URLs, tracking
parameters, full-width characters typed with a Japanese IME, ``@handle``…). ``canonicalize``
turns them into ``service:identifier`` following each service's own rules, so that two
spellings of the same account compare equal and a look-alike host never passes for a service.

Pure Python: no models, no settings. Messages are lazy Japanese strings for people.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

SERVICE_SLUGS = (
    "x", "facebook", "instagram", "youtube", "line", "tiktok", "threads", "bluesky", "note",
    "other",
)  # fmt: skip
MAX_INPUT_LENGTH = 2048

# Proper nouns: the same in every language.
_LABELS = {
    "x": "X（旧Twitter）", "facebook": "Facebook", "instagram": "Instagram", "youtube": "YouTube",
    "line": "LINE", "tiktok": "TikTok", "threads": "Threads", "bluesky": "Bluesky", "note": "note",
    "other": "その他",
}  # fmt: skip


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _hosts(prefixes: str, *bases: str) -> tuple[str, ...]:
    return tuple(p + b for b in bases for p in ("", *prefixes.split()))


# The web hosts whose URLs are accounts of each service (exact matches only).
SERVICE_HOSTS: dict[str, tuple[str, ...]] = {
    "x": _hosts("www. mobile. m.", "x.com", "twitter.com"),
    "facebook": _hosts("www. m. mbasic. web. touch. business.", "facebook.com", "fb.com"),
    "instagram": _hosts("www. m.", "instagram.com"),
    "youtube": _hosts("www. m.", "youtube.com"),
    "line": ("line.me", "www.line.me", "page.line.me", "liff.line.me"),
    "tiktok": _hosts("www. m.", "tiktok.com"),
    "threads": _hosts("www.", "threads.net", "threads.com"),
    "bluesky": _hosts("www.", "bsky.app"),
    "note": _hosts("www.", "note.com", "note.mu"),
}
_HOST_TO_SERVICE = {h: s for s, hosts in SERVICE_HOSTS.items() for h in hosts}
# The services' own short-link hosts: detect_service names them, canonicalize refuses them.
_SHORT_HOST_SERVICE = {
    "youtu.be": "youtube", "lin.ee": "line", "vm.tiktok.com": "tiktok", "vt.tiktok.com": "tiktok",
    "fb.me": "facebook",
}  # fmt: skip
# Registrable names a look-alike host would imitate, e.g. "x.com.example.net", "evil-x.com".
_BRAND_DOMAINS = (
    "x.com", "twitter.com", "facebook.com", "fb.com", "instagram.com", "youtube.com", "youtu.be",
    "line.me", "tiktok.com", "threads.net", "threads.com", "bsky.app", "note.com", "note.mu",
)  # fmt: skip
_BRAND_RE = re.compile(
    r"(?:^|[.\-])(?:" + "|".join(map(re.escape, _BRAND_DOMAINS)) + r")(?:$|[.\-])"
)
# Letters of other scripts that look Latin (homograph hosts such as "twіtter.com").
_CONFUSABLES = str.maketrans("аеорсухіјѕһԁԛԝοαικνтɡıӏ", "aeopcyxijshdqwoaikvtgil")

# R11: no URL shorteners (000 §5(4)ア, 001 §5(7), 002 §4(6))
SHORTENER_HOSTS: frozenset[str] = _words(
    """bit.ly t.co tinyurl.com goo.gl ow.ly buff.ly is.gd v.gd x.gd t.ly rb.gy cutt.ly shorturl.at
    tiny.cc bit.do s.id amzn.to lin.ee fb.me youtu.be vm.tiktok.com vt.tiktok.com goo.su 00m.in
    ux.nu qr.paps.jp onl.bz onl.la urx.blue j.mp dlvr.it trib.al g.co forms.gle
    """
)

_MESSAGES = {
    "empty": _("URLまたはアカウント名を入力してください。"),
    "too_long": _("入力が長すぎます（2048文字まで）。URLをもう一度確かめてください。"),
    "scheme": _("http:// または https:// で始まるURLを貼り付けてください。"),
    "bad_url": _("URLの形式が正しくありません。アカウントのページのURLを貼り付けてください。"),
    "userinfo": _(
        "ドメインの前に「@」を含むURLは使えません（別のサイトへ誘導する偽のURLに使われます）。"
        "アカウントのページのURLをそのまま貼り付けてください。"
    ),
    "shortener": _(
        "短縮URLは使えません（R11）。アカウントのページのURLをそのまま貼り付けてください。"
    ),
    "not_account": _(
        "アカウントのページのURLではありません（投稿・動画・検索などのページです）。"
        "アカウントのプロフィールページのURLを貼り付けてください。"
    ),
    "service_required": _(
        "アカウント名だけではサービスが分かりません。"
        "サービスを選ぶか、アカウントのページのURLを貼り付けてください。"
    ),
    "service_mismatch": _("このURLは{label}のアカウントのものではありません。"),
    "service_mismatch_found": _(
        "このURLは{found}のアカウントのものです。サービスで「{found}」を選んでください。"
    ),
    "lookalike_host": _(
        "「{host}」は{label}のドメインではありません（よく似た別のドメインです）。"
        "アドレスをよく確かめてください。"
    ),
    "bad_handle": _("{label}のアカウント名として使えない文字か長さです。入力を確かめてください。"),
}


class IdentityError(ValueError):
    """Refused input. ``code`` is stable for programs; ``message`` is for people (Japanese).

    ``params`` fill the message lazily: ``service`` (slug of the service asked for, shown by
    name), ``host``, and ``found`` (slug of the service the URL belongs to, which also selects
    the message telling the person to choose that service).
    """

    def __init__(self, code: str, message=None, **params: str) -> None:
        super().__init__(code)
        self.code = code
        if message is None:
            message = _MESSAGES[code + ("_found" if "found" in params else "")]
            if params:
                names = {k: _LABELS.get(v, v) for k, v in params.items() if k != "host"}
                message = format_lazy(message, **{**params, **names, "label": names.get("service")})
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class AccountKey:
    service: str  # one of SERVICE_SLUGS
    identifier: str  # canonical identifier within the service

    def __post_init__(self) -> None:
        if self.service not in SERVICE_SLUGS:
            raise ValueError(f"unknown service {self.service!r}")

    def __str__(self) -> str:
        return f"{self.service}:{self.identifier}"

    @property
    def url(self) -> str:
        """The canonical https URL of the account's profile page."""
        s, i = self.service, self.identifier
        if s == "facebook" and i.startswith("id:"):
            return f"https://www.facebook.com/profile.php?id={i[3:]}"
        return _URLS[s] + quote(i, safe="/@:!$&'()*+,;=-._~") + ("/" if s == "instagram" else "")

    @property
    def display_handle(self) -> str:
        """How people write it: "@city_example", "youtube.com/channel/UC…", "blog.example.jp/a"."""
        s, i = self.service, self.identifier
        if s == "facebook" and i.startswith("id:"):
            return "facebook.com/profile.php?id=" + i[3:]
        if (s == "youtube" and i.startswith("@")) or (s == "bluesky" and i.startswith("did:")):
            return i
        return _DISPLAY.get(s, "") + i  # line, tiktok, threads: "@…"; other: host + path


_URLS = {
    "x": "https://x.com/", "facebook": "https://www.facebook.com/",
    "instagram": "https://www.instagram.com/", "youtube": "https://www.youtube.com/",
    "line": "https://line.me/R/ti/p/", "tiktok": "https://www.tiktok.com/",
    "threads": "https://www.threads.com/", "bluesky": "https://bsky.app/profile/",
    "note": "https://note.com/", "other": "https://",
}  # fmt: skip
_DISPLAY = {
    "x": "@", "instagram": "@", "bluesky": "@", "facebook": "facebook.com/",
    "youtube": "youtube.com/", "note": "note.com/",
}  # fmt: skip


# --- Reading the raw input --------------------------------------------------------------------


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_PAIRS = dict(zip("「『<([【\"'“‘〈《`", "」』>)]】\"'”’〉》`", strict=True))
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(.*)", re.DOTALL)
_HOST_PORT_RE = re.compile(r"[^/:@?#]*\.[^/:@?#]*:[0-9]+(?:[/?#].*)?", re.DOTALL)
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


def _as_url(text: str, service: str | None) -> str | None:
    """``text`` as an absolute http(s) URL, or None when it is a bare handle."""
    if text.startswith("//"):
        return "https:" + text
    if _HOST_PORT_RE.fullmatch(text):  # "x.com:443/abc" is a host and port, not a scheme
        return "https://" + text
    if m := _SCHEME_RE.fullmatch(text):
        scheme = m.group(1).lower()
        if scheme in ("http", "https"):
            return f"{scheme}://" + m.group(2).lstrip("/\\")
        if scheme == "did":  # a Bluesky DID typed bare
            return None
        raise IdentityError("scheme")
    if text.startswith("@"):
        return None
    host = text.lower().rstrip(".")
    if any(c in text for c in "/?#") or _service_of_host(host) or _is_shortener(host):
        return "https://" + text
    if service in (None, "other") and re.search(r"\.[a-z][a-z0-9\-]*$", host):  # a domain
        return "https://" + text
    return None  # a handle typed bare: "city_example", "city.bsky.social" (with a service)


def _host_of(url: str):
    """(ASCII host, split URL). Refuses userinfo and malformed hosts."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise IdentityError("bad_url") from exc
    if "@" in parts.netloc:  # "https://x.com@evil.example/" goes to evil.example
        raise IdentityError("userinfo")
    try:
        _ = parts.port  # validates the port
        host = (parts.hostname or "").rstrip(".")
        if not host.isascii():
            host = host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as exc:
        raise IdentityError("bad_url") from exc
    if not _is_domain(host, _LABEL_RE):
        raise IdentityError("bad_url")
    return host, parts


def _is_domain(name: str, label: re.Pattern[str]) -> bool:
    labels = name.split(".")
    return len(labels) > 1 and len(name) <= 253 and all(label.fullmatch(x) for x in labels)


def _service_of_host(host: str) -> str | None:
    while host.startswith("www.") and host not in _HOST_TO_SERVICE:
        host = host[4:]
    return _HOST_TO_SERVICE.get(host)


def _is_shortener(host: str) -> bool:
    return any(host == s or host.endswith("." + s) for s in SHORTENER_HOSTS)


def _is_lookalike(host: str) -> bool:
    try:
        unicode_host = host.encode("ascii").decode("idna")
    except UnicodeError:
        unicode_host = host
    return bool(_BRAND_RE.search(host) or _BRAND_RE.search(unicode_host.translate(_CONFUSABLES)))


# --- Per-service rules ------------------------------------------------------------------------

# Handle syntax, following each service's own rules ("@" is always optional in input).
_HANDLE_RE = {
    "x": r"[A-Za-z0-9_]{1,15}", "instagram": r"[A-Za-z0-9._]{1,30}",
    "threads": r"[A-Za-z0-9._]{1,30}", "facebook": r"[A-Za-z0-9.]{1,50}",
    "line": r"[A-Za-z0-9._\-]{1,20}", "tiktok": r"[A-Za-z0-9._]{2,24}",
    "note": r"[A-Za-z0-9_]{1,50}",
}  # fmt: skip
# First path segments that are pages of the service, not accounts.
_RESERVED = {
    "x": _words("home i intent search hashtag explore settings share messages notifications "
                "compose login logout signup tos privacy account oauth download"),
    "instagram": _words("p reel reels tv stories explore accounts direct about legal developer"),
    "facebook": _words("groups events watch share photo photo.php photos story.php permalink.php "
                       "login login.php sharer sharer.php home.php marketplace gaming help "
                       "policies privacy settings hashtag notifications messages search reel "
                       "reels stories dialog plugins l.php ads business video.php media friends "
                       "bookmarks pages people p pg profile.php"),
    "youtube": _words("watch shorts playlist embed live results feed hashtag post redirect "
                      "account premium gaming attribution_link signin logout channel c user "
                      "about kids t s v e"),
    "note": _words("hashtag search topic login signup info notes settings api contests"),
}  # fmt: skip
_AT_SERVICES = ("youtube", "line", "tiktok", "threads")  # identifier written "@handle"
_DIGITS = re.compile(r"[0-9]{1,20}")
_YT_CHANNEL = re.compile(r"UC[A-Za-z0-9_\-]{22}")  # channel IDs are case-sensitive
_BSKY_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")


def _handle(service: str, value: str) -> str:
    """A handle of ``service`` checked against its rules, in canonical (lowercase) form."""
    h = value.removeprefix("@")
    if service == "bluesky":
        return _bsky(h, bare=True)
    if service == "youtube":
        return "@" + _yt_name(h, handle=True)
    if h.lower() in _RESERVED.get(service, ()):
        raise IdentityError("not_account")
    if service == "facebook" and (m := re.fullmatch(r"([0-9]{1,20})|.+-([0-9]{6,20})", h)):
        return "id:" + (m[1] or m[2])  # a profile id; "Name-123456789" is an old page URL
    if not re.fullmatch(_HANDLE_RE[service], h):
        raise IdentityError("bad_handle", service=service)
    h = h.lower()
    if service == "facebook":  # periods do not count in Facebook usernames
        h = h.replace(".", "")
        if not h or h.isdigit():
            raise IdentityError("bad_handle", service=service)
        if h in _RESERVED["facebook"]:
            raise IdentityError("not_account")
    return "@" + h if service in _AT_SERVICES else h


def _yt_name(name: str, handle: bool = False) -> str:
    """A YouTube handle (3–30 letters of any script, digits, _ - .) or legacy custom name."""
    name = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).lower())
    if not re.fullmatch(r"[\w.\-]{3,30}" if handle else r"[\w.\-]{1,100}", name):
        raise IdentityError("bad_handle", service="youtube")
    return name


def _bsky(h: str, bare: bool = False) -> str:
    """A Bluesky handle (a domain name) or DID; a bare name gets ".bsky.social"."""
    if h.startswith("did:"):
        if re.fullmatch(r"did:plc:[a-z2-7]{24}|did:web:[a-z0-9.\-]{1,253}", h):
            return h
        raise IdentityError("bad_handle", service="bluesky")
    h = h.lower() + (".bsky.social" if bare and "." not in h else "")
    if not _is_domain(h, _BSKY_LABEL) or not h.rsplit(".", 1)[-1][:1].isalpha():
        raise IdentityError("bad_handle", service="bluesky")
    return h


def _from_url(service: str, host: str, segs: list[str], query: dict, fragment: str) -> str:
    """The identifier a URL of ``service`` names (``segs``: decoded, non-empty path segments)."""
    if service == "x" and not segs and fragment.startswith("!/"):  # old "twitter.com/#!/name"
        segs = [s for s in fragment[2:].split("/") if s]
    seg = [*segs, "", "", ""]
    low = [s.lower() for s in seg]
    if service == "line":  # /R/ti/p/@id, /ti/p/@id, page.line.me/<id>
        i = 1 if low[0] == "r" else 0
        name = seg[i + 2] if low[i : i + 2] == ["ti", "p"] and host != "liff.line.me" else ""
        if host == "page.line.me":
            name = seg[0] or query.get("accountId", [""])[0]
        if name and (host == "page.line.me" or name.startswith("@")):
            return _handle("line", name)
        raise IdentityError("not_account")  # liff apps, /R/msg/…, personal "/ti/p/~id" links
    if not segs:
        raise IdentityError("not_account")
    if service == "facebook":
        if low[0] == "profile.php" and _DIGITS.fullmatch(ids := query.get("id", [""])[0]):
            return "id:" + ids
        if low[0] in ("people", "pages") and _DIGITS.fullmatch(seg[2]):
            return "id:" + seg[2]
        if low[0] == "p" and (m := re.fullmatch(r"(?:.*-)?([0-9]{6,20})", seg[1])):
            return "id:" + m[1]
        return _handle("facebook", seg[1] if low[0] == "pg" and seg[1] else seg[0])
    if service == "instagram" and low[0] == "stories" and low[1] not in ("", "highlights"):
        return _handle("instagram", seg[1])
    if service == "youtube" and not seg[0].startswith("@"):
        if low[0] == "channel" and seg[1]:
            if _YT_CHANNEL.fullmatch(seg[1]):
                return "channel/" + seg[1]
            raise IdentityError("bad_handle", service="youtube")
        if low[0] in ("c", "user") and seg[1]:
            return f"{low[0]}/{_yt_name(seg[1])}"
        if low[0] in _RESERVED["youtube"]:
            raise IdentityError("not_account")
        return "c/" + _yt_name(seg[0])  # legacy "youtube.com/<custom name>"
    if service == "bluesky":
        if low[0] == "profile" and seg[1]:
            return _bsky(seg[1])
        raise IdentityError("not_account")
    if service in ("tiktok", "threads") and not seg[0].startswith("@"):
        raise IdentityError("not_account")
    return _handle(service, seg[0])


def _other(host: str, path: str) -> str:
    while host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    segs = [s for s in path.split("/") if s]
    if any(unicodedata.category(c) in ("Cc", "Cs") for s in segs for c in s):
        raise IdentityError("bad_url")
    return "/".join([host, *segs])


# --- Public functions -------------------------------------------------------------------------


def canonicalize(raw: str, service: str | None = None) -> AccountKey:
    """Turn whatever a person pasted into the canonical key, or raise IdentityError.

    service=None: detected from the URL's host (unknown hosts are "other"); a bare handle
    raises code "service_required". service given: the URL must belong to it, and a bare
    handle ("@abc" or "abc") is read as that service's handle.
    """
    if service is not None and service not in SERVICE_SLUGS:
        raise ValueError(f"unknown service {service!r}")
    text = _clean(raw)
    url = _as_url(text, service)
    if url is None:  # a bare handle
        if service is None:
            raise IdentityError("service_required")
        if service == "other":
            raise IdentityError("bad_url")
        if service == "youtube" and _YT_CHANNEL.fullmatch(text):
            return AccountKey(service, "channel/" + text)
        return AccountKey(service, _handle(service, text))

    host, parts = _host_of(url)
    if host == "youtu.be" and service in (None, "youtube"):
        raise IdentityError("not_account")  # a video link does not name the channel
    if _is_shortener(host):
        raise IdentityError("shortener")
    detected = _service_of_host(host)
    if service is None:
        service = detected or "other"
    elif detected != service and (detected or service != "other"):
        if detected:
            raise IdentityError("service_mismatch", service=service, found=detected)
        if any(host.endswith("." + h) for h in SERVICE_HOSTS[service]):
            raise IdentityError("not_account")  # the service's own site, e.g. help.x.com
        if _is_lookalike(host):
            raise IdentityError("lookalike_host", service=service, host=host)
        raise IdentityError("service_mismatch", service=service)

    path = unquote(parts.path, errors="replace")
    if service == "other":
        return AccountKey("other", _other(host, path))
    segs = [unicodedata.normalize("NFKC", s) for s in path.split("/") if s]
    return AccountKey(
        service, _from_url(service, host, segs, parse_qs(parts.query), parts.fragment)
    )


def detect_service(raw: str) -> str | None:
    """The slug for a URL of a known service host (short links included), else None."""
    try:
        url = _as_url(_clean(raw), None)
        host = _host_of(url)[0] if url else ""
    except (ValueError, TypeError):
        return None
    return _service_of_host(host) or _SHORT_HOST_SERVICE.get(host)


def check_not_shortener(url: str) -> None:
    """R11: raise IdentityError(code='shortener') when the URL's host is a URL shortener."""
    try:
        text = _as_url(_clean(url), None)
        host = (urlsplit(text).hostname or "").rstrip(".") if text else ""
        if not host.isascii():
            host = host.encode("idna").decode("ascii")
    except (ValueError, TypeError):
        return  # not a URL at all: other validators say so
    if _is_shortener(host):
        raise IdentityError("shortener")
