"""The journeys people take through the registry, in a real browser.

Each test starts from the demo municipality (``seed_demo``): 佐藤 (``operator``, 観光プロモー
ション課) files, 高橋 (``head``, 経済観光局長) decides the first step, 田中 (``pr``, 広報課)
the second. Each person has their own browser context. Assertions are about what the person
sees on the page; screenshots of every staff page go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in, shot

NEW_NAME = "サンプル市観光イベント"
NEW_URL = "https://twitter.com/Kanko_Event?s=20"  # as copied from a browser: canonical @kanko_event
NEW_HANDLE = "@kanko_event"
OPERATING_HOURS = "原則として、毎日午前9時から午後8時までの間に投稿します。"


# --- Locators ------------------------------------------------------------------------------


def field(scope, label: str):
    """The form control labelled exactly ``label`` (a required field's label ends in "*")."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def section(page: Page, title: str):
    """A section of the request form (``<section aria-labelledby>``: a region)."""
    return page.get_by_role("region", name=title, exact=True)


def officer(page: Page, number: int):
    """The fieldset "担当職員 n" of the officers' section."""
    return page.get_by_role("group", name=f"担当職員 {number}", exact=True)


def dashboard_section(page: Page, title: str):
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(title)}"))


def title_heading(page: Page):
    return page.get_by_role("heading", level=1)


def public_entry(page: Page, name: str, service: str | None = None):
    """An account on the public list: the list item whose title link is ``name``."""
    entries = page.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=name, exact=True)
    )
    return entries.filter(has_text=service) if service else entries


# --- Steps a person takes ------------------------------------------------------------------


def go_to_dashboard(page: Page) -> None:
    page.get_by_role("link", name="ダッシュボード", exact=True).first.click()
    expect(page.get_by_role("heading", name="ダッシュボード")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("heading", name="職員ログイン")).to_be_visible()


def open_awaiting(page: Page, name: str) -> None:
    """From the dashboard, open the request waiting for this person's decision."""
    go_to_dashboard(page)
    dashboard_section(page, "あなたの承認待ち").get_by_role("link", name=name).click()
    expect(title_heading(page)).to_contain_text(name)


def decide(page: Page, button: str, comment: str = "") -> None:
    if comment:
        page.get_by_label(re.compile("^コメント")).fill(comment)
    page.get_by_role("button", name=button, exact=True).click()


def decision_card(page: Page, heading: str):
    """The approver's box with 承認する / 差し戻す / 却下する."""
    return page.get_by_role("region", name=heading)


def approve_as_head_then_pr(staff, name: str, *, shots: str) -> None:
    head = staff("head")
    open_awaiting(head, name)
    expect(decision_card(head, "所属長として判断してください")).to_be_visible()
    decide(head, "承認する")
    expect(head.get_by_role("alert").filter(has_text="承認しました。")).to_be_visible()
    expect(dashboard_section(head, "あなたの承認待ち")).not_to_contain_text(name)

    pr = staff("pr")
    open_awaiting(pr, name)
    expect(title_heading(pr)).to_contain_text("広報課の承認待ち")
    expect(decision_card(pr, "広報課として判断してください")).to_be_visible()
    shot(pr, f"{shots}-awaiting-pr")
    decide(pr, "承認する")
    expect(pr.get_by_role("alert").filter(has_text="承認しました。")).to_be_visible()
    shot(pr, f"{shots}-dashboard-pr")


