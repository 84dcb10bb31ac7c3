"""Open data: what the three files say (public/files.py writes them once per change and
serves them).

CSV (``/accounts.csv``): UTF-8 with a BOM and CRLF line ends, which is what Excel on a
Japanese Windows needs to open the file with the characters intact (without the BOM it guesses
Shift_JIS). A cell a spreadsheet would read as a formula is neutralised (below).

Atom feed (``/feed/``): listings, policy revisions and closures, newest first.

JSON dump (``/accounts.json``): the whole registry as the API shows it, for a program that
wants everything at once rather than page by page. Its shape (``FORMAT_VERSION``; a change that
could break a reader gets a new number)::

    {"format_version": 1, "generated_at": "…+09:00", "municipality": "…", "site_url": "…",
     "accounts": [{<the API's account fields>, "policy_versions": [{<the API's policy
     fields: version, published_at, url, purpose, content, operating_hours, …>}, …]}, …],
     "account_count": N}

Every account with a public page (listed, suspended, closed after having been listed), by id;
its published policy versions newest first. Only what the public pages show: the fields come
from the API's serializers, which name no officer, e-mail address or internal rule.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import NamedTuple, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext, gettext_lazy
from rest_framework.utils.encoders import JSONEncoder

from accounts import selectors
from accounts.models import OfficialAccount
from api.serializers import AccountSerializer, PolicyVersionSerializer
from core.municipality import get_municipality
from policies.models import OperationPolicy, PolicyStatus


class Text(Protocol):
    """Where a file's text is written (public/files.py: the plain file, its gzip and hash)."""

    def write(self, text: str, /) -> int: ...


# Accounts read per query while a file is written: memory stays flat at any registry size.
CHUNK = 1000
# The JSON dump's shape (module docstring): a reader can check it before it reads on.
FORMAT_VERSION = 1


class Labels:
    """What every row of a file looks up the same way, worked out once per file: the choice
    labels (a lazy translation per cell cost more than the rest of the row) and the link to an
    account's page (``reverse`` per row likewise)."""

    PK, VERSION = 987654321, 876543219  # stand for the account's id and a version in a path

    def __init__(self) -> None:
        fields = OfficialAccount._meta
        self.status = {k: str(v) for k, v in fields.get_field("status").flatchoices}
        self.badge = {k: str(v) for k, v in fields.get_field("badge_status").flatchoices}
        site = settings.SITE_URL.rstrip("/")
        self._page = site + reverse("public:account_detail", args=[self.PK])
        self._policy = site + reverse("public:policy_version", args=[self.PK, self.VERSION])

    def page(self, pk: int) -> str:
        return self._page.replace(str(self.PK), str(pk))

    def policy_page(self, pk: int, version: int) -> str:
        return self._policy.replace(str(self.PK), str(pk)).replace(str(self.VERSION), str(version))


CSV_COLUMNS: list[tuple[str, Callable[[OfficialAccount, Labels], str]]] = [
    ("サービス", lambda a, _: a.service.name),
    ("アカウント名", lambda a, _: a.display_name),
    ("アカウントID", lambda a, _: a.key.display_handle),
    ("URL", lambda a, _: a.url),
    ("運用部署", lambda a, _: a.department.full_name),
    ("発信の目的", lambda a, _: a.purpose),
    ("認証バッジ", lambda a, labels: labels.badge.get(a.badge_status, a.badge_status)),
    ("状態", lambda a, labels: labels.status.get(a.status, a.status)),
    # The day in Japan (TIME_ZONE), not in UTC: listed at 06:00 JST is listed that day.
    ("掲載開始日", lambda a, _: timezone.localdate(a.listed_at).isoformat() if a.listed_at else ""),
    ("このサイトのページ", lambda a, labels: labels.page(a.pk)),
]


# A cell that starts with one of these is a formula to Excel and LibreOffice ("CSV
# injection", OWASP): every handle starts with "@", and a display name could start with "=".
# The full-width forms are included because Japanese Excel converts them on entry.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def spreadsheet_safe(value: str) -> str:
    """The cell as text a spreadsheet shows and never evaluates: OWASP's advice, a leading
    single quote (Excel hides it and keeps the rest as text). Leading spaces are looked
    past, since some spreadsheets drop them before reading the cell."""
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(out: Text, accounts: Iterable[OfficialAccount]) -> None:
    """The CSV, BOM first, one line per account, written to ``out`` as it goes."""
    out.write("\ufeff")
    # The csv module quotes a cell with a comma, a quote (doubled) or a line break in it, so a
    # value never starts another cell.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in CSV_COLUMNS])
    labels = Labels()
    for account in accounts:
        writer.writerow([spreadsheet_safe(value(account, labels)) for _, value in CSV_COLUMNS])


def csv_accounts(flt: selectors.ListFilter | None = None) -> Iterator[OfficialAccount]:
    """The CSV's accounts in list order, read in chunks (100 000 accounts never sit in memory)."""
    accounts = selectors.listed_accounts()
    if flt is not None:
        accounts = flt.apply(accounts)
    return accounts.iterator(chunk_size=CHUNK)


class EventKind:
    """What happened. The word is also part of each entry's Atom id (``item_guid``), which a
    feed reader keeps for good: it is an identifier, never translated; ``LABELS`` are shown."""

    LISTED = "掲載"
    REVISED = "運用ポリシー改定"
    CLOSED = "廃止"
    LABELS = {
        LISTED: gettext_lazy("掲載"),
        REVISED: gettext_lazy("運用ポリシー改定"),
        CLOSED: gettext_lazy("廃止"),
    }


class Event(NamedTuple):
    when: datetime
    kind: str  # an EventKind
    account: OfficialAccount
    version: int | None


