"""The upload form of the import (issue 11 §1)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import CleanInputMixin


class UploadForm(CleanInputMixin, forms.Form):
    file = forms.FileField(
        label=_("CSVファイルまたはExcelファイル（.xlsx、5MBまで）"),
        help_text=_(
            "1行目に見出し（列の名前）、2行目から1行に1アカウントを書きます。"
            "まず内容を確認する画面を表示します（まだ何も登録しません）。"
        ),
        error_messages={
            "required": _("ファイルを選んでください。"),
            "empty": _("ファイルが空です。"),
            "invalid": _("ファイルを選び直してください。"),
        },
    )
