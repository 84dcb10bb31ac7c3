"""The one catalogue of the services the product recognises, and the facts about each.

Everything that differs per service and is data, not a rule, lives here: its name, its web
hosts, whether it offers a verified badge (R7), how its canonical profile URL and handle are
written. Its readers:

- ``accounts.keys`` / ``accounts.hosts`` / ``accounts.identity`` (the slugs, names, hosts and
  URL forms; each service's URL rules are the functions in ``accounts.identity``, its handle
  syntax is in ``accounts.handles``);
- ``Service.slug``'s choices, the data migration that creates the ``Service`` rows and
  ``seed_demo``, which restores them when a test database was flushed (transactional tests
  empty every table, migration data included). A system administrator may rename a row or
  change its badge fact afterwards; ``ensure_catalogue`` never overwrites that, and every
  page shows the row's name.

Pure Python (no models, no settings): ``accounts.identity`` imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _hosts(prefixes: str, *bases: str) -> tuple[str, ...]:
    """Each base domain bare and with each prefix: _hosts("www. m.", "x.com")."""
    return tuple(p + b for b in bases for p in ("", *prefixes.split()))


@dataclass(frozen=True)
class ServiceFacts:
    slug: str
    # For people: a proper noun, the same in every language. The Service row starts with it.
    name: str
    # R7: the badge is asked for where one exists (all five guidelines).
    offers_verified_badge: bool
    # The web hosts whose URLs are accounts of this service (exact matches only).
    hosts: tuple[str, ...] = ()
    # The service's other domains whose links still name the account ("instagr.am/name",
    # "ig.me/m/name"): their paths are read by the service's own rules.
    other_hosts: tuple[str, ...] = ()
    # The service's own hosts whose links never name an account page (Messenger chats).
    chat_hosts: tuple[str, ...] = ()
    # Registrable names a look-alike host would imitate ("x.com.example.net", "evil-x.com").
    brand_domains: tuple[str, ...] = ()
    # The canonical profile URL is ``profile_url`` + the (quoted) identifier.
    profile_url: str = ""
    # How people write an identifier: ``handle_prefix`` + identifier ("@city", "note.com/city").
    handle_prefix: str = ""


SERVICES: tuple[ServiceFacts, ...] = (
    ServiceFacts(
        "x", "X（旧Twitter）", True,
        hosts=_hosts("www. mobile. m.", "x.com", "twitter.com"),
        brand_domains=("x.com", "twitter.com"),
        profile_url="https://x.com/", handle_prefix="@",
    ),
    ServiceFacts(
        "facebook", "Facebook", True,
        hosts=_hosts("www. m. mbasic. web. touch. business.", "facebook.com", "fb.com"),
        chat_hosts=("m.me", "www.m.me"),
        brand_domains=("facebook.com", "fb.com"),
        profile_url="https://www.facebook.com/", handle_prefix="facebook.com/",
    ),
    ServiceFacts(
        "instagram", "Instagram", True,
        hosts=_hosts("www. m.", "instagram.com"),
        other_hosts=("instagr.am", "www.instagr.am", "ig.me"),
        brand_domains=("instagram.com", "instagr.am"),
        profile_url="https://www.instagram.com/", handle_prefix="@",
    ),
    ServiceFacts(
        "youtube", "YouTube", True,
        hosts=_hosts("www. m. music.", "youtube.com"),
        brand_domains=("youtube.com", "youtu.be"),
        profile_url="https://www.youtube.com/", handle_prefix="youtube.com/",
    ),
    ServiceFacts(
        "line", "LINE公式アカウント", True,
        hosts=("line.me", "www.line.me", "page.line.me", "liff.line.me"),
        brand_domains=("line.me",),
        profile_url="https://line.me/R/ti/p/",  # identifiers are "@…" already
    ),
    ServiceFacts(
        "tiktok", "TikTok", True,
        hosts=_hosts("www. m.", "tiktok.com"),
        brand_domains=("tiktok.com",),
        profile_url="https://www.tiktok.com/",  # identifiers are "@…" already
    ),
    ServiceFacts(
        "threads", "Threads", True,
        hosts=_hosts("www.", "threads.net", "threads.com"),
        brand_domains=("threads.net", "threads.com"),
        profile_url="https://www.threads.com/",  # identifiers are "@…" already
    ),
    ServiceFacts(
        "bluesky", "Bluesky", False,
        hosts=_hosts("www.", "bsky.app"),
        brand_domains=("bsky.app",),
        profile_url="https://bsky.app/profile/", handle_prefix="@",
    ),
    ServiceFacts(
        "note", "note", False,
        hosts=_hosts("www.", "note.com", "note.mu"),
        brand_domains=("note.com", "note.mu"),
        profile_url="https://note.com/", handle_prefix="note.com/",
    ),
    # Any other web site (a blog, a page): the identifier is host + path.
    ServiceFacts("other", "その他（ブログ等）", False, profile_url="https://"),
)  # fmt: skip

SERVICE_SLUGS: tuple[str, ...] = tuple(s.slug for s in SERVICES)
BY_SLUG: dict[str, ServiceFacts] = {s.slug: s for s in SERVICES}


def sort_order(facts: ServiceFacts) -> int:
    """The ``Service.sort_order`` a new row gets: the catalogue's order, in steps of 10."""
    return (SERVICES.index(facts) + 1) * 10


def ensure_catalogue(service_model: Any) -> None:
    """Create any missing service; never overwrite what a system administrator changed.

    ``service_model`` is the ``Service`` model (or its historical version in a migration).
    """
    existing = set(service_model.objects.values_list("slug", flat=True))
    for facts in SERVICES:
        if facts.slug not in existing:
            service_model.objects.create(
                slug=facts.slug,
                name=facts.name,
                offers_verified_badge=facts.offers_verified_badge,
                sort_order=sort_order(facts),
            )
