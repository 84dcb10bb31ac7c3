"""Staff pages of incidents and suspension (R18). Thin: parse, call one service, say what
happened. State never changes on GET."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AccountStatus, OfficialAccount
from core.errors import DomainError, parse_id
from core.municipality import get_municipality
from core.rules import rule, signed_in
from impersonation.verification import verify
from incidents import permissions, services
from incidents.forms import IncidentForm, IncidentUpdateForm, SuspensionForm, notice_for
from incidents.models import Incident, IncidentKind

if TYPE_CHECKING:
    from organization.permissions import StaffRequest


def _accounts() -> QuerySet[OfficialAccount]:
    return OfficialAccount.objects.select_related("service", "department__parent__parent")


def _incidents() -> QuerySet[Incident]:
    return Incident.objects.select_related(
        "account__service", "account__department__parent__parent", "recorded_by"
    )


def _kind(value: str | None) -> str:
    return value if value in IncidentKind.values else IncidentKind.HIJACK


@rule(signed_in)
def incident_list(request: StaffRequest) -> HttpResponse:
    incidents = (
        permissions.viewable_incidents(request.user)
        .select_related("account__service", "recorded_by")
        .order_by("status", "-occurred_at", "-pk")[:200]
    )
    return render(request, "incidents/list.html", {"incidents": incidents})


@rule(permissions.can_record_incident, load=_accounts)
def incident_record(request: StaffRequest, account: OfficialAccount) -> HttpResponse:
    if request.method == "POST":
        form = IncidentForm(request.POST)
        if form.is_valid():
            try:
                incident = services.incident_record(
                    account=account, actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("インシデントを記録し、アカウント責任者と%(division)sに知らせました。")
                    % {"division": get_municipality().pr_division_name},
                )
                return redirect("staff_incidents:detail", pk=incident.pk)
        status = 422
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = IncidentForm(initial={"kind": _kind(request.GET.get("kind")), "occurred_at": now})
        status = 200
    return render(
        request,
        "incidents/record.html",
        {
            "account": account,
            "form": form,
            "may_suspend": permissions.may_suspend(request.user, account)
            and account.status == AccountStatus.LISTED,
        },
        status=status,
    )


@rule(permissions.may_suspend, load=_accounts)
def account_suspend(request: StaffRequest, account: OfficialAccount) -> HttpResponse:
    """R18: the emergency suspension form, prefilled for the kind (乗っ取り by default)."""
    incident_id = parse_id(request.GET.get("incident") or request.POST.get("incident"))
    incident = (
        Incident.objects.filter(pk=incident_id, account=account).first() if incident_id else None
    )
    if incident is not None and not incident.is_open:
        incident = None
    if account.status != AccountStatus.LISTED:
        messages.info(
            request,
            _("このアカウントは公開中ではないため一時停止できません（%(status)s）。")
            % {"status": account.get_status_display()},
        )
        return redirect("staff_accounts:detail", pk=account.pk)
    if request.method == "POST":
        form = SuspensionForm(request.POST)
        if form.is_valid():
            try:
                services.account_suspend(
                    account=account, actor=request.user, incident=incident, **form.cleaned_data
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("staff_accounts:detail", pk=account.pk)
            messages.success(
                request,
                _(
                    "「%(name)s」を一時停止しました。公開ページに「一時停止中」とお知らせを"
                    "表示しています。担当職員・アカウント責任者・%(division)sに知らせました。"
                )
                % {"name": account.display_name, "division": get_municipality().pr_division_name},
            )
            return redirect("staff_accounts:detail", pk=account.pk)
        status = 422
    else:
        kind = incident.kind if incident is not None else _kind(request.GET.get("kind"))
        form = SuspensionForm(initial={"kind": kind, "notice": notice_for(kind)})
        status = 200
    return render(
        request,
        "incidents/suspend.html",
        {
            "account": account,
            "form": form,
            "incident": incident,
            "notices": {k: notice_for(k) for k in IncidentKind.values},
        },
        status=status,
    )


@rule(permissions.may_suspend_some)
def suspend_find(request: StaffRequest) -> HttpResponse:
    """The PR division's way in (every account): paste the URL or @ID of the hijacked
    account, get the emergency button for it."""
    query = request.GET.get("q", "")
    found: list[OfficialAccount] = []
    if query.strip():
        result = verify(query)
        ids = [a.pk for a in (*result.accounts, *result.suggestions)]
        found = list(
            permissions.suspendable_accounts(request.user)
            .filter(pk__in=ids)
            .select_related("service", "department__parent__parent")
        )
        if len(found) == 1 and found[0].status == AccountStatus.LISTED:
            return redirect("staff_incidents:suspend", pk=found[0].pk)
    return render(request, "incidents/find.html", {"query": query[:500], "found": found})


@rule(permissions.can_view_incident, load=_incidents)
def incident_detail(request: StaffRequest, incident: Incident) -> HttpResponse:
    may_update = permissions.can_update_incident(request.user, incident)
    if request.method == "POST":
        if not may_update:
            messages.error(request, _("このインシデントに追記する権限がありません。"))
            return redirect("staff_incidents:detail", pk=incident.pk)
        form = IncidentUpdateForm(request.POST)
        if form.is_valid():
            try:
                services.incident_update(
                    incident=incident,
                    actor=request.user,
                    actions_taken=form.cleaned_data["actions_taken"],
                    close=form.cleaned_data["close"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("インシデントの記録を更新しました。"))
            return redirect("staff_incidents:detail", pk=incident.pk)
        status = 422
    else:
        form = IncidentUpdateForm(initial={"actions_taken": incident.actions_taken})
        status = 200
    account = incident.account
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "account": account,
            "form": form,
            "may_update": may_update,
            "may_suspend": permissions.may_suspend(request.user, account)
            and account.status == AccountStatus.LISTED
            and incident.is_open,
            "history": incident.history.select_related("history_user").order_by("-history_date"),
        },
        status=status,
    )


@require_POST
@rule(permissions.can_update_incident, load=_incidents)
def incident_reopen(request: StaffRequest, incident: Incident) -> HttpResponse:
    try:
        services.incident_reopen(incident=incident, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("インシデントを対応中に戻しました。"))
    return redirect("staff_incidents:detail", pk=incident.pk)
