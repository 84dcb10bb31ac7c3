"""The staff account list as a file (issue 11 §2): .xlsx (openpyxl, write-only mode) or CSV
(UTF-8 with a BOM and CRLF line ends, so Excel opens it in Japanese without an import dialog).

Who may download it is ``accounts.permissions.can_export_accounts``; what is in it is the list
as filtered (``staff.filters``), every page. The number of queries does not grow with the
number of accounts: the accounts (with their last review, open incidents and impersonations
counted in SQL), their officers and their open requests are three queries, whatever N.

Spreadsheet formula injection (OWASP "CSV Injection"): a text cell that starts with = + - @,
a tab or a carriage return is written so that no spreadsheet runs it — in the CSV with a
leading apostrophe; in the .xlsx as a text cell with Excel's "quote prefix" (what Excel
itself stores when a person types '=…), so the cell shows exactly what staff typed.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook  # type: ignore[import-untyped]  # no stubs installed
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import (  # type: ignore[import-untyped]
    ERROR_CODES,
    ILLEGAL_CHARACTERS_RE,
)
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from accounts import yomi
from accounts.keys import AccountKey
from accounts.models import AccountStatus, BadgeStatus, Officer, OfficerRole, OfficialAccount
from approvals.models import OPEN_STATES, ApprovalRequest, RequestKind, RequestState
from impersonation.models import KnownImpersonation
from incidents.models import Incident, IncidentStatus
from organization.models import Department
from reviews.models import AccountReview

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import (  # type: ignore[import-untyped]
        WriteOnlyWorksheet,
    )

# A cell starting with one of these is a formula (or a DDE call) to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

Cell = str | int | date | None


def _columns() -> list[tuple[str, int]]:
    """(header, width in characters) of each column, in order."""
    return [
        (_("サービス"), 12),
        (_("URL"), 40),
        (_("アカウントID"), 24),
        (_("アカウント名"), 30),
        (_("よみ"), 30),
        (_("局"), 16),
        (_("課"), 24),
        (_("状態"), 10),
        (_("アカウント責任者"), 14),
        (_("アカウント管理者"), 14),
        (_("担当者"), 24),
        (_("認証バッジ"), 12),
        (_("パスワード最終変更日"), 14),
        (_("最終見直し日"), 14),
        (_("処理中の申請"), 28),
        (_("対応中のインシデント（件）"), 10),
        (_("掲載中のなりすまし（件）"), 10),
        (_("公開日"), 12),
    ]


def _count(qs: QuerySet[Any], field: str) -> Coalesce:
    """SQL, per account row: how many rows of ``qs`` point at it through ``field``."""
    counted = (
        qs.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _latest_review_on() -> Subquery:
    """SQL, per account row: the day of its last periodic review (R12, ``AccountReview``)."""
    return Subquery(
        AccountReview.objects.filter(account=OuterRef("pk"))
        .order_by("-reviewed_on", "-pk")
        .values("reviewed_on")[:1]
    )


# The account columns, read as values: 20 000 model instances with their service and three
# departments cost seconds, and the file needs none of their behaviour.
_FIELDS = (
    "pk",
    "service__name",
    "service__slug",
    "url",
    "identifier",
    "display_name",
    "name_reading",
    "department_id",
    "status",
    "badge_status",
    "credentials_rotated_on",
    "listed_at",
    "last_reviewed_on",
    "open_incidents",
    "open_impersonations",
)


def _with_columns(accounts: QuerySet[OfficialAccount]) -> QuerySet[Any]:
    return accounts.annotate(
        last_reviewed_on=_latest_review_on(),
        # R18: incidents still being handled; R17: known fakes of it still shown publicly.
        open_incidents=_count(Incident.objects.filter(status=IncidentStatus.OPEN), "account"),
        open_impersonations=_count(
            KnownImpersonation.objects.filter(resolved_at__isnull=True), "imitates"
        ),
    ).values(*_FIELDS)


@dataclass
class _Related:
    officers: dict[int, dict[str, list[str]]]
    requests: dict[int, list[str]]
    # Each department's (局, the units below it down to this one): the tree in one query.
    units: dict[int, tuple[str, str]]


def _units() -> dict[int, tuple[str, str]]:
    rows = {
        pk: (name, parent)
        for pk, name, parent in Department.objects.values_list("pk", "name", "parent_id")
    }
    units: dict[int, tuple[str, str]] = {}
    for pk in rows:
        names: list[str] = []
        node: int | None = pk
        while node is not None and node in rows and len(names) <= len(rows):
            names.append(rows[node][0])
            node = rows[node][1]
        top, *below = reversed(names)
        units[pk] = (top, " ".join(below))
    return units


def _related(accounts: QuerySet[OfficialAccount]) -> _Related:
    """Officers, open requests and the departments of every account of ``accounts``: three
    queries (the accounts as a subquery, so no list of 20 000 ids is sent to the database)."""
    ids = accounts.values("pk")
    officers: dict[int, dict[str, list[str]]] = {}
    for account_id, role, name, user_id, last, first, username in (
        Officer.objects.filter(account__in=ids)
        .order_by("account_id", "pk")
        .values_list(
            "account_id",
            "role",
            "name",
            "user_id",
            "user__last_name",
            "user__first_name",
            "user__username",
        )
    ):
        # As ``User.__str__``: family and given name, else the login name.
        who = (f"{last} {first}".strip() or username) if user_id else name
        officers.setdefault(account_id, {}).setdefault(role, []).append(who)
    requests: dict[int, list[str]] = {}
    kinds = {k: str(v) for k, v in RequestKind.choices}
    states = {k: str(v) for k, v in RequestState.choices}
    for account_id, kind, state in (
        ApprovalRequest.objects.filter(account__in=ids, state__in=OPEN_STATES)
        .order_by("account_id", "pk")
        .values_list("account_id", "kind", "state")
    ):
        requests.setdefault(account_id, []).append(
            _("%(kind)s（%(state)s）") % {"kind": kinds.get(kind, kind), "state": states[state]}
        )
    return _Related(officers, requests, _units())


@functools.lru_cache(maxsize=50_000)
def _derived_reading(name: str) -> str:
    """``OfficialAccount.reading`` where staff typed none: pykakasi takes ~0.3 ms a name, the
    largest part of a 20 000-row export, so a name read once is not read again."""
    return yomi.reading(name)


def rows(accounts: QuerySet[OfficialAccount]) -> Iterator[list[Cell]]:
    """The export's rows (without the header), in the list's order."""
    related = _related(accounts)
    # The labels once (``get_FOO_display`` hashes the lazy choices on every call).
    statuses = {k: str(v) for k, v in AccountStatus.choices}
    badges = {k: str(v) for k, v in BadgeStatus.choices}
    for a in _with_columns(accounts):
        officers = related.officers.get(a["pk"], {})
        bureau, section = related.units.get(a["department_id"], ("", ""))
        yield [
            a["service__name"],
            a["url"],
            AccountKey(a["service__slug"], a["identifier"]).display_handle,
            a["display_name"],
            a["name_reading"] or _derived_reading(a["display_name"]),
            bureau,
            section,
            statuses.get(a["status"], a["status"]),
            "、".join(officers.get(OfficerRole.RESPONSIBLE, [])),
            "、".join(officers.get(OfficerRole.MANAGER, [])),
            "、".join(officers.get(OfficerRole.OPERATOR, [])),
            badges.get(a["badge_status"], a["badge_status"]),
            a["credentials_rotated_on"],
            a["last_reviewed_on"],
            "、".join(related.requests.get(a["pk"], [])),
            a["open_incidents"],
            a["open_impersonations"],
            timezone.localdate(a["listed_at"]) if a["listed_at"] else None,
        ]


def neutralise(value: str) -> str:
    """A text that a spreadsheet would read as a formula gets a leading apostrophe (CSV)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def to_csv(table: Iterable[list[Cell]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # the BOM: Excel reads UTF-8 only with it
    writer = csv.writer(out, lineterminator="\r\n")
    for row in table:
        writer.writerow(
            [
                neutralise(v)
                if isinstance(v, str)
                else v.isoformat()
                if isinstance(v, date)
                else ""
                if v is None
                else v
                for v in row
            ]
        )
    return out.getvalue().encode("utf-8")


def _xlsx_value(ws: WriteOnlyWorksheet, value: Cell) -> Cell | WriteOnlyCell:
    """A value as openpyxl should write it: most as they are (one reused cell, fast); a text
    that would be read as a formula or an error code as a text cell with the quote prefix."""
    if value == "":
        return None  # an empty text is no cell at all (fewer cells to write)
    if not isinstance(value, str):
        return value
    # Control characters are not allowed in the file format (openpyxl refuses them).
    text: str = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text.startswith(FORMULA_STARTS) and text not in ERROR_CODES:
        return text
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # "=…" became a formula, "#N/A" an error: keep the text
    cell.quotePrefix = True
    return cell


def to_xlsx(table: Iterable[list[Cell]], *, headers: list[tuple[str, int]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("公式アカウント"))
    for index, (_header, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header, _width in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in table:
        ws.append([_xlsx_value(ws, v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with the Japanese name as RFC 5987 ``filename*`` (every current
    browser), and an ASCII ``filename`` for anything older."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def export_response(accounts: QuerySet[OfficialAccount], *, fmt: str) -> HttpResponse:
    headers = _columns()
    table = rows(accounts)
    header_row: list[Cell] = [h for h, _w in headers]
    if fmt == "xlsx":
        body = to_xlsx(table, headers=headers)
    else:
        fmt = "csv"
        body = to_csv([header_row, *table])
    today = timezone.localdate().strftime("%Y%m%d")
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition(
        _("公式アカウント一覧_%(day)s.%(ext)s") % {"day": today, "ext": fmt},
        f"accounts_{today}.{fmt}",
    )
    # Officers' names and internal dates: never kept by a browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response
