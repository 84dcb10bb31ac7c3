"""The OpenAPI document, the Swagger UI, and the API measured against its own documentation."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import status_code_conformance

pytestmark = pytest.mark.django_db

SCHEMA = "/api/schema/"
DOCS = "/api/docs/"
DOCUMENTED = {"/api/v1/accounts/", "/api/v1/accounts/{id}/", "/api/v1/verify/"}


def load_schema(client, **extra) -> dict:
    response = client.get(SCHEMA, **extra)
    assert response.status_code == 200, response.content[:300]
    assert "json" in response["Content-Type"]
    return json.loads(response.content)


@pytest.mark.parametrize(
    "how",
    [{"data": {"format": "json"}}, {"headers": {"Accept": "application/vnd.oai.openapi+json"}}],
    ids=["format-param", "accept-header"],
)
def test_schema_is_served_as_json_and_is_valid_openapi(client, how):
    schema = load_schema(client, **how)
    validate(schema)  # raises OpenApiValidationError
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "公式SNSアカウント台帳 オープンデータAPI"


def test_schema_default_is_valid_yaml_openapi_too(client):
    yaml = pytest.importorskip("yaml")
    response = client.get(SCHEMA)
    assert response.status_code == 200
    validate(yaml.safe_load(response.content))


def test_schema_documents_exactly_the_read_only_endpoints(client):
    schema = load_schema(client, data={"format": "json"})
    assert set(schema["paths"]) == DOCUMENTED
    for path, operations in schema["paths"].items():
        methods = {m for m in operations if m not in ("parameters", "summary", "description")}
        assert methods == {"get"}, (path, methods)
        # Open data: no authentication required anywhere.
        assert not operations["get"].get("security") or {} in operations["get"]["security"]
        assert "200" in operations["get"]["responses"]


def test_schema_documents_the_filters_and_the_verify_query(client):
    schema = load_schema(client, data={"format": "json"})
    listing = {p["name"]: p for p in schema["paths"]["/api/v1/accounts/"]["get"]["parameters"]}
    assert {"service", "department", "q", "page", "page_size"} <= set(listing)
    verify = {p["name"]: p for p in schema["paths"]["/api/v1/verify/"]["get"]["parameters"]}
    assert verify["q"]["required"] is True


def test_schema_documents_every_verdict_and_the_per_service_answers(client):
    """Issue 8 §1 and issue 13: "post", "unreadable" and the per-service list are documented."""
    components = load_schema(client, data={"format": "json"})["components"]["schemas"]
    verdict = components["Verdict"]["properties"]
    ref = verdict["verdict"].get("$ref") or verdict["verdict"]["allOf"][0]["$ref"]
    enum = components[ref.rsplit("/", 1)[-1]]["enum"]
    assert set(enum) == {
        "official",
        "suspended",  # R18: official but suspended (hijacked …): never "official"
        "post",
        "renamed",  # issue 14: a handle the city used before a rename: never "official"
        "closed",
        "impersonation",
        "unknown",
        "unreadable",
    }
    assert {"services", "suggestions", "matches", "account", "former"} <= set(verdict)
    service_match = components["ServiceMatch"]["properties"]
    assert {"service", "service_name", "identifier", "verdict", "account", "former"} <= set(
        service_match
    )


def test_schema_documents_the_former_id_of_a_renamed_answer(client):
    """Issue 14: "renamed" names the current account and the earlier ID with its last day."""
    schema = load_schema(client, data={"format": "json"})
    components = schema["components"]["schemas"]
    former = components["FormerIdentifier"]
    assert {"service", "identifier", "handle", "used_from", "used_until"} <= set(
        former["properties"]
    )
    assert former["properties"]["used_until"]["format"] == "date"
    text = json.dumps(components["Verdict"], ensure_ascii=False)
    assert "renamed=" in text
    # The permanent ID is for the verifier, not published.
    assert "platform_id" not in json.dumps(schema)


def test_schema_shows_no_internal_fields(client):
    text = json.dumps(load_schema(client, data={"format": "json"}), ensure_ascii=False)
    for word in ("registration_email", "officer", "credential", "search_text", "posting_staff"):
        assert word not in text, word


def test_schema_is_public(client):
    # Anonymous: no redirect to the staff login.
    assert client.get(SCHEMA, {"format": "json"}).status_code == 200
    assert client.get(DOCS).status_code == 200


CDN = re.compile(r"cdn\.|jsdelivr|unpkg|cdnjs|googleapis|//[^\"' ]*\.cloudflare", re.I)


def test_swagger_ui_uses_our_own_static_files(client):
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    assert not CDN.search(html), CDN.search(html).group()
    assets = re.findall(r"""(?:src|href)=["']([^"']+\.(?:js|css|png))["']""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    assert any(a.endswith("swagger-ui.css") for a in assets), assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert "drf_spectacular_sidecar" in asset, asset
        # …and they are really served.
        static = client.get(asset)
        assert static.status_code == 200, asset
        body = b"".join(static.streaming_content) if static.streaming else static.content
        assert len(body) > 100, asset
    # The UI reads our schema: its start-up script is a URL of its own, not inline, so the
    # page works under script-src 'self' (CSP, issue 8 §6).
    start = re.findall(r"""<script src=["']([^"']*\?script[^"']*)["']""", html)
    assert len(start) == 1, html
    script = client.get(start[0])
    assert script.status_code == 200
    assert SCHEMA in script.content.decode()


