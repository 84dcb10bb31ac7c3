"""「このアカウントは本物？」 — the verifier behind the public page and the API.

Whatever is pasted is read by ``accounts.reading`` (flyer text, bare IDs) and the one
canonicaliser (ADR 0003, 0009), so every form of the same account gets the same answer and a
look-alike never gets "official". The word "official" is said only for an exact account:

- a bare "@ID" is answered per service (``Verdict.services``): official where that exact
  handle is the account, not elsewhere;
- a link to a post names an account that may not be the author (X, TikTok, …): "post";
- what names no account (a video link, a short link, a display name) is "unreadable", with
  what to paste instead — never "not registered";
- an official account that is temporarily suspended (R18, 001 §8(4): e.g. hijacked) is
  "suspended", never "official": a client that trusts ``verdict == "official"`` must not
  show a hijacked account as trustworthy. A link to one of its posts is "suspended" too
  (``Verdict.post`` says it was a post): whoever wrote the post, it is not to be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import identity, reading
from accounts.models import PUBLIC_PAGE_STATUSES, AccountStatus, OfficialAccount, Service
from accounts.search import fold, terms
from impersonation.models import KnownImpersonation

OFFICIAL, POST, CLOSED, IMPERSONATION, UNKNOWN, UNREADABLE = (
    "official", "post", "closed", "impersonation", "unknown", "unreadable",
)  # fmt: skip
SUSPENDED = "suspended"  # R18: official, but temporarily suspended — do not trust its posts
VERDICTS = (OFFICIAL, SUSPENDED, POST, CLOSED, IMPERSONATION, UNKNOWN, UNREADABLE)

# Lazy: read when a verdict is given, in the language of the request.
PASTE_INSTEAD = _(
    "アカウントのプロフィールページ（名前やアイコンを押すと開くページ）のURLか、"
    "@ID を貼り付けてください。"
)
REASONS = {
    "shortener": _(
        "短縮URLからはアカウントを特定できません。"
        "リンクを開いて表示されるアカウントのページのURLを貼り付けてください。"
    ),
    "not_account": format_lazy(
        "{}{}",
        _(
            "このURLからはアカウントを特定できません。"
            "動画や投稿のリンクなら、開いて投稿者の名前を押し、"
        ),
        PASTE_INSTEAD,
    ),
    "empty": _("確認したいアカウントのURLか @ID を入力してください。"),
    "too_long": _("入力が長すぎます。アカウントのURLか @ID だけを貼り付けてください。"),
    "bad_url": format_lazy("{}{}", _("URLとして読み取れませんでした。"), PASTE_INSTEAD),
    "scheme": format_lazy(
        "{}{}", _("http:// または https:// で始まるURLではありません。"), PASTE_INSTEAD
    ),
}
# Issue 13: the exact wording, with the handle in the link and the municipality's name
# (filled with ``.format(handle=…, name=…)``).
POST_MESSAGE = _(
    "このリンクは投稿を指しています。リンクに含まれる {handle} は{name}の公式アカウントですが、"
    "投稿そのものは別のアカウントのものかもしれません。"
    "開いて、投稿者の名前が {handle} であることを確かめてください。"
)
# Refusals that still identify what was meant well enough to say "not official".
_NOT_OFFICIAL_CODES = {"userinfo", "lookalike_host", "service_mismatch", "bad_handle"}
MAX_QUERY = identity.MAX_INPUT_LENGTH
MAX_SUGGESTIONS = 5


@dataclass
class ServiceMatch:
    """The answer for one service (a bare "@ID" has one per service it is a handle on)."""

    key: identity.AccountKey
    verdict: str
    account: OfficialAccount | None = None
    impersonation: KnownImpersonation | None = None
    service_name: str = ""


@dataclass
class Verdict:
    verdict: str
    query: str
    keys: list[identity.AccountKey] = field(default_factory=list)
    accounts: list[OfficialAccount] = field(default_factory=list)
    impersonation: KnownImpersonation | None = None
    reason: str = ""
    services: list[ServiceMatch] = field(default_factory=list)
    suggestions: list[OfficialAccount] = field(default_factory=list)  # found by display name
    bare: bool = False
    lookalike: bool = False
    code: str = ""  # why nothing could be read (an IdentityError code)
    # "Instagram @<an X handle>": the same ID is official on another service (not this one).
    elsewhere: list[ServiceMatch] = field(default_factory=list)
    post: bool = False  # the input was a link to a post (verdict "post", or "suspended")

    @property
    def account(self) -> OfficialAccount | None:
        return self.accounts[0] if self.accounts else None

    @property
    def key(self) -> identity.AccountKey | None:
        return self.keys[0] if self.keys else None

    @property
    def from_url(self) -> bool:
        """Unreadable because the URL names no account (a video, a short link)."""
        return self.code in ("not_account", "shortener", "bad_url", "scheme")

    @property
    def official_services(self) -> list[ServiceMatch]:
        return [m for m in self.services if m.verdict == OFFICIAL]

    @property
    def other_services(self) -> list[ServiceMatch]:
        return [m for m in self.services if m.verdict not in (OFFICIAL, SUSPENDED)]

    @property
    def suspended_services(self) -> list[ServiceMatch]:
        return [m for m in self.services if m.verdict == SUSPENDED]


# A row with a key: an official account or a known fake.
_Keyed = TypeVar("_Keyed", OfficialAccount, KnownImpersonation)


def _matching(queryset: QuerySet[_Keyed], keys: list[identity.AccountKey]) -> list[_Keyed]:
    """Rows of ``queryset`` (with ``service`` joined) whose key is one of ``keys``.

    A bare @handle means up to one key per service, mostly with the same identifier: the
    database filters on the identifiers (an index), the exact (service, identifier) pairs are
    checked here — one short query instead of an OR of every pair.
    """
    wanted = {(key.service, key.identifier) for key in keys}
    rows = queryset.filter(identifier__in={identifier for _service, identifier in wanted})
    return [row for row in rows if (row.service.slug, row.identifier) in wanted]


def _key_of(fake: KnownImpersonation) -> identity.AccountKey:
    return identity.AccountKey(fake.service.slug, fake.identifier)


def _site_prefixes(key: identity.AccountKey) -> list[identity.AccountKey]:
    """For a page of a web site ("other"), the key itself and every shorter path on the same
    host, longest first: a blog article under a registered blog is that blog's page."""
    if key.service != "other":
        return [key]
    segments = key.identifier.split("/")
    return [
        identity.AccountKey("other", "/".join(segments[:n])) for n in range(len(segments), 0, -1)
    ]


