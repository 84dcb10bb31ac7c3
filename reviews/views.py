"""Staff pages of reviews: the periodic review (R12), the credentials (R10), the last-post
date (R12) and the PR division's list of stale accounts (R12). A municipality that has not
switched R10 or R12 on (``CHECKLIST_ITEMS``) gets 404 for its pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import OfficialAccount
from core.errors import DomainError
from core.municipality import get_municipality
from core.rules import rule
from reviews import selectors, services
from reviews.forms import CredentialsForm, LastActivityForm, ReviewForm
from reviews.models import ReviewOutcome
from reviews.permissions import can_review, can_update_last_activity, can_view_stale_list

if TYPE_CHECKING:
    from organization.permissions import StaffRequest

View = Callable[..., HttpResponse]


def switched_on(rule_id: str) -> Callable[[View], View]:
    """404 unless checklist item ``rule_id`` applies in this municipality (issue 10 §7)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not get_municipality().applies(rule_id):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _accounts() -> QuerySet[OfficialAccount]:
    return OfficialAccount.objects.select_related("service", "department__parent__parent")


def _handle_changed_message(recorded: services.ReviewRecorded) -> str:
    """Issue 14: never a silent update — the rename is a change request. Says who was told:
    nobody again when the same change is already an open incident."""
    what_to_do = _(
        "市がIDを変えたのなら、アカウントの画面の「変更を申請する」から新しいID"
        "（%(observed)s）への変更を申請してください。変えていなければ乗っ取りの"
        "疑いがあります。すぐにパスワードを変更し、責任者に連絡してください。"
    ) % {"observed": recorded.review.observed_handle_display}
    if recorded.already_open is not None:
        return format_html(
            '{}<a href="{}" class="alert-link">{}</a>{}{}',
            _("見直しを記録しました。サービス上のIDが台帳と違うことは、"),
            reverse("staff_incidents:detail", args=[recorded.already_open.pk]),
            _("対応中のインシデント（未申請のID変更）"),
            _("として既に扱われています（新たな連絡はしていません）。"),
            what_to_do,
        )
    return (
        _(
            "見直しを記録しました。サービス上のIDが台帳と違うため、インシデント"
            "（未申請のID変更）としてアカウント責任者と%(division)sに知らせました。"
        )
        % {"division": get_municipality().pr_division_name}
        + what_to_do
    )


@switched_on("R12")
@rule(can_review, load=_accounts)
def review(request: StaffRequest, account: OfficialAccount) -> HttpResponse:
    form = ReviewForm(
        request.POST or None,
        account=account,
        initial={"last_activity_on": account.last_activity_on},
    )
    if request.method == "POST" and form.is_valid():
        outcome = ReviewOutcome(form.cleaned_data["outcome"])
        try:
            recorded = services.record_review(
                account=account,
                actor=request.user,
                outcome=outcome,
                last_activity_on=form.cleaned_data["last_activity_on"],
                note=form.cleaned_data["note"],
                handle_unchanged=form.handle_unchanged,
                observed_handle=form.cleaned_data.get("observed_handle", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("staff_accounts:detail", pk=account.pk)
        if recorded.review.handle_unchanged is False:
            messages.warning(request, _handle_changed_message(recorded))
        elif outcome == ReviewOutcome.NEEDS_CHANGE:
            messages.warning(
                request,
                _(
                    "見直しを記録しました。「変更を申請する」から台帳の記録の変更を申請してください。"
                ),
            )
        elif outcome == ReviewOutcome.NOT_USED:
            messages.warning(
                request,
                _("見直しを記録しました。「廃止を申請する」から廃止を申請してください（R13）。"),
            )
        else:
            messages.success(
                request,
                _("見直しを記録しました。次の見直しは%(date)sまでです。")
                % {"date": selectors.review_due_on(timezone.localdate()).strftime("%Y/%m/%d")},
            )
        return redirect("staff_accounts:detail", pk=account.pk)
    return render(
        request,
        "reviews/review_form.html",
        {
            "account": account,
            "form": form,
            "last_review": selectors.latest_review(account),
            "next_review_on": selectors.next_review_on(account),
        },
    )


@switched_on("R10")
@rule(can_review, load=_accounts)
def credentials(request: StaffRequest, account: OfficialAccount) -> HttpResponse:
    form = CredentialsForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_credentials(
                account=account,
                actor=request.user,
                holders=list(form.cleaned_data["holders"]),
                rotated_on=form.cleaned_data["rotated_on"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("staff_accounts:detail", pk=account.pk)
        messages.success(request, _("ログイン情報の管理者とパスワード最終変更日を記録しました。"))
        return redirect("staff_accounts:detail", pk=account.pk)
    return render(
        request,
        "reviews/credentials_form.html",
        {
            "account": account,
            "form": form,
            "last_check": selectors.latest_credential_check(account),
            "due_on": selectors.credentials_due_on(account),
        },
    )


@require_POST
@switched_on("R12")
@rule(can_update_last_activity, load=_accounts)
def last_activity(request: StaffRequest, account: OfficialAccount) -> HttpResponse:
    form = LastActivityForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, _("最終投稿日：%(error)s") % {"error": error})
        return redirect("staff_accounts:detail", pk=account.pk)
    try:
        services.update_last_activity(
            account=account,
            actor=request.user,
            last_activity_on=form.cleaned_data["last_activity_on"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("最終投稿日を更新しました。"))
    return redirect("staff_accounts:detail", pk=account.pk)


@switched_on("R12")
@rule(can_view_stale_list)
def stale_list(request: StaffRequest) -> HttpResponse:
    day = timezone.localdate()
    page = Paginator(selectors.stale_accounts(day), 100).get_page(request.GET.get("page"))
    rows = [(account, selectors.stale_reasons(account, day)) for account in page]
    return render(
        request,
        "reviews/stale_list.html",
        {"page": page, "rows": rows, "intervals": get_municipality().intervals, "today": day},
    )
