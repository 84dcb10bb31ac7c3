"""Staff and the department hierarchy (局 → 部 → 課). See docs/decisions/0001."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """An organisational unit. Accounts are operated by a unit (usually a 課, 001 §3(1)イ)."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("局")
        DIVISION = "division", _("部")
        SECTION = "section", _("課・室")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("種別"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上位組織"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.CharField(_("組織コード"), max_length=20, unique=True)
    # The division that gives the second approval (000 §4(4), 001 §3(2), 003 §5(1)).
    is_pr_division = models.BooleanField(_("広報担当課"), default=False)
    sort_order = models.PositiveIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("組織")
        verbose_name_plural = _("組織")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="department_unique_name_in_parent"
            ),
            # A 局 is the top of the tree; everything else hangs under something.
            models.CheckConstraint(
                condition=(Q(kind="bureau") & Q(parent__isnull=True))
                | (~Q(kind="bureau") & Q(parent__isnull=False)),
                name="department_only_bureau_is_root",
            ),
            models.UniqueConstraint(
                fields=["is_pr_division"],
                condition=Q(is_pr_division=True),
                name="department_single_pr_division",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """'総務局 広報課' — the names from the top of the tree down to this unit."""
        return " ".join(d.name for d in reversed(self.lineage()))

    def lineage(self) -> list[Department]:
        """This unit and its ancestors, nearest first."""
        chain: list[Department] = []
        node: Department | None = self
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return chain


class User(AbstractUser):
    """A member of staff. Who may approve what is decided from ``role`` and ``department``."""

    class Role(models.TextChoices):
        STAFF = "staff", _("職員（担当者）")
        MANAGER = "manager", _("課長級（アカウント管理者）")
        HEAD = "head", _("所属長・局長（アカウント責任者）")
        SYSADMIN = "sysadmin", _("システム管理者")

    role = models.CharField(_("役割"), max_length=10, choices=Role.choices, default=Role.STAFF)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    title = models.CharField(_("職名"), max_length=50, blank=True)
    # The personnel system's own number (人事異動: ``manage.py import_staff`` keeps it).
    staff_number = models.CharField(_("職員番号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("職員")
        verbose_name_plural = _("職員")
        constraints = [
            models.UniqueConstraint(
                fields=["staff_number"],
                condition=~Q(staff_number=""),
                name="user_unique_staff_number",
                violation_error_message=_("この職員番号は別の職員に登録されています。"),
            ),
            # Everyone but the system administrator works in a department.
            models.CheckConstraint(
                condition=Q(role="sysadmin")
                | Q(department__isnull=False)
                # Django's own createsuperuser makes users with no role data.
                | Q(is_superuser=True),
                name="user_department_required_unless_sysadmin",
            ),
        ]

    def __str__(self) -> str:
        full = f"{self.last_name} {self.first_name}".strip()
        return full or self.username

    @property
    def display_name(self) -> str:
        return str(self)


# The department tree read once for a whole page (``department_tree_read_once``), or None.
_tree_for_page: ContextVar[dict[int | None, list[int]] | None] = ContextVar(
    "department_tree_for_page", default=None
)


@contextmanager
def department_tree_read_once() -> Iterator[None]:
    """Within this block the department tree is read at most once: a page that builds several
    forms (the request page: the proposal, the comparison, the previous round) asks for the
    same units each time (issue 12 §4, no repeated department lookups). Only for read-only
    pages: a unit added inside the block is not seen."""
    token = _tree_for_page.set({})
    try:
        yield
    finally:
        _tree_for_page.reset(token)


def _children() -> dict[int | None, list[int]]:
    memo = _tree_for_page.get()
    if memo:
        return memo
    children: dict[int | None, list[int]] = {}
    for pk, parent in Department.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    if memo is not None:
        memo.update(children)
    return children


def descendant_ids(department_id: int, *more: int) -> set[int]:
    """The unit and every unit below it (the tree is small: one query, walked in Python);
    with ``more``, the units under any of them, from the same one query."""
    children = _children()
    found, todo = set(), [department_id, *more]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return found
