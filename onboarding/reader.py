"""An uploaded file → its rows (issue 11 §1): a CSV file or an Excel workbook (.xlsx).

The header row names the columns, in any order (``onboarding.columns``); every row below it
becomes a ``Row`` with its line number as Excel shows it, so an error can say 「5行目」.

- CSV: UTF-8 (with or without BOM) or CP932/Shift_JIS (Excel in Japanese city halls), CRLF
  or LF — read by the standard library's ``csv``, as ``personnel.imports`` does.
- .xlsx: openpyxl in read-only streaming mode with ``data_only=True`` (the values Excel last
  computed, never a formula). The first worksheet is read.

Refused with a Japanese message (``ImportRefused``), never an exception a person would see as
a 500: an empty file, one over ``MAX_BYTES``, the old .xls format, a workbook with macros
(.xlsm), any other binary, an unknown text encoding, more than ``MAX_ROWS`` rows. A zip bomb
is stopped before openpyxl opens it: the sizes the archive declares are checked (Python's
zipfile never inflates a member past its declared size), and rows and columns are capped.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from onboarding.columns import COLUMNS, REQUIRED, column_of

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# A header wider than this is not an import file (and bounds the cells read per row).
MAX_COLUMNS = 64
# Blank rows read in a row before the reader takes the sheet to have ended (Excel keeps
# formatted empty rows).
MAX_BLANK_RUN = 1_000
# The most a workbook may inflate to, in all, and its worksheet (a zip bomb stops here).
MAX_UNZIPPED = 200 * 1024 * 1024
# The csv module's limit on one field: a 1 MB line is refused with a message, not read.
MAX_FIELD = 100_000

XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: .xls, .doc, an encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"


BROKEN_MESSAGE = gettext_lazy("Excelファイル（.xlsx）として読み取れません（壊れています）。")


class ImportRefused(DomainError):
    """The file cannot be read at all; nothing in it is looked at further."""


@dataclass(frozen=True)
class Row:
    line: int  # as Excel numbers it: the header is usually 1
    cells: dict[str, str]  # canonical column name → text as typed (stripped)
    # Text beyond the last column of the header (a comma typed inside an unquoted cell).
    overflow: bool = False


@dataclass(frozen=True)
class Table:
    rows: list[Row]
    kind: str  # "csv" or "xlsx"
    ignored_columns: list[str]  # header cells that name no column of the import


def norm(value: str) -> str:
    """NFKC (full-width letters and digits typed with the IME → half-width), trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


def read(data: bytes) -> Table:
    """The rows of ``data``, whatever its kind (by content, not by the file's name)."""
    if not data or not data.strip():
        raise ImportRefused(_("ファイルが空です。"))
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("ファイルが大きすぎます（5MBまで）。"))
    if data.startswith(XLS_MAGIC):
        raise ImportRefused(
            _(
                "古いExcel形式（.xls）か、パスワード付きのファイルは読み取れません。"
                "Excelで「Excel ブック（*.xlsx）」またはCSVとして保存し直してください。"
            )
        )
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data)
    return _read_csv(data)


# --- CSV ------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise ImportRefused(
            _(
                "CSVファイルでもExcelファイル（.xlsx）でもないようです（文字以外のデータが含まれています）。"
            )
        )
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(
        _("文字コードを読み取れません。UTF-8 または Shift_JIS（CP932）で保存してください。")
    )


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    previous = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD)
    try:
        table = _csv_rows(text)
    except csv.Error as exc:
        raise ImportRefused(
            _('CSVとして読み取れません（%(line)s行目付近：長すぎる欄か、閉じていない「"」）。')
            % {"line": getattr(exc, "line_num", "?")}
        ) from exc
    finally:
        csv.field_size_limit(previous)
    return _table(table, "csv")


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """(record number, cells) of the non-blank records: the number is the row Excel shows
    (a quoted cell may span lines). Blank records are not kept, so 5 MB of empty lines costs
    time, not memory; reading stops past ``MAX_ROWS``."""
    rows: list[tuple[int, list[str]]] = []
    for line, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if any(c.strip() for c in cells):
            rows.append((line, cells[: MAX_COLUMNS + 1]))
            if len(rows) > MAX_ROWS + 1:
                break
    return rows


