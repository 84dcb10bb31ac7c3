"""「このアカウントは本物？」 — the verifier behind the public page and the API.

Whatever is pasted goes through the one canonicaliser (ADR 0003), so every form of the same
account gets the same answer and a look-alike never gets "official". Garbage gets a clear
answer ("unknown" with a reason), never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts import identity
from accounts.models import AccountStatus, OfficialAccount
from impersonation.models import KnownImpersonation

OFFICIAL, CLOSED, IMPERSONATION, UNKNOWN = "official", "closed", "impersonation", "unknown"

REASONS = {
    "shortener": "短縮URLでは確認できません。"
    "リンク先で表示されるアカウントのページのURLを貼り付けてください。",
    "not_account": "投稿や動画のURLからはアカウントを特定できません。"
    "アカウントのプロフィールページのURLを貼り付けてください。",
    "empty": "確認したいアカウントのURLか @ID を入力してください。",
    "too_long": "入力が長すぎます。アカウントのURLか @ID だけを貼り付けてください。",
}
MAX_QUERY = identity.MAX_INPUT_LENGTH


@dataclass
class Verdict:
    verdict: str
    query: str
    keys: list[identity.AccountKey] = field(default_factory=list)
    accounts: list[OfficialAccount] = field(default_factory=list)
    impersonation: KnownImpersonation | None = None
    reason: str = ""

    @property
    def account(self) -> OfficialAccount | None:
        return self.accounts[0] if self.accounts else None

    @property
    def key(self) -> identity.AccountKey | None:
        return self.keys[0] if self.keys else None


def _keys_for(query: str) -> tuple[list[identity.AccountKey], str]:
    """The keys a query can mean, or a reason why it means none."""
    try:
        return [identity.canonicalize(query)], ""
    except identity.IdentityError as exc:
        if exc.code != "service_required":
            return [], REASONS.get(exc.code, str(exc.message))
    # A bare @handle: it may be any service's (a citizen rarely knows which to pick).
    keys = []
    for slug in identity.SERVICE_SLUGS:
        if slug == "other":
            continue
        try:
            keys.append(identity.canonicalize(query, service=slug))
        except identity.IdentityError:
            continue
    if not keys:
        return [], "アカウントのURLか @ID として読み取れませんでした。"
    return keys, ""


def _matching(queryset, keys: list[identity.AccountKey]) -> list:
    """Rows of ``queryset`` (with ``service`` joined) whose key is one of ``keys``.

    A bare @handle means up to one key per service, mostly with the same identifier: the
    database filters on the identifiers (an index), the exact (service, identifier) pairs are
    checked here — one short query instead of an OR of every pair.
    """
    wanted = {(key.service, key.identifier) for key in keys}
    rows = queryset.filter(identifier__in={identifier for _service, identifier in wanted})
    return [row for row in rows if (row.service.slug, row.identifier) in wanted]


def verify(query: str) -> Verdict:
    """Official, formerly official (closed), known impersonation, or not registered."""
    query = (query or "")[:MAX_QUERY].replace("\x00", "")
    keys, reason = _keys_for(query)
    if not keys:
        return Verdict(UNKNOWN, query, reason=reason)
    matches = _matching(
        OfficialAccount.objects.filter(
            status__in=(AccountStatus.LISTED, AccountStatus.SUSPENDED, AccountStatus.CLOSED)
        )
        .select_related("service", "department__parent__parent")
        .order_by("-closed_at", "pk"),
        keys,
    )
    live = [a for a in matches if a.is_public]
    if live:
        return Verdict(OFFICIAL, query, keys=[a.key for a in live], accounts=live)
    fakes = _matching(
        KnownImpersonation.objects.filter(resolved_at__isnull=True)
        .select_related("service", "imitates")
        .order_by("pk"),
        keys,
    )
    fake = fakes[0] if fakes else None
    if fake is not None:
        return Verdict(
            IMPERSONATION,
            query,
            keys=[identity.AccountKey(fake.service.slug, fake.identifier)],
            impersonation=fake,
        )
    closed = [a for a in matches if a.status == AccountStatus.CLOSED]
    if closed:
        return Verdict(CLOSED, query, keys=[closed[0].key], accounts=closed[:1])
    return Verdict(UNKNOWN, query, keys=keys)
