"""A new account through the staff pages over HTTP, as the demo's people do it (R1, R2): the
operator files and submits a registration, the department head approves, then the PR division.
The forms are read from the pages and sent back with what a person would type (as in
tests/approvals/conftest.py ``filled_registration``)."""

from __future__ import annotations

import re

from tests.deploy.conftest import Database
from tests.deploy.web import Form, Web, forms


def form_with(html: str, field_name: str) -> Form:
    found = [
        f for f in forms(html, action_contains="") if any(k == field_name for k, _ in f.fields)
    ]
    assert found, f"no form with {field_name}"
    return found[0]


def register(operator: Web, db: Database, *, name: str, url: str) -> int:
    """File and submit a registration as ``operator`` (signed in); the request's pk."""
    created = operator.post("/staff/requests/new/", {})
    assert created.status == 302, (created.status, created.text[:1000])
    match = re.fullmatch(r"/staff/requests/(\d+)/edit/", created.location_path)
    assert match, created.location_path
    pk = int(match.group(1))
    page = operator.get(f"/staff/requests/{pk}/edit/")
    assert page.status == 200
    users = dict(db.query("SELECT username, id FROM organization_user"))
    form = form_with(page.text, "account-display_name").with_values(
        {
            "account-service": str(db.value("SELECT id FROM accounts_service WHERE slug = 'x'")),
            "account-url": url,
            "account-display_name": name,
            "account-purpose": "本番構成の確認のためのアカウントです。",
            "account-registration_email": "smoke@city.example.lg.jp",
            "account-badge_status": "applied",
            "account-info_class": "1",
            "officers-0-user": str(users["head"]),
            "officers-1-user": str(users["manager"]),
            "policy-purpose": "本番構成の確認",
            "policy-content": "確認のための投稿",
            **{f"checklist-{rule}": "on" for rule in ("R6", "R7", "R11", "R14")},
        }
    )
    submitted = operator.post(f"/staff/requests/{pk}/edit/", form.pairs(("action", "submit")))
    assert submitted.status == 302, (submitted.status, _errors(submitted.text))
    assert submitted.location_path == f"/staff/requests/{pk}/"
    return pk


def approve(decider: Web, pk: int) -> None:
    """Approve request ``pk`` as ``decider`` (signed in), from the request's page."""
    page = decider.get(f"/staff/requests/{pk}/")
    assert page.status == 200, page.status
    form = forms(page.text, action_contains="/decide/")[0]
    answer = decider.post(form.action, form.pairs(("action", "approve")))
    assert answer.status == 302, answer.status
    assert answer.location_path == "/staff/", answer.location_path
    done = decider.get("/staff/")
    assert "承認しました。" in done.text, done.text[:2000]


def _errors(html: str) -> str:
    """The invalid fields of a form shown again, for an assertion message."""
    texts = (
        re.sub(r"<[^>]+>|\s+", " ", html[m.start() : m.start() + 400])
        for m in re.finditer("invalid-feedback", html)
    )
    return " | ".join(texts)[:2000]
