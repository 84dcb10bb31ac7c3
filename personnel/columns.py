"""The staff CSV's format (the personnel system's export): the column headers, the words
accepted in the 役割 and 在職 cells, and the template's example row. Data the file is read by,
not messages (issue 10, README 「職員の一括更新」)."""

from __future__ import annotations

from organization.models import User

LOGIN = "ログインID"
NUMBER = "職員番号"
LAST_NAME = "姓"
FIRST_NAME = "名"
EMAIL = "メール"
DEPARTMENT_CODE = "所属コード"
ROLE = "役割"
TITLE = "職名"
ACTIVE_COLUMN = "在職"
COLUMNS = (LOGIN, NUMBER, LAST_NAME, FIRST_NAME, EMAIL, DEPARTMENT_CODE, ROLE, TITLE, ACTIVE_COLUMN)
REQUIRED = (LOGIN, LAST_NAME, DEPARTMENT_CODE, ROLE, ACTIVE_COLUMN)
ROLES = {
    "職員": User.Role.STAFF,
    "担当者": User.Role.STAFF,
    "staff": User.Role.STAFF,
    "課長級": User.Role.MANAGER,
    "課長": User.Role.MANAGER,
    "manager": User.Role.MANAGER,
    "所属長": User.Role.HEAD,
    "局長": User.Role.HEAD,
    "部長": User.Role.HEAD,
    "head": User.Role.HEAD,
}
ACTIVE = {"在職": True, "退職": False}
TEMPLATE = (
    ",".join(COLUMNS)
    + "\r\n"
    + "sato.hanako,012345,佐藤,花子,sato.hanako@city.example.jp,411,職員,主事,在職\r\n"
)
