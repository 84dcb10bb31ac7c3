"""A date typed by a person, read the way Japanese staff type it (issue 10 §5).

Browsers with a date picker send ``2026-05-31``; without one (or with the IME on), people type
``２０２６／５／３１`` or ``2026年5月31日``, and both are read. Era dates (``令和8年5月31日``) are
not: the message asks for the western year, which the picker gives anyway. The text is
NFKC-folded (full-width digits and punctuation become half-width) before it is read, and a
date that cannot be read gets one Japanese message, never a 500 (year 0, 2026-02-30, 1 MB,
NUL).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATE_MESSAGE = _("日付を「2026-05-31」または「2026年5月31日」の形で入力してください。")
# Year, month, day separated by - / . or written with 年 月 日 (after NFKC folding).
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MAX_INPUT = 40  # a date is short; anything longer is not one (no regex over 1 MB)

# The earliest day any date in the registry may name: before any of today's services existed,
# so an earlier one is a typing error. It also keeps dates far from year 1, where turning a
# Japanese time into UTC overflows (an incident "0001-01-01T00:00" was a 500).
EARLIEST = date(2000, 1, 1)
EARLIEST_MESSAGE = _("2000年1月1日以降の日付を入力してください。")
# The browser's date picker; the value it sends (and shows again) is ISO.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def parse_typed_date(value: object) -> date | None:
    """The date ``value`` names, or None when it names none (nothing typed is "")."""
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text or len(text) > MAX_INPUT:
        return None
    match = _DATE.match(text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


class TypedDateField(forms.DateField):
    """A ``DateField`` that also reads full-width digits and 年月日, with a Japanese message."""

    default_error_messages = {"invalid": DATE_MESSAGE}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        parsed = parse_typed_date(value)
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed
