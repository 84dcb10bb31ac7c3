"""Public reads of the registry: what citizens may see, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.functional import cached_property

from accounts.models import (
    PUBLIC_PAGE_STATUSES,
    PUBLIC_STATUSES,
    AccountStatus,
    OfficialAccount,
    Service,
)
from accounts.search import terms
from accounts.text_match import contains_term
from core.cache import per_generation
from core.errors import parse_id
from organization.models import Department

if TYPE_CHECKING:
    from organization.permissions import AnyUser

PAGE_SIZE = 50


def _public_base() -> QuerySet[OfficialAccount]:
    return OfficialAccount.objects.select_related("service", "department__parent__parent")


def listed_accounts() -> QuerySet[OfficialAccount]:
    """Official now (R5): listed, or suspended with its notice shown.

    Ordered by name on an index of its own, so a page of 50 is read in order instead of
    sorting every joined row (which spilled to disk at 20 000 accounts).
    """
    return _public_base().filter(status__in=PUBLIC_STATUSES).order_by("display_name", "pk")


def closed_accounts() -> QuerySet[OfficialAccount]:
    """Formerly official: closed after having been listed (the record is kept)."""
    return (
        _public_base()
        .filter(status=AccountStatus.CLOSED, listed_at__isnull=False)
        .order_by("-closed_at", "pk")
    )


def public_accounts() -> QuerySet[OfficialAccount]:
    """Accounts that have a public page: official now, or formerly official."""
    return _public_base().filter(status__in=PUBLIC_PAGE_STATUSES, listed_at__isnull=False)


def public_account(pk: int) -> OfficialAccount | None:
    return public_accounts().filter(pk=pk).first()


@dataclass(frozen=True)
class ListFilter:
    service: str = ""
    department: int | None = None
    q: str = ""
    q_cut: bool = False  # the keywords were longer than Q_LENGTH: the page says so

    Q_LENGTH = 100

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> ListFilter:
        def text(name: str, size: int) -> str:
            # PostgreSQL text cannot hold NUL; nothing a person types contains one.
            return params.get(name, "")[:size].replace("\x00", "")

        return cls(
            service=text("service", 20),
            department=parse_id(params.get("department")),
            q=text("q", cls.Q_LENGTH),
            q_cut=len(params.get("q", "")) > cls.Q_LENGTH,
        )

    def apply(self, qs: QuerySet[OfficialAccount]) -> QuerySet[OfficialAccount]:
        if self.service:
            qs = qs.filter(service__slug=self.service)
        if self.department is not None:
            # A 局 or 部 includes every unit below it.
            qs = qs.filter(department_id__in=_subtree(self.department))
        for term in terms(self.q):
            # Through the trigram index on PostgreSQL (accounts.text_match, issue 12 §4).
            qs = qs.filter(contains_term(term))
        return qs


def _subtree(department_id: int) -> list[int]:
    from organization.models import descendant_ids

    return sorted(descendant_ids(department_id))


if TYPE_CHECKING:
    _Paginator = Paginator[OfficialAccount]
else:
    _Paginator = Paginator  # Django's classes are not subscriptable at run time


class ListPaginator(_Paginator):
    """Pages of the public list (the page and the API) at the same cost deep in the list as at
    its start.

    A page's ids are read from the list-order index alone (``account_public_order``), then only
    those rows are fetched with their service and department; the number of matching accounts
    is counted once per public generation and filter.
    """

    def __init__(
        self, object_list: QuerySet[OfficialAccount], per_page: int | str, **kwargs: Any
    ) -> None:
        self.rows = object_list
        self.ids = object_list.values_list("pk", flat=True)
        # Paginated by id; ``page`` turns the ids of each page into the accounts.
        super().__init__(self.ids, per_page, **kwargs)  # type: ignore[arg-type]

    @cached_property
    def count(self) -> int:
        return matching_count(self.rows)

    def page(self, number: int | str) -> Page[OfficialAccount]:
        page = super().page(number)
        ids = list(page.object_list)  # still ids here (see __init__)
        by_pk = self.rows.in_bulk(ids)
        page.object_list = [by_pk[pk] for pk in ids if pk in by_pk]
        return page


def matching_count(accounts: QuerySet[OfficialAccount]) -> int:
    """How many accounts ``accounts`` selects, counted once per public generation (and
    query; the order does not matter)."""
    ids = accounts.order_by().values_list("pk", flat=True)
    return per_generation(f"count:{ids.query}", ids.count)


def listed_matching(flt: ListFilter) -> QuerySet[OfficialAccount]:
    """The official accounts that ``flt`` selects, in list order (the page and the API).

    With keywords that most accounts do not match, the order is the same but not read from
    the list-order index: PostgreSQL would walk that index expecting the matches spread
    evenly along it, and they cluster (観光 matches one department, whose accounts share a
    name prefix), so at 100 000 accounts it read 86 000 rows for one page. Sorting the
    matches — found through the trigram index (``accounts.text_match``) — costs what counting
    them costs. When at least half match, the index is read in order: a page is then found
    within half the index, and sorting would read every account.
    """
    qs = flt.apply(listed_accounts())
    if terms(flt.q) and 2 * matching_count(qs) < matching_count(listed_accounts()):
        # Same order by the same collation; an expression, so not the index's order.
        qs = qs.order_by(Concat("display_name", Value("")), "pk")
    return qs


def listed_page(flt: ListFilter, number: int | str | None) -> Page[OfficialAccount]:
    """One page of the public list of official accounts."""
    return ListPaginator(listed_matching(flt), PAGE_SIZE).get_page(number)


class FilterChoices(TypedDict):
    services: list[Service]
    departments: list[Department]


def filter_choices() -> FilterChoices:
    """Services and departments that have at least one listed account, for the filter form
    (computed once per public generation: it reads every listed account)."""
    return per_generation("filter-choices", _filter_choices)


def _filter_choices() -> FilterChoices:
    return filter_choices_for(listed_accounts())


def filter_choices_for(accounts: QuerySet[OfficialAccount]) -> FilterChoices:
    """The services and departments (with the units above them) of ``accounts``: three
    queries whatever their number (the staff list asks it for the accounts a person sees)."""
    used_departments = set(accounts.order_by().values_list("department_id", flat=True).distinct())
    departments = list(Department.objects.select_related("parent__parent"))
    keep = set()
    by_pk: dict[int | None, Department] = {d.pk: d for d in departments}
    for pk in used_departments:
        node = by_pk.get(pk)
        while node is not None:
            keep.add(node.pk)
            node = by_pk.get(node.parent_id)
    return {
        # EXISTS stops at the first account of each service (IN read all 20 000).
        "services": list(
            Service.objects.filter(Exists(accounts.order_by().filter(service_id=OuterRef("pk"))))
        ),
        "departments": [d for d in departments if d.pk in keep],
    }


# --- Staff ------------------------------------------------------------------------------------


def accounts_for(user: AnyUser) -> QuerySet[OfficialAccount]:
    """The accounts a member of staff works with (``permissions.viewable_accounts``): their
    department's, those they are officer of; every account for the PR division."""
    from accounts.permissions import viewable_accounts

    return viewable_accounts(user).select_related("service", "department__parent__parent")
