"""Accessibility of the citizens' pages: axe-core (WCAG 2.1 A/AA) in a real browser, and no-JS use.

Every public page is loaded at a desktop and a phone width, checked with axe-core (from the
npm registry: ``node_modules/axe-core``, a dev dependency in ``package.json``) against the
WCAG 2.0/2.1 level A and AA rules, and screenshotted to
``test-artifacts/screenshots/public-<page>-<viewport>.png``. A violation fails the test with
what axe says: the rule, its impact, the elements (CSS selectors and HTML) and how to fix it.

Then, with JavaScript switched off, a citizen can still search the list, use the verifier and
send a report: every public feature is a plain HTML form.

Speed: one live server and one data set for the whole module (the demo municipality plus
120 bulk accounts, a second policy version, a closed, a suspended and an impersonated
account), instead of seeding the database again for each of the ~40 cases. The module puts
the database back as it found it when it ends.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Page, expect

from tests.e2e.conftest import TIMEOUT_MS, _delete_published_policies, shot
from tests.seeding import reset_sequences

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}
IMPERSONATOR = "sample_kanko_jp"  # a fake X account imitating the tourism Instagram

# The mark makes pytest-django create the test database (and wrap each test in a transaction
# that is rolled back); the module's data set itself is committed by the ``site`` fixture and
# removed when the module ends. With pytest-xdist the module runs whole on one worker
# (scripts/test.sh: --dist loadgroup), so the data set is made once and the server stops
# after the module's last test, as without workers.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("accessibility")]


# --- One data set and one live server for the module ---------------------------------------


@dataclass(frozen=True)
class Site:
    url: str
    account: int  # listed, with two policy versions and an impersonation warning
    closed: int  # closed through the approval workflow
    version: int  # the earlier policy version of ``account``


def _seed() -> dict:
    """The demo municipality, 120 more accounts (3 list pages) and one of each public state."""
    from accounts import identity
    from accounts.models import OfficialAccount, Service
    from impersonation.models import KnownImpersonation
    from organization.models import User
    from tests.workflow import change_account, close_account

    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", accounts=120, stdout=devnull)
    users = {u.username: u for u in User.objects.all()}

    def account(service: str, handle: str) -> OfficialAccount:
        key = identity.canonicalize(handle, service=service)
        return OfficialAccount.objects.get(service__slug=key.service, identifier=key.identifier)

    # A second policy version: the account page lists the earlier one.
    tourism = account("instagram", "@sample_city_kanko")
    change_account(
        tourism,
        users,
        **{"policy-operating_hours": "原則として、毎日午前9時から午後6時までの間に投稿します。"},
    )

    # A closed account (the closed list, its own page and the "closed" verdict).
    tiktok = close_account(account("tiktok", "@sample_city_kanko"), users)

    # A suspended account: its badge and notice on the list.
    kenko = account("x", "@sample_kenko")
    kenko.suspend(notice="不正アクセスの調査のため、一時的に投稿を停止しています。")
    kenko.save()

    # A known fake (the impersonation list, the warning on the real account, the verdict).
    KnownImpersonation.objects.create(
        service=Service.objects.get(slug="x"),
        identifier=IMPERSONATOR,
        url=f"https://x.com/{IMPERSONATOR}",
        display_name="サンプル市観光【公式】",
        warning="サンプル市の公式アカウントではありません。フォローや返信、リンクのクリックをしないでください。",
        imitates=tourism,
        created_by=users["pr"],
    )
    return {"account": tourism.pk, "closed": tiktok.pk, "version": 1}


def _refuse_unless_test_database() -> None:
    """This module seeds and then flushes the database: never the development one."""
    name = str(connection.settings_dict["NAME"])
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if not in_memory and not Path(name).name.startswith("test"):
        pytest.fail(f"refusing to seed and flush {name!r}: not a test database", pytrace=False)


def _restore(serialized: str) -> None:
    """Empty the tables and put back what was there before the module (as Django's
    ``TransactionTestCase`` does with ``serialized_rollback``)."""
    _delete_published_policies()  # SQLite: the trigger would stop the flush
    call_command(
        "flush",
        verbosity=0,
        interactive=False,
        database=connection.alias,
        inhibit_post_migrate=True,
    )
    connection.creation.deserialize_db_from_string(serialized)
    reset_sequences()  # flush restarted them; the rows put back keep their ids


@pytest.fixture(scope="module")
def site(browser, django_db_setup, django_db_blocker) -> Iterator[Site]:
    """The seeded public site on its own live server, kept for the whole module.

    pytest-django's ``live_server`` fixture would flush the database after every test; this
    module's tests only read (apart from the citizen reports the no-JS test sends), so they
    share one data set. The database stays unblocked while the module runs, for the server.
    """
    from pytest_django.live_server_helper import LiveServer

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (axe-core is a devDependency)")
    with django_db_blocker.unblock():
        _refuse_unless_test_database()
        before = connection.creation.serialize_db_to_string()
        cache.clear()
        server = None
        try:
            data = _seed()
            cache.clear()
            server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1"))
            yield Site(url=server.url, **data)
        finally:
            if server is not None:
                server.stop()
            cache.clear()
            _restore(before)


def _context(browser, site: Site, viewport: str, **options):
    context = browser.new_context(
        base_url=site.url,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport=VIEWPORTS[viewport],
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


# --- The pages ------------------------------------------------------------------------------


def _submit_empty_report(page: Page) -> None:
    page.get_by_role("button", name="送信する").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()


def _swagger_rendered(page: Page) -> None:
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()


# name -> (path, with {account}/{closed}/{version} from Site; what to do before checking)
PAGES = {
    "list": ("/", None),
    "list-search": ("/?q=観光&service=instagram", None),
    "list-page2": ("/?page=2", None),
    "closed": ("/closed/", None),
    "account": ("/accounts/{account}/", None),
    "account-closed": ("/accounts/{closed}/", None),
    "policy-version": ("/accounts/{account}/policy/{version}/", None),
    "verify": ("/verify/", None),
    "verify-official": ("/verify/?q=@sample_bousai", None),
    "verify-unknown": ("/verify/?q=@nobody_here", None),
    "verify-closed": ("/verify/?q=https://www.tiktok.com/@sample_city_kanko", None),
    "verify-impersonation": (f"/verify/?q=@{IMPERSONATOR}", None),
    "verify-post": ("/verify/?q=https://x.com/sample_bousai/status/1790000000000000000", None),
    "verify-renamed": ("/verify/?q=@sample_koho", None),  # issue 14: a handle used before
    "verify-unreadable": ("/verify/?q=https://youtu.be/dQw4w9WgXcQ", None),
    "verify-name": ("/verify/?q=サンプル市防災", None),
    "impersonations": ("/impersonations/", None),
    "report": ("/report/", None),
    "report-errors": ("/report/", _submit_empty_report),
    "report-thanks": ("/report/thanks/", None),
    "about": ("/about/", None),
    "api-docs": ("/api/docs/", _swagger_rendered),
}
# A heading each page must show (the verdict's, on the verifier), so that a blank or error
# page is never "accessible".
HEADINGS = {
    "list": "サンプル市の公式SNSアカウント一覧",
    "list-search": "サンプル市の公式SNSアカウント一覧",
    "list-page2": "サンプル市の公式SNSアカウント一覧",
    "closed": "廃止した公式アカウント",
    "account": "サンプル市観光",
    "account-closed": "サンプル市観光",
    "policy-version": "運用ポリシー 第1版",
    "verify": "公式アカウント？",
    "verify-official": "サンプル市の公式アカウントです",
    "verify-unknown": "登録されていません",
    "verify-closed": "以前の公式アカウントです",
    "verify-impersonation": "なりすましアカウントです",
    "verify-post": "投稿のリンクです。投稿者を確かめてください",
    "verify-renamed": "今この ID を使っているのはサンプル市ではありません",
    "verify-unreadable": "このURLからはアカウントを特定できません",
    "verify-name": "名前だけでは本物か確かめられません",
    "impersonations": "なりすましアカウントにご注意ください",
    "report": "不審なアカウントを見つけたら",
    "report-errors": "不審なアカウントを見つけたら",
    "report-thanks": "お知らせありがとうございました",
    "about": "公式アカウントの確かめ方",
    "api-docs": "オープンデータAPI",
}
# Violations that come from third-party code the project does not control: the case is an
# expected failure (strict: it fails once the third party is fixed, so the mark goes).
SWAGGER_UI = (
    "Swagger UI (drf-spectacular-sidecar) and drf-spectacular's swagger_ui.html: html-has-lang "
    "(<html> without lang), nested-interactive (the deep-link <a class=nostyle> inside each "
    "<button class=opblock-summary-control>), color-contrast (white GET badges on #61affe "
    "2.31:1, version/OAS stamps on #89bf04 2.2:1, schema URL #4990e2 on #fafafa 3.15:1)"
)
THIRD_PARTY = {("api-docs", viewport): SWAGGER_UI for viewport in VIEWPORTS}


def _cases() -> list:
    cases = []
    for name in PAGES:
        for viewport in VIEWPORTS:
            reason = THIRD_PARTY.get((name, viewport))
            # Only the axe failure is expected: a page that does not load still fails.
            marks = (
                [pytest.mark.xfail(strict=True, reason=reason, raises=pytest.fail.Exception)]
                if reason
                else []
            )
            cases.append(pytest.param(name, viewport, id=f"{name}-{viewport}", marks=marks))
    return cases


# --- axe-core -------------------------------------------------------------------------------


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core on the page as it is now: WCAG 2.0/2.1 A and AA rules only."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        WCAG_TAGS,
    )
    return results["violations"]


def describe(violations: list[dict]) -> str:
    """A readable list: rule, impact, help (and its URL), then each element and what is wrong."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            target = " > ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node['html'][:300]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary[:400]}")
    return "\n".join(lines)


