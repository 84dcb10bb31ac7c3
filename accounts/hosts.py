"""Which web hosts belong to which service, which are URL shorteners, which only look alike.

The services' own hosts come from the catalogue (``accounts.catalogue``); the shorteners and
the predicates are here, used by ``accounts.identity`` (ADR 0003, 0009).
"""

from __future__ import annotations

import re

from accounts.catalogue import SERVICES


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The web hosts whose URLs are accounts of each service (exact matches only).
SERVICE_HOSTS: dict[str, tuple[str, ...]] = {s.slug: s.hosts for s in SERVICES if s.hosts}
# The services' own other domains whose links still name the account (Instagram's
# "instagr.am/name", "ig.me/m/name"). Their paths are read by the service's own rules, which
# refuse every path that does not name an account.
ALTERNATIVE_HOSTS = {h: s.slug for s in SERVICES for h in s.other_hosts}
HOST_TO_SERVICE = {h: s for s, hosts in SERVICE_HOSTS.items() for h in hosts} | ALTERNATIVE_HOSTS
# Registrable names a look-alike host would imitate, e.g. "x.com.example.net", "evil-x.com".
BRAND_DOMAINS = tuple(d for s in SERVICES for d in s.brand_domains)
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
OWN_OTHER_HOSTS = {h: s.slug for s in SERVICES for h in s.chat_hosts}


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
