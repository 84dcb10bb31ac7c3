"""Permanent platform identifiers (issue 14): what a rename does not change.

A handle is a name the service lends: when a city renames ``@old`` to ``@new`` the service
releases ``@old`` and anyone may take it. The permanent identifier (X's numeric user id, a
YouTube channel id, a Bluesky DID, …; ``accounts.catalogue.PermanentIdFacts``) stays with the
account. It is stored on the account (``OfficialAccount.platform_id``) in the form the
verifier's keys spell it, so that ``x.com/i/user/123`` (read by ``accounts.identity`` as
``x:id:123``) and the stored ``id:123`` compare equal.

Pure Python: no models, no settings.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from accounts import catalogue, identity
from accounts.keys import AccountKey, IdentityError


def facts(service: str) -> catalogue.PermanentIdFacts | None:
    """What ``service``'s permanent identifier is, or None when it has none."""
    entry = catalogue.BY_SLUG.get(service)
    return entry.permanent_id if entry else None


def is_permanent(key: AccountKey) -> bool:
    """Whether ``key`` names the account by its permanent identifier (not by a handle).

    LINE's basic ID is written like a handle: an "@…" identifier may be a premium ID, so it is
    never taken to be the permanent one unless staff say so (``platform_id``).
    """
    found = facts(key.service)
    if found is None or found.handle_like:
        return False
    if not key.identifier.startswith(found.prefix):
        return False
    return bool(re.fullmatch(found.pattern, key.identifier[len(found.prefix) :]))


def bare(service: str, stored: str) -> str:
    """The ID as people read it: "1234567890", "UC…", "did:plc:…", "@123abcde"."""
    found = facts(service)
    return stored.removeprefix(found.prefix) if found else stored


def _refusal(service: str) -> IdentityError:
    found = facts(service)
    if found is None:
        return IdentityError(
            "no_permanent_id",
            _("このサービスには、台帳に登録できる固定のIDがありません。空欄にしてください。"),
        )
    return IdentityError(
        "bad_permanent_id",
        _("%(label)sの形式ではありません（例：%(example)s）。")
        % {
            "label": found.label,
            "example": found.example,
        },
    )


def parse(service: str, raw: str) -> str:
    """What staff typed or pasted as the permanent ID of an account on ``service``, in the
    stored form: the ID alone ("1234567890", "UC…", "did:plc:…", "@123abcde") or a URL that
    names the account by it (``x.com/i/user/123``, ``profile.php?id=``, ``channel/UC…``,
    ``bsky.app/profile/did:…``). Raises IdentityError with a Japanese message."""
    found = facts(service)
    if found is None:
        raise _refusal(service)
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise IdentityError("empty")
    if len(text) > identity.MAX_INPUT_LENGTH:
        raise IdentityError("too_long")
    candidate = text if found.handle_like else text.replace(" ", "")
    if found.handle_like:
        candidate = candidate.lower()
    if candidate.startswith(found.prefix) and found.prefix:
        candidate = candidate[len(found.prefix) :]
    if re.fullmatch(found.pattern, candidate):
        return found.prefix + candidate
    try:  # a URL that names the account by its permanent identifier
        key = identity.canonicalize(text, service=service)
    except IdentityError:
        raise _refusal(service) from None
    if found.handle_like and re.fullmatch(found.pattern, key.identifier):
        return key.identifier
    if is_permanent(key):
        return key.identifier
    raise _refusal(service)
