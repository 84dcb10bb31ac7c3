"""The one way the product sends mail: ``queue_mail`` (ADR 0014).

The mail is written to the outbox (``OutboxMail``) in the caller's transaction and delivered
by the worker after the commit, with retries; an SMTP outage delays mail, it never loses it
and never turns a committed decision into an error page.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.municipality import get_municipality


def mail_subject(subject: str) -> str:
    """The one place subjects are built: one line, whatever a name contains (a line break in
    a header is refused by Django with BadHeaderError), prefixed with the registry's name."""
    text = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in subject)
    line = _("[%(municipality)s 公式SNS台帳] %(subject)s") % {
        "municipality": get_municipality().name,
        "subject": text,
    }
    return " ".join(line.split())


def queue_mail(addresses: Iterable[str], subject: str, body: str, *, key: str = "") -> bool:
    """Queue one mail to ``addresses`` (empty ones dropped, duplicates merged) in the current
    transaction; it is delivered after the commit. ``subject`` is passed through
    ``mail_subject``. With a ``key`` already queued (ever), nothing is queued and the answer
    is False: a digest or a reminder is sent once however often its job runs."""
    from jobs import outbox

    return outbox.enqueue(addresses, mail_subject(subject), body, key=key)