# --- Excel (.xlsx) --------------------------------------------------------------------------


def _check_archive(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportRefused(BROKEN_MESSAGE) from exc
    if "xl/workbook.xml" not in names:
        raise ImportRefused(
            _("Excelファイル（.xlsx）ではありません。CSVか .xlsx のファイルを選んでください。")
        )
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ImportRefused(
            _(
                "マクロを含むExcelファイル（.xlsm）は取り込めません。"
                "「Excel ブック（*.xlsx）」として保存し直してください。"
            )
        )
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise ImportRefused(_("Excelファイルの中身が大きすぎます。CSVで保存し直してください。"))


def _text(value: Any) -> str:
    """A cell's value as the text a person typed: 12345 (not 12345.0), dates as 2024-04-01."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    _check_archive(data)
    # The import costs ~0.2 s: only when a workbook comes. (No type stubs are installed.)
    import openpyxl  # type: ignore[import-untyped]

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as exc:  # openpyxl raises many kinds (KeyError, XML errors) on bad files
        raise ImportRefused(BROKEN_MESSAGE) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportRefused(_("Excelファイルにシートがありません。"))
        rows: list[tuple[int, list[str]]] = []
        blank_run = 0
        try:
            for line, values in enumerate(
                sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1
            ):
                cells = [_text(v) for v in values]
                if any(c.strip() for c in cells):
                    blank_run = 0
                    rows.append((line, cells))
                    if len(rows) > MAX_ROWS + 1:
                        break
                else:
                    blank_run += 1
                    if blank_run > MAX_BLANK_RUN:
                        break
        except ImportRefused:
            raise
        except Exception as exc:  # a broken sheet inside a valid archive
            raise ImportRefused(BROKEN_MESSAGE) from exc
    finally:
        workbook.close()
    return _table(rows, "xlsx")


# --- Both -----------------------------------------------------------------------------------


def _table(table: list[tuple[int, list[str]]], kind: str) -> Table:
    while table and not any(c.strip() for c in table[0][1]):
        table.pop(0)
    if not table:
        raise ImportRefused(_("ファイルが空です。"))
    header, ignored = _header(*table[0])
    body = [(line, cells) for line, cells in table[1:] if any(c.strip() for c in cells)]
    if len(body) > MAX_ROWS:
        raise ImportRefused(
            _("行が多すぎます（%(max)s行まで）。ファイルを分けて取り込んでください。")
            % {"max": f"{MAX_ROWS:,}"}
        )
    present = {name for name in header if name}
    rows = []
    for line, cells in body:
        values = {name: "" for name in COLUMNS if name in present}
        for i, name in enumerate(header):
            if name is not None and i < len(cells):
                values[name] = cells[i].strip()
        overflow = any(c.strip() for c in cells[len(header) :])
        rows.append(Row(line, values, overflow))
    return Table(rows=rows, kind=kind, ignored_columns=ignored)


def _header(header_line: int, header_cells: list[str]) -> tuple[list[str | None], list[str]]:
    """The column each header cell names (None: not one the import reads), and those ignored."""
    while header_cells and not header_cells[-1].strip():
        header_cells = header_cells[:-1]
    if len(header_cells) > MAX_COLUMNS:
        raise ImportRefused(
            _("%(line)s行目（見出し）の列が多すぎます（%(max)s列まで）。")
            % {"line": header_line, "max": MAX_COLUMNS}
        )
    header: list[str | None] = []
    ignored: list[str] = []
    seen: set[str] = set()
    for cell in header_cells:
        name = column_of(norm(cell.lstrip("\ufeff")))
        if name is None:
            if cell.strip():
                ignored.append(norm(cell)[:40])
            header.append(None)
            continue
        if name in seen:
            raise ImportRefused(
                _("%(line)s行目（見出し）に「%(column)s」の列が2つあります。")
                % {"line": header_line, "column": name}
            )
        seen.add(name)
        header.append(name)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise ImportRefused(
            _(
                "%(line)s行目（見出し）に次の列がありません：%(columns)s。"
                "ひな形（ダウンロードできます）の見出しを使ってください。"
            )
            % {"line": header_line, "columns": "、".join(missing)}
        )
    return header, ignored
