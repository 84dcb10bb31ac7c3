"""Hostile input on every form field and query parameter (issue 8 §5, "Done means").

Nothing here is listed by hand: the pages come from the URLconf, the forms and their fields
from the pages as each role sees them (an HTML parser reads every ``<form>``), and the query
parameters from the code that reads them (``GET.get("…")``) and from the GET forms. A new
page, form, field or parameter is walked without touching this file.

Every field (and parameter) gets, one at a time: CR/LF, NUL, other control characters, 1 MB
(10 000 characters in a URL), bad percent-encoding (``%ff``, ``%zz``, overlong UTF-8),
full-width text and bidi/zero-width characters. Each answer must be: no 500 (an exception in
an after-commit hook, such as a mail, counts as one); where the input was refused, a Japanese
message; and on a form shown again, every other value as typed.

Every post runs in a transaction rolled back afterwards, so each starts from the same data.
"""

from __future__ import annotations

import contextlib
import json
import re
from html import escape
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import OfficialAccount
from approvals import services
from approvals.models import Action, ApprovalRequest, RequestKind
from impersonation.models import ImpersonationReport, KnownImpersonation
from organization.models import User
from tests.approvals.conftest import filled_registration
from tests.seeding import seeded_for_module

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

# Typed (then form-encoded as a browser would).
PAYLOADS = {
    "crlf": "前\r\n後 Bcc: victim@example.com",
    "nul": "前\x00後",
    "control": "前\x1b[31m\x08\x0b後",
    "huge": "x" * 1_000_000,
    "fullwidth": "ｏｐｅｒａｔｏｒ＠ｃｉｔｙ．ｅｘａｍｐｌｅ．ｌｇ．ｊｐ",
    "bidi": "\u202eabc\u200bdef\u2066",
}
# Sent as they are, not encoded again: broken percent-encoding and overlong UTF-8.
RAW_PAYLOADS = {
    "pct-ff": "%ff%fe",
    "pct-zz": "%zz%",
    "overlong": "%c0%af%e0%80%af%c0%80",
}
# The first submit button of a form gets every payload; the others (提出する, 行を追加…) run
# other code on the same fields and get these, to keep the walk within a few minutes.
OTHER_BUTTONS = ("crlf", "nul", "huge", "pct-ff")
QUERY_HUGE = "x" * 10_000  # a URL of 1 MB never reaches the app (servers stop at ~8 KB)

ROLES = (None, "operator", "head", "pr", "admin")
WALKED_ROLES = ROLES
SKIPPED_URLS = ("staff:logout", "admin:logout")  # logging out would end the walk
PROJECT_APPS = (
    "accounts",
    "api",
    "approvals",
    "core",
    "impersonation",
    "incidents",
    "organization",
    "policies",
)


# --- Discovery ------------------------------------------------------------------------------


def query_parameter_names() -> set[str]:
    """Every query parameter the code reads."""
    names = {"page", "page_size", "next"}
    pattern = re.compile(r"""(?:GET|query_params|params)\.get\(\s*["'](\w+)["']""")
    for app in PROJECT_APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def url_names() -> list[tuple[str, list[str]]]:
    """(namespaced name, its keyword arguments) for every URL pattern."""
    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                name = namespace + p.name
                if not name.startswith(SKIPPED_URLS):
                    regex = p.pattern.regex
                    if regex.groups == len(regex.groupindex):  # no unnamed groups to fill
                        found.append((name, list(regex.groupindex)))

    walk(get_resolver().url_patterns, "")
    return found


class FormParser(HTMLParser):
    """The forms of a page: method, action, and fields as a browser would send them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or "",
                "fields": [],
                "buttons": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind == "submit":
                self._form["buttons"].append((a["name"], a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append([a["name"], a.get("value", "on"), kind])
            else:
                self._form["fields"].append([a["name"], a.get("value", ""), kind])
        elif tag == "button" and a.get("name"):
            self._form["buttons"].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], "", "textarea"]
            self._form["fields"].append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None, "select"]
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[1] is None or "selected" in a:
                self._select[1] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea[1].startswith("\n"):
                self._textarea[1] = self._textarea[1][1:]
            self._textarea = None
        elif tag == "select":
            if self._select is not None and self._select[1] is None:
                self._select[1] = ""
            self._select = None


def forms_of(html: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


# --- The municipality under attack -------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo municipality with one object of every kind a URL can name, made once for the
    module (tests/seeding.py): the tests only read it, each post rolled back."""
    made = {}
    with seeded_for_module(django_db_blocker, lambda: made.update(_objects_to_name())):
        yield made


@pytest.fixture(autouse=True)
def _every_switch_on(configure, settings):
    """Every form the product has is walked: the internal rules (R4), the credentials (R10)
    and the periodic review with the last-post date and the stale list (R12) exist only
    when switched on (issue 10 §7)."""
    configure(CHECKLIST=[*settings.MUNICIPALITY["CHECKLIST"], "R4", "R10", "R12"])


