"""Who someone is in the organisation: the role facts every other rule is built from.

Each predicate has a queryset twin, so a list ("everyone who …") and a check ("is this
person …") can never disagree. Templates ask them through ``staff.templatetags.permissions``.

- the system administrator configures (Django admin) and may read, but never decides;
- members of the PR division (広報担当課) take the second step (R2: 000 §4(4), 001 §3(2));
- heads (所属長・局長) take the first step for their unit and the units below it
  (R1: 001 §4(1)ア, 002 §2);
- operators and managers (職員・課長級) file requests for their own department's accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

from organization.models import Department, User, descendant_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    AnyUser = User | AnonymousUser

    class StaffRequest(HttpRequest):
        """The request of a staff page, for annotations only: LoginRequiredMiddleware let it
        through, so ``user`` is a member of staff (django-stubs' AuthenticatedHttpRequest)."""

        user: User

else:
    AnyUser = Any

_M = TypeVar("_M", bound=Model)


def is_sysadmin(user: AnyUser) -> bool:
    return user.is_authenticated and (user.role == User.Role.SYSADMIN or user.is_superuser)


def sysadmins() -> QuerySet[User]:
    return User.objects.filter(is_active=True).filter(
        Q(role=User.Role.SYSADMIN) | Q(is_superuser=True)
    )


def is_pr_member(user: AnyUser) -> bool:
    return (
        user.is_authenticated
        and not is_sysadmin(user)
        and user.department is not None  # no query when department_id is None
        and user.department.is_pr_division
    )


def pr_members() -> QuerySet[User]:
    """The twin of ``is_pr_member``: the active members of the PR division."""
    return User.objects.filter(is_active=True, department__is_pr_division=True).exclude(
        Q(role=User.Role.SYSADMIN) | Q(is_superuser=True)
    )


def is_head(user: AnyUser) -> bool:
    return user.is_authenticated and user.role == User.Role.HEAD


def heads() -> QuerySet[User]:
    """The twin of ``is_head``, among active people who are not the system administrator
    (who never decides): the heads who may take a first step somewhere."""
    return User.objects.filter(is_active=True, role=User.Role.HEAD).exclude(is_superuser=True)


def in_scope(user: AnyUser, department: Department) -> bool:
    """The user works in ``department`` or in a unit above it."""
    if not user.is_authenticated or user.department_id is None:
        return False
    return any(d.pk == user.department_id for d in department.lineage())


def can_file_for(user: AnyUser, department: Department) -> bool:
    return (
        user.is_authenticated
        and not is_sysadmin(user)
        and user.role in (User.Role.STAFF, User.Role.MANAGER)
        and in_scope(user, department)
    )


def can_file_new(user: AnyUser) -> bool:
    return (
        user.is_authenticated
        and user.department is not None
        and can_file_for(user, user.department)
    )


def sees_everything(user: AnyUser) -> bool:
    """The PR division and the system administrator see every account and request."""
    return is_sysadmin(user) or is_pr_member(user)


def scoped(user: AnyUser, qs: QuerySet[_M], *, also: Q | None = None) -> QuerySet[_M]:
    """The queryset twin of "sees everything, or works in the row's department or above it"
    (``in_scope``), widened by ``also`` (e.g. the person's own requests). Rows need a
    ``department`` field."""
    if sees_everything(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    query = also if also is not None else Q(pk__in=[])
    if user.department_id:
        query |= Q(department_id__in=descendant_ids(user.department_id))
    return qs.filter(query)
