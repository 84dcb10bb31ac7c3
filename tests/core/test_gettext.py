"""Every string a person reads goes through gettext (issue 9 §6), so that ``ja`` stays the one
language a page, a form error or a flash message is in, whatever the browser asks for.

The check reads the source (AST) of every application module — not tests, migrations or
bench/ — and fails for a string constant with Japanese in it that is neither a docstring, nor
inside a call to a gettext function, nor data listed in ``ALLOWED`` with the reason it is data
and not a message.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "core",
    "organization",
    "accounts",
    "policies",
    "impersonation",
    "incidents",
    "approvals",
    "reviews",
    "onboarding",
    "personnel",
    "jobs",
    "api",
    "public",
    "staff",
    "demo",
    "config",
)
# Hiragana, katakana, CJK ideographs (and extension A), half-width katakana.
JAPANESE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
GETTEXT = frozenset(
    {
        "_",
        "gettext",
        "gettext_lazy",
        "gettext_noop",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
        "format_lazy",
    }
)

# Japanese that is data, not a message. "path" allows the whole module, "path::Name" the
# module-level constant, function or class of that name (and everything inside it).
ALLOWED: dict[str, str] = {
    "demo/data.py": "demo data: departments, people and accounts of a made-up municipality",
    "policies/template_defaults.py": (
        "the policy template's default text: copied into the database, edited by the PR "
        "division, published as the municipality's own words (R3)"
    ),
    "config/settings/base.py::MUNICIPALITY": (
        "defaults of per-deployment names (自治体名, 広報担当課名): configuration, not text"
    ),
    "accounts/catalogue.py::SERVICES": (
        "the service names a data migration writes into the Service table, which a system "
        "administrator may rename: data"
    ),
    "accounts/reading.py::SERVICE_NAMES": "the words flyers use for each service: read, not shown",
    "accounts/reading.py::_WORDS": "a pattern of words people type around an ID: read, not shown",
    "accounts/reading.py::_PREFIX": "a pattern that reads a service named before an ID",
    "accounts/reading.py::_SUFFIX": "a pattern that reads a service named after an ID",
    "accounts/search.py::_IGNORED": "separators search folding drops (・･·‧): a folding table",
    "core/templatetags/ui.py::policy_text": "the bullet marks (・) policy text is parsed by",
    "core/templatetags/ui.py::division": (
        "the word in translated labels that is replaced by the configured PR division's name"
    ),
    "public/opendata.py::CSV_COLUMNS": (
        "the CSV's column names are the published open-data format that programs read: they "
        "do not change with the language"
    ),
    "onboarding/columns.py": (
        "the import file's column headers, the headers accepted for them and the template's "
        "example row: the spreadsheet format the PR division fills in, read and not shown as "
        "messages (issue 11 §1)"
    ),
    "personnel/columns.py": (
        "the staff CSV's column headers and the words accepted in its 役割 and 在職 cells: the "
        "personnel system's export format, read and not shown as messages (issue 10)"
    ),
    "onboarding/checks.py::BADGES": "the words accepted in the import's 認証バッジ cells: read",
    "onboarding/checks.py::TEMPLATE_WORDS": "the words in a policy cell that mean the template",
    "onboarding/template_file.py::xlsx": "the template workbook's sheet name: part of the file",
    "core/dates.py::_DATE": "the separators people type in a date (年月日): read, not shown",
    "public/opendata.py::EventKind": (
        "event words that are part of each Atom entry's id, which feed readers keep for good "
        "(the shown labels are translated)"
    ),
}


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _owner(statement: ast.stmt) -> str | None:
    """The module-level name a top-level statement defines."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return statement.name
    if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id
    return None


def untranslated(source: str) -> list[tuple[int, str | None, str]]:
    """(line, module-level owner, text) of each Japanese string outside gettext."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []

    def visit(node: ast.AST, owner: str | None) -> None:
        if isinstance(node, ast.Call) and _called_name(node) in GETTEXT:
            return
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and JAPANESE.search(node.value)
            and id(node) not in docstrings
        ):
            found.append((node.lineno, owner, node.value))
        for child in ast.iter_child_nodes(node):
            visit(child, owner)

    for statement in tree.body:
        visit(statement, _owner(statement))
    return found


def application_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def test_every_japanese_string_goes_through_gettext():
    problems = []
    for path in application_modules():
        name = path.relative_to(ROOT).as_posix()
        for line, owner, text in untranslated(path.read_text(encoding="utf-8")):
            if name in ALLOWED or f"{name}::{owner}" in ALLOWED:
                continue
            problems.append(f"{name}:{line} ({owner}): {text[:60]!r}")
    assert not problems, (
        "Japanese text outside gettext — wrap it in _() / gettext_lazy(), or, if it is data and "
        "not a message, add it to ALLOWED with the reason:\n" + "\n".join(problems)
    )


def test_the_allow_list_names_only_what_exists():
    """An entry left behind after its constant moved would allow whatever comes next."""
    owners = {}
    for path in application_modules():
        name = path.relative_to(ROOT).as_posix()
        owners[name] = {owner for _line, owner, _text in untranslated(path.read_text("utf-8"))}
    stale = [
        key
        for key in ALLOWED
        if (key.partition("::")[0] not in owners)
        or ("::" in key and key.partition("::")[2] not in owners[key.partition("::")[0]])
    ]
    assert not stale


SAMPLE = '''
"""モジュールの説明。"""
from django.utils.translation import gettext as _, gettext_lazy

TITLE = gettext_lazy("一覧")
LABELS = {"a": "未翻訳のラベル"}


def view(request, n):
    """関数の説明。"""
    messages.success(request, _("保存しました。"))
    messages.info(request, _("%(n)s 件あります。") % {"n": n})
    messages.error(request, "翻訳されていないメッセージ。")
    raise Http404(f"{n} 番は見つかりません。")
'''


def test_the_check_finds_unwrapped_text_and_only_that():
    found = [(line, owner, text) for line, owner, text in untranslated(SAMPLE)]
    assert found == [
        (6, "LABELS", "未翻訳のラベル"),
        (13, "view", "翻訳されていないメッセージ。"),
        (14, "view", " 番は見つかりません。"),
    ]
