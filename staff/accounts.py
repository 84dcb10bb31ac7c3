"""Staff views of accounts: the record, officers, internal rules, policies and history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permanent, permissions, renames
from accounts.forms import FormerIdentifierForm
from accounts.models import (
    AccountStatus,
    FormerIdentifier,
    IdentifierSource,
    OfficialAccount,
    officers_in_order,
)
from approvals import selectors, services
from approvals.models import OPEN_STATES, RequestKind
from approvals.permissions import can_view_request, viewable_requests
from core.errors import DomainError
from core.rules import rule, signed_in
from incidents import permissions as incident_permissions
from incidents.selectors import account_incidents
from policies.models import OperationRules
from policies.selectors import current_policy, published_versions
from reviews.selectors import account_panel as reviews_panel
from staff import exports, filters
from staff.history import account_history

if TYPE_CHECKING:
    from organization.permissions import StaffRequest


def _accounts() -> QuerySet[OfficialAccount]:
    return OfficialAccount.objects.select_related("service", "department__parent__parent")


@rule(signed_in)
def account_list(request: StaffRequest) -> HttpResponse:
    """Issue 11 §4: the accounts this person sees (``accounts_for``), searched, filtered,
    sorted and paged by ``staff.filters`` — the same number of queries for 20 or 20 000."""
    flt = filters.StaffListFilter.from_query(request.GET)
    day = timezone.localdate()
    page = filters.staff_page(request.user, flt, request.GET.get("page"), day=day)
    return render(
        request,
        "staff/account_list.html",
        {
            "page": page,
            "accounts": page.object_list,
            "filter": flt,
            "query": flt.querystring(),
            "sorts": [(key, str(s.label)) for key, s in filters.SORTS.items()],
            "statuses": filters.STATUSES,
            "overdue_choices": filters.overdue_choices(),
            "may_export": permissions.can_export_accounts(request.user),
            "show_dates": True,
            **filters.filter_choices(request.user),
        },
    )


@rule(permissions.can_export_accounts)
def account_export(request: StaffRequest, fmt: str) -> HttpResponse:
    """Issue 11 §2: every account of the list as filtered (no pages), as .xlsx or CSV."""
    flt = filters.StaffListFilter.from_query(request.GET)
    accounts = filters.filtered_accounts(request.user, flt, day=timezone.localdate())
    return exports.export_response(accounts, fmt=fmt)


@rule(permissions.can_view_account, load=_accounts)
def account_detail(request: StaffRequest, account: OfficialAccount) -> HttpResponse:
    open_request = account.requests.filter(state__in=OPEN_STATES).first()
    return render(
        request,
        "staff/account_detail.html",
        {
            "account": account,
            "officers": officers_in_order(account.officers.select_related("user")),
            "rules": OperationRules.objects.filter(account=account).first(),
            "policy": current_policy(account=account),
            "versions": published_versions(account=account),
            # The requests this person may open (an officer who moved department sees the
            # account, but not requests filed in the department they left).
            "requests": selectors.with_next_actor(
                viewable_requests(request.user)
                .filter(account=account)
                .select_related("requester", "department__parent__parent")
                .prefetch_related("decisions")
                .order_by("-created_at")
            ),
            "open_request": open_request,
            # A link only for whoever may open it (an officer who moved department may not).
            "open_request_viewable": open_request is not None
            and can_view_request(request.user, open_request),
            "can_request": open_request is None
            and permissions.can_request_change(request.user, account),
            # R18: the incident log, the emergency suspension and the resumption request.
            "incidents": account_incidents(account),
            "may_record_incident": incident_permissions.can_record_incident(request.user, account),
            "may_suspend": account.status == AccountStatus.LISTED
            and incident_permissions.may_suspend(request.user, account),
            "can_request_resumption": open_request is None
            and incident_permissions.can_request_resumption(request.user, account),
            "history": account_history(account),
            # Issue 14: the permanent ID (or how to find it) and the handles used before.
            "permanent_facts": permanent.facts(account.service.slug),
            "former_identifiers": FormerIdentifier.objects.shown_for(account).select_related(
                "service", "recorded_by"
            ),
            "may_record_former": permissions.can_record_former_identifier(request.user, account),
            # R12, R10: the review, the credentials and the last post (reviews app).
            **reviews_panel(request.user, account),
        },
    )


@require_POST
@rule(permissions.can_view_account, load=_accounts)
def account_request(
    request: StaffRequest, account: OfficialAccount, kind: RequestKind
) -> HttpResponse:
    try:
        req = services.request_create(kind=kind, actor=request.user, account=account)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("staff_accounts:detail", pk=account.pk)
    messages.success(
        request, _("%(kind)sの申請を下書きとして作成しました。") % {"kind": req.get_kind_display()}
    )
    return redirect("staff:request_edit", pk=req.pk)


@rule(permissions.can_record_former_identifier, load=_accounts)
def former_identifier_add(request: StaffRequest, account: OfficialAccount) -> HttpResponse:
    """以前のIDを登録: a handle the account used before (issue 14 §2), so the verifier answers
    it "renamed" and a registration claiming it is flagged."""
    form = FormerIdentifierForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                renames.record_former_identifier(
                    account,
                    service=account.service,
                    identifier=data["identifier"],
                    source=IdentifierSource.STAFF,
                    used_from=data["used_from"],
                    used_until=data["used_until"],
                    note=data["note"],
                    recorded_by=request.user,
                )
        except (ValidationError, IntegrityError):
            # Someone recorded the same ID a moment earlier (the form's check passed for both).
            form.add_error(
                "identifier", _("このIDは既にこのアカウントの以前のIDに登録されています。")
            )
        else:
            messages.success(request, _("以前のIDを登録しました。"))
            return redirect(reverse("staff_accounts:detail", args=[account.pk]) + "#former-ids")
    return render(
        request,
        "staff/former_identifier_form.html",
        {"account": account, "form": form},
        status=422 if form.is_bound else 200,
    )
