"""Open data: the list as CSV (for Japanese Excel) and an Atom feed of changes.

CSV: UTF-8 with a BOM and CRLF line ends, which is what Excel on a Japanese Windows needs to
open the file with the characters intact (without the BOM it guesses Shift_JIS).
A cell a spreadsheet would read as a formula is neutralised (below).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext, gettext_lazy

from accounts import selectors
from accounts.models import OfficialAccount
from core.cache import cached_public
from core.municipality import get_municipality
from policies.models import OperationPolicy, PolicyStatus

CSV_COLUMNS = [
    ("サービス", lambda a: a.service.name),
    ("アカウント名", lambda a: a.display_name),
    ("アカウントID", lambda a: a.key.display_handle),
    ("URL", lambda a: a.url),
    ("運用部署", lambda a: a.department.full_name),
    ("発信の目的", lambda a: a.purpose),
    ("認証バッジ", lambda a: a.get_badge_status_display()),
    ("状態", lambda a: a.get_status_display()),
    # The day in Japan (TIME_ZONE), not in UTC: listed at 06:00 JST is listed that day.
    ("掲載開始日", lambda a: timezone.localdate(a.listed_at).isoformat() if a.listed_at else ""),
    (
        "このサイトのページ",
        lambda a: settings.SITE_URL.rstrip("/") + reverse("public:account_detail", args=[a.pk]),
    ),
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


def accounts_csv_text(accounts) -> str:
    out = io.StringIO()
    # The csv module quotes a cell with a comma, a quote (doubled) or a line break in it, so a
    # value never starts another cell.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in CSV_COLUMNS])
    for account in accounts:
        writer.writerow([spreadsheet_safe(value(account)) for _, value in CSV_COLUMNS])
    return out.getvalue()


@login_not_required
@cached_public
def accounts_csv(request):
    flt = selectors.ListFilter.from_query(request.GET)
    body = "\ufeff" + accounts_csv_text(flt.apply(selectors.listed_accounts()).iterator(2000))
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="official-accounts.csv"'
    return response


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


registry_feed = login_not_required(cached_public(RegistryFeed()))
