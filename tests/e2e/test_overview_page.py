"""「台帳の概要」 in a real browser (issue 11 §3): the charts are drawn (Chart.js from npm, under
the page's Content-Security-Policy), the page passes axe-core (WCAG 2.1 A/AA) at a desktop
and a phone width, nothing is wider than a phone, and screenshots are saved for a person to
look at (/tmp/shots/overview/ and test-artifacts/screenshots/).

axe is run as in tests/e2e/test_accessibility.py (its helpers), in a context that bypasses the
CSP only so that the injected axe script may run; the CSP itself is checked in a normal one.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS, log_in, shot
from tests.e2e.test_accessibility import AXE, VIEWPORTS, axe_violations, describe

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots/overview")  # noqa: S108 — where the brief asks for them
URL = "/staff/overview/"
CHARTS = ["service", "department", "status", "requests", "overdue", "watch", "monthly"]


def _history() -> None:
    """Something to draw: the demo's accounts listed over the last 20 months, one closed,
    one suspended, requests waiting at both steps, a fake and an open incident."""
    from accounts.models import OfficialAccount
    from approvals.models import ApprovalRequest, RequestKind, RequestState
    from impersonation.models import KnownImpersonation
    from incidents.models import Incident, IncidentKind
    from organization.models import User

    now = timezone.now()
    accounts = list(OfficialAccount.objects.order_by("pk"))
    for n, account in enumerate(accounts):
        OfficialAccount.objects.filter(pk=account.pk).update(
            listed_at=now - timedelta(days=600 - n * 45)
        )
    closed = accounts[1]
    OfficialAccount.objects.filter(pk=closed.pk).update(
        status="closed", closed_at=now - timedelta(days=120)
    )
    suspended = accounts[2]
    OfficialAccount.objects.filter(pk=suspended.pk).update(
        status="suspended", suspended_at=now, suspension_notice="調査中です。"
    )
    operator, pr = User.objects.get(username="operator"), User.objects.get(username="pr")
    for days, state in [(0, "h"), (4, "h"), (9, "p"), (12, "h"), (25, "p"), (1, "p")]:
        ApprovalRequest.objects.create(
            kind=RequestKind.OFFICERS,
            state=RequestState.AWAITING_HEAD if state == "h" else RequestState.AWAITING_PR,
            department=operator.department,
            requester=operator,
            round=1,
            submitted_at=now - timedelta(days=days),
        )
    tourism = OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")
    KnownImpersonation.objects.create(
        service=tourism.service,
        identifier="sample_kanko_fake",
        url="https://www.instagram.com/sample_kanko_fake/",
        warning="公式ではありません。",
        imitates=tourism,
        created_by=pr,
    )
    Incident.objects.create(
        account=tourism,
        kind=IncidentKind.FLAMING,
        occurred_at=now,
        description="批判的な返信が続いています。",
        recorded_by=pr,
    )


def _context(browser, base_url: str, viewport: str, **options):
    context = browser.new_context(
        base_url=base_url,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport=VIEWPORTS[viewport],
        **options,
    )
    # The first page of a fresh live server compiles templates and imports the URLconf:
    # on a loaded machine that alone has taken longer than the suite's 10 s.
    context.set_default_timeout(3 * TIMEOUT_MS)
    return context


def _drawn_pixels(page, slug: str) -> int:
    """How many pixels of the chart's canvas are painted (0: a blank canvas)."""
    return page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const ctx = canvas.getContext("2d");
            const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted++; }
            return painted;
        }""",
        f"fig-{slug}",
    )


def _open(page, username: str, *, from_menu: bool = False) -> None:
    log_in(page, username)
    if from_menu:
        page.get_by_role("link", name="台帳の概要").click()
    else:
        page.goto(URL)
    expect(page.get_by_role("heading", name="台帳の概要", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")


def _check_drawn(page, charts: list[str]) -> None:
    for slug in charts:
        canvas = page.locator(f"#fig-{slug}")
        expect(canvas).to_be_visible()  # unhidden by the script once drawn
        assert page.evaluate("(id) => !!Chart.getChart(id)", f"fig-{slug}"), slug
        assert _drawn_pixels(page, slug) > 500, f"{slug}: the canvas is blank"
        box = canvas.bounding_box()
        assert box is not None, slug
        assert box["height"] >= 150, slug


def _save(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    shot(page, f"staff-overview-{name}")


def test_the_charts_are_drawn_under_the_csp(browser, demo_site):
    _history()
    context = _context(browser, demo_site, "desktop")
    try:
        page = context.new_page()
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
        # Every script and style sheet loads (the browser's own /favicon.ico aside).
        page.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        _open(page, "pr", from_menu=True)
        response = page.reload()
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        _check_drawn(page, CHARTS)
        assert problems == [], problems
        # The table beside the chart is the same count the chart draws.
        table = page.get_by_role("table", name="公式アカウント（局別）")
        expect(table.get_by_role("row", name=re.compile("^経済観光局"))).to_contain_text("3")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("username", ["pr", "head"])
def test_the_overview_has_no_wcag21_aa_violations(browser, demo_site, username, viewport):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (axe-core is a devDependency)")
    _history()
    # bypass_csp only so that the injected axe script runs (test above: the CSP holds).
    context = _context(browser, demo_site, viewport, bypass_csp=True)
    try:
        page = context.new_page()
        _open(page, username)
        _check_drawn(page, CHARTS)
        width = VIEWPORTS[viewport]["width"]
        _save(page, f"{username}-{width}")
        # Nothing pushes the page wider than the screen (tables wrap, charts shrink).
        wide = page.evaluate(
            """(width) => [...document.querySelectorAll("body *")]
                .filter((e) => e.getBoundingClientRect().right > width)
                .map((e) => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`)""",
            width,
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
        for slug in CHARTS:
            box = page.locator(f"#fig-{slug}").bounding_box()
            assert box is not None, slug
            assert box["x"] + box["width"] <= width, slug
        violations = axe_violations(page)
        if violations:
            pytest.fail(
                f"{len(violations)} WCAG 2.1 A/AA violation(s) on the overview "
                f"({username}, {viewport}):\n" + describe(violations),
                pytrace=False,
            )
    finally:
        context.close()
