"""The staff dashboard: what waits for this person, their requests and their accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import AccountStatus
from accounts.selectors import accounts_for
from approvals import selectors
from core.rules import rule, signed_in
from impersonation.permissions import can_manage_impersonations
from impersonation.selectors import new_report_count
from incidents.selectors import dashboard_panel as incidents_panel
from organization.permissions import can_file_new, sees_everything
from personnel.selectors import dashboard_panel as personnel_panel
from reviews.selectors import dashboard_panel as reviews_panel

if TYPE_CHECKING:
    from organization.permissions import StaffRequest


@rule(signed_in)
def dashboard(request: StaffRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "staff/dashboard.html",
        {
            "awaiting": selectors.with_next_actor(selectors.awaiting(user)),
            "stuck": selectors.stuck(user),
            "my_requests": selectors.with_next_actor(
                selectors.my_requests(user).prefetch_related("decisions")[:50]
            ),
            "my_accounts": accounts_for(user).exclude(status=AccountStatus.ABANDONED)[:100],
            "can_file_new": can_file_new(user),
            "accounts_heading": _("すべてのアカウント")
            if sees_everything(user)
            else _("担当のアカウント"),
            "new_reports": new_report_count() if can_manage_impersonations(user) else None,
            # Each app's own part (templates/staff/dashboard/_<app>.html).
            **incidents_panel(user),
            **reviews_panel(user),
            **personnel_panel(user),
        },
    )