class RegistryFeed(Feed):
    """Listings, policy changes and closures, newest first (published policy versions and
    closures are the events citizens care about)."""

    feed_type = Atom1Feed
    limit = 50

    def title(self):
        return gettext("%(municipality)s 公式SNSアカウントの更新情報") % {
            "municipality": get_municipality().name
        }

    def link(self):
        return reverse("public:account_list")

    def feed_url(self):
        return reverse("public:feed")

    def subtitle(self):
        return gettext("公式アカウントの掲載・運用ポリシーの改定・廃止のお知らせ")

    def items(self):
        events = []
        for policy in (
            OperationPolicy.objects.filter(status=PolicyStatus.PUBLISHED)
            .select_related("account__service")
            .order_by("-published_at")[: self.limit]
        ):
            if policy.published_at is None:  # never: policy_published_iff_published_at
                continue
            kind = EventKind.LISTED if policy.version == 1 else EventKind.REVISED
            events.append(Event(policy.published_at, kind, policy.account, policy.version))
        for account in selectors.closed_accounts()[: self.limit]:
            if account.closed_at is None:  # never: account_closed_iff_closed_at
                continue
            events.append(Event(account.closed_at, EventKind.CLOSED, account, None))
        events.sort(key=lambda e: e.when, reverse=True)
        return events[: self.limit]

    def item_title(self, item: Event):
        return gettext("【%(kind)s】%(name)s（%(service)s）") % {
            "kind": EventKind.LABELS[item.kind],
            "name": item.account.display_name,
            "service": item.account.service.name,
        }

    def item_description(self, item: Event):
        # Atom1Feed writes the description as <summary type="html">: the XML writer escapes it
        # once for XML, and a reader then renders what is left as HTML. The text is escaped
        # for HTML first, so a name like "<b>…" reaches the reader as those characters.
        return escape(self._description_text(item))

    @staticmethod
    def _description_text(item: Event) -> str:
        name = item.account.display_name
        if item.kind == EventKind.CLOSED:
            return gettext("%(name)sは%(date)sに廃止しました。") % {
                "name": name,
                # Local time: closed at 06:30 JST on 11/27 is 11/27, not 11/26 (UTC).
                "date": timezone.localtime(item.when).strftime(gettext("%Y年%m月%d日")),
            }
        if item.kind == EventKind.LISTED:
            return gettext("%(name)sを公式アカウントとして掲載しました。") % {"name": name}
        return gettext("%(name)sの運用ポリシーを第%(version)s版に改定しました。") % {
            "name": name,
            "version": item.version,
        }

    def item_link(self, item: Event):
        if item.version and item.version > 1:
            return reverse("public:policy_version", args=[item.account.pk, item.version])
        return reverse("public:account_detail", args=[item.account.pk])

    def item_guid(self, item: Event):
        return f"{item.account.pk}-{item.kind}-{item.version or item.when.isoformat()}"

    def item_pubdate(self, item: Event):
        return item.when

    def item_updateddate(self, item: Event):
        return item.when


class _SiteRequest(HttpRequest):
    """What the feed builds its absolute links from, outside any request: ``SITE_URL`` (the
    file is written once by the job queue and served to everyone, so never from one
    visitor's Host header)."""

    def __init__(self) -> None:
        super().__init__()
        url = urlsplit(settings.SITE_URL)
        self._site_host, self._site_scheme = url.netloc, url.scheme

    def get_host(self) -> str:
        return self._site_host

    def _get_scheme(self) -> str:
        return self._site_scheme


def write_feed(out: Text) -> None:
    RegistryFeed().get_feed(None, _SiteRequest()).write(out, "utf-8")


class _DumpAccount(AccountSerializer):
    """The API's account fields, with the page link built without a ``reverse`` per row."""

    def __init__(self, *, labels: Labels) -> None:
        super().__init__()
        self.labels = labels

    def get_page(self, account: OfficialAccount) -> str:
        return self.labels.page(account.pk)


class _DumpPolicy(PolicyVersionSerializer):
    def __init__(self, *, labels: Labels) -> None:
        super().__init__()
        self.labels = labels

    def get_url(self, policy: OperationPolicy) -> str:
        return self.labels.policy_page(policy.account_id, policy.version)


def write_registry_json(out: Text) -> None:
    """The JSON dump (shape in the module docstring), one account per line as it is read."""
    versions = OperationPolicy.objects.filter(status=PolicyStatus.PUBLISHED).order_by("-version")
    accounts = (
        selectors.public_accounts()
        .order_by("pk")
        .prefetch_related(Prefetch("policies", queryset=versions, to_attr="published"))
    )
    # One serializer of each kind for every row: building its fields per account would
    # cost more than the row itself.
    labels = Labels()
    account_fields, policy_fields = _DumpAccount(labels=labels), _DumpPolicy(labels=labels)
    encoder = JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    head = {
        "format_version": FORMAT_VERSION,
        "generated_at": timezone.localtime().isoformat(),
        "municipality": get_municipality().name,
        "site_url": settings.SITE_URL,
    }
    out.write(encoder.encode(head)[:-1] + ',"accounts":[')
    count = 0
    for account in accounts.iterator(chunk_size=CHUNK):
        data = account_fields.to_representation(account)
        data["policy_versions"] = [policy_fields.to_representation(p) for p in account.published]
        # Each prefetched policy points back at its account: a cycle, which only the
        # collector's rare full passes would free, so memory grew with the registry.
        account.published = []
        out.write(("\n" if count == 0 else ",\n") + encoder.encode(data))
        count += 1
    out.write(f'\n],"account_count":{count}}}\n')
