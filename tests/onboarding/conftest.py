"""Rows and files for the import tests (issue 11 §1), on the demo municipality."""

from __future__ import annotations

from itertools import count

import pytest
from django.utils.html import strip_tags

from onboarding import columns as c
from onboarding import template_file

_numbers = count(1)


def good_row(**overrides: str) -> dict[str, str]:
    """A row that imports cleanly in the demo municipality (観光プロモーション課, code 411)."""
    n = next(_numbers)
    row = {
        c.SERVICE: "Instagram",
        c.URL: f"https://www.instagram.com/sample_city_import{n}/",
        c.NAME: f"サンプル市取り込み{n}",
        c.READING: "",
        c.DEPARTMENT: "411",
        c.PURPOSE: "観光の情報を写真で紹介します。",
        c.RESPONSIBLE: "head",
        c.MANAGER: "manager",
        c.OPERATORS: "operator",
        c.EMAIL: "kanko@city.example.lg.jp",
        c.BADGE: "未申請",
        c.PLATFORM_ID: "",
        c.FORMER: "",
        c.POLICY: "テンプレート",
        c.LISTED_ON: "",
    }
    row.update(overrides)
    return row


def csv_file(*rows: dict[str, str], encoding: str = "utf-8-sig") -> bytes:
    return template_file.csv_bytes(rows, encoding=encoding)


def xlsx_file(*rows: dict[str, str]) -> bytes:
    return template_file.xlsx(rows)


def text_of(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


@pytest.fixture
def import_as_pr(client, users):
    client.force_login(users["pr"])
    return client
