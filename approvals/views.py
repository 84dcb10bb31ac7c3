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
from approvals.diff import compare, since_previous_round, summary
from approvals.forms import DecisionForm
from approvals.models import Action, ApprovalRequest, RequestKind
from approvals.notifications import with_public_links
from approvals.proposal import Proposal, add_officer_row, extract_payload, prepare_for_display
from core.errors import DomainError, ProposalInvalid, parse_id
from core.forms import LONG_TEXT_MAX
from core.rules import rule, signed_in
from impersonation.models import KnownImpersonation
from organization.models import department_tree_read_once

if TYPE_CHECKING:
    from organization.models import User
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
            # The page's own summary says it (count and marked fields); no second alert —
            # except for a change with no change, whose fields are all valid (issue 11 §7).
            req.refresh_from_db()
            return render(
                request,
                "staff/request_edit.html",
                {
                    "req": req,
                    "proposal": prepare_for_display(exc.proposal, show_errors=True),
                    "nothing_changed": isinstance(exc, services.NothingChanged),
                },
                status=422,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("staff:request_detail", pk=req.pk)
    proposal = prepare_for_display(Proposal.of(req, user=request.user), show_errors=show_errors)
    return render(request, "staff/request_edit.html", {"req": req, "proposal": proposal})


@rule(permissions.can_view_request, load=_requests)
def request_detail(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
    with department_tree_read_once():  # each proposal's form asks for the same units
        return _request_page(request, req)


def _request_page(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
    decisions = req.decisions.select_related("actor").all()
    # Built once and shared by the summary, the comparison and "since the last round":
    # each proposal validates its forms against the database (issue 12 §4).
    proposal = Proposal.of(req, user=req.requester)
    return render(
        request,
        "staff/request_detail.html",
        {
            "req": req,
            "decisions": decisions,
            "proposal": proposal,
            "diff": compare(req, user=req.requester, proposed=proposal) if req.is_open else [],
            "summary": summary(proposal),
            "step": permissions.decision_step(request.user, req),
            "can_edit": permissions.can_edit_request(request.user, req),
            "can_withdraw": permissions.can_withdraw(request.user, req),
            "next_actor": selectors.next_actor(req),
            "identity_warnings": selectors.identity_warnings(req) if req.is_open else None,
            "can_resolve": permissions.can_resolve_conflict(request.user, req),
            "comment": request.session.pop("decision_comment", ""),
            "comment_max": LONG_TEXT_MAX,
            # Issue 11 §6, §7: the return reason at the top; what changed since the last round.
            "returned": selectors.latest_return(req, decisions),
            "since_last": since_previous_round(req, decisions, latest=proposal),
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
    if request.POST.get("back"):
        # 「戻る」 on the confirmation page: back to the request, the comment as typed.
        request.session["decision_comment"] = request.POST.get("comment", "").replace("\x00", "")
        return redirect("staff:request_detail", pk=req.pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors.get("comment", []))))
        request.session["decision_comment"] = request.POST.get("comment", "").replace("\x00", "")
        return redirect("staff:request_detail", pk=req.pk)
    if (
        action == Action.REJECT
        and not _confirmed(request)
        and permissions.can_decide(request.user, req)
        and form.cleaned_data["comment"].strip()  # without one the service says it is needed
    ):
        return _confirm_reject(request, req, form.cleaned_data["comment"])
    try:
        decided = services.request_decide(
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
    messages.success(request, with_public_links(decided, done[action]))  # issue 11 §7
    return redirect("staff:dashboard")


@require_POST
@rule(permissions.can_view_request, load=_requests)
def request_withdraw(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
    if not _confirmed(request) and permissions.can_withdraw(request.user, req):
        return _confirm(
            request,
            question=_("本当に取り下げますか？"),
            what=_request_label(req),
            consequences=_withdraw_consequences(req, request.user),
            action=reverse("staff:request_withdraw", args=[req.pk]),
            confirm_label=_("取り下げる"),
            back_url=reverse("staff:request_detail", args=[req.pk]),
        )
    try:
        services.request_withdraw(req=req, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("staff:request_detail", pk=req.pk)
    messages.success(request, _("申請を取り下げました。"))
    return redirect("staff:dashboard")


@require_POST
@rule(permissions.can_view_request, load=_requests)
def request_delete(request: StaffRequest, req: ApprovalRequest) -> HttpResponse:
    """Issue 11 §7: the author deletes a draft never submitted (asked first)."""
    if not _confirmed(request) and permissions.can_delete_draft(request.user, req):
        return _confirm(
            request,
            question=_("この下書きを削除しますか？"),
            what=_request_label(req),
            consequences=[
                _("入力した内容はすべて消え、元に戻せません。"),
                _("まだ提出していないため、承認する人には知らされず、記録も残りません。"),
            ],
            action=reverse("staff:request_delete", args=[req.pk]),
            confirm_label=_("削除する"),
            back_url=reverse("staff:request_detail", args=[req.pk]),
        )
    try:
        title = services.request_delete_draft(req=req, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("staff:request_detail", pk=req.pk)
    messages.success(request, _("下書き「%(title)s」を削除しました。") % {"title": title})
    return redirect("staff:dashboard")


# --- Confirmation (issue 11 §7): withdraw, delete and reject ask first ----------------------
# The first POST shows templates/staff/request_confirm.html; its form posts again with
# confirmed=1, and only that one acts. Approve and return act at once.


def _confirmed(request: StaffRequest) -> bool:
    return request.POST.get("confirmed") == "1"


def _request_label(req: ApprovalRequest) -> str:
    return _("%(kind)sの申請 #%(pk)s「%(title)s」") % {
        "kind": req.get_kind_display(),
        "pk": req.pk,
        "title": req.title,
    }


def _withdraw_consequences(req: ApprovalRequest, user: User) -> list[str]:
    lines = [_("この申請は「取り下げ」で終わり、もう編集・提出・承認はできません。")]
    if req.kind == RequestKind.NEW and req.account_id is not None:
        lines.append(
            _("登録しようとしたアカウントは公開されず、そのURLは別の申請で使えるようになります。")
        )
    elif req.account_id is not None:
        lines.append(_("アカウントの記録と公開ページは今のまま変わりません。"))
    if req.round:
        lines.append(_("取り下げたことは、申請の経過に記録として残ります。"))
    if req.requester_id != user.pk:
        lines.append(_("申請者（%(name)s）にメールで知らせます。") % {"name": req.requester})
    lines.append(_("同じ内容をもう一度申請するときは、新しく申請を作り直します。"))
    return lines


def _confirm_reject(request: StaffRequest, req: ApprovalRequest, comment: str) -> HttpResponse:
    return _confirm(
        request,
        question=_("本当に却下しますか？"),
        what=_request_label(req),
        consequences=[
            _(
                "却下すると、この申請はここで終わり、申請者は修正して再提出できません。"
                "修正を求めるときは「差し戻す」を選んでください。"
            ),
            _("申請者にコメントを添えて知らせます。"),
            *(
                [_("登録しようとしたアカウントは公開されません。")]
                if req.kind == RequestKind.NEW
                else [_("アカウントの記録と公開ページは今のまま変わりません。")]
            ),
        ],
        action=reverse("staff:request_decide", args=[req.pk]),
        # The state the approver's page was showing, passed on: a decision taken by someone
        # else meanwhile is still detected when the rejection is confirmed.
        hidden=[("action", Action.REJECT.value), ("state", request.POST.get("state", ""))],
        text={
            "name": "comment",
            "label": _("却下の理由（コメント・必須）"),
            "value": comment,
            "multiline": True,
            "required": True,
        },
        confirm_label=_("却下する"),
        back_post=True,
    )


def _confirm(request: StaffRequest, **context: object) -> HttpResponse:
    return render(request, "staff/request_confirm.html", context)


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
