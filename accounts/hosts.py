"""Which web hosts belong to which service, which are URL shorteners, which only look alike.

Pure data and two small predicates, used by ``accounts.identity`` (ADR 0003, 0009).
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _hosts(prefixes: str, *bases: str) -> tuple[str, ...]:
    return tuple(p + b for b in bases for p in ("", *prefixes.split()))


# The web hosts whose URLs are accounts of each service (exact matches only).
SERVICE_HOSTS: dict[str, tuple[str, ...]] = {
    "x": _hosts("www. mobile. m.", "x.com", "twitter.com"),
    "facebook": _hosts("www. m. mbasic. web. touch. business.", "facebook.com", "fb.com"),
    "instagram": _hosts("www. m.", "instagram.com"),
    "youtube": _hosts("www. m. music.", "youtube.com"),
    "line": ("line.me", "www.line.me", "page.line.me", "liff.line.me"),
    "tiktok": _hosts("www. m.", "tiktok.com"),
    "threads": _hosts("www.", "threads.net", "threads.com"),
    "bluesky": _hosts("www.", "bsky.app"),
    "note": _hosts("www.", "note.com", "note.mu"),
}
# The services' own other domains whose links still name the account: Instagram's old short
# domain ("instagr.am/name") and its chat links ("ig.me/m/name"). Their paths are read by the
# service's own rules, which refuse every path that does not name an account.
ALTERNATIVE_HOSTS = {"instagr.am": "instagram", "www.instagr.am": "instagram", "ig.me": "instagram"}
HOST_TO_SERVICE = {h: s for s, hosts in SERVICE_HOSTS.items() for h in hosts} | ALTERNATIVE_HOSTS
# The services' own short-link hosts: the account is not in the link (detect_service names the
# service, canonicalize refuses them).
SHORT_HOST_SERVICE = {
    "youtu.be": "youtube", "lin.ee": "line", "vm.tiktok.com": "tiktok", "vt.tiktok.com": "tiktok",
    "fb.me": "facebook",
}  # fmt: skip
# Registrable names a look-alike host would imitate, e.g. "x.com.example.net", "evil-x.com".
BRAND_DOMAINS = (
    "x.com", "twitter.com", "facebook.com", "fb.com", "instagram.com", "youtube.com", "youtu.be",
    "line.me", "tiktok.com", "threads.net", "threads.com", "bsky.app", "note.com", "note.mu",
    "instagr.am",
)  # fmt: skip
_BRAND_RE = re.compile(
    r"(?:^|[.\-])(?:" + "|".join(map(re.escape, BRAND_DOMAINS)) + r")(?:$|[.\-])"
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


def service_of_host(host: str) -> str | None:
    while host.startswith("www.") and host not in HOST_TO_SERVICE:
        host = host[4:]
    return HOST_TO_SERVICE.get(host)


# The services' own hosts whose links never name an account page (Messenger chats).
OWN_OTHER_HOSTS = {"m.me": "facebook", "www.m.me": "facebook"}


def own_site_of(host: str) -> str | None:
    """The service whose own site ``host`` is ("help.x.com", "m.me")."""
    if host in OWN_OTHER_HOSTS:
        return OWN_OTHER_HOSTS[host]
    for service, hosts in SERVICE_HOSTS.items():
        if any(host.endswith("." + h) for h in hosts):
            return service
    return None


def is_shortener(host: str) -> bool:
    return any(host == s or host.endswith("." + s) for s in SHORTENER_HOSTS)


def is_lookalike(host: str) -> bool:
    """A host that imitates a service's domain: "x.com.evil.example", "twіtter.com"."""
    try:
        unicode_host = host.encode("ascii").decode("idna")
    except UnicodeError:
        unicode_host = host
    return bool(_BRAND_RE.search(host) or _BRAND_RE.search(unicode_host.translate(_CONFUSABLES)))
