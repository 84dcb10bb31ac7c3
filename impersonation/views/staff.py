"""The PR division's queue of reports and list of known impersonations."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import permissions
from core.errors import DomainError, parse_id
from impersonation import services
from impersonation.forms import DismissForm, KnownImpersonationForm
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus


def _require_pr(user) -> None:
    if not permissions.can_manage_impersonations(user):
        raise PermissionDenied


def queue(request):
    _require_pr(request.user)
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


def record(request):
    _require_pr(request.user)
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
                    request, "なりすましアカウントを登録し、公開ページに注意を掲載しました。"
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
def dismiss(request, pk: int):
    _require_pr(request.user)
    report = get_object_or_404(ImpersonationReport, pk=pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
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
        messages.success(request, "報告を「対応不要」にしました。")
    return redirect("staff_impersonation:queue")


@require_POST
def resolve(request, pk: int):
    _require_pr(request.user)
    item = get_object_or_404(KnownImpersonation, pk=pk)
    services.impersonation_resolve(item=item, actor=request.user)
    messages.success(request, "なりすましの注意を取り下げました。")
    return redirect("staff_impersonation:queue")
