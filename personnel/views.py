"""Staff pages of personnel changes (人事異動): the accounts whose officers must change, and
the system administrator's bulk update of staff from the personnel system."""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from approvals.officers import busy_accounts
from core.errors import DomainError, parse_id
from core.rules import rule
from personnel import columns, imports, permissions, selectors, services

if TYPE_CHECKING:
    from organization.permissions import StaffRequest

SESSION_KEY = "personnel_import"


@rule(permissions.can_see_officer_changes)
def changes(request: StaffRequest) -> HttpResponse:
    """「担当者の変更が必要」: select accounts, fix them in one request (RequestKind.OFFICERS)."""
    flags = selectors.officer_changes(request.user)
    selected: set[int] = set()
    status = 200
    if request.method == "POST":
        ids = {parse_id(v) for v in request.POST.getlist("flag")} - {None}
        chosen = [f for f in flags if f.pk in ids]
        selected = {f.pk for f in chosen}
        if not chosen:
            messages.error(request, _("担当者を変更するアカウントを選んでください。"))
            status = 422
        else:
            try:
                req = services.fix_in_one_request(actor=request.user, flags=chosen)
            except DomainError as exc:
                messages.error(request, exc.message)
                status = 422
            else:
                messages.success(
                    request,
                    _(
                        "担当者の変更（一括）の申請を下書きとして作成しました。後任を選んで提出してください。"
                    ),
                )
                return redirect("staff:request_edit", pk=req.pk)
    busy = {a.pk for a in busy_accounts([f.account for f in flags])}
    rows = [
        {
            "flag": f,
            "can_fix": permissions.can_fix_officers(request.user, f),
            "busy": f.account_id in busy,
            "checked": f.pk in selected,
        }
        for f in flags
    ]
    return render(
        request,
        "personnel/changes.html",
        {
            "rows": rows,
            "accounts": len({f.account_id for f in flags}),
            "any_fixable": any(r["can_fix"] for r in rows),
        },
        status=status,
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSVファイル（1MBまで）"))
    deactivate_missing = forms.BooleanField(
        label=gettext_lazy("ファイルにない職員を無効化する（システム管理者を除く）"),
        required=False,
    )


@rule(permissions.can_import_staff)
def import_staff(request: StaffRequest) -> HttpResponse:
    """Upload → dry run (row by row) → confirm (``import_apply``)."""
    if request.method != "POST":
        return render(request, "personnel/import.html", {"form": UploadForm()})
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "personnel/import.html", {"form": form}, status=422)
    data = form.cleaned_data["file"].read(imports.MAX_BYTES + 1)
    missing = form.cleaned_data["deactivate_missing"]
    try:
        plan = imports.plan(data, deactivate_missing=missing)
    except imports.ImportRefused as exc:
        form.add_error("file", exc.message)
        return render(request, "personnel/import.html", {"form": form}, status=422)
    token = secrets.token_urlsafe(16)
    if plan.ok:
        request.session[SESSION_KEY] = {
            "token": token,
            "data": base64.b64encode(data).decode("ascii"),
            "deactivate_missing": missing,
            "name": form.cleaned_data["file"].name[:200],
        }
    return render(
        request,
        "personnel/import.html",
        {"form": UploadForm(initial={"deactivate_missing": missing}), "plan": plan, "token": token},
        status=200 if plan.ok else 422,
    )


@require_POST
@rule(permissions.can_import_staff)
def import_apply(request: StaffRequest) -> HttpResponse:
    stored = request.session.get(SESSION_KEY)
    if not stored or request.POST.get("token") != stored.get("token"):
        messages.error(
            request,
            _(
                "確認した内容が見つかりません（別の画面で取り込んだか、時間が経ちました）。もう一度ファイルを選んでください。"
            ),
        )
        return redirect("staff_personnel:import")
    try:
        plan = imports.apply(
            base64.b64decode(stored["data"]), deactivate_missing=stored["deactivate_missing"]
        )
    except imports.ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("staff_personnel:import")
    if not plan.ok:  # the records changed since the dry run: shown again, nothing applied
        messages.error(
            request, _("確認の後に台帳が変わり、誤りが見つかりました。何も変更していません。")
        )
        return render(
            request, "personnel/import.html", {"form": UploadForm(), "plan": plan}, status=422
        )
    del request.session[SESSION_KEY]
    messages.success(
        request,
        _(
            "取り込みました：新規%(create)s人、変更%(change)s人、無効化%(deactivate)s人。"
            "担当者の変更が必要になったアカウント：%(accounts)s件。"
        )
        % {
            "create": plan.count("create"),
            "change": plan.count("change"),
            "deactivate": plan.count("deactivate"),
            "accounts": plan.flagged_accounts,
        },
    )
    return redirect("staff_personnel:import")


@rule(permissions.can_import_staff)
def import_template(request: StaffRequest) -> HttpResponse:
    """The template CSV: UTF-8 with BOM, so Excel opens it in Japanese."""
    response = HttpResponse(
        ("\ufeff" + columns.TEMPLATE).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="staff_import_template.csv"'
    return response
