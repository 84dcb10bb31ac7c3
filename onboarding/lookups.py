"""What the registry already holds, read once per file (never once per row): services,
departments, the staff the file names, the live accounts' keys and the handles accounts were
known by before. ``onboarding.checks`` reads a row against it."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Q

from accounts.catalogue import SERVICES as CATALOGUE
from accounts.models import FormerIdentifier, OfficialAccount, Service
from accounts.reading import SERVICE_NAMES
from core.municipality import Municipality, get_municipality
from onboarding import columns
from onboarding.reader import Row, norm
from organization.models import Department, User
from policies.models import PolicyTemplate
from policies.services import get_policy_template

T = TypeVar("T")
# Rows per ``__in`` query: far below SQLite's limit on parameters (32 766).
CHUNK = 5_000


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def fold(text: str) -> str:
    """For comparing names people type: NFKC, case-folded, without spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def split(text: str, separators: str) -> list[str]:
    """The items of a cell that lists several (担当者, 以前のID), NFKC'd, in order, once each."""
    text = unicodedata.normalize("NFKC", text)
    for sep in separators[1:]:
        text = text.replace(unicodedata.normalize("NFKC", sep), separators[0])
    items = [t.strip() for t in text.split(separators[0])]
    return list(dict.fromkeys(t for t in items if t))


@dataclass(frozen=True)
class LiveAccount:
    """A live account's key as the checks need it (one tuple per account, not a model)."""

    pk: int
    service_id: int
    identifier: str
    platform_id: str
    status: str
    display_name: str


@dataclass
class Lookups:
    municipality: Municipality
    services: dict[str, Service]  # folded alias → service
    departments: dict[str, Department]  # code → department (parents linked in memory)
    department_names: dict[str, list[Department]]  # folded name or full name → departments
    users_by_login: dict[str, User]
    users_by_number: dict[str, User]
    live_by_key: dict[tuple[int, str], LiveAccount]
    live_by_platform_id: dict[tuple[int, str], LiveAccount]
    former_keys: set[tuple[int, str]]  # (service, identifier) once used by a public account
    template: PolicyTemplate
    existing: dict[int, OfficialAccount] = field(default_factory=dict)

    @classmethod
    def load(cls, rows: list[Row]) -> Lookups:
        departments = _departments()
        live = [
            LiveAccount(*values)
            for values in OfficialAccount.objects.live().values_list(
                "pk", "service_id", "identifier", "platform_id", "status", "display_name"
            )
        ]
        by_login, by_number = _users(rows)
        return cls(
            municipality=get_municipality(),
            services=_services(),
            departments={d.code: d for d in departments},
            department_names=_department_names(departments),
            users_by_login=by_login,
            users_by_number=by_number,
            live_by_key={(a.service_id, a.identifier): a for a in live},
            live_by_platform_id={(a.service_id, a.platform_id): a for a in live if a.platform_id},
            former_keys=set(
                FormerIdentifier.objects.public().values_list("service_id", "identifier")
            ),
            template=get_policy_template(),
        )

    def load_existing(self, pks: Iterable[int]) -> None:
        """The live accounts the file names again, with their officers (to compare)."""
        for batch in chunks(sorted(set(pks))):
            for account in (
                OfficialAccount.objects.filter(pk__in=batch)
                .select_related("service", "department")
                .prefetch_related("officers")
            ):
                self.existing[account.pk] = account


def _services() -> dict[str, Service]:
    """Every spelling of each service: its slug, its name as the registry shows it (with and
    without the part in brackets: 「X（旧Twitter）」, 「X」), the catalogue's name and the words
    flyers use (``accounts.reading.SERVICE_NAMES``)."""
    rows = {s.slug: s for s in Service.objects.all()}
    names: dict[str, Service] = {}
    for slug, words in SERVICE_NAMES.items():
        if slug in rows:
            for word in words.split(" "):
                if word:
                    names[fold(word)] = rows[slug]
    for facts in CATALOGUE:
        if facts.slug in rows:
            names[fold(facts.name)] = rows[facts.slug]
            names[fold(facts.name.split("（")[0])] = rows[facts.slug]
    for service in rows.values():
        names[fold(service.slug)] = service
        names[fold(service.name)] = service
        names[fold(service.name.split("（")[0])] = service
    return names


def _departments() -> list[Department]:
    """Every unit, each linked to its parent in memory, so ``full_name`` needs no query."""
    departments = list(Department.objects.all())
    by_pk = {d.pk: d for d in departments}
    for d in departments:
        if d.parent_id is not None and d.parent_id in by_pk:
            d.parent = by_pk[d.parent_id]
    return departments


def _department_names(departments: list[Department]) -> dict[str, list[Department]]:
    names: dict[str, list[Department]] = {}
    for d in departments:
        for name in {fold(d.name), fold(d.full_name)}:
            names.setdefault(name, []).append(d)
    return names


def _users(rows: list[Row]) -> tuple[dict[str, User], dict[str, User]]:
    """The staff the file names (by login or staff number), in a few queries."""
    tokens: set[str] = set()
    for row in rows:
        for column in (columns.RESPONSIBLE, columns.MANAGER, columns.OPERATORS):
            tokens.update(split(row.cells.get(column, ""), columns.PEOPLE_SEPARATORS))
    by_login: dict[str, User] = {}
    by_number: dict[str, User] = {}
    wanted = [t for t in tokens if len(t) <= 150]
    for batch in chunks(wanted):
        for user in User.objects.filter(Q(username__in=batch) | Q(staff_number__in=batch)):
            by_login[user.username] = user
            if user.staff_number:
                by_number[norm(user.staff_number)] = user
    return by_login, by_number