def _per_service(keys: list[identity.AccountKey]) -> list[ServiceMatch]:
    """Official, suspended (R18), known impersonation, formerly official, or unknown."""
    prefixes = {key: _site_prefixes(key) for key in keys}
    keys_and_prefixes = [p for key in keys for p in prefixes[key]]
    accounts = _matching(
        OfficialAccount.objects.filter(status__in=PUBLIC_PAGE_STATUSES)
        .select_related("service", "department__parent__parent")
        .order_by("-closed_at", "pk"),
        keys_and_prefixes,
    )
    fakes = _matching(
        KnownImpersonation.objects.filter(resolved_at__isnull=True)
        .select_related("service", "imitates")
        .order_by("pk"),
        keys_and_prefixes,
    )
    names = dict(
        Service.objects.filter(slug__in={k.service for k in keys}).values_list("slug", "name")
    )
    matches = []
    for key in keys:
        # The longest registered path wins (a site's page): exact keys first.
        site = next(
            (p for p in prefixes[key] if any(a.key == p for a in accounts)
             or any(_key_of(f) == p for f in fakes)),
            key,
        )  # fmt: skip
        mine = [a for a in accounts if a.key == site]
        live = next((a for a in mine if a.is_public), None)
        fake = next((f for f in fakes if _key_of(f) == site), None)
        closed = next((a for a in mine if a.status == AccountStatus.CLOSED), None)
        if live:
            verdict = SUSPENDED if live.status == AccountStatus.SUSPENDED else OFFICIAL
            match = ServiceMatch(site, verdict, account=live)
        elif fake:
            match = ServiceMatch(site, IMPERSONATION, impersonation=fake)
        elif closed:
            match = ServiceMatch(site, CLOSED, account=closed)
        else:
            match = ServiceMatch(key, UNKNOWN)
        match.service_name = names.get(key.service) or identity.service_label(key.service)
        matches.append(match)
    return matches


