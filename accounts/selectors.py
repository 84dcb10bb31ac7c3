"""Public reads of the registry: what citizens may see, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from accounts.models import AccountStatus, OfficialAccount, Service
from accounts.search import terms
from core.cache import per_generation
from core.errors import parse_id
from organization.models import Department

PUBLIC_STATUSES = (AccountStatus.LISTED, AccountStatus.SUSPENDED)
PAGE_SIZE = 50


def _public_base() -> QuerySet:
    return OfficialAccount.objects.select_related("service", "department__parent__parent")


def listed_accounts() -> QuerySet:
    """Official now (R5): listed, or suspended with its notice shown.

    Ordered by name on an index of its own, so a page of 50 is read in order instead of
    sorting every joined row (which spilled to disk at 20 000 accounts).
    """
    return _public_base().filter(status__in=PUBLIC_STATUSES).order_by("display_name", "pk")


def closed_accounts() -> QuerySet:
    """Formerly official: closed after having been listed (the record is kept)."""
    return (
        _public_base()
        .filter(status=AccountStatus.CLOSED, listed_at__isnull=False)
        .order_by("-closed_at", "pk")
    )


def public_accounts() -> QuerySet:
    """Accounts that have a public page: official now, or formerly official."""
    return _public_base().filter(
        status__in=(*PUBLIC_STATUSES, AccountStatus.CLOSED), listed_at__isnull=False
    )


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
    def from_query(cls, params) -> ListFilter:
        def text(name: str, size: int) -> str:
            # PostgreSQL text cannot hold NUL; nothing a person types contains one.
            return params.get(name, "")[:size].replace("\x00", "")

        return cls(
            service=text("service", 20),
            department=parse_id(params.get("department")),
            q=text("q", cls.Q_LENGTH),
            q_cut=len(params.get("q", "")) > cls.Q_LENGTH,
        )

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.service:
            qs = qs.filter(service__slug=self.service)
        if self.department is not None:
            # A 局 or 部 includes every unit below it.
            qs = qs.filter(department_id__in=_subtree(self.department))
        for term in terms(self.q):
            qs = qs.filter(search_text__contains=term)
        return qs


def _subtree(department_id: int) -> list[int]:
    from organization.models import descendant_ids

    return sorted(descendant_ids(department_id))


class ListPaginator(Paginator):
    """Pages of the public list (the page and the API) at the same cost deep in the list as at
    its start.

    A page's ids are read from the list-order index alone (``account_public_order``), then only
    those rows are fetched with their service and department; the number of matching accounts
    is counted once per public generation and filter.
    """

    def __init__(self, object_list: QuerySet, per_page, **kwargs):
        self.rows = object_list
        super().__init__(object_list.values_list("pk", flat=True), per_page, **kwargs)

    @cached_property
    def count(self) -> int:
        return per_generation(f"count:{self.object_list.query}", self.object_list.count)

    def page(self, number) -> Page:
        page = super().page(number)
        ids = list(page.object_list)
        by_pk = self.rows.in_bulk(ids)
        page.object_list = [by_pk[pk] for pk in ids if pk in by_pk]
        return page


def listed_page(flt: ListFilter, number) -> Page:
    """One page of the public list of official accounts."""
    return ListPaginator(flt.apply(listed_accounts()), PAGE_SIZE).get_page(number)


def filter_choices() -> dict:
    """Services and departments that have at least one listed account, for the filter form
    (computed once per public generation: it reads every listed account)."""
    return per_generation("filter-choices", _filter_choices)


def _filter_choices() -> dict:
    used_departments = set(
        listed_accounts().order_by().values_list("department_id", flat=True).distinct()
    )
    departments = list(Department.objects.select_related("parent__parent"))
    keep = set()
    by_pk = {d.pk: d for d in departments}
    for pk in used_departments:
        node = by_pk.get(pk)
        while node is not None:
            keep.add(node.pk)
            node = by_pk.get(node.parent_id)
    return {
        "services": list(
            Service.objects.filter(pk__in=listed_accounts().order_by().values("service_id"))
        ),
        "departments": [d for d in departments if d.pk in keep],
    }


def impersonation_warnings(account: OfficialAccount) -> list:
    """Current warnings about fakes of this account (R17). Few accounts have any: which ones
    is known once per generation, so the others' pages need no query for it."""
    if account.pk not in per_generation("imitated-accounts", _imitated_accounts):
        return []
    return list(account.impersonations.filter(resolved_at__isnull=True).select_related("service"))


def _imitated_accounts() -> frozenset[int]:
    from impersonation.models import KnownImpersonation

    return frozenset(
        KnownImpersonation.objects.filter(resolved_at__isnull=True, imitates__isnull=False)
        .values_list("imitates_id", flat=True)
        .distinct()
    )
