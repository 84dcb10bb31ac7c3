"""Typed domain errors. Each carries the Japanese message a person should read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # str, or a lazy gettext_lazy string


class DomainError(Exception):
    message: StrOrPromise = _("この操作はできません。")

    def __init__(self, message: StrOrPromise | None = None):
        # The class default is lazy; an error carries a str, in the language of the request.
        self.message = str(self.message if message is None else message)
        super().__init__(self.message)


class NotAllowed(DomainError):
    """The person may not do this (now)."""

    message = _("この操作を行う権限がありません。")


class InvalidTransition(DomainError):
    """The object is not in a state where this action is possible (e.g. already decided)."""

    message = _("この申請は既に処理されたか、この操作ができない状態です。画面を更新してください。")


class CommentRequired(DomainError):
    message = _("差し戻し・却下の場合は、理由をコメントに記入してください。")


class ProposalInvalid(DomainError):
    """The request's content does not pass validation; ``proposal`` holds the bound forms."""

    message = _("入力内容に誤りがあります。赤で示した項目を確認してください。")

    def __init__(self, proposal, message: StrOrPromise | None = None):
        self.proposal = proposal
        super().__init__(message)


def parse_id(value) -> int | None:
    """A database id from a query string, or None: only ASCII digits, within range.
    (``str.isdigit`` accepts '²' and other digits ``int`` refuses.)"""
    text = str(value or "")
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None
