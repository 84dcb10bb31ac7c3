"""Staff views for requests. Thin: parse, call one service, turn a domain error into a
message. State never changes on GET."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from approvals import selectors, services
from approvals.diff import compare, summary
from approvals.models import Action, ApprovalRequest, RequestKind
from approvals.proposal import Proposal, prepare_for_display
from core import permissions
from core.errors import DomainError, ProposalInvalid
from impersonation.models import ImpersonationReport, ReportStatus


def dashboard(request):
    user = request.user
    return render(
        request,
        "staff/dashboard.html",
        {
            "awaiting": selectors.awaiting(user),
            "my_requests": selectors.my_requests(user)[:50],
            "my_accounts": selectors.accounts_for(user).exclude(status="abandoned")[:100],
            "can_file_new": permissions.can_file_new(user),
            "accounts_heading": "すべてのアカウント"
            if permissions.is_pr_member(user) or permissions.is_sysadmin(user)
            else "担当のアカウント",
            "new_reports": ImpersonationReport.objects.filter(status=ReportStatus.NEW).count()
            if permissions.can_manage_impersonations(user)
            else None,
        },
    )


@require_POST
def request_new(request):
    try:
        req = services.request_create(kind=RequestKind.NEW, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("staff:dashboard")
    messages.success(request, "新規登録の申請を下書きとして作成しました。")
    return redirect("staff:request_edit", pk=req.pk)


def _get_request(request, pk: int, predicate) -> ApprovalRequest:
    req = get_object_or_404(
        ApprovalRequest.objects.select_related(
            "account__service", "department__parent__parent", "requester"
        ),
        pk=pk,
    )
    if not predicate(request.user, req):
        raise PermissionDenied
    return req


def request_edit(request, pk: int):
    req = _get_request(request, pk, permissions.can_view_request)
    if not permissions.can_edit_request(request.user, req):
        messages.info(request, "この申請は編集できない状態です。")
        return redirect("staff:request_detail", pk=req.pk)
    show_errors = req.state == "returned"
    if request.method == "POST":
        try:
            if request.POST.get("action") == "submit":
                # Saved first, in its own step: a submission that fails validation still
                # keeps everything typed (ATOMIC_REQUESTS commits the draft).
                services.request_save_draft(req=req, actor=request.user, data=request.POST)
                services.request_submit(req=req, actor=request.user)
                messages.success(request, "申請を提出しました。所属長の承認を待っています。")
                return redirect("staff:request_detail", pk=req.pk)
            data = request.POST
            if request.POST.get("action") == "add_officer":
                # A new empty officer row, without JavaScript: save and show one more row.
                data = request.POST.copy()
                total = int(data.get("officers-TOTAL_FORMS") or 0)
                data["officers-TOTAL_FORMS"] = str(min(total + 1, 30))
                data[f"officers-{total}-role"] = "operator"
            services.request_save_draft(req=req, actor=request.user, data=data)
            messages.success(request, "下書きを保存しました。")
            anchor = "#officers" if request.POST.get("action") == "add_officer" else ""
            return redirect(reverse("staff:request_edit", args=[req.pk]) + anchor)
        except ProposalInvalid as exc:
            # The page's own summary says it (count and marked fields); no second alert.
            req.refresh_from_db()
            return render(
                request,
                "staff/request_edit.html",
                {"req": req, "proposal": prepare_for_display(exc.proposal, show_errors=True)},
                status=422,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("staff:request_detail", pk=req.pk)
    proposal = prepare_for_display(Proposal.of(req, user=request.user), show_errors=show_errors)
    return render(request, "staff/request_edit.html", {"req": req, "proposal": proposal})


def request_detail(request, pk: int):
    req = _get_request(request, pk, permissions.can_view_request)
    decisions = req.decisions.select_related("actor").all()
    proposal = Proposal.of(req, user=req.requester)
    return render(
        request,
        "staff/request_detail.html",
        {
            "req": req,
            "decisions": decisions,
            "proposal": proposal,
            "diff": compare(req, user=req.requester) if req.is_open else [],
            "summary": summary(proposal),
            "step": permissions.decision_step(request.user, req),
            "can_edit": permissions.can_edit_request(request.user, req),
            "can_withdraw": permissions.can_withdraw(request.user, req),
            "comment": request.session.pop("decision_comment", ""),
        },
    )


@require_POST
def request_decide(request, pk: int):
    req = _get_request(request, pk, permissions.can_view_request)
    action = request.POST.get("action", "")
    if action not in (Action.APPROVE, Action.RETURN, Action.REJECT):
        messages.error(request, "操作を選んでください。")
        return redirect("staff:request_detail", pk=req.pk)
    try:
        services.request_decide(
            req=req,
            actor=request.user,
            action=action,
            comment=request.POST.get("comment", ""),
            expected_state=request.POST.get("state") or None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        if isinstance(exc, ProposalInvalid) or action != Action.APPROVE:
            request.session["decision_comment"] = request.POST.get("comment", "")
        return redirect("staff:request_detail", pk=req.pk)
    done = {
        Action.APPROVE: "承認しました。",
        Action.RETURN: "差し戻しました。",
        Action.REJECT: "却下しました。",
    }
    messages.success(request, done[action])
    return redirect("staff:dashboard")


@require_POST
def request_withdraw(request, pk: int):
    req = _get_request(request, pk, permissions.can_view_request)
    try:
        services.request_withdraw(req=req, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("staff:request_detail", pk=req.pk)
    messages.success(request, "申請を取り下げました。")
    return redirect("staff:dashboard")
