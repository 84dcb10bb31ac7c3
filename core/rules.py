"""Views declare who may call them, at the ``def``.

    @rule(permissions.can_view_request, load=lambda: ApprovalRequest.objects.all())
    def request_detail(request, req): ...

The predicate comes from the app that owns the concept (``<app>/permissions.py``); this module
only applies it, so a reader sees the rule where the view is defined and a test can ask every
URL's view for its rule (``view.rule``). Citizens' views say ``@login_not_required`` instead.

- ``rule(predicate)``: ``predicate(user)`` must hold, or 403.
- ``rule(predicate, load=queryset)``: the URL's ``pk`` is looked up in ``queryset()`` (404 when
  absent), ``predicate(user, obj)`` must hold (or 403), and the view receives the object in
  place of ``pk``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

View = Callable[..., HttpResponse]


def signed_in(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Any member of staff who has signed in (the login middleware already asks for it)."""
    return bool(user.is_authenticated)


def rule(
    predicate: Callable[..., bool], *, load: Callable[[], QuerySet[Any]] | None = None
) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if load is None:
                if not predicate(request.user):
                    raise PermissionDenied
                return view(request, *args, **kwargs)
            obj = get_object_or_404(load(), pk=kwargs.pop("pk"))
            if not predicate(request.user, obj):
                raise PermissionDenied
            return view(request, obj, *args, **kwargs)

        # Read by tests that ask every URL for its rule; mypy cannot declare function attributes.
        wrapper.rule = predicate  # type: ignore[attr-defined]
        return wrapper

    return decorate
