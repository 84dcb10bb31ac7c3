"""The printable record of a request (issue 11 §5) and the return reason on a phone (§6), in
a real browser: axe-core (WCAG 2.1 A/AA, as tests/e2e/test_accessibility.py) at desktop and
phone widths, the print layout, and screenshots (test-artifacts/screenshots/record-*.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, shot
from tests.e2e.test_accessibility import AXE, VIEWPORTS, axe_violations, describe

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "運用時間の根拠（勤務時間との関係）を書いてください。"


def _returned_change(*, resubmit: bool):
    """A change of the tourism account, returned by the head (and submitted again)."""
    from accounts.models import OfficialAccount
    from approvals import services
    from approvals.models import Action, ApprovalRequest, RequestKind
    from organization.models import User
    from tests.workflow import CHECKLIST_ON

    users = {u.username: u for u in User.objects.all()}
    account = OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")
    req = services.request_create(kind=RequestKind.CHANGE, actor=users["operator"], account=account)
    services.request_submit(
        req=req,
        actor=users["operator"],
        data={**req.payload, **CHECKLIST_ON, "policy-operating_hours": "毎日9時から21時まで。"},
    )
    services.request_decide(req=req, actor=users["head"], action=Action.RETURN, comment=REASON)
    req.refresh_from_db()
    if resubmit:
        services.request_submit(
            req=req,
            actor=users["operator"],
            data={**req.payload, "policy-operating_hours": "平日9時から17時まで（祝日を除く）。"},
        )
        services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    return ApprovalRequest.objects.get(pk=req.pk)


def _check_axe(page, where: str) -> None:
    violations = axe_violations(page)
    if violations:
        pytest.fail(
            f"{len(violations)} WCAG 2.1 A/AA violation(s) on {where}:\n" + describe(violations),
            pytrace=False,
        )


def test_the_record_page_is_accessible_and_prints_without_the_toolbar(browser, demo_site):
    assert AXE.exists(), "run `npm ci` (axe-core is a devDependency)"
    from tests.e2e.conftest import log_in

    req = _returned_change(resubmit=True)
    path = f"/staff/requests/{req.pk}/print/"
    for name, viewport in VIEWPORTS.items():
        context = browser.new_context(
            base_url=demo_site,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            viewport=viewport,
            bypass_csp=True,  # the injected axe script
        )
        try:
            page = context.new_page()
            log_in(page, "pr")
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_contain_text("申請の記録（決裁用）")
            # The button is shown by static/js/print.js (no inline script: CSP).
            expect(page.get_by_role("button", name="印刷する")).to_be_visible()
            expect(page.get_by_role("link", name="PDFをダウンロード")).to_be_visible()
            expect(page.get_by_text(REASON)).to_be_visible()
            shot(page, f"record-print-{name}")
            _check_axe(page, f"the record ({name})")
            if name == "phone":
                # Nothing wider than the screen: the decisions stack instead of squeezing.
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"], width
            # On paper: no toolbar, the sheet alone.
            page.emulate_media(media="print")
            expect(page.get_by_role("button", name="印刷する")).to_be_hidden()
            expect(page.get_by_role("link", name="PDFをダウンロード")).to_be_hidden()
            if name == "desktop":
                shot(page, "record-print-media-print")
                pdf = page.pdf(format="A4", prefer_css_page_size=True)
                assert pdf.startswith(b"%PDF")
        finally:
            context.close()


def test_the_return_reason_is_in_the_first_screenful_on_a_phone(browser, demo_site):
    from tests.e2e.conftest import log_in

    req = _returned_change(resubmit=False)
    for who in ("operator", "head"):
        context = browser.new_context(
            base_url=demo_site,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            viewport=VIEWPORTS["phone"],
            bypass_csp=True,
        )
        try:
            page = context.new_page()
            log_in(page, who)
            page.goto(f"/staff/requests/{req.pk}/")
            reason = page.locator("#return-reason")
            expect(reason).to_contain_text(REASON)
            box = reason.bounding_box()
            assert box is not None
            # Wholly within the first screen (844 px high), before any scrolling.
            assert box["y"] + box["height"] <= VIEWPORTS["phone"]["height"], box
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"record-return-reason-phone-{who}.png"))
            _check_axe(page, f"the returned request ({who}, phone)")
        finally:
            context.close()


def test_the_decider_sees_what_changed_since_the_return(browser, demo_site):
    from tests.e2e.conftest import log_in

    req = _returned_change(resubmit=False)
    from approvals import services
    from organization.models import User

    operator = User.objects.get(username="operator")
    services.request_submit(
        req=req,
        actor=operator,
        data={**req.payload, "policy-operating_hours": "平日9時から17時まで（祝日を除く）。"},
    )
    context = browser.new_context(
        base_url=demo_site, locale="ja-JP", timezone_id="Asia/Tokyo", viewport=VIEWPORTS["desktop"]
    )
    try:
        page = context.new_page()
        log_in(page, "head")
        page.goto(f"/staff/requests/{req.pk}/")
        since = page.locator("#since-last")
        expect(since).to_contain_text("前回の提出からの変更（第1回 → 第2回）")
        expect(since).to_contain_text("毎日9時から21時まで。")
        expect(since).to_contain_text("平日9時から17時まで（祝日を除く）。")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        since.screenshot(path=str(SCREENSHOTS / "record-since-last-desktop.png"))
    finally:
        context.close()
