"""Typed domain errors. Each carries the Japanese message a person should read."""

from __future__ import annotations


class DomainError(Exception):
    message = "この操作はできません。"

    def __init__(self, message: str | None = None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class NotAllowed(DomainError):
    """The person may not do this (now)."""

    message = "この操作を行う権限がありません。"


class InvalidTransition(DomainError):
    """The object is not in a state where this action is possible (e.g. already decided)."""

    message = "この申請は既に処理されたか、この操作ができない状態です。画面を更新してください。"


class CommentRequired(DomainError):
    message = "差し戻し・却下の場合は、理由をコメントに記入してください。"


class ProposalInvalid(DomainError):
    """The request's content does not pass validation; ``proposal`` holds the bound forms."""

    message = "入力内容に誤りがあります。赤で示した項目を確認してください。"

    def __init__(self, proposal, message: str | None = None):
        self.proposal = proposal
        super().__init__(message)


def parse_id(value) -> int | None:
    """A database id from a query string, or None: only ASCII digits, within range.
    (``str.isdigit`` accepts '²' and other digits ``int`` refuses.)"""
    text = str(value or "")
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None
