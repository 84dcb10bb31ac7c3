"""The columns of the import file (README 「既存アカウントの取り込み」), their accepted
spellings and the example row of the template. Pure data: no models."""

from __future__ import annotations

import unicodedata

# The canonical column names, in the template's order. Japanese, as people read them in the
# file: these are data (the header a city types), not UI text.
SERVICE = "サービス"
URL = "URLまたは@ID"
NAME = "アカウント名"
READING = "よみ"
DEPARTMENT = "所属"
PURPOSE = "目的"
RESPONSIBLE = "責任者"
MANAGER = "管理者"
OPERATORS = "担当者"
EMAIL = "登録メールアドレス"
BADGE = "認証バッジ"
PLATFORM_ID = "固定ID"
FORMER = "以前のID"
POLICY = "運用ポリシー"
LISTED_ON = "公開日"

COLUMNS = (
    SERVICE,
    URL,
    NAME,
    READING,
    DEPARTMENT,
    PURPOSE,
    RESPONSIBLE,
    MANAGER,
    OPERATORS,
    EMAIL,
    BADGE,
    PLATFORM_ID,
    FORMER,
    POLICY,
    LISTED_ON,
)
REQUIRED = (
    SERVICE,
    URL,
    NAME,
    DEPARTMENT,
    PURPOSE,
    RESPONSIBLE,
    MANAGER,
    OPERATORS,
    EMAIL,
    BADGE,
)

# Other spellings of a header found in cities' own 台帳 (compared after NFKC, spaces removed).
_ALIASES = {
    SERVICE: ("サービス名", "SNS", "種別"),
    URL: ("URL", "@ID", "ID", "アカウントID", "URL/@ID", "URL・@ID", "アカウントURL"),
    NAME: ("表示名", "アカウント名称"),
    READING: ("読み", "ふりがな", "フリガナ", "アカウント名のよみ"),
    DEPARTMENT: ("所属", "運用部署", "担当課", "所属コード", "部署"),
    PURPOSE: ("発信の目的", "目的・内容"),
    RESPONSIBLE: ("アカウント責任者",),
    MANAGER: ("アカウント管理者",),
    OPERATORS: ("アカウント担当者",),
    EMAIL: ("メールアドレス", "登録メール", "メール"),
    BADGE: ("認証", "認証アカウント", "バッジ"),
    PLATFORM_ID: ("固定ID（サービス上の永続的なID）", "ユーザーID"),
    FORMER: ("以前の@ID", "旧ID", "過去のID"),
    POLICY: ("ポリシー", "運用方針"),
    LISTED_ON: ("公開日時", "開設日", "掲載日"),
}


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


_BY_KEY = {_key(c): c for c in COLUMNS} | {
    _key(alias): column for column, aliases in _ALIASES.items() for alias in aliases
}


def column_of(header: str) -> str | None:
    """The canonical column a header cell names, or None (a column the import does not read)."""
    return _BY_KEY.get(_key(header))


# Separators between several people in one cell (担当者): 、 ; ， , ・ / spaces, line breaks.
PEOPLE_SEPARATORS = "、;；,，・/／ \u3000\n\r\t"
# Between several IDs or URLs (以前のID): not "/" nor "," (both occur in URLs).
ID_SEPARATORS = "、;；，\u3000 \n\r\t"

# The template's example row (the demo municipality's people and departments).
EXAMPLE = {
    SERVICE: "Instagram",
    URL: "https://www.instagram.com/sample_city_example/",
    NAME: "サンプル市観光（例）",
    READING: "",
    DEPARTMENT: "411",
    PURPOSE: "四季の観光スポットと旬の食を写真で紹介します。",
    RESPONSIBLE: "head",
    MANAGER: "manager",
    OPERATORS: "operator",
    EMAIL: "kanko@city.example.lg.jp",
    BADGE: "未申請",
    PLATFORM_ID: "",
    FORMER: "",
    POLICY: "テンプレート",
    LISTED_ON: "2020-04-01",
}
