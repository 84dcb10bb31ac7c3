"""Every view says who may call it, at its ``def`` (core.rules, ADR 0013).

A staff view carries ``@rule(predicate)`` — the predicate from the app that owns the concept —
and a citizen's view ``@login_not_required``. A new view with neither fails here, before anyone
has to guess from its body who may call it.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from core.rules import rule, signed_in
from organization.models import Department, User

# Django's own login and logout pages: their rule is Django's (anyone may sign in or out).
DJANGO_AUTH_VIEWS = {"LoginView", "LogoutView"}


def _views(patterns=None, route=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if p.app_name == "admin":  # its own permission system (tests/core/test_admin.py)
                continue
            yield from _views(p.url_patterns, route + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield route + str(p.pattern), p.callback


def _declared(callback) -> str | None:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None and view_class.__name__ in DJANGO_AUTH_VIEWS:
        return "django auth"
    if getattr(callback, "login_required", True) is False:
        return "public"
    if getattr(callback, "rule", None) is not None:
        return "rule"
    return None


def test_every_view_declares_who_may_call_it():
    views = list(_views())
    assert len(views) > 20, "the URL walk found too few views"
    undeclared = [route for route, callback in views if _declared(callback) is None]
    assert not undeclared, f"views with neither @rule nor @login_not_required: {undeclared}"


def test_every_staff_url_has_a_rule_and_no_public_view_has_one():
    for route, callback in _views():
        kind = _declared(callback)
        if route.startswith("staff/") and kind != "django auth":
            assert kind == "rule", f"{route}: a staff page must declare its rule"
        if not route.startswith("staff/"):
            assert kind in ("public", "django auth"), f"{route}: outside /staff/ but not public"


# --- The decorator itself -------------------------------------------------------------------


def _ok(request, *args, **kwargs):
    return HttpResponse("ok:" + ",".join(str(a) for a in args))


def _request(user):
    request = RequestFactory().get("/staff/x/")
    request.user = user
    return request


def test_a_rule_on_the_person_refuses_with_403():
    view = rule(signed_in)(_ok)
    assert view.rule is signed_in
    with pytest.raises(PermissionDenied):
        view(_request(AnonymousUser()))
    assert view(_request(User(username="x"))).status_code == 200


@pytest.mark.django_db
def test_a_rule_on_an_object_loads_it_404s_when_absent_and_403s_when_refused():
    section = Department.objects.create(code="900", name="試験局", kind="bureau")
    owner, other = User(username="owner"), User(username="other")
    view = rule(lambda user, obj: user.username == "owner", load=Department.objects.all)(_ok)
    response = view(_request(owner), pk=section.pk)
    assert response.content.decode() == f"ok:{section}"  # the object, not the pk
    with pytest.raises(PermissionDenied):
        view(_request(other), pk=section.pk)
    with pytest.raises(Http404):
        view(_request(owner), pk=section.pk + 1000)
