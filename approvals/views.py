"""Staff views for requests. Thin: parse, call one service, turn a domain error into a
message. State never changes on GET."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from approvals import permissions, selectors, services
from approvals.diff import compare, summary
from approvals.forms import DecisionForm
from approvals.models import Action, ApprovalRequest, RequestKind
from approvals.proposal import Proposal, add_officer_row, extract_payload, prepare_for_display
from core.errors import DomainError, ProposalInvalid, parse_id
from core.forms import LONG_TEXT_MAX
from core.rules import rule, signed_in
from impersonation.models import KnownImpersonation

if TYPE_CHECKING:
    from organization.permissions import StaffRequest


@require_POST
@rule(signed_in)  # the service refuses with a message saying why (organization: can_file_new)
def request_new(request: StaffRequest) -> HttpResponse:
    try:
        req = services.request_create(kind=RequestKind.NEW, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("staff:dashboard")
    messages.success(request, _("新規登録の申請を下書きとして作成しました。"))
    return redirect("staff:request_edit", pk=req.pk)


def _requests() -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.select_related(
        "account__service", "department__parent__parent", "requester"
    )


@rule(permissions.can_view_request, load=_requests)
def request_edit(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
    if not permissions.can_edit_request(request.user, req):
        messages.info(request, _("この申請は編集できない状態です。"))
        return redirect("staff:request_detail", pk=req.pk)
    show_errors = req.state == "returned"
    if request.method == "POST":
        action = request.POST.get("action")
        data = extract_payload(request.POST, req.kind)
        if "officers-TOTAL_FORMS" in data and data["officers-TOTAL_FORMS"] != request.POST.get(
            "officers-TOTAL_FORMS"
        ):
            messages.warning(
                request,
                _(
                    "担当職員の行の数を正しく受け取れなかったため、入力のあった行から数え直しました。"
                    "内容を確かめてください。"
                ),
            )
        if action == "add_officer":
            data = add_officer_row(data)
        typed = Proposal.of(req, user=request.user, data=data)
        if typed.has_control_characters():
            # Not stored (PostgreSQL refuses NUL in jsonb): shown again, every value as typed.
            messages.error(
                request,
                _(
                    "画面に表示されない文字（NULなどの制御文字）が含まれていたため、保存していません。"
                    "取り除いてから、もう一度送信してください。"
                ),
            )
            return render(
                request,
                "staff/request_edit.html",
                {"req": req, "proposal": prepare_for_display(typed, show_errors=True)},
                status=422,
            )
        try:
            if action == "submit":
                # Saved first, in its own step: a submission that fails validation still
                # keeps everything typed (ATOMIC_REQUESTS commits the draft).
                services.request_save_draft(req=req, actor=request.user, data=data)
                services.request_submit(req=req, actor=request.user)
                messages.success(request, _("申請を提出しました。所属長の承認を待っています。"))
                return redirect("staff:request_detail", pk=req.pk)
            services.request_save_draft(req=req, actor=request.user, data=data)
            messages.success(request, _("下書きを保存しました。"))
            anchor = "#officers" if action == "add_officer" else ""
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


@rule(permissions.can_view_request, load=_requests)
def request_detail(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
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
            "next_actor": selectors.next_actor(req),
            "identity_warnings": selectors.identity_warnings(req) if req.is_open else None,
            "can_resolve": permissions.can_resolve_conflict(request.user, req),
            "comment": request.session.pop("decision_comment", ""),
            "comment_max": LONG_TEXT_MAX,
        },
    )


@require_POST
@rule(permissions.can_view_request, load=_requests)
def request_decide(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
    posted = request.POST.get("action", "")
    if posted not in (Action.APPROVE, Action.RETURN, Action.REJECT):
        messages.error(request, _("操作を選んでください。"))
        return redirect("staff:request_detail", pk=req.pk)
    action = Action(posted)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors.get("comment", []))))
        request.session["decision_comment"] = request.POST.get("comment", "").replace("\x00", "")
        return redirect("staff:request_detail", pk=req.pk)
    try:
        services.request_decide(
            req=req,
            actor=request.user,
            action=action,
            comment=form.cleaned_data["comment"],
            expected_state=request.POST.get("state") or None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        if isinstance(exc, ProposalInvalid) or action != Action.APPROVE:
            request.session["decision_comment"] = request.POST.get("comment", "")
        return redirect("staff:request_detail", pk=req.pk)
    done = {
        Action.APPROVE: _("承認しました。"),
        Action.RETURN: _("差し戻しました。"),
        Action.REJECT: _("却下しました。"),
    }
    messages.success(request, done[action])
    return redirect("staff:dashboard")


@require_POST
@rule(permissions.can_view_request, load=_requests)
def request_withdraw(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
    try:
        services.request_withdraw(req=req, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("staff:request_detail", pk=req.pk)
    messages.success(request, _("申請を取り下げました。"))
    return redirect("staff:dashboard")


@require_POST
@rule(permissions.can_view_request, load=_requests)
def request_resolve_conflict(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
    """R17: the PR division settles a clash with the known-impersonation list (issue 8 §2)."""
    item_pk = parse_id(request.POST.get("impersonation"))
    item = KnownImpersonation.objects.filter(pk=item_pk).first() if item_pk else None
    if item is None:
        messages.error(
            request, _("解消するなりすまし登録が見つかりません。画面を更新してください。")
        )
        return redirect("staff:request_detail", pk=req.pk)
    form = DecisionForm(request.POST)  # NUL, control characters, length: a message
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors.get("comment", []))))
        return redirect("staff:request_detail", pk=req.pk)
    try:
        services.request_resolve_conflict(
            req=req, actor=request.user, item=item, comment=form.cleaned_data["comment"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "なりすまし登録（%(service)s %(handle)s）との競合を解消し、"
                "公開の注意から外しました。"
            )
            % {"service": item.service.name, "handle": item.display_handle},
        )
    return redirect("staff:request_detail", pk=req.pk)
