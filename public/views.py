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
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from accounts import selectors
from accounts.models import AccountStatus, FormerIdentifier
from core.cache import cached_public
from core.municipality import get_municipality
from impersonation import selectors as impersonation_selectors
from impersonation.verification import POST, POST_MESSAGE, verify
from policies.selectors import published_versions

PAGE_SIZE = selectors.PAGE_SIZE


def permalink(account) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("public:account_detail", args=[account.pk])


# A permalink never changes, so neither does its QR code: browsers may keep it for a day.
QR_MAX_AGE = 24 * 3600


@lru_cache(maxsize=1024)
def qr_svg(url: str) -> bytes:
    """The QR code of a permalink as an SVG file (≈7 ms to draw, so drawn once per process)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2)
    return out.getvalue()


@login_not_required
@cached_public
def account_list(request):
    """The list of official accounts (R5: 000 §4(2), 001 §3(3)イ, 002 §3(3), 004 §4(7)②)."""
    flt = selectors.ListFilter.from_query(request.GET)
    page = selectors.listed_page(flt, request.GET.get("page"))
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
        raise Http404(_("公開されていないアカウントです。"))
    versions = list(published_versions(account=account))
    # Issue 14: the IDs it used before (one query). Its permanent ID is not shown: it is for
    # the verifier and for staff.
    former_ids = list(FormerIdentifier.objects.shown_for(account).select_related("service"))
    # Issue 11 §9: a closed account points to its successor while that one is official.
    successor = None
    if account.status == AccountStatus.CLOSED and account.successor_id:
        successor = selectors.listed_accounts().filter(pk=account.successor_id).first()
    return render(
        request,
        "public/account_detail.html",
        {
            "account": account,
            "former_ids": former_ids,
            "successor": successor,
            "policy": versions[0] if versions else None,
            "versions": versions,
            "permalink": permalink(account),
            "warnings": impersonation_selectors.impersonation_warnings(account),
        },
    )


@login_not_required
@cached_public
def policy_version(request, pk: int, version: int):
    account = selectors.public_account(pk)
    policy = (
        published_versions(account=account).filter(version=version).first() if account else None
    )
    if account is None or policy is None:
        raise Http404(_("この版の運用ポリシーはありません。"))
    latest = published_versions(account=account).values_list("version", flat=True).first()
    return render(
        request,
        "public/policy_version.html",
        {"account": account, "policy": policy, "is_current": policy.version == latest},
    )


@login_not_required
@cached_public
def account_qr(request, pk: int):
    """A QR code of the permalink, for printed flyers (SVG: sharp at any size).

    The account page shows it as an image rather than drawing it inline: the page stays cheap
    to render after each approval, and the browser keeps the image.
    """
    account = selectors.public_account(pk)
    # Issue 11 §9: a closed account's page is kept as a record, but nobody should be sent to
    # it from a new flyer: its QR code is gone (404, like an account that was never public).
    if account is None or account.status == AccountStatus.CLOSED:
        raise Http404
    response = HttpResponse(qr_svg(permalink(account)), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="account-{account.pk}-qr.svg"'
    patch_cache_control(response, public=True, max_age=QR_MAX_AGE)
    return response


@login_not_required
@cached_public
def verify_page(request):
    """「このアカウントは本物？」: paste a URL or @ID."""
    query = request.GET.get("q", "")
    result = verify(query) if query.strip() else None
    post_message = ""
    if result is not None and result.verdict == POST and result.key is not None:
        post_message = POST_MESSAGE.format(
            handle=result.key.display_handle, name=get_municipality().name
        )
    return render(
        request,
        "public/verify.html",
        {"q": query, "result": result, "post_message": post_message},
    )


@login_not_required
@cached_public
def impersonation_list(request):
    warnings = impersonation_selectors.open_impersonations()
    return render(request, "public/impersonation_list.html", {"warnings": warnings})


@login_not_required
@cached_public
def about(request):
    """How to tell an official account from an impersonation; the guideline's rules."""
    return render(request, "public/about.html")
