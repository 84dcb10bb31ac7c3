"""The incident form and the suspension form (R18)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.dates import EARLIEST
from core.forms import CleanInputMixin
from core.municipality import get_municipality
from incidents.models import IncidentKind

NOTICE_MAX = 1000  # shown on the public list under the account's name: a few sentences

# R18 (001 §8(4)): the public notice, ready to publish, per kind of incident. The hijack one
# tells citizens what to do (not trust, not open links); the others say why and what next.
NOTICES = {
    IncidentKind.HIJACK: _(
        "このアカウントは現在、不正ログイン（乗っ取り）の疑いにより一時停止しています。"
        "このアカウントからの投稿やメッセージを信用せず、リンクを開かないでください。"
    ),
    IncidentKind.MISINFORMATION: _(
        "このアカウントは現在、誤った情報を発信したため一時停止しています。"
        "正しい情報は{name}のホームページでご確認ください。"
    ),
    IncidentKind.FLAMING: _(
        "このアカウントは現在、運用を見直すため一時停止しています。再開までしばらくお待ちください。"
    ),
    IncidentKind.IMPERSONATION: _(
        "このアカウントは現在、なりすましへの対応のため一時停止しています。"
        "{name}を名乗るほかのアカウントからの投稿やメッセージにご注意ください。"
    ),
    IncidentKind.VIOLATION: _(
        "このアカウントは現在、サービスの規約に反する書き込みへの対応のため一時停止しています。"
    ),
    # Issue 14: the service shows another ID than the registry and the city did not file it.
    IncidentKind.HANDLE_CHANGED: _(
        "このアカウントは現在、アカウントIDが無断で変更された疑いがあるため一時停止しています。"
        "このアカウントからの投稿やメッセージを信用せず、リンクを開かないでください。"
    ),
    IncidentKind.OTHER: _("このアカウントは現在、一時停止しています。"),
}


def notice_for(kind: str) -> str:
    """The prefilled public notice for ``kind`` (the municipality's name filled in)."""
    text = NOTICES.get(
        IncidentKind(kind) if kind in IncidentKind.values else IncidentKind.OTHER,
        NOTICES[IncidentKind.OTHER],
    )
    return str(text).replace("{name}", get_municipality().name)


class _LineEnds(CleanInputMixin):
    """Browsers send textarea line ends as CRLF; stored text uses LF (as the requests do)."""

    def clean(self):
        cleaned = super().clean() or {}
        for name, value in cleaned.items():
            if isinstance(value, str):
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned


DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IncidentForm(_LineEnds, forms.Form):
    """インシデントの記録 (001 §8(2)(3))."""

    kind = forms.ChoiceField(label=_("種類"), choices=IncidentKind.choices)
    occurred_at = forms.DateTimeField(
        label=_("発生（発覚）日時"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={
            "invalid": _("日時を「2026-11-26 09:30」の形で入力してください。"),
            "required": _("発生（発覚）日時を入力してください。"),
        },
    )
    description = forms.CharField(
        label=_("起きたこと"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("起きたことを記入してください。")},
    )
    actions_taken = forms.CharField(
        label=_("行った対応"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "投稿の削除・訂正、パスワードの変更、サービスへの連絡など。後から追記できます。"
        ),
    )

    def clean_occurred_at(self) -> datetime:
        value = self.cleaned_data["occurred_at"]
        # The local day, compared before anything turns the time into UTC (year 1 overflows).
        if value.date() < EARLIEST:
            raise forms.ValidationError(_("発生日時は2000年1月1日以降の日時を入力してください。"))
        if value > timezone.now():
            raise forms.ValidationError(_("発生日時に未来の日時は指定できません。"))
        return value


class IncidentUpdateForm(_LineEnds, forms.Form):
    """What was done since, and whether the incident is dealt with."""

    actions_taken = forms.CharField(
        label=_("行った対応"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    close = forms.BooleanField(label=_("対応済みにする"), required=False)


class SuspensionForm(_LineEnds, forms.Form):
    """緊急の一時停止 (R18, 001 §8(4)): one form, no approvals."""

    kind = forms.ChoiceField(label=_("種類"), choices=IncidentKind.choices)
    notice = forms.CharField(
        label=_("公開するお知らせ"),
        max_length=NOTICE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "公式アカウント一覧・アカウントのページ・確認ツール・APIにそのまま表示します。"
        ),
        error_messages={"required": _("公開するお知らせを記入してください。")},
    )
    actions_taken = forms.CharField(
        label=_("行った対応"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("パスワードの変更、サービスへの連絡など。後から追記できます。"),
    )
    description = forms.CharField(
        label=_("起きたこと（任意）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_notice(self) -> str:
        notice = self.cleaned_data["notice"].strip()
        if not notice:
            raise forms.ValidationError(gettext("公開するお知らせを記入してください。"))
        return notice