def _by_name(text: str) -> list[OfficialAccount]:
    """Official accounts whose name (or department…) has every word of ``text`` in it."""
    words = terms(text)
    if not words or len(fold(text)) < 2:
        return []
    qs = OfficialAccount.objects.public().select_related("service", "department__parent__parent")
    for word in words:
        qs = qs.filter(search_text__contains=word)
    return list(qs.order_by("service__sort_order", "pk")[:MAX_SUGGESTIONS])


def _official_elsewhere(asked: reading.Query) -> list[ServiceMatch]:
    """The services other than the one named on which the same ID is an official account."""
    try:
        keys = identity.bare_keys(asked.text)
    except identity.IdentityError:
        return []
    keys = [key for key in keys if key.service != asked.named]
    return [m for m in _per_service(keys) if m.verdict == OFFICIAL] if keys else []


def _unreadable(query: str, exc: identity.IdentityError) -> Verdict:
    if exc.code in _NOT_OFFICIAL_CODES:
        return Verdict(UNKNOWN, query, reason=str(exc.message), code=exc.code)
    reason = str(REASONS.get(exc.code, exc.message))
    suggestions = _by_name(query) if exc.code == "unreadable_text" else []
    if suggestions:
        reason = ""
    return Verdict(UNREADABLE, query, reason=reason, suggestions=suggestions, code=exc.code)


def verify(query: str) -> Verdict:
    """Official, suspended (R18), a post naming an official account, formerly official
    (closed), known impersonation, not registered (unknown), or nothing we can read
    (unreadable)."""
    query = query or ""
    if len(query) > MAX_QUERY:  # never read a prefix: the rest may lead elsewhere
        return Verdict(
            UNREADABLE, query[:MAX_QUERY], reason=str(REASONS["too_long"]), code="too_long"
        )
    if "\x00" in query:  # a browser would keep it (as %00): it is not the account's page
        return Verdict(
            UNREADABLE, query.replace("\x00", ""), reason=str(REASONS["bad_url"]), code="bad_url"
        )
    try:
        asked = reading.interpret(query)
    except identity.IdentityError as exc:
        return _unreadable(query, exc)
    services = _per_service(asked.keys)
    if not asked.bare:
        match = services[0]
        verdict = POST if asked.post and match.verdict == OFFICIAL else match.verdict
        elsewhere = _official_elsewhere(asked) if verdict == UNKNOWN and asked.named else []
        return Verdict(
            verdict,
            query,
            post=asked.post,
            elsewhere=elsewhere,
            keys=[match.key],
            accounts=[match.account] if match.account else [],
            impersonation=match.impersonation,
            services=services,
            lookalike=identity.is_lookalike_key(match.key),
        )
    # A bare "@ID": say on which services it is official and that it is not elsewhere. A
    # suspension comes first (R18): the citizen may be looking at a hijacked account's post.
    for wanted in (SUSPENDED, OFFICIAL, IMPERSONATION, CLOSED):
        found = [m for m in services if m.verdict == wanted]
        if found:
            return Verdict(
                wanted,
                query,
                keys=[m.key for m in found],
                accounts=[m.account for m in found if m.account],
                impersonation=found[0].impersonation,
                services=services,
                bare=True,
            )
    if not query.strip().startswith(("@", "＠")) and (suggestions := _by_name(query)):
        # "サンプル市防災": a display name, not an ID. Names prove nothing; show the accounts.
        return Verdict(UNREADABLE, query, services=services, suggestions=suggestions, bare=True)
    return Verdict(UNKNOWN, query, keys=asked.keys, services=services, bare=True)