def view_public_list(page: Page, screenshot: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("サンプル市の公式SNSアカウント一覧")
    shot(page, screenshot)


# --- Journeys ------------------------------------------------------------------------------


def test_registration_from_draft_to_public_list(staff, page):
    """a–f: draft, save, come back, fix errors, submit, be returned, resubmit, get listed."""
    citizen = page
    view_public_list(citizen, "public-list-before-registration")
    expect(public_entry(citizen, NEW_NAME)).to_have_count(0)

    # a. The operator starts a registration; the form comes pre-filled.
    operator = staff("operator", screenshot="login")
    shot(operator, "dashboard-operator")
    operator.get_by_role("button", name="新しいアカウントを登録する").click()
    expect(title_heading(operator)).to_contain_text("新規登録の申請")
    expect(
        operator.get_by_role("alert").filter(has_text="下書きとして作成しました")
    ).to_be_visible()
    policy = section(operator, "運用ポリシー（公開）")
    expect(field(policy, "運用時間")).to_have_value(re.compile("午前8時30分"))
    expect(field(policy, "コメント等の削除")).to_have_value(re.compile("観光プロモーション課"))
    expect(field(policy, "発信の目的")).to_have_value("")
    third = officer(operator, 3)
    expect(field(third, "役割")).to_have_value("operator")
    expect(field(third, "職員").locator("option:checked")).to_have_text("佐藤 花子")
    expect(field(third, "職名")).to_have_value("主事")
    expect(
        field(section(operator, "アカウント"), "運用部署").locator("option:checked")
    ).to_have_text("経済観光局 観光部 観光プロモーション課")
    shot(operator, "form-blank")

    account = section(operator, "アカウント")
    field(account, "アカウント名").fill(NEW_NAME)
    operator.get_by_role("button", name="下書きを保存").click()
    expect(operator.get_by_role("alert").filter(has_text="下書きを保存しました。")).to_be_visible()
    expect(title_heading(operator)).to_contain_text(NEW_NAME)

    # Log out, log in again: the draft is on the dashboard with nothing lost.
    log_out(operator)
    log_in(operator, "operator")
    mine = dashboard_section(operator, "あなたの申請")
    expect(mine.get_by_role("row").filter(has_text=NEW_NAME)).to_contain_text("下書き")
    mine.get_by_role("link", name=NEW_NAME).click()
    operator.get_by_role("link", name="編集する").click()
    account = section(operator, "アカウント")
    expect(field(account, "アカウント名")).to_have_value(NEW_NAME)
    expect(field(section(operator, "運用ポリシー（公開）"), "運用時間")).to_have_value(
        re.compile("午前8時30分")
    )

    # b. Submitting with required fields missing keeps everything typed.
    field(account, "サービス").select_option(label="X（旧Twitter）")
    field(account, "アカウントのURLまたは@ID").fill(NEW_URL)
    field(account, "発信の目的（概要）").fill("観光イベントの最新情報をお知らせします。")
    operator.get_by_role("button", name="提出する").click()
    summary = operator.get_by_role("alert").filter(
        has_text=re.compile(r"入力内容に誤りが\d+件あります")
    )
    expect(summary).to_be_visible()
    expect(title_heading(operator)).to_contain_text("下書き")
    account = section(operator, "アカウント")
    expect(field(account, "アカウント名")).to_have_value(NEW_NAME)
    expect(field(account, "サービス").locator("option:checked")).to_have_text("X（旧Twitter）")
    expect(field(account, "アカウントのURLまたは@ID")).to_have_value(NEW_URL)
    expect(field(account, "発信の目的（概要）")).to_have_value(
        "観光イベントの最新情報をお知らせします。"
    )
    policy = section(operator, "運用ポリシー（公開）")
    expect(policy.get_by_text(re.compile("必須です"))).to_have_count(2)  # 発信の目的, 掲載内容
    expect(field(policy, "運用時間")).to_have_value(re.compile("午前8時30分"))
    expect(field(officer(operator, 3), "職員").locator("option:checked")).to_have_text("佐藤 花子")
    shot(operator, "form-errors")

    # c. Fill in the rest and submit.
    field(account, "登録メールアドレス").fill("kanko@city.example.lg.jp")
    field(account, "認証バッジ").select_option(label="申請中")
    field(officer(operator, 1), "職員").select_option(label="高橋 健")
    field(officer(operator, 2), "職員").select_option(label="鈴木 一郎")
    field(policy, "発信の目的").fill("観光イベントの情報発信")
    field(policy, "掲載内容").fill("イベント情報、観光スポットの紹介")
    checklist = section(operator, "ガイドラインのチェック項目")
    for box in checklist.get_by_role("checkbox").all():
        box.check()
    operator.get_by_role("button", name="提出する").click()
    expect(operator.get_by_role("alert").filter(has_text="申請を提出しました。")).to_be_visible()
    expect(title_heading(operator)).to_contain_text("所属長の承認待ち")
    expect(
        operator.get_by_role("row", name=re.compile("^アカウントのURLまたは@ID"))
    ).to_contain_text("https://x.com/kanko_event")
    shot(operator, "request-awaiting-head")

    # d. The head returns it: first without a comment (refused), then with one.
    head = staff("head")
    shot(head, "dashboard-head")
    open_awaiting(head, NEW_NAME)
    expect(title_heading(head)).to_contain_text("所属長の承認待ち")
    decide(head, "差し戻す")
    expect(
        head.get_by_role("alert").filter(
            has_text="差し戻し・却下の場合は、理由をコメントに記入してください。"
        )
    ).to_be_visible()
    expect(title_heading(head)).to_contain_text("所属長の承認待ち")
    expect(decision_card(head, "所属長として判断してください")).to_be_visible()
    expect(head.get_by_role("listitem").filter(has_text="が差し戻し")).to_have_count(0)
    comment = "発信の目的をもっと具体的に書いてください。"
    decide(head, "差し戻す", comment)
    expect(head.get_by_role("alert").filter(has_text=re.compile("差し戻し+ました"))).to_be_visible()
    expect(dashboard_section(head, "あなたの承認待ち")).not_to_contain_text(NEW_NAME)

    # e. The operator reads the comment on the edit page, revises and resubmits.
    go_to_dashboard(operator)
    mine = dashboard_section(operator, "あなたの申請")
    expect(mine.get_by_role("row").filter(has_text=NEW_NAME)).to_contain_text("差し戻し")
    mine.get_by_role("link", name=NEW_NAME).click()
    # Issue 11 §6: the reason is at the top of the page (and in the decisions below).
    expect(operator.locator("#return-reason")).to_contain_text(comment)
    operator.get_by_role("link", name="編集する").click()
    expect(
        operator.get_by_role("alert").filter(has_text="所属長から差し戻されました")
    ).to_contain_text(comment)
    shot(operator, "form-returned")
    account = section(operator, "アカウント")
    expect(field(account, "アカウント名")).to_have_value(NEW_NAME)
    revised = "市内の観光イベントの日程・会場・混雑状況をお知らせします。"
    field(account, "発信の目的（概要）").fill(revised)
    operator.get_by_role("button", name="提出する").click()
    expect(title_heading(operator)).to_contain_text("所属長の承認待ち")
    # Issue 11 §7: the decider sees what changed since the returned round, old beside new.
    since = operator.locator("#since-last")
    expect(since.get_by_role("row", name=re.compile(r"^発信の目的（概要）"))).to_contain_text(
        revised
    )

    # f. Head, then PR, approve; only then does the public list show it.
    open_awaiting(head, NEW_NAME)
    decide(head, "承認する")
    expect(head.get_by_role("alert").filter(has_text="承認しました。")).to_be_visible()
    citizen.reload()
    expect(public_entry(citizen, NEW_NAME)).to_have_count(0)  # not before the PR division (R2)

    pr = staff("pr")
    shot(pr, "dashboard-pr")
    open_awaiting(pr, NEW_NAME)
    expect(title_heading(pr)).to_contain_text("広報課の承認待ち")
    decide(pr, "承認する")
    expect(pr.get_by_role("alert").filter(has_text="承認しました。")).to_be_visible()

    view_public_list(citizen, "public-list-after-registration")
    entry = public_entry(citizen, NEW_NAME)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("X（旧Twitter）")
    expect(entry).to_contain_text(NEW_HANDLE)
    expect(entry).to_contain_text("経済観光局 観光部 観光プロモーション課")
    expect(entry.get_by_role("link", name=re.compile("で開く"))).to_have_attribute(
        "href", "https://x.com/kanko_event"
    )


def test_change_request_shows_a_diff_and_publishes_a_new_policy_version(staff, page):
    """g: a change to the policy's operating hours, compared side by side, then published."""
    name, service = "サンプル市観光", "Instagram"
    operator = staff("operator")
    mine = dashboard_section(operator, "担当のアカウント")
    mine.get_by_role("row").filter(has_text=service).get_by_role("link", name=name).click()
    expect(title_heading(operator)).to_contain_text(name)
    expect(operator.get_by_text("現在の版：第1版")).to_be_visible()
    account_page = operator.url
    shot(operator, "account-before-change")

    operator.get_by_role("button", name="変更を申請する").click()
    expect(title_heading(operator)).to_contain_text("変更の申請")
    policy = section(operator, "運用ポリシー（公開）")
    hours = field(policy, "運用時間")
    old_hours = hours.input_value()
    assert old_hours, "the change form starts from the published policy"
    hours.fill(OPERATING_HOURS)
    for box in section(operator, "ガイドラインのチェック項目").get_by_role("checkbox").all():
        box.check()
    operator.get_by_role("button", name="提出する").click()
    expect(operator.get_by_role("alert").filter(has_text="申請を提出しました。")).to_be_visible()
    expect(title_heading(operator)).to_contain_text("所属長の承認待ち")

    head = staff("head")
    open_awaiting(head, name)
    decide(head, "承認する")
    expect(head.get_by_role("alert").filter(has_text="承認しました。")).to_be_visible()

    # Before the PR division decides: nothing has changed for citizens or on the record.
    view_public_list(page, "public-list-during-change")
    expect(public_entry(page, name, service)).to_have_count(1)
    public_entry(page, name, service).get_by_role("link", name=name, exact=True).click()
    public_account_page = page.url
    expect(page.get_by_text("第1版（")).to_be_visible()
    expect(page.get_by_text(old_hours.splitlines()[0])).to_be_visible()
    expect(page.get_by_text(OPERATING_HOURS)).to_have_count(0)
    shot(page, "public-account-during-change")
    operator.goto(account_page)
    expect(operator.get_by_text("現在の版：第1版")).to_be_visible()
    expect(operator.get_by_role("status")).to_contain_text("変更（広報課の承認待ち）")

    pr = staff("pr")
    open_awaiting(pr, name)
    expect(pr.get_by_role("heading", name="変更内容（現在 → 変更後）")).to_be_visible()
    changed = pr.get_by_role("row").filter(
        has=pr.get_by_role("rowheader", name=re.compile("^運用時間"))
    )
    expect(changed.get_by_text("変更", exact=True)).to_be_visible()
    expect(changed.get_by_role("cell").nth(0)).to_have_text(old_hours)
    expect(changed.get_by_role("cell").nth(1)).to_have_text(OPERATING_HOURS)
    marked = [
        header.split()[0]
        for header in pr.get_by_role("rowheader")
        .filter(has=pr.get_by_text("変更", exact=True))
        .all_inner_texts()
    ]
    shot(pr, "request-diff")
    decide(pr, "承認する")
    expect(pr.get_by_role("alert").filter(has_text="承認しました。")).to_be_visible()

    operator.goto(account_page)
    expect(operator.get_by_text("現在の版：第2版")).to_be_visible()
    versions = operator.get_by_role("listitem").filter(has_text=re.compile(r"^第\d+版"))
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("第2版")
    shot(operator, "account-after-change")
    page.goto(public_account_page)
    expect(page.get_by_text("第2版（")).to_be_visible()
    expect(page.get_by_text(OPERATING_HOURS)).to_be_visible()
    shot(page, "public-account-after-change")

    # Checked last so that the journey above runs in full either way: the diff marks only
    # what was edited (an untouched multi-line text must not show 「変更」).
    assert marked == ["運用時間"], f"rows marked 変更 on the diff page: {marked}"


def test_closure_request_removes_the_account_from_the_public_list(staff, page):
    """h: closing an account, with the three confirmations of 002 §3(8)."""
    name, service = "サンプル市観光", "TikTok"
    view_public_list(page, "public-list-before-closure")
    expect(public_entry(page, name, service)).to_have_count(1)

    operator = staff("operator")
    dashboard_section(operator, "担当のアカウント").get_by_role("row").filter(
        has_text=service
    ).get_by_role("link", name=name).click()
    account_page = operator.url
    operator.get_by_role("button", name="廃止を申請する").click()
    expect(title_heading(operator)).to_contain_text("廃止の申請")
    closure = section(operator, "廃止の確認")
    field(closure, "廃止の理由（区分）").select_option(label="他のアカウントへの統合・移行")
    field(closure, "廃止の理由").fill("短い動画での発信はInstagramに集約するため。")
    # Today: the closure takes effect at the final approval (a later day would schedule it).
    field(closure, "廃止する日").fill(timezone.localdate().isoformat())
    boxes = closure.get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    for box in boxes.all():
        box.check()
    shot(operator, "form-closure")
    operator.get_by_role("button", name="提出する").click()
    expect(title_heading(operator)).to_contain_text("所属長の承認待ち")
    expect(operator.get_by_text("短い動画での発信はInstagramに集約するため。")).to_be_visible()

    approve_as_head_then_pr(staff, name, shots="closure")

    view_public_list(page, "public-list-after-closure")
    expect(public_entry(page, name, service)).to_have_count(0)
    expect(public_entry(page, name, "Instagram")).to_have_count(1)  # its sibling stays listed
    operator.goto(account_page)
    expect(title_heading(operator)).to_contain_text("廃止")
    expect(operator.get_by_role("button", name="変更を申請する")).to_have_count(0)
    shot(operator, "account-closed")
