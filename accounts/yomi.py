"""The reading (よみ) of an account name, so a search in kana finds a name in kanji (issue 11 §8).

pykakasi (a pure-Python port of KAKASI with its own dictionary, from PyPI) gives each word's
hiragana; nothing is looked up over the network. The reading is derived when the name is
saved (``OfficialAccount.reading``) and folded into ``search_text``, so both databases search
it with the same plain substring match. Where the dictionary reads a name wrongly (place
names are the usual case) staff type the reading on the request form.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 200
# Hiragana, the long-vowel mark, and what a name keeps as written (Latin letters, digits,
# spaces and the punctuation of names); katakana typed by staff is turned into hiragana.
_ALLOWED = re.compile(r"[\u3041-\u3096\u30fb\u30fc\u309d\u309e0-9A-Za-z \-&'.()]*")
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")


@functools.cache
def _kakasi():  # pykakasi ships no type hints: the converter is Any
    import pykakasi

    return pykakasi.kakasi()


def reading(text: str) -> str:
    """The hiragana reading of ``text``; Latin letters and digits stay as they are."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return ""
    return "".join(part["hira"] for part in _kakasi().convert(text))[:MAX_LENGTH]


def normalise(value: str) -> str:
    """A typed reading as stored: NFKC, katakana → hiragana, spaces collapsed."""
    value = unicodedata.normalize("NFKC", value or "")
    value = _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), value)
    return " ".join(value.split())


def validate_reading(value: str) -> None:
    if not _ALLOWED.fullmatch(normalise(value)):
        raise ValidationError(
            _("よみはひらがな（またはカタカナ）で入力してください。漢字は使えません。"),
            code="reading",
        )
