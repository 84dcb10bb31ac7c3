"""The staff account list's filters, sort and pages (issue 11 §4), shared by the page and the
export (§2) so a download is exactly what the list shows, without the pages.

What a person sees is never widened here: every query starts from ``accounts_for(user)``
(``accounts.permissions.viewable_accounts``). The search is the public list's
(``accounts.search.terms`` on ``search_text``: full/half width, kana, case and the name's
reading folded alike on SQLite and PostgreSQL). The "overdue" filters ask the reviews app's
selectors, the ones the reminders and the dashboard use, so the list and the digest agree on
what is overdue (R12, R10, R7).

Every parameter comes from a URL anyone can edit: an unknown value is ignored and the page
says which condition it ignored; nothing here raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.paginator import Page
from django.db.models import F, OrderBy, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountStatus, OfficialAccount
from accounts.search import terms
from accounts.selectors import PAGE_SIZE, ListPaginator, accounts_for
from core.errors import parse_id
from core.municipality import get_municipality
from organization.models import descendant_ids
from reviews import selectors as review_selectors

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from organization.permissions import AnyUser

Q_LENGTH = 100  # as the public list (accounts.selectors.ListFilter.Q_LENGTH)

# The statuses the list shows (a registration rejected or withdrawn before it was ever
# listed is not an account: ``account_list`` leaves it out).
STATUSES = [(s.value, s.label) for s in AccountStatus if s != AccountStatus.ABANDONED]


@dataclass(frozen=True)
class Sort:
    label: _StrPromise
    order: tuple[str | OrderBy, ...]


# The allow-list: a sort key from the URL is looked up here, never passed to order_by.
SORTS: dict[str, Sort] = {
    "name": Sort(_("アカウント名順"), ("display_name", "pk")),
    "service": Sort(_("サービス順"), ("service__sort_order", "display_name", "pk")),
    "department": Sort(
        _("運用部署順"), ("department__sort_order", "department__code", "display_name", "pk")
    ),
    "updated": Sort(_("更新日の新しい順"), (F("updated_at").desc(), F("pk").desc())),
    "listed": Sort(_("公開日の新しい順"), (F("listed_at").desc(nulls_last=True), F("pk").desc())),
}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class Overdue:
    label: _StrPromise
    switch: str  # the checklist item that must apply (core.municipality.applies)


# R12, R10, R7: what the reminders remind of, once its due date has passed.
OVERDUE: dict[str, Overdue] = {
    "review": Overdue(_("定期見直し（棚卸し）の期限切れ"), "R12"),
    "credentials": Overdue(_("パスワード変更の期限切れ"), "R10"),
    "badge": Overdue(_("認証バッジ未取得（期限切れ）"), "R7"),
}


def overdue_choices() -> list[tuple[str, str]]:
    """The overdue filters that apply in this deployment (a switched-off rule has none)."""
    m = get_municipality()
    return [(key, str(o.label)) for key, o in OVERDUE.items() if m.applies(o.switch)]


def _overdue_accounts(kind: str, day: date) -> QuerySet[OfficialAccount]:
    """Accounts whose ``kind`` item was due before ``day`` (the dashboard's "overdue":
    ``reviews.selectors.reminder_items``), by the reminders' own selectors."""
    yesterday = day - timedelta(days=1)
    if kind == "review":
        return review_selectors.reviews_due(yesterday, notice_days=0)
    if kind == "credentials":
        return review_selectors.credentials_due(yesterday, notice_days=0)
    return review_selectors.badges_due(yesterday)


@dataclass(frozen=True)
class StaffListFilter:
    q: str = ""
    service: str = ""
    department: int | None = None
    status: str = ""
    overdue: str = ""
    sort: str = DEFAULT_SORT
    q_cut: bool = False  # the keywords were longer than Q_LENGTH: the page says so
    ignored: tuple[str, ...] = field(default=())  # labels of conditions that were not understood

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> StaffListFilter:
        ignored: list[str] = []

        def text(name: str, size: int) -> str:
            # PostgreSQL text cannot hold NUL; nothing a person types contains one.
            return str(params.get(name, "") or "")[:size].replace("\x00", "")

        def choice(name: str, allowed: Any, label: _StrPromise, default: str = "") -> str:
            value = str(params.get(name, "") or "")
            if value in allowed:
                return value
            if value:
                ignored.append(str(label))
            return default

        raw_department = params.get("department")
        department = parse_id(raw_department)
        if raw_department and department is None:
            ignored.append(str(_("運用部署")))
        overdue = choice("overdue", dict(overdue_choices()), _("期限切れ"))
        return cls(
            q=text("q", Q_LENGTH),
            q_cut=len(str(params.get("q", "") or "")) > Q_LENGTH,
            service=text("service", 20),
            department=department,
            status=choice("status", dict(STATUSES), _("状態")),
            overdue=overdue,
            sort=choice("sort", SORTS, _("並び順"), DEFAULT_SORT),
            ignored=tuple(ignored),
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.service or self.department or self.status or self.overdue)

    def apply(self, qs: QuerySet[OfficialAccount], *, day: date) -> QuerySet[OfficialAccount]:
        """``qs`` narrowed by the conditions and sorted (still a queryset: no query yet)."""
        if self.service:
            qs = qs.filter(service__slug=self.service)
        if self.department is not None:
            # A 局 or 部 includes every unit below it (as on the public list).
            qs = qs.filter(department_id__in=sorted(descendant_ids(self.department)))
        if self.status:
            qs = qs.filter(status=self.status)
        if self.overdue:
            qs = qs.filter(pk__in=_overdue_accounts(self.overdue, day).values("pk"))
        for term in terms(self.q):
            qs = qs.filter(search_text__contains=term)
        return qs.order_by(*SORTS[self.sort].order)

    def params(self, *, with_sort: bool = True) -> dict[str, str]:
        """The conditions as understood, for links (pages, sort, export): never the raw
        query string, so a link never carries what was ignored or cut."""
        values = {
            "q": self.q,
            "service": self.service,
            "department": str(self.department) if self.department is not None else "",
            "status": self.status,
            "overdue": self.overdue,
            "sort": self.sort if with_sort and self.sort != DEFAULT_SORT else "",
        }
        return {k: v for k, v in values.items() if v}

    def querystring(self, *, with_sort: bool = True) -> str:
        return urlencode(self.params(with_sort=with_sort))


def staff_accounts(user: AnyUser) -> QuerySet[OfficialAccount]:
    """What the staff list shows this person, before any filter (``accounts_for``)."""
    return accounts_for(user).exclude(status=AccountStatus.ABANDONED)


def filtered_accounts(
    user: AnyUser, flt: StaffListFilter, *, day: date
) -> QuerySet[OfficialAccount]:
    return flt.apply(staff_accounts(user), day=day)


class StaffPaginator(ListPaginator):
    """The public list's id-first pages (``accounts.selectors.ListPaginator``: the ids of a
    page are read first, then only those 50 rows with their service and department), counted
    on every request: the staff list shows drafts and closures that do not change the public
    generation the public count is cached under."""

    @cached_property
    def count(self) -> int:
        return self.ids.count()


def staff_page(
    user: AnyUser, flt: StaffListFilter, number: str | None, *, day: date
) -> Page[OfficialAccount]:
    """One page of 50. A page that is not a number gives the first page, one past the end
    the last (Django's ``get_page``)."""
    return StaffPaginator(filtered_accounts(user, flt, day=day), PAGE_SIZE).get_page(number)
