"""What a citizen typed into the verifier → the account keys it can mean (pure, no database).

People paste more than URLs: a bare "@ID", or a line copied from a flyer — "X @name",
"Instagram: @name", "LINE ID：@name", "インスタグラム @name", "@name（YouTube）". A service named
in the text is binding: the ID is read by that service's rules only, and a URL of another
service is refused (issue 8 §1). A bare ID, with no service named, is read by every service's
own syntax as is (``identity.bare_keys``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts import identity
from accounts.identity import AccountKey, IdentityError

# How flyers and posters name each service (compared after NFKC and case folding).
SERVICE_NAMES = {
    "x": "x(旧twitter) x(旧ツイッター) x/twitter twitter/x 旧twitter twitter ツイッター エックス x",
    "instagram": "instagram インスタグラム インスタ insta ig",
    "facebook": "facebook フェイスブック fb",
    "youtube": "youtube ユーチューブ",
    "line": "line公式アカウント line ライン",
    "tiktok": "tiktok tik tok ティックトック",
    "threads": "threads スレッズ",
    "bluesky": "bluesky ブルースカイ bsky",
    "note": "note ノート",
}
_ALIAS = {a: s for s, names in SERVICE_NAMES.items() for a in names.split(" ") if a} | {
    "tik tok": "tiktok"
}
_ALIASES = "|".join(re.escape(a) for a in sorted(_ALIAS, key=len, reverse=True))
_WORDS = r"(?:\s*(?:公式|アカウント|チャンネル|id|ユーザー名|ハンドル|で検索|検索))*"
# The service named before the ID: "サンプル市公式X @name", "LINE ID: @name", "X(旧Twitter)@name".
_PREFIX = re.compile(
    rf"(?:.{{0,30}}?公式\s*)?(?P<name>{_ALIASES}){_WORDS}(?:\s*[:=](?!//)\s*|\s+|(?=@))(?P<rest>\S+)",
    re.IGNORECASE,
)
# The service named after the ID: "@name (Instagram)", "@name(X)".
_SUFFIX = re.compile(rf"(?P<rest>\S+?)\s*\((?:公式\s*)?(?P<name>{_ALIASES}){_WORDS}\)", re.I)


@dataclass(frozen=True)
class Query:
    keys: list[AccountKey]
    post: bool = False  # a link to one post whose account part the service does not vouch for
    bare: bool = False  # an ID with no service: one key per service where it is a handle
    named: str | None = None  # the service the text named ("Instagram: @name")
    text: str = ""  # what was read, without the service's name


def split_service_name(text: str) -> tuple[str | None, str]:
    """("instagram", "@name") for "Instagram: @name"; (None, text) when no service is named."""
    folded = unicodedata.normalize("NFKC", text).strip()
    for pattern in (_PREFIX, _SUFFIX):
        if m := pattern.fullmatch(folded):
            return _ALIAS[m["name"].casefold()], m["rest"]
    return None, text


def interpret(text: str) -> Query:
    """The keys ``text`` can mean, or IdentityError (code: why nothing can be read)."""
    identity.check_structure(text)  # before the service's name is split off the folded text
    named, rest = split_service_name(text)
    if named is None:
        try:
            reading = identity.read(rest)
        except IdentityError as exc:
            if exc.code != "service_required":
                raise
            if not rest.lstrip().startswith(("@", "＠")) and not rest.isascii():
                # "サンプル市防災": words, not an ID (a YouTube handle in kana needs its "@").
                raise IdentityError("unreadable_text", message=_UNREADABLE) from exc
            keys = identity.bare_keys(rest)
            if not keys:
                raise IdentityError("unreadable_text", message=_UNREADABLE) from exc
            return Query(keys, bare=True, text=rest)
        return Query([reading.key], post=reading.post, text=rest)
    bare = rest.removeprefix("@")
    if named == "bluesky" and "." not in bare and "/" not in bare:
        # "Bluesky @city" could be any domain's handle: never guess ".bsky.social".
        raise IdentityError("bad_handle", service="bluesky")
    try:
        reading = identity.read(rest, named)
    except IdentityError as exc:
        if exc.code == "service_mismatch" and "found" in exc.params:
            raise IdentityError("named_other", message=_NAMED_OTHER) from exc
        raise
    return Query([reading.key], post=reading.post, named=named, text=rest)


_UNREADABLE = _("アカウントのURLか @ID として読み取れませんでした。")
_NAMED_OTHER = _(
    "書かれているサービス名と、URLのサービスが一致しません。URLだけを貼り付けて確かめてください。"
)