@pytest.mark.parametrize(("name", "viewport"), _cases())
def test_public_page_has_no_wcag21_aa_violations(browser, site, name, viewport):
    path, prepare = PAGES[name]
    # The pages' Content-Security-Policy would refuse the injected axe script (test_csp.py
    # checks the pages under the policy).
    context = _context(browser, site, viewport, bypass_csp=True)
    try:
        page = context.new_page()
        response = page.goto(path.format(**vars(site)))
        assert response is not None
        assert response.ok, f"{page.url}: HTTP {response.status}"
        if prepare:
            prepare(page)
        heading = page.get_by_role("heading", name=re.compile(re.escape(HEADINGS[name])))
        expect(heading.first).to_be_visible()
        shot(page, f"public-{name}-{viewport}")
        violations = axe_violations(page)
        if violations:
            where = f"{name} ({viewport}, {page.url})"
            pytest.fail(
                f"{len(violations)} WCAG 2.1 A/AA violation(s) on {where}:\n"
                + describe(violations),
                pytrace=False,
            )
    finally:
        context.close()


# --- Without JavaScript --------------------------------------------------------------------


def test_public_pages_work_without_javascript(browser, site):
    """Search the list, verify an account and send a report with JavaScript switched off."""
    context = _context(browser, site, "desktop", java_script_enabled=False)
    try:
        page = context.new_page()

        # Search: the filter form is a plain GET form.
        page.goto("/")
        filters = page.get_by_role("region", name="絞り込み")
        filters.get_by_label("キーワード").fill("防災")
        filters.get_by_label("サービス").select_option("x")  # X（旧Twitter）
        filters.get_by_role("button", name="絞り込む").click()
        expect(page).to_have_url(re.compile(r"/\?q=%E9%98%B2%E7%81%BD&service=x"))
        expect(page.get_by_text("1件", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name="サンプル市防災", exact=True)).to_be_visible()
        shot(page, "public-nojs-list-search")

        # Verify: type an @ID and press the button; the verdict is in the page itself.
        page.get_by_role("navigation", name="メインメニュー").get_by_role(
            "link", name="本物か確かめる"
        ).click()
        page.get_by_label("アカウントのURLまたは@ID").fill("@sample_bousai")
        page.get_by_role("button", name="確かめる").click()
        expect(page.get_by_role("heading", name="サンプル市の公式アカウントです")).to_be_visible()
        expect(page.get_by_role("link", name="サンプル市防災")).to_be_visible()
        page.get_by_label("アカウントのURLまたは@ID").fill("@nobody_here")
        page.get_by_role("button", name="確かめる").click()
        expect(
            page.get_by_role("heading", name="サンプル市の公式アカウントとして登録されていません")
        ).to_be_visible()
        shot(page, "public-nojs-verify-unknown")

        # Report: from the "not registered" verdict, with the account already filled in.
        page.get_by_role("link", name="こちらからお知らせください").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("不審なアカウントを見つけたら")
        reported = page.get_by_label("不審なアカウントのURLまたは@ID")
        expect(reported).to_have_value("@nobody_here")
        reported.fill("https://x.com/nobody_here")
        page.get_by_label("気づいたこと（任意）").fill("市のロゴを使っている。")
        page.get_by_role("button", name="送信する").click()
        expect(page).to_have_url(re.compile(r"/report/thanks/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("お知らせありがとうございました")
        shot(page, "public-nojs-report-thanks")
        from impersonation.models import ImpersonationReport

        report = ImpersonationReport.objects.get(reported_text="https://x.com/nobody_here")
        assert (report.identifier, report.description) == ("nobody_here", "市のロゴを使っている。")
    finally:
        context.close()
