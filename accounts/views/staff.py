"""Staff views of accounts: the record, officers, internal rules, policies and history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.history import account_history
from accounts.models import OfficialAccount, officers_in_order
from approvals import selectors, services
from approvals.models import OPEN_STATES
from core import permissions
from core.errors import DomainError
from policies.models import OperationRules
from policies.selectors import current_policy, published_versions


def account_list(request):
    accounts = selectors.accounts_for(request.user).exclude(status="abandoned")
    return render(request, "staff/account_list.html", {"accounts": accounts})


def account_detail(request, pk: int):
    account = get_object_or_404(
        OfficialAccount.objects.select_related("service", "department__parent__parent"), pk=pk
    )
    if not permissions.can_view_account(request.user, account):
        raise PermissionDenied
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
            "requests": selectors.with_next_actor(
                account.requests.select_related("requester", "department__parent__parent")
                .prefetch_related("decisions")
                .order_by("-created_at")
            ),
            "open_request": open_request,
            "can_request": open_request is None
            and permissions.can_request_change(request.user, account),
            "history": account_history(account),
        },
    )


@require_POST
def account_request(request, pk: int, kind: str):
    account = get_object_or_404(OfficialAccount, pk=pk)
    if not permissions.can_view_account(request.user, account):
        raise PermissionDenied
    try:
        req = services.request_create(kind=kind, actor=request.user, account=account)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("staff_accounts:detail", pk=account.pk)
    messages.success(request, f"{req.get_kind_display()}の申請を下書きとして作成しました。")
    return redirect("staff:request_edit", pk=req.pk)
