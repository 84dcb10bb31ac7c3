"""The review (R12), credentials (R10) and last-post (R12) forms."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import identity, permanent
from accounts.keys import IdentityError
from accounts.models import Officer, OfficialAccount, officers_in_order
from core.dates import DATE_INPUT, EARLIEST, TypedDateField
from core.errors import parse_id
from core.forms import CleanInputMixin
from reviews.models import ReviewOutcome
from reviews.services import OBSERVED_HANDLE_REQUIRED


def _past_date(value: date | None) -> date | None:
    if value is None:
        return None
    if value > timezone.localdate():
        raise forms.ValidationError(_("今日より後の日付は入力できません。"))
    if value < EARLIEST:
        raise forms.ValidationError(_("2000年1月1日以降の日付を入力してください。"))
    return value


def _date_field(label, *, required: bool, help_text="") -> forms.DateField:
    return TypedDateField(
        label=label,
        required=required,
        widget=DATE_INPUT,
        help_text=help_text,
        error_messages={"required": _("日付を入力してください。")},
    )


class HandleAnswer:
    SAME = "same"
    CHANGED = "changed"
    CHOICES = (
        (SAME, _("サービス上のアカウントIDは台帳と同じ")),
        (CHANGED, _("サービス上のアカウントIDが変わっている")),
    )


class ReviewForm(CleanInputMixin, forms.Form):
    """R12 (003 §5(9)): is the account still used, and is its record right? And (issue 14)
    is the account still called what the registry says on its service? Most services cannot
    be asked by the registry itself (only Bluesky is, daily: reviews.handles), so the
    管理者 looks; a web site ("other") has no account ID to confirm."""

    outcome = forms.ChoiceField(
        label=_("見直しの結果"),
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("見直しの結果を選んでください。")},
    )
    last_activity_on = _date_field(
        _("最終投稿日"),
        required=False,
        help_text=_("アカウントで最後に投稿した日。廃止する場合以外は必須です。"),
    )
    handle = forms.ChoiceField(
        label=_("アカウントID"),
        choices=HandleAnswer.CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "サービス上のアカウントIDが台帳と同じか、変わっているかを選んでください。"
            )
        },
    )
    observed_handle = forms.CharField(
        label=_("サービス上の現在のID"),
        required=False,
        max_length=255,
        help_text=_(
            "「サービス上のアカウントIDが変わっている」ときは、今のID（@ID かプロフィールの"
            "URL）を入力してください。"
        ),
    )
    note = forms.CharField(
        label=_("メモ"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, account: OfficialAccount, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        if not self.asks_handle:
            del self.fields["handle"], self.fields["observed_handle"]

    @property
    def asks_handle(self) -> bool:
        """Not for a web site ("other": no account ID), nor for an account registered by its
        permanent ID (``x.com/i/user/<id>``, a DID, …): the service shows an @handle there,
        always "different" from the registered ID, and that is no rename."""
        return self.account.service.slug != "other" and not permanent.is_permanent(self.account.key)

    def clean_last_activity_on(self):
        return _past_date(self.cleaned_data.get("last_activity_on"))

    def clean_observed_handle(self) -> str:
        """The ID as the registry stores it (``accounts.identity``), when one was typed."""
        raw = self.cleaned_data.get("observed_handle", "").strip()
        if not raw:
            return ""
        service = self.account.service.slug
        try:
            key = identity.canonicalize(raw, service=service)
        except IdentityError as error:
            raise forms.ValidationError(error.message) from None
        if key.identifier == self.account.platform_id:
            raise forms.ValidationError(
                _("これは台帳に登録済みの固定IDです。今使っている @ID を入力してください。")
            )
        return key.identifier

    def _clean_handle(self, cleaned: dict) -> None:
        if cleaned.get("handle") != HandleAnswer.CHANGED or "observed_handle" in self.errors:
            return
        observed = cleaned.get("observed_handle", "")
        if not observed:
            self.add_error("observed_handle", OBSERVED_HANDLE_REQUIRED)
        elif observed == self.account.identifier:
            self.add_error(
                "observed_handle",
                _(
                    "台帳と同じIDです。同じなら「サービス上のアカウントIDは台帳と同じ」を選んでください。"
                ),
            )

    @property
    def handle_unchanged(self) -> bool | None:
        """The answer to store (``AccountReview.handle_unchanged``); None: not asked."""
        if not self.asks_handle:
            return None
        return self.cleaned_data["handle"] == HandleAnswer.SAME

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self.asks_handle:
            self._clean_handle(cleaned)
        if (
            cleaned.get("outcome") in (ReviewOutcome.CONFIRMED, ReviewOutcome.NEEDS_CHANGE)
            and cleaned.get("last_activity_on") is None
            and "last_activity_on" not in self.errors
        ):
            self.add_error(
                "last_activity_on", _("使っているアカウントは最終投稿日を入力してください。")
            )
        return cleaned


class OfficerChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        # An id the database cannot hold (20 digits overflow SQLite) is not looked up.
        if isinstance(value, list | tuple) and any(parse_id(v) is None for v in value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().clean(value)

    def label_from_instance(self, obj: Officer) -> str:
        who = str(obj.user) if obj.user_id else obj.name
        return f"{obj.get_role_display()}：{who} {obj.title}".strip()


class CredentialsForm(CleanInputMixin, forms.Form):
    """R10 (000 §4(3), 001 §3(3)ウ, 003 §5(8)): who holds the credentials, and when the
    password was last changed. The password itself is never asked for."""

    holders = OfficerChoiceField(
        label=_("ログイン情報を管理している職員"),
        queryset=Officer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("ログイン情報を管理している職員を1人以上選んでください（R10）。"),
            "invalid_choice": _("選んだ職員はこのアカウントの担当職員ではありません。"),
            "invalid_pk_value": _("選んだ職員はこのアカウントの担当職員ではありません。"),
        },
    )
    rotated_on = _date_field(
        _("パスワード最終変更日"),
        required=True,
        help_text=_("パスワードそのものは入力しないでください。"),
    )
    note = forms.CharField(
        label=_("メモ"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, account: OfficialAccount, **kwargs):
        super().__init__(*args, **kwargs)
        officers = officers_in_order(account.officers.select_related("user"))
        field = self.fields["holders"]
        if not isinstance(field, OfficerChoiceField):
            raise TypeError("holders is an OfficerChoiceField")
        field.queryset = account.officers.select_related("user")
        # 責任者, 管理者, 担当者 (001 §4(1)); the queryset checks what is posted.
        field.choices = [(o.pk, field.label_from_instance(o)) for o in officers]
        if not self.is_bound:
            self.initial.setdefault("holders", [o.pk for o in officers if o.holds_credentials])
            self.initial.setdefault("rotated_on", account.credentials_rotated_on)

    def clean_rotated_on(self):
        return _past_date(self.cleaned_data.get("rotated_on"))


class LastActivityForm(CleanInputMixin, forms.Form):
    """R12: the quick 「最終投稿日を更新」 of the account page."""

    last_activity_on = _date_field(_("最終投稿日"), required=True)

    def clean_last_activity_on(self):
        return _past_date(self.cleaned_data.get("last_activity_on"))
