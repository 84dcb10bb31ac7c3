"""R18 in a real browser: a hijack is reported, the account is suspended from the dashboard,
citizens are warned on the list, the account page and the verifier, and the account is
resumed only through both approvals (issue 10, "Done means").

佐藤 (``operator``) runs the Instagram account 「サンプル市観光」 and reports the hijack; 高橋
(``head``, its 責任者) suspends it from the dashboard; the citizen checks; 佐藤 asks to resume;
高橋 and 田中 (``pr``) approve.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_journey import (
    approve_as_head_then_pr,
    dashboard_section,
    field,
    public_entry,
    section,
    title_heading,
    view_public_list,
)

NAME = "サンプル市観光"
ACCOUNT = f"{NAME}（Instagram）"
HANDLE_URL = "https://www.instagram.com/sample_city_kanko/"
WARNING = "このアカウントからの投稿やメッセージを信用せず、リンクを開かないでください。"


def button_for(action: str):
    """A button-like link 「<action>：<account>」 (the account part is for screen readers;
    Chromium puts a space before the visually hidden text)."""
    return re.compile(rf"^{re.escape(action)}\s*：{re.escape(ACCOUNT)}$")


def test_hijack_suspend_warn_and_resume(staff, page):
    citizen = page

    # 1. The operator reports the hijack from the dashboard.
    operator = staff("operator")
    panel = dashboard_section(operator, "インシデントと緊急停止")
    shot(operator, "incident-dashboard-operator")
    panel.get_by_role("link", name=button_for("乗っ取り・不正ログインを報告")).click()
    expect(title_heading(operator)).to_have_text("インシデントの記録")
    expect(field(operator, "種類").locator("option:checked")).to_have_text("乗っ取り・不正ログイン")
    field(operator, "起きたこと").fill(
        "身に覚えのない投稿と、市民へのDMで個人情報を求める送信がありました。"
    )
    field(operator, "行った対応").fill("パスワードの変更を試みましたが、ログインできません。")
    shot(operator, "incident-record-form")
    operator.get_by_role("button", name="記録して知らせる").click()
    expect(operator.get_by_role("alert").filter(has_text="インシデントを記録し")).to_be_visible()
    shot(operator, "incident-recorded")

    # 2. The 責任者 suspends it from the dashboard: one click to the prefilled form, one to
    #    suspend — well under a minute.
    head = staff("head")
    started = time.monotonic()
    panel = dashboard_section(head, "インシデントと緊急停止")
    expect(panel).to_contain_text("対応中のインシデント")
    shot(head, "incident-dashboard-head")
    panel.get_by_role("link", name=button_for("この件で緊急停止")).click()
    expect(title_heading(head)).to_have_text("緊急停止（一時停止）")
    expect(field(head, "公開するお知らせ")).to_have_value(re.compile(re.escape(WARNING)))
    shot(head, "incident-suspend-form")
    head.get_by_role("button", name="一時停止する").click()
    expect(head.get_by_role("alert").filter(has_text="一時停止しました")).to_be_visible()
    assert time.monotonic() - started < 60
    expect(title_heading(head)).to_contain_text("一時停止中")
    shot(head, "incident-suspended-account-page")

    # 3. Citizens are warned: the list, the account page, the verifier.
    view_public_list(citizen, "incident-public-list-suspended")
    entry = public_entry(citizen, NAME, "Instagram")
    expect(entry).to_contain_text("一時停止中")
    expect(entry).to_contain_text(WARNING)
    entry.get_by_role("link", name=NAME, exact=True).click()
    expect(citizen.get_by_role("status")).to_contain_text("一時停止しています")
    expect(citizen.get_by_role("status")).to_contain_text(WARNING)
    shot(citizen, "incident-public-account-suspended")
    citizen.goto("/verify/")
    citizen.get_by_role("textbox").first.fill(HANDLE_URL)
    citizen.get_by_role("button", name=re.compile("確かめる")).click()
    expect(citizen.get_by_role("heading", level=2).first).to_contain_text(
        "現在一時停止しています。投稿やメッセージを信用しないでください"
    )
    shot(citizen, "incident-verify-suspended")

    # 4. The operator asks to resume: a request through both steps.
    operator.goto("/staff/")
    suspended = dashboard_section(operator, "インシデントと緊急停止")
    expect(suspended).to_contain_text("一時停止中のアカウント")
    suspended.get_by_role("link", name=ACCOUNT, exact=True).click()
    operator.get_by_role("button", name="再開を申請する").click()
    expect(title_heading(operator)).to_contain_text("再開の申請")
    checks = section(operator, "再開の確認（R18）")
    field(checks, "再開する理由").fill("アカウントを取り戻し、不審な投稿を削除しました。")
    field(checks, "行った対処と再発防止策").fill(
        "パスワードを変更し、二段階認証を設定しました。ログインする端末を1台に限りました。"
    )
    for box in checks.get_by_role("checkbox").all():
        box.check()
    shot(operator, "incident-resumption-form")
    operator.get_by_role("button", name="提出する").click()
    expect(operator.get_by_role("alert").filter(has_text="申請を提出しました。")).to_be_visible()

    # Still suspended until both have approved.
    view_public_list(citizen, "incident-public-list-awaiting-resumption")
    expect(public_entry(citizen, NAME, "Instagram")).to_contain_text("一時停止中")

    approve_as_head_then_pr(staff, NAME, shots="incident-resumption")

    # 5. Listed again, without the warning.
    view_public_list(citizen, "incident-public-list-resumed")
    entry = public_entry(citizen, NAME, "Instagram")
    expect(entry).not_to_contain_text("一時停止中")
    citizen.goto("/verify/")
    citizen.get_by_role("textbox").first.fill(HANDLE_URL)
    citizen.get_by_role("button", name=re.compile("確かめる")).click()
    expect(citizen.get_by_role("heading", level=2).first).to_contain_text("公式アカウントです")