# --- The API against its own documentation (schemathesis) -------------------------------


@pytest.fixture
def wsgi_app():
    """Django as a WSGI application, called in this thread (so it sees the test's data).

    Django's request_started/request_finished signals close "old" database connections; the
    test client disconnects that handler, and so must we, or the first request would close the
    connection that holds the test's transaction.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(demo, wsgi_app):
    """The schema as a client would get it: over HTTP (WSGI, in-process) from /api/schema/."""
    return schemathesis.openapi.from_wsgi(f"{SCHEMA}?format=json", wsgi_app)


def test_schemathesis_sees_every_documented_operation(api_schema):
    assert {op.ok().path for op in api_schema.get_all_operations()} == DOCUMENTED


def _fuzz(api_schema, path: str, **validate_kwargs) -> None:
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
    )
    def check(case):
        # One savepoint per request: production runs each request on its own (see conftest).
        with transaction.atomic():
            response = case.call()
        case.validate_response(response, **validate_kwargs)

    check()


# Note: schemathesis' own ``schemathesis.pytest.from_fixture(...).parametrize()`` fails with
# pytest 9.2 (it writes ``request.node._nodeid``, which pytest 9.2 no longer has), so each
# operation is driven with ``as_strategy`` and a plain Hypothesis ``@given``. Only requests
# that fit the documentation are generated (positive mode): the API is lenient with the rest
# by design (an unknown filter value gives an empty list, not a 400).


@pytest.mark.parametrize("path", sorted(DOCUMENTED))
def test_api_conforms_to_its_schema(api_schema, path):
    """Every check: no 500s; documented status codes, content types, headers, bodies."""
    _fuzz(api_schema, path)


@pytest.mark.parametrize("path", sorted(DOCUMENTED))
def test_api_never_fails_and_answers_in_the_documented_shape(api_schema, path):
    """The same without the status-code check, so a missing 404 in the documentation (see
    test_schema_documents_not_found) does not hide server errors or wrong bodies."""
    _fuzz(api_schema, path, excluded_checks=[status_code_conformance])


def test_every_kind_of_real_answer_matches_the_schema(
    api_schema, users, tourism_account, bousai_account, close_account, change_policy
):
    """Fuzzing rarely hits a real id or a registered handle: check those answers explicitly —
    every account (listed, closed, with two policy versions) and every verdict."""
    from accounts.models import OfficialAccount, Service
    from impersonation.models import KnownImpersonation

    change_policy(bousai_account)
    close_account(tourism_account)
    KnownImpersonation.objects.create(
        service=Service.objects.get(slug="x"),
        identifier="sample_b0usai",
        url="https://x.com/sample_b0usai",
        warning="当市の公式アカウントではありません。",
        imitates=bousai_account,
        created_by=users["pr"],
    )
    # R18: a suspended account (the emergency path, incidents.services).
    from incidents.services import account_suspend

    kenko = OfficialAccount.objects.get(identifier="sample_kenko")
    account_suspend(account=kenko, actor=users["pr"], kind="hijack", notice="乗っ取りの疑い")
    cases = [
        ("/api/v1/accounts/", {}, {}),
        ("/api/v1/accounts/", {}, {"page_size": 5, "page": 2}),
        ("/api/v1/accounts/", {}, {"service": "x", "q": "さんぷる"}),
    ]
    cases += [
        ("/api/v1/accounts/{id}/", {"id": pk}, {})
        for pk in OfficialAccount.objects.values_list("pk", flat=True)
        if OfficialAccount.objects.get(pk=pk).listed_at
    ]
    verdicts = {
        "@sample_city_kanko": "official",
        "https://x.com/sample_bousai": "official",
        "https://www.instagram.com/sample_city_kanko/": "closed",
        "https://x.com/sample_b0usai": "impersonation",
        "https://x.com/sample_bousai/status/1790000000000000000": "post",
        "@nobody_here": "unknown",
        "https://x.com/sample_kenko": "suspended",
        "https://x.com/sample_kenko/status/1790000000000000000": "suspended",
        "@sample_kenko": "suspended",
        "https://bit.ly/abc": "unreadable",
        "https://youtu.be/dQw4w9WgXcQ": "unreadable",
        "サンプル市防災": "unreadable",  # with the accounts it names in "suggestions"
        "": "unreadable",
    }
    cases += [("/api/v1/verify/", {}, {"q": q}) for q in verdicts]
    for path, path_parameters, query in cases:
        case = api_schema[path]["GET"].Case(path_parameters=path_parameters, query=query)
        with transaction.atomic():
            response = case.call()
        assert response.status_code == 200, (path, path_parameters, query)
        case.validate_response(response)
        if path == "/api/v1/verify/":
            assert response.json()["verdict"] == verdicts[query["q"]], query


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/api/v1/accounts/{id}/", "an unknown, unlisted or draft account"),
        ("/api/v1/accounts/", "a page number past the last page"),
    ],
)
def test_schema_documents_not_found(client, path, why):
    """Both answer 404 (tests/api/test_api.py); clients need to know it from the schema."""
    responses = load_schema(client, data={"format": "json"})["paths"][path]["get"]["responses"]
    assert "404" in responses, f"{path}: 404 for {why} is not documented"
