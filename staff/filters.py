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

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.paginator import Page
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountStatus, OfficialAccount, Service
from accounts.search import terms
from accounts.selectors import PAGE_SIZE, FilterChoices, ListPaginator, accounts_for
from accounts.text_match import contains_term
from core.errors import parse_id
from core.municipality import get_municipality
from organization.models import Department, descendant_ids
from organization.permissions import sees_everything
from reviews import selectors as review_selectors

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from organization.permissions import AnyUser

Q_LENGTH = 100  # as the public list (accounts.selectors.ListFilter.Q_LENGTH)

# The statuses the list shows (a registration rejected or withdrawn before it was ever
# listed is not an account: ``account_list`` leaves it out).
STATUSES = [(s.value, s.label) for s in AccountStatus if s != AccountStatus.ABANDONED]


@dataclass(frozen=True)
class Grouping:
    """A sort that leads with a column of another table (a service's or a unit's display
    order) is read one group at a time: inside a group the order is ``Sort.within``, which an
    index leading with the group's column serves (``account_service_order``,
    ``account_department_order``), so no page sorts every account (issue 12 §4)."""

    key: Any  # the expression whose value names the group (GROUP BY)
    group_order: tuple[str, ...]  # the groups' own order, in the counting query
    where: Any  # value -> Q: the accounts of one group (what the index is searched by)


@dataclass(frozen=True)
class Sort:
    label: _StrPromise
    order: tuple[str | OrderBy, ...]  # the whole list's order (the export's too)
    within: tuple[str | OrderBy, ...] = ()  # inside one group, when grouped
    grouping: Grouping | None = None
    by_name: bool = True  # (within a group) by account name, where a unit's accounts cluster


def _field_grouping(field: str, *group_order: str) -> Grouping:
    return Grouping(
        key=F(f"{field}_id"),
        group_order=group_order,
        where=lambda value: Q(**{f"{field}_id": value}),
    )


