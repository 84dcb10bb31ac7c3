"""The PR division's queue of reports and list of known impersonations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, parse_id
from core.rules import rule
from impersonation import services
from impersonation.forms import DismissForm, KnownImpersonationForm
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus
from impersonation.permissions import can_manage_impersonations

if TYPE_CHECKING:
    from organization.permissions import StaffRequest


@rule(can_manage_impersonations)
def queue(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "staff/impersonation_queue.html",
        {
            "reports": ImpersonationReport.objects.filter(status=ReportStatus.NEW).select_related(
                "service"
            ),
            "handled": ImpersonationReport.objects.exclude(status=ReportStatus.NEW).select_related(
                "service", "handled_by"
            )[:50],
            "known": KnownImpersonation.objects.select_related("service", "imitates"),
        },
    )


@rule(can_manage_impersonations)
def record(request: StaffRequest) -> HttpResponse:
    report = None
    report_id = parse_id(request.GET.get("report"))
    if report_id is not None:
        report = ImpersonationReport.objects.filter(pk=report_id).first()
    if request.method == "POST":
        form = KnownImpersonationForm(request.POST)
        if form.is_valid():
            try:
                services.impersonation_record(form=form, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                if report is not None and report.status == ReportStatus.NEW:
                    services.report_close(
                        report=report, actor=request.user, status=ReportStatus.CONFIRMED
                    )
                messages.success(
                    request, _("なりすましアカウントを登録し、公開ページに注意を掲載しました。")
                )
                return redirect("staff_impersonation:queue")
        status = 422
    else:
        initial = {"url": report.reported_text, "service": report.service_id} if report else {}
        form = KnownImpersonationForm(initial=initial)
        status = 200
    return render(
        request, "staff/impersonation_form.html", {"form": form, "report": report}, status=status
    )


@require_POST
@rule(can_manage_impersonations)
def dismiss(request: StaffRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(ImpersonationReport, pk=pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors["note"])))
        return redirect("staff_impersonation:queue")
    try:
        services.report_close(
            report=report,
            actor=request.user,
            status=ReportStatus.DISMISSED,
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("報告を「対応不要」にしました。"))
    return redirect("staff_impersonation:queue")


@require_POST
@rule(can_manage_impersonations)
def resolve(request: StaffRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(KnownImpersonation, pk=pk)
    services.impersonation_resolve(item=item, actor=request.user)
    messages.success(request, _("なりすましの注意を取り下げました。"))
    return redirect("staff_impersonation:queue")
