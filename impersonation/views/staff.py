"""The PR division's queue of reports and list of known impersonations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, parse_id
from core.municipality import get_municipality
from core.rules import rule
from impersonation import selectors, services
from impersonation.forms import DismissForm, KnownImpersonationForm, ReplyForm, TakedownForm
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus
from impersonation.permissions import can_manage_impersonations

if TYPE_CHECKING:
    from organization.permissions import StaffRequest


@rule(can_manage_impersonations)
def queue(request: StaffRequest) -> HttpResponse:
    today = timezone.localdate()
    overdue = selectors.overdue_reports(today)
    return render(
        request,
        "staff/impersonation_queue.html",
        {
            "reports": ImpersonationReport.objects.filter(status=ReportStatus.NEW).select_related(
                "service"
            ),
            "overdue": overdue,
            "overdue_ids": {w.report.pk for w in overdue},
            "report_working_days": get_municipality().intervals.report_working_days,
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
    if request.POST.get("confirmed") != "1" and report.status == ReportStatus.NEW:
        # Issue 11 §7: 対応不要 closes the citizen's report for good: asked first, the note as
        # typed (templates/staff/request_confirm.html; only its confirmed POST acts).
        return render(
            request,
            "staff/request_confirm.html",
            {
                "question": _("本当に「対応不要」にしますか？"),
                "what": _("報告されたアカウント：%(text)s") % {"text": report.reported_text},
                "consequences": [
                    _("この報告は対応済み（問題なし・対応不要）になり、未確認の一覧から外れます。"),
                    _(
                        "公開ページには何も載りません。なりすましだった場合は、戻って「なりすましとして登録」を選んでください。"
                    ),
                ],
                "action": reverse("staff_impersonation:dismiss", args=[report.pk]),
                "text": {
                    "name": "note",
                    "label": _("メモ（任意・200文字まで）"),
                    "value": form.cleaned_data["note"],
                },
                "confirm_label": _("対応不要にする"),
                "back_url": reverse("staff_impersonation:queue") + f"#report-{report.pk}",
            },
        )
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


@rule(can_manage_impersonations)
def takedown(request: StaffRequest, pk: int) -> HttpResponse:
    """The takedown request to the platform, its answer and the removal (issue 10 §2)."""
    item = get_object_or_404(KnownImpersonation.objects.select_related("service"), pk=pk)
    status = 200
    if request.method == "POST":
        form = TakedownForm(request.POST, instance=item)
        if form.is_valid():
            removing = item.resolved_at is None and form.cleaned_data["removed_on"] is not None
            try:
                services.takedown_record(item=item, form=form, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                if removing:
                    messages.success(
                        request,
                        _("削除済みとして記録し、公開ページの注意を取り下げました。"),
                    )
                else:
                    messages.success(request, _("削除依頼の状況を記録しました。"))
                return redirect("staff_impersonation:queue")
        status = 422
    else:
        form = TakedownForm(instance=item)
    return render(
        request, "staff/impersonation_takedown.html", {"form": form, "item": item}, status=status
    )


@rule(can_manage_impersonations)
def reply(request: StaffRequest, pk: int) -> HttpResponse:
    """Answer the citizen who reported a fake and left an address (issue 10 §2)."""
    report = get_object_or_404(ImpersonationReport.objects.select_related("service"), pk=pk)
    if not report.contact_email:
        messages.error(request, _("この報告には連絡先がないため、返信できません。"))
        return redirect("staff_impersonation:queue")
    status = 200
    if report.replied_at is not None:
        form = None
    elif request.method == "POST":
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                services.report_reply(
                    report=report, actor=request.user, text=form.cleaned_data["body"]
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("報告した方へ返信のメールを送りました。"))
                return redirect("staff_impersonation:queue")
        status = 422
    else:
        form = ReplyForm(initial={"body": services.reply_draft(report)})
    return render(
        request,
        "staff/impersonation_reply.html",
        {"form": form, "report": report},
        status=status,
    )
