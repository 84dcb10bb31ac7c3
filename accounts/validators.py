"""Field validators for rules that depend on the deployment's configuration.

Each message is Japanese and names the rule, so a member of staff knows why it was refused
and where to read about it.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.identity import IdentityError, check_not_shortener
from core.municipality import get_municipality


def validate_org_email(value: str) -> None:
    """R8: the registration address is the organisation's, never a personal one
    (002 §3(2), 003 §5(3))."""
    m = get_municipality()
    if not m.applies("R8") or not m.org_email_domains:
        return
    domain = value.rsplit("@", 1)[-1].strip().lower()
    if any(domain == d or domain.endswith("." + d) for d in m.org_email_domains):
        return
    allowed = pgettext("list separator", "、").join(f"@{d}" for d in m.org_email_domains)
    raise ValidationError(
        _(
            "登録メールアドレスは組織のアドレス（%(allowed)s）にしてください。"
            "個人のアドレスは使えません（R8：002 §3(2)、003 §5(3)）。"
        ),
        code="org_email",
        params={"allowed": allowed},
    )


def validate_account_name_prefix(value: str) -> None:
    """R9: the account name carries the municipality's name (003 §5(2))."""
    m = get_municipality()
    prefix = m.account_name_prefix
    if not m.applies("R9") or not prefix:
        return
    # Compare as people see it: full-width and half-width forms are the same name.
    if unicodedata.normalize("NFKC", value).startswith(unicodedata.normalize("NFKC", prefix)):
        return
    raise ValidationError(
        _("アカウント名は「%(prefix)s」で始めてください（R9：003 §5(2)）。"),
        code="account_name_prefix",
        params={"prefix": prefix},
    )


def validate_no_shortener(value: str) -> None:
    """R11: no URL shorteners in any URL field (000 §5(4)ア, 001 §5(7), 002 §4(6))."""
    try:
        check_not_shortener(value)
    except IdentityError as exc:
        raise ValidationError(str(exc.message), code=exc.code) from exc
