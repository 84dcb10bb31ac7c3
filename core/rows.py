"""A problem found in one row of an uploaded file (the staff list of 人事異動, the import of
existing accounts): shown to the PR division as 「N行目「列」：…」, so they can fix the file."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("%(line)s行目「%(column)s」：%(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }
