"""An account's key (``service:identifier``), the refusals with their Japanese messages, and
what a pasted link was read as. Pure Python; ``accounts.identity`` builds keys (ADR 0003)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.catalogue import SERVICE_SLUGS, SERVICES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_INPUT_LENGTH = 2048

# The services' names, as the catalogue (and the Service rows it creates) spell them.
_LABELS = {facts.slug: facts.name for facts in SERVICES}


_MESSAGES = {
    "empty": _("URLまたはアカウント名を入力してください。"),
    "too_long": _("入力が長すぎます（2048文字まで）。URLをもう一度確かめてください。"),
    "scheme": _("http:// または https:// で始まるURLを貼り付けてください。"),
    "bad_url": _("URLの形式が正しくありません。アカウントのページのURLを貼り付けてください。"),
    "userinfo": _(
        "ドメインの前に「@」を含むURLは使えません（別のサイトへ誘導する偽のURLに使われます）。"
        "アカウントのページのURLをそのまま貼り付けてください。"
    ),
    "shortener": _(
        "短縮URLは使えません（R11）。アカウントのページのURLをそのまま貼り付けてください。"
    ),
    "not_account": _(
        "アカウントのページのURLではありません（投稿・動画・検索などのページです）。"
        "アカウントのプロフィールページのURLを貼り付けてください。"
    ),
    "service_required": _(
        "アカウント名だけではサービスが分かりません。"
        "サービスを選ぶか、アカウントのページのURLを貼り付けてください。"
    ),
    "service_mismatch": _("このURLは{label}のアカウントのものではありません。"),
    "service_mismatch_found": _(
        "このURLは{found}のアカウントのものです。サービスで「{found}」を選んでください。"
    ),
    "lookalike_host": _(
        "「{host}」は{label}のドメインではありません（よく似た別のドメインです）。"
        "アドレスをよく確かめてください。"
    ),
    "bad_handle": _("{label}のアカウント名として使えない文字か長さです。入力を確かめてください。"),
    # LINE's help: an official account's ID always starts with "@"; without it a search finds
    # personal LINE IDs, which anyone can take.
    "line_at": _(
        "LINE公式アカウントのIDは「@」で始まります（例：@samplecity）。「@」から入力してください。"
    ),
}


def service_label(service: str) -> str:
    """The name of a service for people ("X（旧Twitter）")."""
    return str(_LABELS.get(service, service))


class IdentityError(ValueError):
    """Refused input. ``code`` is stable for programs; ``message`` is for people (Japanese).

    ``params`` fill the message lazily: ``service`` (slug of the service asked for, shown by
    name), ``host``, and ``found`` (slug of the service the URL belongs to, which also selects
    the message telling the person to choose that service).
    """

    def __init__(self, code: str, message: StrOrPromise | None = None, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
        if message is None:
            message = _MESSAGES[code + ("_found" if "found" in params else "")]
            if params:
                names = {k: _LABELS.get(v, v) for k, v in params.items() if k != "host"}
                message = format_lazy(message, **{**params, **names, "label": names.get("service")})
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class AccountKey:
    service: str  # one of SERVICE_SLUGS
    identifier: str  # canonical identifier within the service

    def __post_init__(self) -> None:
        if self.service not in SERVICE_SLUGS:
            raise ValueError(f"unknown service {self.service!r}")

    def __str__(self) -> str:
        return f"{self.service}:{self.identifier}"

    @property
    def url(self) -> str:
        """The canonical https URL of the account's profile page."""
        s, i = self.service, self.identifier
        if s == "facebook" and i.startswith("id:"):
            return f"https://www.facebook.com/profile.php?id={i[3:]}"
        if s == "x" and i.startswith("id:"):  # the permanent URL (issue 14)
            return f"https://x.com/i/user/{i[3:]}"
        if s in ("instagram", "tiktok") and i.startswith("id:"):
            return ""  # a user ID no URL opens: kept for the record only
        return _URLS[s] + quote(i, safe="/@:!$&'()*+,;=-._~") + ("/" if s == "instagram" else "")

    @property
    def display_handle(self) -> str:
        """How people write it: "@city_example", "youtube.com/channel/UC…", "blog.example.jp/a"."""
        s, i = self.service, self.identifier
        if s == "facebook" and i.startswith("id:"):
            return "facebook.com/profile.php?id=" + i[3:]
        if s == "x" and i.startswith("id:"):
            return "x.com/i/user/" + i[3:]
        if s in ("instagram", "tiktok") and i.startswith("id:"):
            return "ID " + i[3:]
        if (s == "youtube" and i.startswith("@")) or (s == "bluesky" and i.startswith("did:")):
            return i
        return _DISPLAY.get(s, "") + i  # line, tiktok, threads: "@…"; other: host + path


_URLS = {facts.slug: facts.profile_url for facts in SERVICES}
_DISPLAY = {facts.slug: facts.handle_prefix for facts in SERVICES}


@dataclass(frozen=True)
class Reading:
    """What a pasted URL or handle names.

    ``post``: the link is to one post, video or story, and the account part of such a link is
    not vouched for by the service (it shows the post whoever is named in the link, or we
    cannot tell): the post may be someone else's (ADR 0009, issue 13).
    """

    key: AccountKey
    post: bool = False
