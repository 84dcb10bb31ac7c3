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
  (``Verdict.post`` says it was a post): whoever wrote the post, it is not to be trusted;
- a permanent-ID URL (``x.com/i/user/<n>``, ``youtube.com/channel/UC…``, a Bluesky DID, …)
  is the account whose ``platform_id`` it is, exactly as its handle would be (issue 14);
- a handle an account used before a rename is "renamed", with the current account — never
  "official": the service released it and anyone may hold it now (issue 14, ADR 0015). A
  handle a closed account used before stays "closed".

Per key: a live (official or suspended) account, then an open known impersonation, then a
former handle of an account official now ("renamed"), then a closed account (or a former
handle of one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import identity, reading
from accounts.models import (
    PUBLIC_PAGE_STATUSES,
    AccountStatus,
    FormerIdentifier,
    OfficialAccount,
    Service,
)
from accounts.search import fold, terms
from impersonation.models import KnownImpersonation

OFFICIAL, POST, CLOSED, IMPERSONATION, UNKNOWN, UNREADABLE = (
    "official", "post", "closed", "impersonation", "unknown", "unreadable",
)  # fmt: skip
SUSPENDED = "suspended"  # R18: official, but temporarily suspended — do not trust its posts
RENAMED = "renamed"  # issue 14: a handle the city used before a rename; not the city's now
VERDICTS = (OFFICIAL, SUSPENDED, POST, RENAMED, CLOSED, IMPERSONATION, UNKNOWN, UNREADABLE)

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
# Issue 14: the exact wording, with the current account's handle and service and the
# municipality's name (filled with ``.format(handle=…, service=…, name=…)``).
RENAMED_MESSAGE = _(
    "この ID は以前{name}が使っていましたが、現在の公式アカウントは {handle} です。"
    "今この ID を使っているのは{name}ではありません。"
)
# Added for a link to a post under the former handle: X and others open a post by its number
# whatever name the link carries, so it may be an old post of the city's, or anyone's.
RENAMED_POST_MESSAGE = _(
    "このリンクは投稿を指しています。{name}が以前のIDで投稿したものかもしれませんが、"
    "別のアカウントのものかもしれません。開いて、投稿者が {handle} であることを確かめてください。"
)
SUSPENDED_NOW = _(
    "現在の公式アカウントは一時停止しています。投稿やメッセージを信用しないでください。"
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
    # "renamed" (or "closed" for a closed account's earlier handle): the handle history row.
    former: FormerIdentifier | None = None


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
    post: bool = False  # the input was a link to a post (verdict "post", "suspended", "renamed")
    # "renamed": when the asked ID was the current account's (``account``); also set for a
    # "closed" answer reached through a closed account's earlier ID.
    former: FormerIdentifier | None = None

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


# A row with a key: an official account, a known fake or an earlier handle.
_Keyed = TypeVar("_Keyed", OfficialAccount, KnownImpersonation, FormerIdentifier)


def _matching(queryset: QuerySet[_Keyed], keys: list[identity.AccountKey]) -> list[_Keyed]:
    """Rows of ``queryset`` (with ``service`` joined) whose key is one of ``keys``.

    A bare @handle means up to one key per service, mostly with the same identifier: the
    database filters on the identifiers (an index), the exact (service, identifier) pairs are
    checked here — one short query instead of an OR of every pair. Official accounts are
    matched by their permanent ID too (``platform_id``, issue 14): it is stored in the form
    the keys spell it ("id:123", "channel/UC…", "did:plc:…", a LINE basic ID).
    """
    wanted = {(key.service, key.identifier) for key in keys}
    identifiers = {identifier for _service, identifier in wanted if identifier}
    by_identifier = Q(identifier__in=identifiers)
    if queryset.model is OfficialAccount:
        by_identifier |= Q(platform_id__in=identifiers)
    rows = queryset.filter(by_identifier)
    return [row for row in rows if _keys_of(row) & wanted]


def _keys_of(row: OfficialAccount | KnownImpersonation | FormerIdentifier) -> set[tuple[str, str]]:
    """The (service, identifier) pairs a row answers for: an account's handle and its
    permanent ID, a fake's or an earlier handle's identifier."""
    keys = {(row.service.slug, row.identifier)}
    if isinstance(row, OfficialAccount) and row.platform_id:
        keys.add((row.service.slug, row.platform_id))
    return keys


def _answers_for(
    row: OfficialAccount | KnownImpersonation | FormerIdentifier, key: identity.AccountKey
) -> bool:
    return (key.service, key.identifier) in _keys_of(row)


def _site_prefixes(key: identity.AccountKey) -> list[identity.AccountKey]:
    """For a page of a web site ("other"), the key itself and every shorter path on the same
    host, longest first: a blog article under a registered blog is that blog's page."""
    if key.service != "other":
        return [key]
    segments = key.identifier.split("/")
    return [
        identity.AccountKey("other", "/".join(segments[:n])) for n in range(len(segments), 0, -1)
    ]


def _earlier_handles(keys: list[identity.AccountKey]) -> list[FormerIdentifier]:
    """Earlier handles among ``keys`` of accounts citizens can look up (official now or
    closed), the latest first — one query, however long the history."""
    if not keys:
        return []
    return _matching(
        FormerIdentifier.objects.public()
        .select_related("service", "account__service", "account__department__parent__parent")
        .order_by("-used_until", "-pk"),
        keys,
    )


def _closed_after(closed: OfficialAccount, former: FormerIdentifier) -> bool:
    """Whether the closed account held the handle after the renamed one gave it up: then the
    handle keeps "closed" (issue 14 §2) — the later use is the one people may have seen."""
    return (
        closed.closed_at is not None and timezone.localdate(closed.closed_at) >= former.used_until
    )


def _per_service(keys: list[identity.AccountKey]) -> list[ServiceMatch]:
    """Official, suspended (R18), known impersonation, renamed (issue 14), formerly official,
    or unknown."""
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
    # Earlier handles matter only where no live account or fake answers: the common case
    # (an official account) costs no query for them.
    decided = {k for a in accounts if a.is_public for k in _keys_of(a)}
    decided |= {k for f in fakes for k in _keys_of(f)}
    formers = _earlier_handles(
        [p for key in keys if not any((q.service, q.identifier) in decided for q in prefixes[key])
         for p in prefixes[key]]
    )  # fmt: skip
    names = dict(
        Service.objects.filter(slug__in={k.service for k in keys}).values_list("slug", "name")
    )
    rows: list[OfficialAccount | KnownImpersonation | FormerIdentifier] = [
        *accounts,
        *fakes,
        *formers,
    ]
    matches = []
    for key in keys:
        # The longest registered path wins (a site's page): exact keys first.
        site = next((p for p in prefixes[key] if any(_answers_for(r, p) for r in rows)), key)
        mine = [a for a in accounts if _answers_for(a, site)]
        live = next((a for a in mine if a.is_public), None)
        fake = next((f for f in fakes if _answers_for(f, site)), None)
        earlier = [f for f in formers if _answers_for(f, site)]
        renamed = next((f for f in earlier if f.account.is_public), None)
        closed = next((a for a in mine if a.status == AccountStatus.CLOSED), None)
        closed_earlier = next(
            (f for f in earlier if f.account.status == AccountStatus.CLOSED), None
        )
        if live:
            # By its handle or its permanent ID: the account's own key is the answer's.
            verdict = SUSPENDED if live.status == AccountStatus.SUSPENDED else OFFICIAL
            match = ServiceMatch(live.key, verdict, account=live)
        elif fake:
            match = ServiceMatch(site, IMPERSONATION, impersonation=fake)
        elif renamed and not (closed and _closed_after(closed, renamed)):
            # Never "official": the service released the handle (issue 14, ADR 0015).
            match = ServiceMatch(site, RENAMED, account=renamed.account, former=renamed)
        elif closed:
            match = ServiceMatch(closed.key, CLOSED, account=closed)
        elif closed_earlier:
            # "A handle used by a closed account keeps closed" (issue 14 §2).
            match = ServiceMatch(
                site, CLOSED, account=closed_earlier.account, former=closed_earlier
            )
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
    """Official, suspended (R18), a post naming an official account, a handle the city used
    before a rename (renamed, issue 14), formerly official (closed), known impersonation, not
    registered (unknown), or nothing we can read (unreadable)."""
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
            former=match.former,
        )
    # A bare "@ID": say on which services it is official and that it is not elsewhere. A
    # suspension comes first (R18): the citizen may be looking at a hijacked account's post.
    # A former handle (renamed) is never "official" and comes after a known fake (issue 14).
    for wanted in (SUSPENDED, OFFICIAL, IMPERSONATION, RENAMED, CLOSED):
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
                former=found[0].former,
            )
    if not query.strip().startswith(("@", "＠")) and (suggestions := _by_name(query)):
        # "サンプル市防災": a display name, not an ID. Names prove nothing; show the accounts.
        return Verdict(UNREADABLE, query, services=services, suggestions=suggestions, bare=True)
    return Verdict(UNKNOWN, query, keys=asked.keys, services=services, bare=True)


def renamed_message(result: Verdict, name: str) -> str:
    """Issue 14: the ID the city used before a rename, the current account and, for a link to
    a post, how to tell an old post of the city's from anyone else's (the API's message; the
    page says the same with a link to the current account)."""
    account = result.account
    if account is None:
        return ""
    handle = account.key.display_handle
    message = str(RENAMED_MESSAGE).format(handle=handle, name=name)
    if result.post:
        message += str(RENAMED_POST_MESSAGE).format(handle=handle, name=name)
    if account.status == AccountStatus.SUSPENDED:
        message += str(SUSPENDED_NOW)
    return message
