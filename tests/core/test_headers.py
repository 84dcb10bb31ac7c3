"""Security headers on every kind of page (issue 8 §6): a Content-Security-Policy without
inline script or style, no-store on staff pages, and staff sessions that end the same day."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"


def directives(response) -> dict[str, set[str]]:
    policy = response[CSP]
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = set(values)
    return out


def public_urls(account) -> list[str]:
    return [
        "/",
        "/closed/",
        f"/accounts/{account.pk}/",
        f"/accounts/{account.pk}/policy/1/",
        "/verify/?q=@sample_bousai",
        "/impersonations/",
        "/report/",
        "/report/thanks/",
        "/about/",
        "/accounts.csv",
        "/feed/",
        "/api/v1/accounts/",
        f"/api/v1/accounts/{account.pk}/",
        "/api/v1/verify/?q=@sample_bousai",
        "/api/schema/",
        "/no-such-page/",
    ]


STAFF_URLS = ["/staff/", "/staff/impersonation/", "/admin/", "/admin/organization/user/"]


def assert_strict_policy(response, url):
    policy = directives(response)
    assert policy["default-src"] == {"'self'"}, url
    assert policy["script-src"] == {"'self'"}, url
    assert policy["style-src"] == {"'self'"}, url
    assert policy["object-src"] == {"'none'"}, url
    assert policy["frame-ancestors"] == {"'none'"}, url
    assert "'unsafe-inline'" not in response[CSP], url
    assert "'unsafe-eval'" not in response[CSP], url


def test_every_public_page_and_api_answer_has_the_policy(client, demo, tourism_account):
    for url in public_urls(tourism_account):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict_policy(response, url)
        assert "no-store" not in response.get("Cache-Control", ""), url


def test_a_cached_public_page_still_has_the_policy(client, demo):
    first = client.get("/")
    second = client.get("/")
    assert second.get("X-Cache") == "hit"
    assert second[CSP] == first[CSP]


@pytest.mark.parametrize("role", ["operator", "pr", "admin"])
def test_staff_pages_have_the_policy_and_are_never_stored(client, users, role):
    client.force_login(users[role])
    for url in [*STAFF_URLS, "/"]:
        response = client.get(url)
        assert response.status_code in (200, 302, 403), url
        assert_strict_policy(response, url)
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control, url
        assert "private" in cache_control, url


def test_the_login_page_and_the_redirect_to_it_are_never_stored(client, demo):
    for url in ["/staff/login/", "/staff/", "/admin/login/"]:
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert "no-store" in response["Cache-Control"], url
        assert_strict_policy(response, url)


def test_swagger_ui_works_without_inline_script(client, demo):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    policy = directives(page)
    assert policy["script-src"] == {"'self'"}
    assert "'unsafe-inline'" in policy["style-src"]  # its own <style> block; this page only
    scripts = Scripts.of(page.content.decode())
    assert scripts.inline == 0
    start = [src for src in scripts.sources if "script" in src.split("?", 1)[-1]]
    assert len(start) == 1
    script = client.get(start[0])
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert reverse("api-schema") in script.content.decode()


class Scripts(HTMLParser):
    """Inline script, inline style attributes and event-handler attributes in a page."""

    def __init__(self):
        super().__init__()
        self.inline = 0
        self.sources: list[str] = []
        self.style_attributes: list[str] = []
        self.handlers: list[str] = []
        self.style_elements = 0

    @classmethod
    def of(cls, html: str) -> "Scripts":
        parser = cls()
        parser.feed(html)
        return parser

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.sources.append(attrs["src"])
            else:
                self.inline += 1
        if tag == "style":
            self.style_elements += 1
        if "style" in attrs:
            self.style_attributes.append(f"<{tag} style={attrs['style']!r}>")
        self.handlers += [f"<{tag} {name}>" for name in attrs if name.startswith("on")]


@pytest.mark.parametrize("role", [None, "operator", "pr", "admin"])
def test_pages_carry_no_inline_script_or_style(client, users, tourism_account, role):
    """What the policy forbids is not in the pages either (the browser would drop it)."""
    urls = [u for u in public_urls(tourism_account) if not u.startswith("/api/")]
    urls = [u for u in urls if u not in ("/accounts.csv", "/feed/")]
    if role:
        client.force_login(users[role])
        urls += STAFF_URLS
    for url in urls:
        response = client.get(url)
        found = Scripts.of(response.content.decode())
        assert found.inline == 0, url
        assert found.style_elements == 0, url
        assert found.style_attributes == [], url
        assert found.handlers == [], url


# --- Staff sessions ---------------------------------------------------------------------------


def test_a_staff_session_ends_within_a_working_day_and_with_the_browser(client, demo, settings):
    response = client.post("/staff/login/", {"username": "operator", "password": "demo-pass-2026"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    # A browser-session cookie: no expiry date, gone when the browser closes.
    assert not cookie["expires"]
    assert not cookie["max-age"]
    # And the server forgets it within 8 hours whatever the browser does.
    assert 0 < client.session.get_expiry_age() <= 8 * 60 * 60
    assert cookie["httponly"]