# The allow-list: a sort key from the URL is looked up here, never passed to order_by.
# Each order ends in a unique key and is read from an index (accounts.models, issue 12 §4).
SORTS: dict[str, Sort] = {
    "name": Sort(_("アカウント名順"), ("display_name", "pk")),
    "service": Sort(
        _("サービス順"),
        ("service__sort_order", "service__slug", "display_name", "pk"),
        within=("display_name", "pk"),
        grouping=_field_grouping("service", "service__sort_order", "service__slug"),
    ),
    "department": Sort(
        _("運用部署順"),
        ("department__sort_order", "department__code", "display_name", "pk"),
        within=("display_name", "pk"),
        grouping=_field_grouping("department", "department__sort_order", "department__code"),
    ),
    "updated": Sort(_("更新日の新しい順"), (F("updated_at").desc(), F("pk").desc()), by_name=False),
    # Never-listed accounts (drafts) last: two groups, each read backwards from
    # ``account_listed_order`` (an index cannot say NULLS LAST on SQLite).
    "listed": Sort(
        _("公開日の新しい順"),
        (F("listed_at").desc(nulls_last=True), F("pk").desc()),
        within=(F("listed_at").desc(), F("pk").desc()),
        grouping=Grouping(
            key=ExpressionWrapper(Q(listed_at__isnull=True), output_field=BooleanField()),
            group_order=("_group",),
            where=lambda never_listed: Q(listed_at__isnull=never_listed),
        ),
        by_name=False,
    ),
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

    def apply(
        self, qs: QuerySet[OfficialAccount], *, day: date, scoped: bool = False
    ) -> QuerySet[OfficialAccount]:
        """``qs`` narrowed by the conditions and sorted (still a queryset: no query yet);
        ``scoped``: ``qs`` is one person's part of the registry, not all of it."""
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
            # The public list's search, through its trigram index on PostgreSQL (issue 12 §4).
            qs = qs.filter(contains_term(term))
        return qs.order_by(*self.order(scoped=scoped))

    def order(self, *, within: bool = False, scoped: bool = False) -> tuple[str | OrderBy, ...]:
        """The sort's order (``within``: inside one group of a grouped sort).

        The whole registry is read in order from the sort's index. Keywords, and a part of
        the registry picked by department (a person's scope, the 運用部署 filter) in an order
        by name, are found by their own index and only their accounts are sorted: the first
        key is read as ``COALESCE(key, key)``, the same order, which PostgreSQL cannot take
        from the order index. Walking the order index instead reads every account before the
        first match, and a unit's accounts sit together in name order (they carry its name):
        85 000 rows read for one 課, or for 観光, at 100 000 accounts."""
        sort = SORTS[self.sort]
        keys = sort.within if within else sort.order
        by_department = scoped or self.department is not None
        if not (terms(self.q) or (by_department and sort.by_name)):
            return keys
        first, *rest = keys
        return (_unindexed(first), *rest)

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


def _unindexed(key: str | OrderBy) -> OrderBy:
    if isinstance(key, str):
        return Coalesce(F(key), F(key)).asc()
    return OrderBy(
        Coalesce(key.expression, key.expression),
        descending=key.descending,
        nulls_first=key.nulls_first,
        nulls_last=key.nulls_last,
    )


def staff_accounts(user: AnyUser) -> QuerySet[OfficialAccount]:
    """What the staff list shows this person, before any filter (``accounts_for``)."""
    return accounts_for(user).exclude(status=AccountStatus.ABANDONED)


def filter_choices(user: AnyUser) -> FilterChoices:
    """The services and departments (with the units above them) this person has accounts
    in, for the filter form: ``accounts.selectors.filter_choices_for``, but asked one
    service or unit at a time (EXISTS, from the order indexes) instead of reading every
    account's department (26 ms at 100 000 accounts)."""
    accounts = staff_accounts(user).order_by()
    departments = list(
        Department.objects.select_related("parent__parent").annotate(
            used=Exists(accounts.filter(department_id=OuterRef("pk")))
        )
    )
    by_pk = {d.pk: d for d in departments}
    keep: set[int] = set()
    for department in departments:
        node: Department | None = department if department.used else None
        while node is not None and node.pk not in keep:
            keep.add(node.pk)
            node = by_pk.get(node.parent_id) if node.parent_id else None
    return {
        "services": list(
            Service.objects.filter(Exists(accounts.filter(service_id=OuterRef("pk"))))
        ),
        "departments": [d for d in departments if d.pk in keep],
    }


def filtered_accounts(
    user: AnyUser, flt: StaffListFilter, *, day: date
) -> QuerySet[OfficialAccount]:
    return flt.apply(staff_accounts(user), day=day, scoped=not sees_everything(user))


class StaffPaginator(ListPaginator):
    """The public list's id-first pages (``accounts.selectors.ListPaginator``: the ids of a
    page are read first, then only those 50 rows with their service and department), counted
    on every request: the staff list shows drafts and closures that do not change the public
    generation the public count is cached under. The count is the staff's "N件" (about 10 ms
    over 100 000 accounts on PostgreSQL, from an index)."""

    @cached_property
    def count(self) -> int:
        return self.ids.count()


class GroupedPaginator(StaffPaginator):
    """Pages of a grouped sort (``Grouping``): one query counts each group (their sum is the
    count), then the page's ids are read from the one or few groups it spans — each slice in
    index order — in one query, whatever the number of accounts or groups."""

    def __init__(
        self,
        object_list: QuerySet[OfficialAccount],
        per_page: int,
        *,
        grouping: Grouping,
        within: tuple[str | OrderBy, ...],
    ) -> None:
        self.grouping = grouping
        self.within = within
        super().__init__(object_list, per_page)

    @cached_property
    def sizes(self) -> list[tuple[Any, int]]:
        """(group, number of accounts) in the list's order; empty groups left out."""
        rows = (
            self.rows.order_by()
            .annotate(_group=self.grouping.key)
            .values("_group")
            .annotate(n=Count("pk"))
            .order_by(*self.grouping.group_order)
            .values_list("_group", "n")
        )
        return [(group, n) for group, n in rows if n]

    @cached_property
    def count(self) -> int:
        return sum(n for _group, n in self.sizes)

    def page(self, number: int | str) -> Page[OfficialAccount]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        slices, start = [], 0
        for group, size in self.sizes:
            low, high = max(bottom, start), min(top, start + size)
            if low < high:
                in_group = self.rows.filter(self.grouping.where(group)).order_by(*self.within)
                slices.append(Q(pk__in=in_group.values("pk")[low - start : high - start]))
            start += size
        ids = list(self.ids.filter(reduce(operator.or_, slices))) if slices else []
        by_pk = self.rows.in_bulk(ids)
        return Page([by_pk[pk] for pk in ids if pk in by_pk], number, self)


def staff_page(
    user: AnyUser, flt: StaffListFilter, number: str | None, *, day: date
) -> Page[OfficialAccount]:
    """One page of 50. A page that is not a number gives the first page, one past the end
    the last (Django's ``get_page``)."""
    accounts = filtered_accounts(user, flt, day=day)
    sort = SORTS[flt.sort]
    if sort.grouping is not None:
        return GroupedPaginator(
            accounts,
            PAGE_SIZE,
            grouping=sort.grouping,
            within=flt.order(within=True, scoped=not sees_everything(user)),
        ).get_page(number)
    return StaffPaginator(accounts, PAGE_SIZE).get_page(number)