def _objects_to_name() -> dict:
    users = {u.username: u for u in User.objects.all()}
    account = OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")
    draft = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    services.request_save_draft(
        req=draft,
        actor=users["operator"],
        data=filled_registration(draft.payload, users, **{"account-url": "https://x.com/draft_1"}),
    )
    awaiting = services.request_create(kind=RequestKind.NEW, actor=users["operator"])
    services.request_submit(
        req=awaiting,
        actor=users["operator"],
        data=filled_registration(
            awaiting.payload,
            users,
            **{"account-url": "https://x.com/awaiting_1", "account-display_name": "サンプル市待ち"},
        ),
    )
    closure = services.request_create(
        kind=RequestKind.CLOSURE, actor=users["operator"], account=account
    )
    report = ImpersonationReport.objects.create(reported_text="https://x.com/fake_city")
    answerable = ImpersonationReport.objects.create(
        reported_text="https://x.com/fake_city2", contact_email="shimin@example.com"
    )
    known = KnownImpersonation.objects.create(
        service=account.service,
        identifier="fake_kanko",
        url="https://www.instagram.com/fake_kanko/",
        warning="偽物です。",
        created_by=users["pr"],
    )
    return {
        "users": users,
        "account": account.pk,
        "requests": {
            None: draft.pk,
            "operator": draft.pk,
            "head": awaiting.pk,
            "pr": awaiting.pk,
            "admin": awaiting.pk,
        },
        "closure": closure.pk,
        "report": report.pk,
        "answerable": answerable.pk,
        "known": known.pk,
    }


def urls_for(world, role) -> list[str]:
    out = []
    for name, params in url_names():
        # The system administrator's pages (Django's admin) are walked as "admin": its lists,
        # searches and filters, and the add forms of what it may still edit (ADR 0010).
        if name.startswith("admin:") != (role == "admin") or (role == "admin" and params):
            continue
        kwargs = {}
        for param in params:
            if param == "version":
                kwargs[param] = 1
            elif name == "staff_impersonation:dismiss":
                kwargs[param] = world["report"]
            elif name in ("staff_impersonation:resolve", "staff_impersonation:takedown"):
                kwargs[param] = world["known"]
            elif name == "staff_impersonation:reply":
                kwargs[param] = world["answerable"]
            elif name.startswith("staff:"):
                kwargs[param] = world["requests"][role]
            else:
                kwargs[param] = world["account"]
        out.append(reverse(name, kwargs=kwargs))
    if role == "operator":  # the closure form is a page of its own
        out.append(reverse("staff:request_edit", args=[world["closure"]]))
    return out


