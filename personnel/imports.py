"""The bulk update of staff from the personnel system (人事異動, issue 10 §4): a CSV file, read,
shown row by row (dry run), then applied all or nothing.

Columns (the header row names them; order is free; README 「職員の一括更新」):
ログインID, 職員番号, 姓, 名, メール, 所属コード, 役割, 職名, 在職 (在職 or 退職).
UTF-8 (with or without BOM) and CP932/Shift_JIS (Excel in Japanese city halls), CRLF or LF;
full-width digits and letters in IDs and codes are read as half-width (NFKC).

Rows are matched to users by ログインID. Users missing from the file are left alone unless
``deactivate_missing`` (never the system administrator). Users are saved one by one, so the
signals of ``personnel.signals`` flag the accounts of those who left or moved. Importing the
same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ENDED_STATUSES, Officer
from core.errors import DomainError
from core.rows import RowError
from organization.models import Department, User
from personnel import columns as cols

MAX_BYTES = 1_000_000


class ImportRefused(DomainError):
    """The file cannot be read at all (too large, binary, unknown encoding, no header)."""


@dataclass
class RowPlan:
    line: int
    username: str
    action: str  # "create", "change", "deactivate", "unchanged"
    changes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    user: User | None = None
    flagged_accounts: set[int] = field(default_factory=set)

    @property
    def action_label(self) -> str:
        return {
            "create": _("新規"),
            "change": _("変更"),
            "deactivate": _("退職（無効化）"),
            "unchanged": _("変更なし"),
        }[self.action]


@dataclass
class Plan:
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    missing: list[RowPlan] = field(default_factory=list)  # deactivated as not in the file

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in [*self.rows, *self.missing] if r.action == action)

    @property
    def flagged_accounts(self) -> int:
        ids: set[int] = set()
        for r in [*self.rows, *self.missing]:
            ids |= r.flagged_accounts
        return len(ids)

    @property
    def summary(self) -> str:
        return _(
            "新規%(create)s人、変更%(change)s人、退職（無効化）%(deactivate)s人、変更なし%(unchanged)s人。"
            "担当者の変更が必要になるアカウント：%(accounts)s件。"
        ) % {
            "create": self.count("create"),
            "change": self.count("change"),
            "deactivate": self.count("deactivate"),
            "unchanged": self.count("unchanged"),
            "accounts": self.flagged_accounts,
        }

    @property
    def changing(self) -> list[RowPlan]:
        return [r for r in [*self.rows, *self.missing] if r.action != "unchanged"]


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (BOM or not), else CP932. A message, never an exception, for a
    file too large, binary or in another encoding."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("ファイルが大きすぎます（1MBまで）。"))
    if not data.strip():
        raise ImportRefused(_("ファイルが空です。"))
    if b"\x00" in data:
        raise ImportRefused(_("CSVファイルではないようです（文字以外のデータが含まれています）。"))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(
        _("文字コードを読み取れません。UTF-8 または Shift_JIS（CP932）で保存してください。")
    )


def _norm(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportRefused(_("CSVとして読み取れません（%(error)s）。") % {"error": exc}) from exc
    while table and not any(c.strip() for c in table[0]):
        table.pop(0)
    if not table:
        raise ImportRefused(_("ファイルが空です。"))
    header = [_norm(c.lstrip("\ufeff")) for c in table[0]]
    missing = [col for col in cols.REQUIRED if col not in header]
    if missing:
        raise ImportRefused(
            _("1行目（見出し）に次の列がありません：%(columns)s。ひな形のCSVを使ってください。")
            % {"columns": "、".join(missing)}
        )
    rows, errors = [], []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            errors.append(RowError(number, _("列数"), _("見出しより列が多くなっています。")))
            continue
        cells = cells + [""] * (len(header) - len(cells))
        rows.append((number, {h: cells[i].strip() for i, h in enumerate(header)}))
    return rows, errors


def _control(value: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in value)


@dataclass
class _Seen:
    """What the file said so far, and who the database knows (for duplicate checks)."""

    departments: dict[str, Department]
    users: dict[str, User]
    numbers: dict[str, str]
    usernames: dict[str, int] = field(default_factory=dict)
    staff_numbers: dict[str, int] = field(default_factory=dict)


def _check_username(line: int, username: str, seen: _Seen) -> list[RowError]:
    if not username:
        return [RowError(line, cols.LOGIN, _("入力してください。"))]
    if len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        return [RowError(line, cols.LOGIN, _("英数字と @ . + - _ の150文字以内にしてください。"))]
    if username in seen.usernames:
        other = seen.usernames[username]
        return [RowError(line, cols.LOGIN, _("%(other)s行目と重複しています。") % {"other": other})]
    user = seen.users.get(username)
    if user is not None and (user.is_superuser or user.role == User.Role.SYSADMIN):
        return [RowError(line, cols.LOGIN, _("システム管理者は管理画面で変更してください。"))]
    return []


def _check_number(line: int, number: str, username: str, seen: _Seen) -> list[RowError]:
    if not number:
        return []
    if number in seen.staff_numbers:
        other = seen.staff_numbers[number]
        return [
            RowError(line, cols.NUMBER, _("%(other)s行目と重複しています。") % {"other": other})
        ]
    seen.staff_numbers[number] = line
    if seen.numbers.get(number, username) != username:
        return [
            RowError(
                line,
                cols.NUMBER,
                _("別の職員（%(other)s）に登録されています。") % {"other": seen.numbers[number]},
            )
        ]
    return []


def _check_values(line: int, values: dict[str, Any]) -> list[RowError]:
    errors = []
    if not values["last_name"]:
        errors.append(RowError(line, cols.LAST_NAME, _("入力してください。")))
    for column, key, limit in (
        (cols.LAST_NAME, "last_name", 150),
        (cols.FIRST_NAME, "first_name", 150),
        (cols.TITLE, "title", 50),
        (cols.NUMBER, "staff_number", 20),
    ):
        if len(values[key]) > limit:
            errors.append(
                RowError(line, column, _("%(limit)s文字以内にしてください。") % {"limit": limit})
            )
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors.append(RowError(line, cols.EMAIL, _("メールアドレスの形式ではありません。")))
    return errors


def _check_choices(line: int, row: dict[str, str], seen: _Seen) -> tuple[list[RowError], dict]:
    errors = []
    code = _norm(row.get(cols.DEPARTMENT_CODE, ""))
    department = seen.departments.get(code)
    if department is None:
        message = (
            _("「%(code)s」という組織コードはありません。") % {"code": code}
            if code
            else _("入力してください。")
        )
        errors.append(RowError(line, cols.DEPARTMENT_CODE, message))
    role_text = _norm(row.get(cols.ROLE, ""))
    role = cols.ROLES.get(role_text) or cols.ROLES.get(role_text.lower())
    if role is None:
        errors.append(
            RowError(
                line,
                cols.ROLE,
                _(
                    "「職員」「課長級」「所属長」のいずれかを入力してください"
                    "（システム管理者は管理画面で登録します）。"
                ),
            )
        )
    active_text = _norm(row.get(cols.ACTIVE_COLUMN, ""))
    if active_text not in cols.ACTIVE:
        errors.append(
            RowError(line, cols.ACTIVE_COLUMN, _("「在職」か「退職」を入力してください。"))
        )
    return errors, {
        "department": department,
        "role": role,
        "is_active": cols.ACTIVE.get(active_text),
    }


def plan(data: bytes, *, deactivate_missing: bool = False) -> Plan:
    """Read the file and say, row by row, what applying it would do. Changes nothing."""
    rows, errors = _rows(decode(data))
    result = Plan(errors=errors)
    users = {u.username: u for u in User.objects.select_related("department")}
    seen = _Seen(
        departments={d.code: d for d in Department.objects.all()},
        users=users,
        numbers={u.staff_number: u.username for u in users.values() if u.staff_number},
    )
    for line, row in rows:
        bad = [c for c, v in row.items() if _control(v)]
        if bad:
            result.errors.extend(RowError(line, c, _("制御文字が含まれています。")) for c in bad)
            continue
        username = _norm(row.get(cols.LOGIN, ""))
        values: dict[str, Any] = {
            "last_name": row.get(cols.LAST_NAME, ""),
            "first_name": row.get(cols.FIRST_NAME, ""),
            "email": _norm(row.get(cols.EMAIL, "")).lower(),
            "title": row.get(cols.TITLE, ""),
            "staff_number": _norm(row.get(cols.NUMBER, "")),
        }
        row_errors = _check_username(line, username, seen)
        seen.usernames.setdefault(username, line)
        row_errors += _check_number(line, values["staff_number"], username, seen)
        row_errors += _check_values(line, values)
        choice_errors, choices = _check_choices(line, row, seen)
        if row_errors or choice_errors:
            result.errors.extend([*row_errors, *choice_errors])
            continue
        result.rows.append(_row_plan(line, username, users.get(username), values | choices))
    if deactivate_missing:
        for user in users.values():
            if (
                user.username not in seen.usernames
                and user.is_active
                and not user.is_superuser
                and user.role != User.Role.SYSADMIN
            ):
                result.missing.append(
                    _row_plan(0, user.username, user, {"is_active": False}, missing=True)
                )
    return result


LABELS = {
    "last_name": gettext_lazy("姓"),
    "first_name": gettext_lazy("名"),
    "email": gettext_lazy("メール"),
    "title": gettext_lazy("職名"),
    "staff_number": gettext_lazy("職員番号"),
    "department": gettext_lazy("所属"),
    "role": gettext_lazy("役割"),
    "is_active": gettext_lazy("在職"),
}


def _show(key: str, value: Any) -> str:
    if key == "is_active":
        return _("在職") if value else _("退職")
    if key == "role":
        return str(User.Role(value).label) if value else ""
    if key == "department":
        return value.full_name if value is not None else "—"
    return str(value) if value else "—"


def _row_plan(
    line: int, username: str, user: User | None, values: dict[str, Any], *, missing: bool = False
) -> RowPlan:
    if user is None:
        return RowPlan(line, username, "create", values=values)
    changes = []
    for key, value in values.items():
        now = getattr(user, key)
        if now != value:
            changes.append(f"{LABELS[key]}：{_show(key, now)} → {_show(key, value)}")
    if not changes:
        return RowPlan(line, username, "unchanged", user=user)
    leaving = user.is_active and (
        not values["is_active"]
        or ("department" in values and values["department"].pk != user.department_id)
    )
    flagged: set[int] = set()
    if leaving:
        flagged = set(
            Officer.objects.filter(user=user)
            .exclude(account__status__in=ENDED_STATUSES)
            .values_list("account_id", flat=True)
        )
    action = "deactivate" if user.is_active and not values["is_active"] else "change"
    if missing:
        changes.append(_("ファイルにないため無効化"))
    return RowPlan(line, username, action, changes, values, user, flagged)


@transaction.atomic
def apply(data: bytes, *, deactivate_missing: bool = False) -> Plan:
    """Apply the file, all or nothing (a file with any error changes nothing)."""
    result = plan(data, deactivate_missing=deactivate_missing)
    if not result.ok:
        return result
    for row in result.changing:
        user = row.user or User(username=row.username)
        for key, value in row.values.items():
            setattr(user, key, value)
        if row.user is None:
            user.set_unusable_password()  # the system administrator issues the first one
        try:
            user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise ImportRefused(
                _("%(line)s行目（%(user)s）：%(errors)s")
                % {"line": row.line, "user": row.username, "errors": " ".join(exc.messages)}
            ) from exc
        user.save()  # one by one: personnel.signals flags the accounts of who left or moved
    return result
