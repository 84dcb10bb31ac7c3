"""Input hygiene shared by every form of the project (issue 8 §5: bad input never becomes a 500).

``CleanInputMixin`` goes first in the bases of every form class (a test walks the forms and
checks it). For each text field it

- states the length limit in the help text (「（100文字まで）」) and enforces it with a message
  that gives the count. It removes the ``maxlength`` HTML attribute: with it, browsers cut a
  pasted text at the limit without a word, and what was cut is lost. Fields with no limit of
  their own get ``SHORT_TEXT_MAX`` (one line) or ``LONG_TEXT_MAX`` (a textarea);
- refuses control characters: NUL (which PostgreSQL cannot store in text or jsonb), escape
  sequences and the like — and, in one-line fields, line breaks (they would end a mail header).
  Django's own NUL validator is not enough: its Japanese translation reads 「何か文字を入力して
  ください。」, and it lets the other control characters through;
- reads e-mail addresses typed with the IME still on (``ｋｏｕｈｏｕ＠ｃｉｔｙ．…``) as the
  half-width address they mean (NFKC, like URLs), and otherwise asks for 半角.

``control_characters`` is also used where raw input is stored before any form sees it (the
request drafts, approvals.proposal).
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

SHORT_TEXT_MAX = 200  # a one-line field with no limit of its own
LONG_TEXT_MAX = 4000  # a textarea with no limit of its own (about two A4 pages)

_CONTROL = frozenset(chr(c) for c in range(0x20)) | {"\x7f"}
_LINE_BREAKS_AND_TAB = frozenset("\t\n\r")

MAX_LENGTH_MESSAGE = _(
    "%(limit_value)d文字以内で入力してください（いまは%(show_value)d文字です）。"
)
SINGLE_LINE_MESSAGE = _(
    "この欄には改行や制御文字（NULなど、画面に表示されない文字）を入力できません。"
    "取り除いてから、もう一度送信してください。"
)
MULTI_LINE_MESSAGE = _(
    "制御文字（NULなど、画面に表示されない文字）が含まれています。"
    "取り除いてから、もう一度送信してください。"
)
EMAIL_MESSAGE = _(
    "メールアドレスを半角の英数字で入力してください（例：kouhou@city.example.lg.jp）。"
)


def control_characters(value: str, *, multiline: bool) -> frozenset[str]:
    """The control characters in ``value`` that may not be stored (TAB/CR/LF are allowed in
    multi-line text)."""
    found = _CONTROL.intersection(value)
    return found - _LINE_BREAKS_AND_TAB if multiline else found


class NoControlCharacters:
    """Refuses NUL and other C0 control characters (and line breaks in one-line fields)."""

    code = "control_characters"

    def __init__(self, *, multiline: bool):
        self.multiline = multiline

    def __call__(self, value) -> None:
        if isinstance(value, str) and control_characters(value, multiline=self.multiline):
            message = MULTI_LINE_MESSAGE if self.multiline else SINGLE_LINE_MESSAGE
            raise ValidationError(message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharacters) and other.multiline == self.multiline


def prepare_text_field(field: forms.CharField) -> None:
    """Give ``field`` a stated, enforced length limit and the control-character check."""
    multiline = isinstance(field.widget, forms.Textarea)
    if field.max_length is None:
        field.max_length = LONG_TEXT_MAX if multiline else SHORT_TEXT_MAX
    field.validators = [
        v
        for v in field.validators
        if not isinstance(
            v, MaxLengthValidator | ProhibitNullCharactersValidator | NoControlCharacters
        )
    ]
    field.validators += [
        MaxLengthValidator(field.max_length),
        NoControlCharacters(multiline=multiline),
    ]
    field.error_messages["max_length"] = MAX_LENGTH_MESSAGE
    if isinstance(field, forms.EmailField):
        field.error_messages["invalid"] = EMAIL_MESSAGE
    field.widget.attrs.pop("maxlength", None)
    if not isinstance(field.widget, forms.HiddenInput):
        limit = format_lazy(_("（{}文字まで）"), field.max_length)
        field.help_text = format_lazy("{}{}", field.help_text, limit) if field.help_text else limit


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """``form.fields[name]``, a foreign key's field, typed as such (to set its queryset)."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name!r} is not a ModelChoiceField")
    return field


def normalise_email(value: str) -> str:
    """An address typed in full width (IME on) as the half-width address it means."""
    return unicodedata.normalize("NFKC", value).strip()


if TYPE_CHECKING:
    _FormBase = forms.BaseForm  # the mixin goes in front of a form class
else:
    _FormBase = object


class CleanInputMixin(_FormBase):
    """Put first in a form's bases: ``class MyForm(CleanInputMixin, forms.Form)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        emails = []
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField):
                prepare_text_field(field)
                if isinstance(field, forms.EmailField):
                    emails.append(self.add_prefix(name))
        if self.is_bound and any(isinstance(self.data.get(k), str) for k in emails):
            # request.POST (a QueryDict, whose copy is mutable) or a dict; never changed in place.
            data = self.data.copy() if isinstance(self.data, dict) else dict(self.data)
            for key in emails:
                if isinstance(data.get(key), str):
                    data[key] = normalise_email(data[key])
            self.data = data
