"""Staff and public pages on a phone (issue 11 §6): 390px wide, as an iPhone 14 shows them.

- No page is wider than the screen (no sideways scrolling of the whole page).
- The menu folds behind one 「メニュー」 button, which opens and closes it.
- The public list shows its accounts near the top (the filters fold behind a button).
- The staff dashboard's tables become one card per row instead of columns one letter wide.

Screenshots: ``test-artifacts/screenshots/phone-<page>.png``.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

PUBLIC_PAGES = {
    "list": "/",
    "list-search": "/?q=観光",
    "closed": "/closed/",
    "account": "/accounts/{account}/",
    "verify": "/verify/?q=@sample_bousai",
    "impersonations": "/impersonations/",
    "report": "/report/",
    "about": "/about/",
    "login": "/staff/login/",
}
STAFF_PAGES = {
    "dashboard": "/staff/",
    "accounts": "/staff/accounts/",
    "account": "/staff/accounts/{account}/",
    "incidents": "/staff/incidents/",
}


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: nothing to scroll sideways)."""
    return page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


def _tourism_account() -> int:
    from accounts.models import OfficialAccount

    return OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko").pk


def _check_pages(page: Page, pages: dict[str, str], prefix: str) -> dict[str, int]:
    account = _tourism_account()
    wide = {}
    for name, path in pages.items():
        response = page.goto(path.format(account=account))
        assert response is not None, path
        assert response.ok, f"{path}: HTTP {response.status}"
        shot(page, f"phone-{prefix}-{name}")
        if (extra := overflow(page)) > 0:
            wide[path] = extra
    return wide


def test_public_pages_fit_a_phone(page):
    page.set_viewport_size(PHONE)
    assert _check_pages(page, PUBLIC_PAGES, "public") == {}


def test_staff_pages_fit_a_phone(staff):
    for username in ("pr", "operator", "head"):
        page = staff(username)
        page.set_viewport_size(PHONE)
        assert _check_pages(page, STAFF_PAGES, username) == {}, username


def test_menu_folds_behind_one_button_on_a_phone(page):
    page.set_viewport_size(PHONE)
    page.goto("/")
    menu = page.get_by_role("navigation", name="メインメニュー")
    toggler = menu.get_by_role("button", name="メニュー")
    about = menu.get_by_role("link", name="このページについて")
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(toggler).to_have_attribute("aria-controls", "main-menu")
    expect(about).to_be_hidden()

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(about).to_be_visible()
    shot(page, "phone-public-menu-open")
    about.click()
    expect(page).to_have_url(re.compile(r"/about/$"))

    # Desktop: no button, the menu is always there.
    page.set_viewport_size(DESKTOP)
    expect(menu.get_by_role("button", name="メニュー")).to_be_hidden()
    expect(menu.get_by_role("link", name="公式アカウント一覧")).to_be_visible()


def test_staff_menu_opens_on_a_phone(staff):
    page = staff("pr")
    page.set_viewport_size(PHONE)
    menu = page.get_by_role("navigation", name="メインメニュー")
    logout = menu.get_by_role("button", name="ログアウト")
    expect(logout).to_be_hidden()
    menu.get_by_role("button", name="メニュー").click()
    expect(logout).to_be_visible()
    menu.get_by_role("link", name="アカウント", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/accounts/$"))


def test_public_list_shows_accounts_first_on_a_phone(page):
    page.set_viewport_size(PHONE)
    page.goto("/")
    verify = page.get_by_role("region", name="本物か確かめる")
    first_account = page.get_by_role("link", name="サンプル市防災", exact=True)
    keyword = page.get_by_label("キーワード")
    # The verifier stays at the top, the filters are folded, the accounts follow on screen.
    expect(verify.get_by_role("button", name="確かめる")).to_be_in_viewport()
    expect(keyword).to_be_hidden()
    first = page.locator(".list-accounts .list-group-item").first
    expect(first).to_be_in_viewport()
    box = first.bounding_box()
    assert box is not None
    assert box["y"] < 700, box  # was ≈1 000px down before issue 11

    # The filters open on a tap and keep what was searched for.
    page.get_by_role("button", name="キーワード・サービス・部署で絞り込む").click()
    keyword.fill("防災")
    page.get_by_role("button", name="絞り込む", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?q=%E9%98%B2%E7%81%BD"))
    expect(page.get_by_label("キーワード")).to_have_value("防災")  # open: a filter is set
    expect(first_account).to_be_visible()


def test_dashboard_tables_become_cards_on_a_phone(staff):
    page = staff("pr")
    cell = page.get_by_role("region", name="すべてのアカウント").locator("td").first
    expect(cell).to_be_visible()
    assert cell.evaluate("td => getComputedStyle(td).display") == "table-cell"
    page.set_viewport_size(PHONE)
    assert cell.evaluate("td => getComputedStyle(td).display") == "block"
    # A card is the width of the screen (less the page margins), not a letter wide.
    box = cell.bounding_box()
    assert box is not None
    assert box["width"] > 300, box
    assert overflow(page) == 0
