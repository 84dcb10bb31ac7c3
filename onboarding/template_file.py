"""The downloadable template (ひな形): the columns and one example row, built at request time
with openpyxl (.xlsx) or the csv module (UTF-8 with BOM, so Excel opens it in Japanese).
Also used to write files of many rows (tests, ``bench.imports``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from onboarding.columns import COLUMNS, EXAMPLE, REQUIRED


def xlsx(rows: Iterable[Mapping[str, str]] = (EXAMPLE,), columns: Iterable[str] = COLUMNS) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]  # no stubs installed
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("取り込み")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    required = PatternFill("solid", fgColor="FFF2CC")
    columns = list(columns)
    for i, name in enumerate(columns):
        sheet.column_dimensions[_letter(i)].width = 28 if name in REQUIRED else 18
    header = []
    for name in columns:
        # Every value is written as text: a staff number "012345" keeps its zero.
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        if name in REQUIRED:
            cell.fill = required
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name, "") for name in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(
    rows: Iterable[Mapping[str, str]] = (EXAMPLE,),
    columns: Iterable[str] = COLUMNS,
    *,
    encoding: str = "utf-8-sig",
) -> bytes:
    columns = list(columns)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(name, "") for name in columns])
    return out.getvalue().encode(encoding)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    return get_column_letter(index + 1)
