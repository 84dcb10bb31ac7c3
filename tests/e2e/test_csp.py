"""The pages work under their Content-Security-Policy in a real browser: Chromium reports no
violation (a refused script, style or image) on the citizens' pages, the staff pages, the
admin and Swagger UI (issue 8 §6)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = ["/", "/verify/?q=%40sample_bousai", "/report/", "/about/", "/impersonations/"]


def watch(page) -> list[str]:
    """Every CSP violation the browser reports on this page, as console text."""
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return problems


def visit(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.ok, f"{path}: HTTP {response.status}"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")


def test_public_pages_and_swagger_ui_raise_no_csp_violation(page):
    from playwright.sync_api import expect

    problems = watch(page)
    for path in PUBLIC:
        visit(page, path)
    visit(page, "/api/docs/")
    # Swagger UI drew the API from the schema (its start-up script ran).
    expect(page.locator(".swagger-ui .information-container")).to_contain_text("オープンデータAPI")
    expect(page.locator(".opblock").first).to_be_visible()
    assert problems == []


def test_staff_pages_raise_no_csp_violation(new_page):
    page = new_page()
    problems = watch(page)
    log_in(page, "operator")
    page.get_by_role("button", name="新しいアカウントを登録する").click()
    page.wait_for_load_state("networkidle")
    assert "/edit/" in page.url  # the registration form, with its formsets
    visit(page, "/staff/accounts/")
    assert problems == []


def test_the_admin_raises_no_csp_violation(new_page):
    page = new_page()
    problems = watch(page)
    log_in(page, "admin")
    visit(page, "/admin/")
    visit(page, "/admin/organization/user/")
    page.locator("#result_list tbody th a").first.click()  # a change form, with its widgets
    page.wait_for_load_state("networkidle")
    assert "/change/" in page.url
    assert problems == []