class Sweep:
    """Sends the requests, keeps count, and says what went wrong."""

    def __init__(self, world, role, capture):
        self.client = Client(raise_request_exception=False)
        if role:
            self.client.force_login(world["users"][role])
        self.role = role
        self.capture = capture
        self.addresses = count(1)
        self.sent = 0
        self.errors: list[str] = []
        self.server_errors = 0

    def _send(self, method, path, label="", **kwargs):
        n = next(self.addresses)
        kwargs["REMOTE_ADDR"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        self.sent += 1
        with transaction.atomic():
            try:
                with self.capture(execute=True):
                    response = getattr(self.client, method)(path, **kwargs)
            except Exception as exc:  # an after-commit hook (a mail) failed: a 500 in production
                response = None
                self.server_errors += 1
                self.errors.append(f"{label or path[:80]}: after commit {exc!r:.160}")
            transaction.set_rollback(True)
        return response

    def _text(self, response) -> str:
        body = response.content.decode(errors="replace")
        if response.get("Content-Type", "").startswith("application/json"):
            with contextlib.suppress(ValueError):
                body = json.dumps(json.loads(body), ensure_ascii=False)
        return body

    def check(self, label, response, kept=()) -> None:
        if response is None:
            return
        status = response.status_code
        if status >= 500:
            self.server_errors += 1
            self.errors.append(f"{label}: {status}")
            return
        if (status >= 400 and status not in (404, 405)) or (status == 200 and kept):
            body = self._text(response)
            if status >= 400 and not JAPANESE.search(body):
                self.errors.append(f"{label}: {status} without a Japanese message")
            lost = [v for v in kept if escape(v, quote=False) not in body and escape(v) not in body]
            if lost:  # a form shown again (200 or 4xx) keeps everything that was typed
                self.errors.append(f"{label}: {status}, typed values not shown again: {lost[:3]}")

    def get(self, path, query: str):
        label = f"GET {path}?{query[:60]}"
        self.check(label, self._send("get", f"{path}?{query}", label))

    def post(self, label, path, data: str, kept):
        response = self._send(
            "post", path, label, data=data, content_type="application/x-www-form-urlencoded"
        )
        self.check(label, response, kept)


def encode(fields, raw=None) -> str:
    """Form-encode (name, value) pairs; the value for the name in ``raw`` is sent as it is."""
    parts = []
    for name, value in fields:
        text = value if raw == name else quote(value, safe="")
        parts.append(f"{quote(name, safe='')}={text}")
    return "&".join(parts)


def hostile_values(huge: str):
    for label, value in PAYLOADS.items():
        yield label, (huge if label == "huge" else value), False
    for label, value in RAW_PAYLOADS.items():
        yield label, value, True


@pytest.fixture
def report_counts(request):
    """The number of 500s, printed at the end (the issue asks for it)."""
    found = []
    yield found
    errors, sent = (sum(column) for column in zip(*found, strict=True)) if found else (0, 0)
    # The issue asks for this count in the test output.
    print(f"\n[hostile input] {request.node.name}: {errors} answer(s) of 500 in {sent} requests")  # noqa: T201


@pytest.mark.parametrize("role", WALKED_ROLES)
def test_query_parameters(world, role, django_capture_on_commit_callbacks, report_counts):
    sweep = Sweep(world, role, django_capture_on_commit_callbacks)
    names = sorted(query_parameter_names())
    for path in urls_for(world, role):
        page = sweep._send("get", path)
        if page is not None and page.status_code == 200 and b"<form" in page.content:
            for form in forms_of(page.content.decode()):
                if form["method"] == "get":
                    names = sorted({*names, *(f[0] for f in form["fields"])})
    for path in urls_for(world, role):
        for _label, value, raw in hostile_values(QUERY_HUGE):
            text = value if raw else quote(value, safe="")
            sweep.get(path, "&".join(f"{n}={text}" for n in names))
            sweep.get(path, f"{text}=1")  # a hostile name
    report_counts.append((sweep.server_errors, sweep.sent))
    assert not sweep.errors, f"{len(sweep.errors)} problems:\n" + "\n".join(sweep.errors[:40])


@pytest.mark.parametrize("role", WALKED_ROLES)
def test_form_fields(world, role, django_capture_on_commit_callbacks, report_counts):
    sweep = Sweep(world, role, django_capture_on_commit_callbacks)
    seen = set()
    for page_path in urls_for(world, role):
        page = sweep._send("get", page_path)
        if page is None or page.status_code != 200 or b"<form" not in page.content:
            continue
        for form in forms_of(page.content.decode()):
            action = form["action"] or page_path
            if form["method"] != "post" or urlsplit(action).path == reverse("staff:logout"):
                continue
            fields = [(n, v) for n, v, _kind in form["fields"]]
            key = (urlsplit(action).path, tuple(n for n, _ in fields))
            if key in seen:
                continue
            seen.add(key)
            buttons = form["buttons"] or [(None, None)]
            for n_button, button in enumerate(buttons):
                base = [*fields, button] if button[0] else fields
                kept = [
                    v
                    for n, v, kind in form["fields"]
                    if kind in ("text", "textarea", "email", "url") and v.strip() and len(v) < 300
                ]
                for i, (name, original) in enumerate(fields):
                    if name == "csrfmiddlewaretoken":
                        continue
                    others = [v for v in kept if v != original]
                    for label, value, raw in hostile_values(PAYLOADS["huge"]):
                        if n_button and label not in OTHER_BUTTONS:
                            continue
                        data = [*base[:i], (name, value), *base[i + 1 :]]
                        sweep.post(
                            f"POST {action} [{button[1]}] {name}={label}",
                            action,
                            encode(data, raw=name if raw else None),
                            others,
                        )
    assert seen, "no form found"
    report_counts.append((sweep.server_errors, sweep.sent))
    assert not sweep.errors, f"{len(sweep.errors)} problems:\n" + "\n".join(sweep.errors[:60])


def test_the_walk_reaches_every_form_people_fill_in(world):
    """The sweep is only as good as its discovery: the forms that matter are found."""
    found = set()
    for role in ROLES:
        client = Client()
        if role:
            client.force_login(world["users"][role])
        for path in urls_for(world, role):
            page = client.get(path)
            # Pages only: a PDF record or a spreadsheet download has no forms to find.
            if page.status_code == 200 and page.get("Content-Type", "").startswith("text/html"):
                for form in forms_of(page.content.decode()):
                    found.update(n for n, _v, _k in form["fields"])
    for name in (
        "reported_text",
        "description",
        "contact_email",
        "username",
        "password",
        "account-display_name",
        "account-registration_email",
        "officers-TOTAL_FORMS",
        "officers-0-name",
        "policy-content",
        "rules-notes",
        "closure-reason",
        "comment",
        "note",
        "warning",
        "platform_answer",  # the takedown follow-up (issue 10 §2)
        "removed_on",
        "body",  # the answer to the citizen
        # The periodic review (R12); its outcome is a radio left unchecked, so the walk does
        # not send it (tests/reviews/test_pages.py sends hostile outcomes).
        "last_activity_on",
        "holders",  # the credentials (R10)
        "rotated_on",
        "notice",  # the emergency suspension (R18)
        "actions_taken",  # the incident record (R18)
        "q",
    ):
        assert name in found, name
    assert Action.APPROVE  # the decide form is among them (comment, above)
    assert ApprovalRequest.objects.exists()
