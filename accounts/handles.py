"""Each service's handle syntax: a handle checked and put in canonical form, and the keys a
bare "@ID" can mean (ADR 0003, 0009). Pure Python, used by ``accounts.identity``."""

from __future__ import annotations

import re

from accounts.keys import IdentityError


def is_domain(name: str, label: re.Pattern[str]) -> bool:
    labels = name.split(".")
    return len(labels) > 1 and len(name) <= 253 and all(label.fullmatch(x) for x in labels)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Handle syntax, following each service's own rules ("@" is always optional in input).
_HANDLE_RE = {
    "x": r"[A-Za-z0-9_]{1,15}", "instagram": r"[A-Za-z0-9._]{1,30}",
    "threads": r"[A-Za-z0-9._]{1,30}", "facebook": r"[A-Za-z0-9.]{1,50}",
    "line": r"[A-Za-z0-9._\-]{1,20}", "tiktok": r"[A-Za-z0-9._]{2,24}",
    "note": r"[A-Za-z0-9_]{1,50}",
}  # fmt: skip
# First path segments that are pages of the service, not accounts.
RESERVED = {
    "x": _words("home i intent search hashtag explore settings share messages notifications "
                "compose login logout signup tos privacy account oauth download statuses"),
    "instagram": _words("p reel reels tv stories explore accounts direct about legal developer "
                        "_u web share s invites _n"),
    "threads": _words("t intent search login"),
    "facebook": _words("groups events watch share photo photo.php photos story.php permalink.php "
                       "login login.php sharer sharer.php home.php marketplace gaming help "
                       "policies privacy settings hashtag notifications messages search reel "
                       "reels stories dialog plugins l.php ads business video.php media friends "
                       "bookmarks pages people p pg profile.php"),
    "youtube": _words("watch shorts playlist embed live results feed hashtag post redirect "
                      "account premium gaming attribution_link signin logout channel c user "
                      "about kids t s v e subscription_center"),
    "note": _words("hashtag search topic login signup info notes settings api contests"),
}  # fmt: skip
AT_SERVICES = ("youtube", "line", "tiktok", "threads")  # identifier written "@handle"
# A numeric ID (X, Facebook, …) never starts with 0: "0123" would be a second spelling of 123.
DIGITS = re.compile(r"[1-9][0-9]{0,19}")
YT_CHANNEL = re.compile(r"UC[A-Za-z0-9_\-]{22}")  # channel IDs are case-sensitive
_BSKY_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")


def handle(service: str, value: str) -> str:
    """A handle of ``service`` checked against its rules, in canonical (lowercase) form."""
    h = value.removeprefix("@")
    if service == "bluesky":
        return bsky(h, bare=True)
    if service == "youtube":
        return "@" + yt_name(h, is_handle=True)
    if h.lower() in RESERVED.get(service, ()):
        raise IdentityError("not_account")
    if service == "facebook" and (
        m := re.fullmatch(r"([1-9][0-9]{0,19})|.+-([1-9][0-9]{5,19})", h)
    ):
        return "id:" + (m[1] or m[2])  # a profile id; "Name-123456789" is an old page URL
    if not re.fullmatch(_HANDLE_RE[service], h) or not h.strip("."):
        raise IdentityError("bad_handle", service=service)  # "." and ".." are path steps
    h = h.lower()
    if service == "facebook":  # periods do not count in Facebook usernames
        h = h.replace(".", "")
        if not h or h.isdigit():
            raise IdentityError("bad_handle", service=service)
        if h in RESERVED["facebook"]:
            raise IdentityError("not_account")
    return "@" + h if service in AT_SERVICES else h


def yt_name(name: str, is_handle: bool = False) -> str:
    """A YouTube handle (3–30 letters of any script, digits, _ - .) or legacy custom name."""
    # Lower case only: typed text was NFKC'd before it was read, and a percent-encoded "ｓ"
    # in a URL is not "s" to YouTube's server (ADR 0009).
    name = name.lower()
    if not re.fullmatch(r"[\w.\-]{3,30}" if is_handle else r"[\w.\-]{1,100}", name):
        raise IdentityError("bad_handle", service="youtube")
    return name


def bsky(h: str, bare: bool = False) -> str:
    """A Bluesky handle (a domain name) or DID; a bare name gets ".bsky.social"."""
    if h.startswith("did:"):
        if re.fullmatch(r"did:plc:[a-z2-7]{24}|did:web:[a-z0-9.\-]{1,253}", h):
            return h
        raise IdentityError("bad_handle", service="bluesky")
    h = h.lower() + (".bsky.social" if bare and "." not in h else "")
    if not is_domain(h, _BSKY_LABEL) or not h.rsplit(".", 1)[-1][:1].isalpha():
        raise IdentityError("bad_handle", service="bluesky")
    return h


# A bare "@ID" with no service named: each service's own syntax, with no folding beyond case,
# so that the ID means exactly that handle there (issue 8 §1). Facebook drops the periods of
# a username, so a dotted ID can never be compared exactly and is not a Facebook candidate.
BARE_RE = {
    "x": r"[a-z0-9_]{1,15}", "instagram": r"[a-z0-9._]{1,30}", "threads": r"[a-z0-9._]{1,30}",
    "facebook": r"[a-z0-9]{5,50}", "line": r"[a-z0-9._\-]{1,20}",
    "tiktok": r"[a-z0-9._]{1,23}[a-z0-9_]", "note": r"[a-z0-9_]{3,50}",
}  # fmt: skip
