"""Citizens' pages: no login, fast (cached per public generation), work without JavaScript.
Every view here is marked ``@login_not_required``; none shows a member of staff by name."""

from __future__ import annotations

import io
from functools import lru_cache

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts import selectors
from accounts.verification import verify
from core.cache import cached_public
from impersonation.models import KnownImpersonation
from policies.selectors import published_versions

PAGE_SIZE = 50


def permalink(account) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("public:account_detail", args=[account.pk])


@lru_cache(maxsize=4096)
def qr_inline_svg(url: str) -> str:
    """The QR code of a permalink (≈7 ms to draw; a permalink never changes)."""
    return segno.make(url, error="m").svg_inline(scale=5, border=2, omitsize=True)


@login_not_required
@cached_public
def account_list(request):
    """The list of official accounts (R5: 000 §4(2), 001 §3(3)イ, 002 §3(3), 004 §4(7)②)."""
    flt = selectors.ListFilter.from_query(request.GET)
    accounts = flt.apply(selectors.listed_accounts())
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "public/account_list.html",
        {
            "page": page,
            "filter": flt,
            "query": query.urlencode(),
            **selectors.filter_choices(),
        },
    )


@login_not_required
@cached_public
def closed_list(request):
    page = Paginator(selectors.closed_accounts(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/closed_list.html", {"page": page})


@login_not_required
@cached_public
def account_detail(request, pk: int):
    """The permalink: the account, its department, the policy now and every earlier version."""
    account = selectors.public_account(pk)
    if account is None:
        raise Http404("公開されていないアカウントです。")
    versions = list(published_versions(account=account))
    return render(
        request,
        "public/account_detail.html",
        {
            "account": account,
            "policy": versions[0] if versions else None,
            "versions": versions,
            "permalink": permalink(account),
            # Inline, so the printed page carries the code even offline.
            "qr_svg": qr_inline_svg(permalink(account)),
            "warnings": account.impersonations.filter(resolved_at__isnull=True).select_related(
                "service"
            ),
        },
    )


@login_not_required
@cached_public
def policy_version(request, pk: int, version: int):
    account = selectors.public_account(pk)
    policy = (
        published_versions(account=account).filter(version=version).first() if account else None
    )
    if policy is None:
        raise Http404("この版の運用ポリシーはありません。")
    latest = published_versions(account=account).values_list("version", flat=True).first()
    return render(
        request,
        "public/policy_version.html",
        {"account": account, "policy": policy, "is_current": policy.version == latest},
    )


@login_not_required
@cached_public
def account_qr(request, pk: int):
    """A QR code of the permalink, for printed flyers (SVG: sharp at any size)."""
    account = selectors.public_account(pk)
    if account is None:
        raise Http404
    out = io.BytesIO()
    segno.make(permalink(account), error="m").save(out, kind="svg", scale=6, border=2)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="account-{account.pk}-qr.svg"'
    return response


@login_not_required
@cached_public
def verify_page(request):
    """「このアカウントは本物？」: paste a URL or @ID."""
    query = request.GET.get("q", "")
    return render(
        request,
        "public/verify.html",
        {"q": query, "result": verify(query) if query.strip() else None},
    )


@login_not_required
@cached_public
def impersonation_list(request):
    warnings = KnownImpersonation.objects.filter(resolved_at__isnull=True).select_related(
        "service", "imitates__service"
    )
    return render(request, "public/impersonation_list.html", {"warnings": warnings})


@login_not_required
@cached_public
def about(request):
    """How to tell an official account from an impersonation; the guideline's rules."""
    return render(request, "public/about.html")
