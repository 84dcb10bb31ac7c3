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
class PermanentIdFacts:
    """A service's permanent identifier (issue 14): the one thing about an account that a
    rename does not change, so a released handle never stays "official".

    ``prefix`` + the ID is how it is stored (``OfficialAccount.platform_id``) and how the
    verifier's keys spell it, so a permanent-ID URL and the stored ID compare equal:
    ``x.com/i/user/123`` → ``id:123``, ``youtube.com/channel/UC…`` → ``channel/UC…``.
    """

    # What the service calls it, for people ("ユーザーID（数字）").
    label: str
    # The ID as staff type it (after the prefix is removed): a regular expression.
    pattern: str
    prefix: str = ""
    example: str = ""
    # How staff find it (Japanese, shown beside the field).
    how_to_find: str = ""
    # URLs that name the account by it (the verifier reads them), for the help text.
    url_forms: tuple[str, ...] = ()
    # Whether the daily job can ask the service, without a key, which handle it has now.
    checked_daily: bool = False
    # LINE's basic ID is written like a handle ("@123abcde"): an identifier of that form is
    # not known to be the permanent one (it may be a premium ID, which can change).
    handle_like: bool = False


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
    # The permanent identifier, where the service has one (issue 14).
    permanent_id: PermanentIdFacts | None = None


_DIGITS = r"[1-9][0-9]{0,19}"  # never a leading 0: one spelling per ID

SERVICES: tuple[ServiceFacts, ...] = (
    ServiceFacts(
        "x", "X（旧Twitter）", True,
        hosts=_hosts("www. mobile. m.", "x.com", "twitter.com"),
        brand_domains=("x.com", "twitter.com"),
        profile_url="https://x.com/", handle_prefix="@",
        permanent_id=PermanentIdFacts(
            "ユーザーID（数字）", _DIGITS, prefix="id:", example="1234567890123456789",
            how_to_find=(
                "X の画面には表示されません。［設定とプライバシー］→［アカウント］→"
                "［データのアーカイブをダウンロード］で届くデータの account.js にある "
                "accountId の数字です。x.com/i/user/＜数字＞ を開いてこのアカウントが"
                "表示されることを確かめてから入力してください。"
            ),
            url_forms=("x.com/i/user/＜数字＞", "x.com/intent/user?user_id=＜数字＞"),
        ),
    ),
    ServiceFacts(
        "facebook", "Facebook", True,
        hosts=_hosts("www. m. mbasic. web. touch. business.", "facebook.com", "fb.com"),
        chat_hosts=("m.me", "www.m.me"),
        brand_domains=("facebook.com", "fb.com"),
        profile_url="https://www.facebook.com/", handle_prefix="facebook.com/",
        permanent_id=PermanentIdFacts(
            "ページID・プロフィールID（数字）", _DIGITS, prefix="id:", example="100064123456789",
            how_to_find=(
                "Facebook ページの［基本データ］（または［ページについて］）→"
                "［ページの透明性］に表示される「ページID」です。"
                "facebook.com/profile.php?id=＜数字＞ で開けます。"
            ),
            url_forms=("facebook.com/profile.php?id=＜数字＞",),
        ),
    ),
    ServiceFacts(
        "instagram", "Instagram", True,
        hosts=_hosts("www. m.", "instagram.com"),
        other_hosts=("instagr.am", "www.instagr.am", "ig.me"),
        brand_domains=("instagram.com", "instagr.am"),
        profile_url="https://www.instagram.com/", handle_prefix="@",
        permanent_id=PermanentIdFacts(
            "ユーザーID（数字）", _DIGITS, prefix="id:", example="17841400000000000",
            how_to_find=(
                "Instagram の画面には表示されません。Meta ビジネススイートの［設定］→"
                "［Instagram アカウント］、または［設定］→［アカウントセンター］→"
                "［個人の情報］→［情報とアクセス許可をダウンロード］で届くデータで確認します。"
                "ID で開ける URL はないため、照合には使わず、乗っ取り時に Meta へ"
                "持ち主を示す記録として使います。"
            ),
        ),
    ),
    ServiceFacts(
        "youtube", "YouTube", True,
        hosts=_hosts("www. m. music.", "youtube.com"),
        brand_domains=("youtube.com", "youtu.be"),
        profile_url="https://www.youtube.com/", handle_prefix="youtube.com/",
        permanent_id=PermanentIdFacts(
            "チャンネルID（UCで始まる24文字）", r"UC[A-Za-z0-9_\-]{22}", prefix="channel/",
            example="UCabcdefghijklmnopqrstuv",
            how_to_find=(
                "YouTube Studio の［設定］→［チャンネル］→［詳細設定］、または "
                "youtube.com/account_advanced に表示される「チャンネルID」です。"
            ),
            url_forms=("youtube.com/channel/UC…",),
        ),
    ),
    ServiceFacts(
        "line", "LINE公式アカウント", True,
        hosts=("line.me", "www.line.me", "page.line.me", "liff.line.me"),
        brand_domains=("line.me",),
        profile_url="https://line.me/R/ti/p/",  # identifiers are "@…" already
        # The basic ID is given when the account is opened and never changes; a premium ID
        # (bought, changeable) may be the handle, and both open the same account.
        permanent_id=PermanentIdFacts(
            "ベーシックID（@で始まる）", r"@[a-z0-9._\-]{1,20}", example="@123abcde",
            how_to_find=(
                "LINE Official Account Manager の［設定］→［アカウント設定］に表示される"
                "「ベーシックID」です（プレミアムIDではなく、開設時に割り当てられたID）。"
            ),
            url_forms=("line.me/R/ti/p/@＜ベーシックID＞",),
            handle_like=True,
        ),
    ),
    ServiceFacts(
        "tiktok", "TikTok", True,
        hosts=_hosts("www. m.", "tiktok.com"),
        brand_domains=("tiktok.com",),
        profile_url="https://www.tiktok.com/",  # identifiers are "@…" already
        permanent_id=PermanentIdFacts(
            "ユーザーID（数字）", _DIGITS, prefix="id:", example="6812345678901234567",
            how_to_find=(
                "TikTok の画面には表示されません。［設定とプライバシー］→［アカウント］→"
                "［データをダウンロード］で届くデータ、または TikTok Business Center の"
                "アカウント情報で確認します。ID で開ける URL はないため、照合には使わず、"
                "乗っ取り時に TikTok へ持ち主を示す記録として使います。"
            ),
        ),
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
        permanent_id=PermanentIdFacts(
            "DID（did:plc: などで始まる）", r"did:plc:[a-z2-7]{24}|did:web:[a-z0-9.\-]{1,253}",
            example="did:plc:abcdefghijklmnopqrstuvwx",
            how_to_find=(
                "bsky.app の［設定］→［アカウント］、またはプロフィールの URL を "
                "bsky.app/profile/did:… の形で開いて確認します。ハンドルを変えても DID は"
                "変わりません。台帳は毎日、DID が今どのハンドルを使っているかを確かめます。"
            ),
            url_forms=("bsky.app/profile/did:plc:…",),
            checked_daily=True,
        ),
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
# The services with a permanent identifier (issue 14), and those the daily job checks.
PERMANENT_ID_SERVICES: tuple[str, ...] = tuple(s.slug for s in SERVICES if s.permanent_id)
CHECKED_DAILY_SERVICES: tuple[str, ...] = tuple(
    s.slug for s in SERVICES if s.permanent_id and s.permanent_id.checked_daily
)
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
