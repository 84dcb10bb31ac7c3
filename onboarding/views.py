"""Staff pages of the import (namespace staff_import, /staff/import/): upload → dry-run report
→ confirm → result; the past imports; the template file. The PR division only
(``permissions.can_import_accounts``).

The checked file's bytes stay in the session (base64, at most 5 MB) with the digest of the
report the person saw; the confirmation reads them back, plans again against the registry as
it is now, and imports only when the outcome is the same (``ImportPlan.digest``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import unicodedata
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.rules import rule
from onboarding import permissions, selectors, services, template_file
from onboarding.checks import CREATE, UNCHANGED
from onboarding.forms import UploadForm
from onboarding.models import AccountImport
from onboarding.reader import MAX_BYTES, ImportRefused

if TYPE_CHECKING:
    from organization.permissions import StaffRequest

SESSION_KEY = "onboarding_import"
SHOWN_ROWS = 500  # rows of the report listed on the page (the counts cover every row)
SHOWN_ERRORS = 1_000
PAGE_SIZE = 100


def _file_name(name: str | None) -> str:
    """The uploaded file's name as it may be shown and stored: no path, no control character."""
    base = PurePath((name or "").replace("\\", "/")).name
    clean = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return clean[:200] or _("（名前なし）")


def _report(form: UploadForm, plan: services.ImportPlan | None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"form": form, "plan": plan, **extra}
    if plan is not None:
        rows = plan.rows
        context.update(
            errors=plan.errors[:SHOWN_ERRORS],
            errors_cut=max(0, len(plan.errors) - SHOWN_ERRORS),
            creating=[r for r in rows if r.action == CREATE][:SHOWN_ROWS],
            unchanged=[r for r in rows if r.action == UNCHANGED][:SHOWN_ROWS],
            created_cut=max(0, plan.count(CREATE) - SHOWN_ROWS),
            unchanged_cut=max(0, plan.count(UNCHANGED) - SHOWN_ROWS),
            warnings=plan.warnings[:SHOWN_ERRORS],
        )
    return context


@rule(permissions.can_import_accounts)
def upload(request: StaffRequest) -> HttpResponse:
    """The upload form (GET), then the dry-run report of the chosen file (POST)."""
    if request.method != "POST":
        return render(request, "onboarding/upload.html", _report(UploadForm(), None))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "onboarding/upload.html", _report(form, None), status=422)
    upload_file = form.cleaned_data["file"]
    name = _file_name(upload_file.name)
    data = upload_file.read(MAX_BYTES + 1)
    try:
        plan = services.plan(data)
    except ImportRefused as exc:
        form.add_error("file", exc.message)
        return render(request, "onboarding/upload.html", _report(form, None), status=422)
    token = secrets.token_urlsafe(16)
    request.session.pop(SESSION_KEY, None)
    if plan.ok and plan.to_create:
        request.session[SESSION_KEY] = {
            "token": token,
            "data": base64.b64encode(data).decode("ascii"),
            "name": name,
            "sha256": plan.sha256,
            "digest": plan.digest,
        }
    context = _report(UploadForm(), plan, token=token, file_name=name)
    return render(request, "onboarding/upload.html", context, status=200 if plan.ok else 422)


@require_POST
@rule(permissions.can_import_accounts)
def confirm(request: StaffRequest) -> HttpResponse:
    """Import exactly the file that was checked, if the registry still gives the same report."""
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict) or request.POST.get("token") != stored.get("token"):
        messages.error(
            request,
            _(
                "確認した内容が見つかりません（別の画面で取り込んだか、時間が経ちました）。"
                "もう一度ファイルを選んでください。"
            ),
        )
        return redirect("staff_import:upload")
    data = base64.b64decode(stored["data"])
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        plan = services.plan(data)
        if sha256 != stored["sha256"] or plan.digest != stored["digest"]:
            messages.error(
                request,
                _(
                    "確認の後に台帳が変わったため、取り込みの内容が確認した時と異なります。"
                    "何も登録していません。下の新しい確認結果を見てから、もう一度取り込んでください。"
                ),
            )
            request.session.pop(SESSION_KEY, None)
            token = secrets.token_urlsafe(16)
            if plan.ok and plan.to_create:
                request.session[SESSION_KEY] = {**stored, "token": token, "digest": plan.digest}
            context = _report(UploadForm(), plan, token=token, file_name=stored["name"])
            return render(request, "onboarding/upload.html", context, status=409)
        result = services.apply(plan, request.user, stored["name"], sha256)
    except ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("staff_import:upload")
    request.session.pop(SESSION_KEY, None)
    if result.batch is None:
        messages.info(
            request, _("新しく登録するアカウントはありませんでした（すべて登録済みです）。")
        )
        return redirect("staff_import:upload")
    messages.success(
        request,
        _("%(count)s件のアカウントを取り込み、公開しました。") % {"count": len(result.created)},
    )
    return redirect("staff_import:detail", pk=result.batch.pk)


@rule(permissions.can_see_import, load=lambda: AccountImport.objects.select_related("imported_by"))
def detail(request: StaffRequest, batch: AccountImport) -> HttpResponse:
    """One past import: who, when, which file, and the accounts it listed (with links)."""
    page = Paginator(selectors.imported_accounts(batch), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "onboarding/detail.html", {"batch": batch, "page": page})


@rule(permissions.can_import_accounts)
def history(request: StaffRequest) -> HttpResponse:
    page = Paginator(selectors.past_imports(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "onboarding/history.html", {"page": page})


@rule(permissions.can_import_accounts)
def template_xlsx(request: StaffRequest) -> HttpResponse:
    response = HttpResponse(
        template_file.xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="account_import_template.xlsx"'
    return response


@rule(permissions.can_import_accounts)
def template_csv(request: StaffRequest) -> HttpResponse:
    """UTF-8 with BOM, so Excel opens it in Japanese."""
    response = HttpResponse(template_file.csv_bytes(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="account_import_template.csv"'
    return response
