"""Who gets what from every URL of the project, role by role.

``EXPECTED`` below names every URL of the project (except the Django admin, tested in
tests/core/test_admin.py) and says, for each of the eight roles, what a GET returns and —
for views that only accept POST — what a POST returns and what it does to the database.
A new URL without an entry here, or an entry for a URL that is gone, fails
``test_every_url_has_a_decision``: every URL is a decision someone has to write down.

The expectations follow the rules of ``approvals.permissions`` (its docstring), written out by
hand: anonymous people are sent to the login page from every staff page and see the public
list; another department's operator or head gets 403 on that department's requests and
accounts; the system administrator may read everything but decides nothing; a POST that is
refused changes nothing (checked in the database, not only by the status code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accounts.models import Service
from approvals import services
from approvals.models import Action, ApprovalRequest, Decision, RequestKind, RequestState
from impersonation import services as impersonation_services
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus

pytestmark = pytest.mark.django_db

# --- Roles --------------------------------------------------------------------------------

ROLES = {
    "anonymous": None,
    "operator_other": "operator2",  # 職員, 危機管理課 (another department)
    "operator": "operator",  # 職員, 観光プロモーション課 — files the requests below
    "manager": "manager",  # 課長級, 観光プロモーション課
    "head_other": "head2",  # 局長, 危機管理局 (another department)
    "head": "head",  # 局長, 経済観光局 (above 観光プロモーション課)
    "pr": "pr",  # 職員, 広報課 (the PR division)
    "sysadmin": "admin",  # システム管理者
}

# --- What a response should be ------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """302 to the login page, with ?next= the page asked for."""

    def __repr__(self) -> str:
        return "LOGIN"


@dataclass(frozen=True)
class Redirect:
    """302 to the URL ``name``; ``to`` says which object's pk it names: the page's own
    object ("same"), a request created by this POST ("created"), or none (None)."""

    name: str
    to: str | None = None


LOGIN = Login()


def to(name: str, target: str | None = None) -> Redirect:
    return Redirect(name, target)


# --- What a POST should do to the database ------------------------------------------------

UNCHANGED = "unchanged"  # the object, the number of requests and of decisions are as before
CREATED = "created"  # one new draft request, filed by this user
DELETED = "deleted"  # the draft request is gone, nothing else changed
LOGGED_OUT = "logged_out"


def state(value: str) -> str:
    return f"state:{value}"


# --- The table ----------------------------------------------------------------------------
# obj: what the URL's <pk> names (extra: any other URL kwargs) —
#   "request": a change request for tourism_account filed by operator, awaiting_head;
#   "draft":   the same, still a draft;
#   "account": tourism_account, a listed account of 観光プロモーション課;
#   "report":  a citizen's new impersonation report;
#   "report_with_address": the same, with the citizen's address for an answer;
#   "warning": a known (active) impersonation of tourism_account, shown publicly.
# get: role -> status code, LOGIN or Redirect.
# post (POST-only views): role -> (status code / LOGIN / Redirect, effect on the database).

EVERYONE_200 = dict.fromkeys(ROLES, 200)
STAFF_PAGE = {"anonymous": LOGIN, **dict.fromkeys(list(ROLES)[1:], 200)}
POST_ONLY_GET = {"anonymous": LOGIN, **dict.fromkeys(list(ROLES)[1:], 405)}

EXPECTED: dict[str, dict] = {
    # --- citizens: the same for everyone, logged in or not --------------------------------
    "public:account_list": {"obj": None, "get": EVERYONE_200},
    "public:closed_list": {"obj": None, "get": EVERYONE_200},
    "public:account_detail": {"obj": "account", "get": EVERYONE_200},
    "public:account_qr": {"obj": "account", "get": EVERYONE_200},
    "public:policy_version": {"obj": "account", "extra": {"version": 1}, "get": EVERYONE_200},
    "public:verify": {"obj": None, "get": EVERYONE_200},
    "public:impersonations": {"obj": None, "get": EVERYONE_200},
    "public:report": {"obj": None, "get": EVERYONE_200},  # GET shows the form
    "public:report_thanks": {"obj": None, "get": EVERYONE_200},
    "public:about": {"obj": None, "get": EVERYONE_200},
    "public:accounts_csv": {"obj": None, "get": EVERYONE_200},
    "public:accounts_json": {"obj": None, "get": EVERYONE_200},
    "public:feed": {"obj": None, "get": EVERYONE_200},
    # --- the open-data API (read-only, no login, no key) -----------------------------------
    "api-accounts": {"obj": None, "get": EVERYONE_200},
    "api-account": {"obj": "account", "get": EVERYONE_200},
    "api-verify": {"obj": None, "get": EVERYONE_200},
    # --- the load balancer's probe (core/health.py): the same for everyone -----------------
    "healthz": {"obj": None, "get": EVERYONE_200},
    "api-schema": {"obj": None, "get": EVERYONE_200},
    "api-docs": {"obj": None, "get": EVERYONE_200},
    # --- staff: login, logout, dashboard -----------------------------------------------------
    "staff:login": {
        "obj": None,
        "get": {
            "anonymous": 200,
            **{role: to("staff:dashboard") for role in list(ROLES)[1:]},
        },
    },
    "staff:logout": {
        "obj": None,
        "get": POST_ONLY_GET,
        "post": {
            "anonymous": (LOGIN, UNCHANGED),
            **{role: (to("staff:login"), LOGGED_OUT) for role in list(ROLES)[1:]},
        },
    },
    "staff:dashboard": {"obj": None, "get": STAFF_PAGE},
    # Issue 11 §3: 「台帳の概要」 — the PR division and the system administrator (everything),
    # heads (their own 局); operators and managers 403 (tests/staff/test_overview.py).
    "staff:overview": {
        "obj": None,
        "get": {
            "anonymous": LOGIN,
            **{
                r: 200 if r in {"head", "head_other", "pr", "sysadmin"} else 403
                for r in list(ROLES)[1:]
            },
        },
    },
    # --- staff: requests ---------------------------------------------------------------------
    "staff:request_new": {
        "obj": None,
        "get": POST_ONLY_GET,
        "post": {
            "anonymous": (LOGIN, UNCHANGED),
            # Operators (and the PR division's own staff) file for their own department.
            "operator_other": (to("staff:request_edit", "created"), CREATED),
            "operator": (to("staff:request_edit", "created"), CREATED),
            "manager": (to("staff:request_edit", "created"), CREATED),
            "pr": (to("staff:request_edit", "created"), CREATED),
            # Heads decide, they do not file; the system administrator does neither.
            "head_other": (to("staff:dashboard"), UNCHANGED),
            "head": (to("staff:dashboard"), UNCHANGED),
            "sysadmin": (to("staff:dashboard"), UNCHANGED),
        },
    },
    "staff:request_detail": {
        "obj": "request",
        "get": {
            "anonymous": LOGIN,
            "operator_other": 403,
            "operator": 200,
            "manager": 200,
            "head_other": 403,
            "head": 200,
            "pr": 200,
            "sysadmin": 200,
        },
    },
    # Issue 11 §5: the printable record and its PDF — exactly who may see the request.
    **{
        name: {
            "obj": "request",
            "get": {
                "anonymous": LOGIN,
                "operator_other": 403,
                "operator": 200,
                "manager": 200,
                "head_other": 403,
                "head": 200,
                "pr": 200,
                "sysadmin": 200,
            },
        }
        for name in ("staff:request_print", "staff:request_pdf")
    },
    "staff:request_edit": {
        "obj": "draft",
        "get": {
            "anonymous": LOGIN,
            "operator_other": 403,
            "operator": 200,
            "manager": 200,
            "head_other": 403,
            # May read the request, may not edit it: sent to the read-only page.
            "head": to("staff:request_detail", "same"),
            "pr": to("staff:request_detail", "same"),
            "sysadmin": to("staff:request_detail", "same"),
        },
    },
    "staff:request_decide": {
        "obj": "request",
        "get": POST_ONLY_GET,
        "post": {
            "anonymous": (LOGIN, UNCHANGED),
            "operator_other": (403, UNCHANGED),
            "operator": (to("staff:request_detail", "same"), UNCHANGED),
            "manager": (to("staff:request_detail", "same"), UNCHANGED),
            "head_other": (403, UNCHANGED),
            "head": (to("staff:dashboard"), state(RequestState.AWAITING_PR)),
            "pr": (to("staff:request_detail", "same"), UNCHANGED),
            "sysadmin": (to("staff:request_detail", "same"), UNCHANGED),
        },
        "data": {"action": "approve", "comment": ""},
    },
    # Issue 11 §7: the confirmed POST (the first one only asks: tests/approvals/
    # test_form_friction.py and ``test_unconfirmed_post_changes_nothing`` below).
    "staff:request_withdraw": {
        "obj": "request",
        "get": POST_ONLY_GET,
        "post": {
            "anonymous": (LOGIN, UNCHANGED),
            "operator_other": (403, UNCHANGED),
            "operator": (to("staff:dashboard"), state(RequestState.WITHDRAWN)),
            "manager": (to("staff:dashboard"), state(RequestState.WITHDRAWN)),
            "head_other": (403, UNCHANGED),
            "head": (to("staff:request_detail", "same"), UNCHANGED),
            "pr": (to("staff:request_detail", "same"), UNCHANGED),
            "sysadmin": (to("staff:request_detail", "same"), UNCHANGED),
        },
        "data": {"confirmed": "1"},
    },
    # Issue 11 §7: only the author deletes a draft never submitted (a colleague withdraws it).
    "staff:request_delete": {
        "obj": "draft",
        "get": POST_ONLY_GET,
        "post": {
            "anonymous": (LOGIN, UNCHANGED),
            "operator_other": (403, UNCHANGED),
            "operator": (to("staff:dashboard"), DELETED),
            "manager": (to("staff:request_detail", "same"), UNCHANGED),
            "head_other": (403, UNCHANGED),
            "head": (to("staff:request_detail", "same"), UNCHANGED),
            "pr": (to("staff:request_detail", "same"), UNCHANGED),
            "sysadmin": (to("staff:request_detail", "same"), UNCHANGED),
        },
        "data": {"confirmed": "1"},
    },
    # R17 (issue 8 §2): only the PR division settles a clash with the impersonation list, and
    # only for a handle the request proposes (this request proposes none that is listed).
    "staff:request_resolve_conflict": {
        "obj": "request",
        "get": POST_ONLY_GET,
        "post": {
            "anonymous": (LOGIN, UNCHANGED),
            "operator_other": (403, UNCHANGED),
            "operator": (to("staff:request_detail", "same"), UNCHANGED),
            "manager": (to("staff:request_detail", "same"), UNCHANGED),
            "head_other": (403, UNCHANGED),
            "head": (to("staff:request_detail", "same"), UNCHANGED),
            "pr": (to("staff:request_detail", "same"), UNCHANGED),
            "sysadmin": (to("staff:request_detail", "same"), UNCHANGED),
        },
        "data": {"impersonation": "1", "comment": "持ち主を確認しました。"},
    },
    # --- staff: accounts ---------------------------------------------------------------------
    "staff_accounts:list": {"obj": None, "get": STAFF_PAGE},
    # Issue 11 §2 (accounts.permissions.can_export_accounts): the PR division and the system
    # administrator (everything), heads (their own scope, so head_other too); never operators
    # or managers.
    **{
        f"staff_accounts:{_name}": {
            "obj": None,
            "get": {
                "anonymous": LOGIN,
                "operator_other": 403,
                "operator": 403,
                "manager": 403,
                "head_other": 200,
                "head": 200,
                "pr": 200,
                "sysadmin": 200,
            },
        }
        for _name in ("export_csv", "export_xlsx")
    },
    "staff_accounts:detail": {
        "obj": "account",
        "get": {
            "anonymous": LOGIN,
            "operator_other": 403,
            "operator": 200,
            "manager": 200,
            "head_other": 403,
            "head": 200,
            "pr": 200,
            "sysadmin": 200,
        },
    },
}
# --- staff: impersonations (R17) — the PR division only ------------------------------------
# can_manage_impersonations() is "a member of the PR division": the system administrator,
# who reads everything through the Django admin, gets 403 on these working pages too.
PR_ONLY_PAGE = {
    "anonymous": LOGIN,
    **dict.fromkeys(list(ROLES)[1:], 403),
    "pr": 200,
}
EXPECTED.update(
    {
        "staff_impersonation:queue": {"obj": None, "get": PR_ONLY_PAGE},
        "staff_impersonation:record": {"obj": None, "get": PR_ONLY_PAGE},
        "staff_impersonation:dismiss": {
            "obj": "report",
            "get": POST_ONLY_GET,
            "post": {
                "anonymous": (LOGIN, UNCHANGED),
                **dict.fromkeys(list(ROLES)[1:], (403, UNCHANGED)),
                "pr": (to("staff_impersonation:queue"), "report_dismissed"),
            },
            "data": {"note": "公式の別アカウントでした。", "confirmed": "1"},  # issue 11 §7
        },
        "staff_impersonation:resolve": {
            "obj": "warning",
            "get": POST_ONLY_GET,
            "post": {
                "anonymous": (LOGIN, UNCHANGED),
                **dict.fromkeys(list(ROLES)[1:], (403, UNCHANGED)),
                "pr": (to("staff_impersonation:queue"), "warning_resolved"),
            },
        },
        # Issue 10 §2: the takedown follow-up and the reply to the citizen (GET shows the form;
        # tests/impersonation/test_follow_up.py posts them).
        "staff_impersonation:takedown": {"obj": "warning", "get": PR_ONLY_PAGE},
        "staff_impersonation:reply": {"obj": "report_with_address", "get": PR_ONLY_PAGE},
    }
)
# --- staff: incidents and suspension (R18; tests/incidents/test_url_access.py has every role
# and every effect) ---------------------------------------------------------------------------
RECORDERS = {"operator", "manager", "head", "pr"}  # the account's officers and the PR division
SUSPENDERS = {"head", "pr"}  # the 責任者's side and the PR division
EXPECTED.update(
    {
        "staff_incidents:list": {"obj": None, "get": STAFF_PAGE},
        "staff_incidents:find": {
            "obj": None,
            "get": {
                "anonymous": LOGIN,
                **{r: 200 if r in {"head", "head_other", "pr"} else 403 for r in list(ROLES)[1:]},
            },
        },
        "staff_incidents:record": {
            "obj": "account",
            "get": {
                "anonymous": LOGIN,
                **{r: 200 if r in RECORDERS else 403 for r in list(ROLES)[1:]},
            },
        },
        "staff_incidents:suspend": {
            "obj": "account",
            "get": {
                "anonymous": LOGIN,
                **{r: 200 if r in SUSPENDERS else 403 for r in list(ROLES)[1:]},
            },
        },
        "staff_incidents:detail": {
            "obj": "incident",
            "get": {
                "anonymous": LOGIN,
                **{r: 403 if r.endswith("_other") else 200 for r in list(ROLES)[1:]},
            },
        },
        # The incident is open: reopening it is refused with a message, by whoever may write.
        "staff_incidents:reopen": {
            "obj": "incident",
            "get": POST_ONLY_GET,
            "post": {
                "anonymous": (LOGIN, UNCHANGED),
                **{
                    r: (to("staff_incidents:detail", "same"), UNCHANGED)
                    if r in RECORDERS
                    else (403, UNCHANGED)
                    for r in list(ROLES)[1:]
                },
            },
        },
        # Issue 14 §2: the PR division records a handle the account used before (GET: form).
        "staff_accounts:former_identifier": {"obj": "account", "get": PR_ONLY_PAGE},
        # The account is listed, not suspended: nobody may ask to resume it.
        "staff_accounts:request_resumption": {
            "obj": "account",
            "get": POST_ONLY_GET,
            "post": {
                "anonymous": (LOGIN, UNCHANGED),
                **{
                    r: (403, UNCHANGED)
                    if r.endswith("_other")
                    else (to("staff_accounts:detail", "same"), UNCHANGED)
                    for r in list(ROLES)[1:]
                },
            },
        },
    }
)
for _kind in ("request_change", "request_closure"):
    EXPECTED[f"staff_accounts:{_kind}"] = {
        "obj": "account",
        "get": POST_ONLY_GET,
        "post": {
            "anonymous": (LOGIN, UNCHANGED),
            "operator_other": (403, UNCHANGED),
            "operator": (to("staff:request_edit", "created"), CREATED),
            "manager": (to("staff:request_edit", "created"), CREATED),
            "head_other": (403, UNCHANGED),
            "head": (to("staff_accounts:detail", "same"), UNCHANGED),
            "pr": (to("staff_accounts:detail", "same"), UNCHANGED),
            "sysadmin": (to("staff_accounts:detail", "same"), UNCHANGED),
        },
    }

# --- Walking the URLconf ------------------------------------------------------------------

SKIPPED_NAMESPACES = {"admin"}  # tests/core/test_admin.py
STATIC_VIEWS = {"django.views.static.serve", "django.contrib.staticfiles.views.serve"}


def _callback_path(pattern: URLPattern) -> str:
    callback = pattern.callback
    return f"{getattr(callback, '__module__', '')}.{getattr(callback, '__name__', '')}"


def url_names(patterns=None, namespace: str | None = None, route: str = "") -> list[str]:
    """Every URL pattern's full name ("ns:name"), recursively; unnamed ones as '<unnamed …>'
    so that they, too, fail the test below."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    names = []
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in SKIPPED_NAMESPACES:
                continue
            inner = ":".join(n for n in (namespace, p.namespace) if n) or None
            names += url_names(p.url_patterns, inner, route + str(p.pattern))
        elif isinstance(p, URLPattern):
            if _callback_path(p) in STATIC_VIEWS:
                continue
            if not p.name:
                names.append(f"<unnamed {route}{p.pattern}>")
            else:
                names.append(f"{namespace}:{p.name}" if namespace else p.name)
    return names


# 人事異動 (personnel): the list for everyone with a department (scoped inside), the import
# for the system administrator only (tests/personnel/test_urls.py covers every demo role).
_SYSADMIN_PAGE = {"anonymous": LOGIN, **dict.fromkeys(list(ROLES)[1:], 403), "sysadmin": 200}
EXPECTED.update(
    {
        "staff_personnel:changes": {"obj": None, "get": STAFF_PAGE},
        "staff_personnel:import": {"obj": None, "get": _SYSADMIN_PAGE},
        "staff_personnel:import_template": {"obj": None, "get": _SYSADMIN_PAGE},
        "staff_personnel:import_apply": {
            "obj": None,
            "get": POST_ONLY_GET,
            "post": {
                "anonymous": (LOGIN, UNCHANGED),
                **dict.fromkeys(list(ROLES)[1:], (403, UNCHANGED)),
                "sysadmin": (to("staff_personnel:import"), UNCHANGED),
            },
        },
    }
)
# Issue 11 §1: the import of existing accounts — the PR division only (onboarding.permissions;
# the system administrator may not import). tests/onboarding/test_views.py covers the demo roles.
EXPECTED.update(
    {
        "staff_import:upload": {"obj": None, "get": PR_ONLY_PAGE},
        "staff_import:history": {"obj": None, "get": PR_ONLY_PAGE},
        "staff_import:detail": {"obj": "import", "get": PR_ONLY_PAGE},
        "staff_import:template_xlsx": {"obj": None, "get": PR_ONLY_PAGE},
        "staff_import:template_csv": {"obj": None, "get": PR_ONLY_PAGE},
        "staff_import:confirm": {
            "obj": None,
            "get": POST_ONLY_GET,
            "post": {
                "anonymous": (LOGIN, UNCHANGED),
                **dict.fromkeys(list(ROLES)[1:], (403, UNCHANGED)),
                "pr": (to("staff_import:upload"), UNCHANGED),  # nothing was checked first
            },
            "data": {"token": "not-checked"},
        },
    }
)


# Reviews (R12, R10; issue 10 §3): the default configuration has neither switch on, so the
# pages do not exist (404) for anyone signed in; tests/reviews/test_pages.py switches them on
# and covers every demo role on every page.
_SWITCHED_OFF = {"anonymous": LOGIN, **dict.fromkeys(list(ROLES)[1:], 404)}
EXPECTED.update(
    {
        "staff_reviews:stale": {"obj": None, "get": _SWITCHED_OFF},
        "staff_reviews:review": {"obj": "account", "get": _SWITCHED_OFF},
        "staff_reviews:credentials": {"obj": "account", "get": _SWITCHED_OFF},
        "staff_reviews:last_activity": {
            "obj": "account",
            "get": POST_ONLY_GET,
            "post": {
                "anonymous": (LOGIN, UNCHANGED),
                **dict.fromkeys(list(ROLES)[1:], (404, UNCHANGED)),
            },
            "data": {"last_activity_on": "2026-11-01"},
        },
    }
)


def test_every_url_has_a_decision():
    found = url_names()
    assert len(found) == len(set(found)), f"URL names used twice: {sorted(found)}"
    missing = sorted(set(found) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(found))
    assert not missing, f"URLs with no access decision in EXPECTED: {missing}"
    assert not stale, f"EXPECTED names URLs that no longer exist: {stale}"


def test_every_entry_covers_every_role():
    for name, spec in EXPECTED.items():
        assert set(spec["get"]) == set(ROLES), name
        if "post" in spec:
            assert set(spec["post"]) == set(ROLES), name
            assert set(spec["get"].values()) <= {LOGIN, 405}, f"{name} is POST-only"


# --- Objects the URLs name ----------------------------------------------------------------

CHECKLIST = {f"checklist-{r}": "on" for r in ("R6", "R7", "R11", "R14")}


def change_request(users, account, *, submitted: bool) -> ApprovalRequest:
    req = services.request_create(kind=RequestKind.CHANGE, actor=users["operator"], account=account)
    if submitted:
        # A change that changes something (issue 11 §7: an unchanged one is not submitted).
        change = {"policy-operating_hours": "平日9時から17時まで投稿します。"}
        services.request_submit(
            req=req, actor=users["operator"], data={**req.payload, **change, **CHECKLIST}
        )
    return ApprovalRequest.objects.get(pk=req.pk)


def the_object(kind: str | None, users, account):
    if kind == "report":
        return impersonation_services.report_create(
            reported_text="https://x.com/sample_city_kank0",
            description="観光の公式アカウントに似た名前のアカウントがあります。",
        )
    if kind == "report_with_address":
        return impersonation_services.report_create(
            reported_text="https://x.com/sample_city_kank0",
            contact_email="citizen@example.com",
        )
    if kind == "warning":
        return KnownImpersonation.objects.create(
            service=Service.objects.get(slug="x"),
            identifier="sample_city_kank0",
            url="https://x.com/sample_city_kank0",
            warning="当市の公式アカウントではありません。フォローや返信をしないでください。",
            imitates=account,
            created_by=users["pr"],
        )
    if kind == "request":
        return change_request(users, account, submitted=True)
    if kind == "draft":
        return change_request(users, account, submitted=False)
    if kind == "account":
        return account
    if kind == "import":  # issue 11 §1: a past import of existing accounts
        from onboarding.models import AccountImport

        return AccountImport.objects.create(file_name="台帳.xlsx", file_sha256="0" * 64)
    if kind == "incident":
        from incidents.services import incident_record

        return incident_record(
            account=account,
            actor=users["operator"],
            kind="hijack",
            occurred_at=timezone.now(),
            description="身に覚えのない投稿がありました。",
        )
    return None


def url_for(name: str, obj) -> str:
    kwargs = {"pk": obj.pk, **EXPECTED[name].get("extra", {})} if obj is not None else None
    return reverse(name, kwargs=kwargs)


def world(obj) -> dict:
    """What a POST may change, read back from the database."""
    snap = {
        "requests": ApprovalRequest.objects.count(),
        "decisions": Decision.objects.count(),
        "reports": list(ImpersonationReport.objects.order_by("pk").values()),
        "warnings": list(KnownImpersonation.objects.order_by("pk").values()),
        "request_rows": list(
            ApprovalRequest.objects.order_by("pk").values("pk", "state", "round", "payload")
        ),
    }
    if obj is not None:
        fresh = type(obj).objects.filter(pk=obj.pk).first()  # None: deleted (DELETED)
        snap["object"] = fresh and {
            f.attname: getattr(fresh, f.attname)
            for f in type(obj)._meta.concrete_fields
            if f.attname != "updated_at"
        }
    return snap


def login_as(client, users, role: str):
    user = users[ROLES[role]] if ROLES[role] else None
    if user is not None:
        client.force_login(user)
    return user


def check_response(response, expected, *, path: str, obj, created=None) -> None:
    if expected is LOGIN:
        assert response.status_code == 302, response.status_code
        assert response["Location"] == f"{reverse('staff:login')}?next={path}"
        return
    if isinstance(expected, Redirect):
        assert response.status_code == 302, response.status_code
        location = urlsplit(response["Location"])
        match = resolve(location.path)
        assert match.view_name == expected.name, response["Location"]
        if expected.to == "same":
            assert match.kwargs["pk"] == obj.pk
        elif expected.to == "created":
            assert created is not None
            assert match.kwargs["pk"] == created.pk
        return
    assert response.status_code == expected


# --- GET ----------------------------------------------------------------------------------

GET_CASES = [(name, role) for name, spec in EXPECTED.items() for role in spec["get"]]


@pytest.mark.parametrize(("name", "role"), GET_CASES, ids=[f"{n}-{r}" for n, r in GET_CASES])
def test_get(name, role, client, users, tourism_account):
    spec = EXPECTED[name]
    obj = the_object(spec["obj"], users, tourism_account)
    login_as(client, users, role)
    path = url_for(name, obj)
    before = world(obj)
    response = client.get(path)
    check_response(response, spec["get"][role], path=path, obj=obj)
    # State never changes on GET.
    assert world(obj) == before


# --- POST (views that only accept POST) --------------------------------------------------

POST_CASES = [
    (name, role) for name, spec in EXPECTED.items() if "post" in spec for role in spec["post"]
]


@pytest.mark.parametrize(("name", "role"), POST_CASES, ids=[f"{n}-{r}" for n, r in POST_CASES])
def test_post(name, role, client, users, tourism_account):
    spec = EXPECTED[name]
    expected, effect = spec["post"][role]
    obj = the_object(spec["obj"], users, tourism_account)
    user = login_as(client, users, role)
    path = url_for(name, obj)
    before = world(obj)
    last_pk = ApprovalRequest.objects.order_by("pk").values_list("pk", flat=True).last() or 0

    response = client.post(path, spec.get("data", {}))

    after = world(obj)
    created = ApprovalRequest.objects.filter(pk__gt=last_pk).order_by("pk").last()
    check_response(response, expected, path=path, obj=obj, created=created)

    if effect == UNCHANGED:
        assert after == before, "a refused POST changed the database"
        if user is not None and isinstance(expected, Redirect):
            # Refused with a message the person can read, in Japanese.
            errors = [
                m.message
                for m in get_messages(response.wsgi_request)
                if m.level == message_levels.ERROR
            ]
            assert errors
            assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", m) for m in errors)
    elif effect == CREATED:
        assert after["requests"] == before["requests"] + 1
        assert after["decisions"] == before["decisions"]
        assert created.requester_id == user.pk
        assert created.state == RequestState.DRAFT
        if obj is not None:
            assert created.account_id == obj.pk
            assert after["object"] == before["object"]
    elif effect.startswith("state:"):
        obj.refresh_from_db()
        assert obj.state == effect.removeprefix("state:")
        assert after["requests"] == before["requests"]
        assert after["decisions"] == before["decisions"] + 1
        assert obj.decisions.order_by("pk").last().actor_id == user.pk
    elif effect == DELETED:
        assert after["object"] is None
        assert after["requests"] == before["requests"] - 1
        assert after["decisions"] == before["decisions"]
    elif effect == "report_dismissed":
        obj.refresh_from_db()
        assert obj.status == ReportStatus.DISMISSED
        assert obj.handled_by_id == user.pk
        assert obj.staff_note == "公式の別アカウントでした。"
        assert after["requests"] == before["requests"]
    elif effect == "warning_resolved":
        obj.refresh_from_db()
        assert obj.resolved_at is not None
        assert after["requests"] == before["requests"]
    elif effect == LOGGED_OUT:
        assert after == before
        assert "_auth_user_id" not in client.session
        again = client.get(reverse("staff:dashboard"))
        assert again.status_code == 302
    else:  # pragma: no cover - a typo in the table
        pytest.fail(f"unknown effect {effect!r}")


# Issue 11 §7: withdraw, delete and 対応不要 ask first. A POST without confirmed=1 changes
# nothing for anyone: who may act is shown the question (200), everyone else is refused as
# the confirmed POST is.
CONFIRMED_URLS = [
    name for name, spec in EXPECTED.items() if spec.get("data", {}).get("confirmed") == "1"
]
UNCONFIRMED_CASES = [(name, role) for name in CONFIRMED_URLS for role in ROLES]


@pytest.mark.parametrize(
    ("name", "role"), UNCONFIRMED_CASES, ids=[f"{n}-{r}" for n, r in UNCONFIRMED_CASES]
)
def test_unconfirmed_post_changes_nothing(name, role, client, users, tourism_account):
    spec = EXPECTED[name]
    expected, effect = spec["post"][role]
    obj = the_object(spec["obj"], users, tourism_account)
    login_as(client, users, role)
    path = url_for(name, obj)
    before = world(obj)
    data = {k: v for k, v in spec.get("data", {}).items() if k != "confirmed"}
    response = client.post(path, data)
    assert world(obj) == before
    if effect == UNCHANGED:
        check_response(response, expected, path=path, obj=obj)
    else:
        assert response.status_code == 200
        page = response.content.decode()
        assert "本当に" in page or "削除しますか" in page
        assert 'name="confirmed" value="1"' in page


# --- Decision buttons and decisions, at both steps -----------------------------------------

DECIDERS = {RequestState.AWAITING_HEAD: "head", RequestState.AWAITING_PR: "pr"}
NEXT_STATE = {
    RequestState.AWAITING_HEAD: RequestState.AWAITING_PR,
    RequestState.AWAITING_PR: RequestState.APPROVED,
}
VIEWERS = ["operator", "manager", "head", "pr", "sysadmin"]  # may open the request page


def request_at(step_state: str, users, account) -> ApprovalRequest:
    req = change_request(users, account, submitted=True)
    if step_state == RequestState.AWAITING_PR:
        services.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    return ApprovalRequest.objects.get(pk=req.pk)


@pytest.mark.parametrize("role", VIEWERS)
@pytest.mark.parametrize("step_state", list(DECIDERS))
def test_decision_buttons_only_for_whoever_decides_now(
    step_state, role, client, users, tourism_account
):
    req = request_at(step_state, users, tourism_account)
    login_as(client, users, role)
    page = client.get(reverse("staff:request_detail", args=[req.pk])).content.decode()
    form = f'action="{reverse("staff:request_decide", args=[req.pk])}"'
    if role == DECIDERS[step_state]:
        assert form in page
        assert 'value="approve"' in page
    else:
        assert form not in page
        assert 'value="approve"' not in page


@pytest.mark.parametrize("action", [Action.APPROVE, Action.RETURN, Action.REJECT])
@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
@pytest.mark.parametrize("step_state", list(DECIDERS))
def test_decide_by_post_changes_only_what_the_decider_may(
    step_state, role, action, client, users, tourism_account
):
    req = request_at(step_state, users, tourism_account)
    user = login_as(client, users, role)
    before = world(req)
    response = client.post(
        reverse("staff:request_decide", args=[req.pk]),
        # confirmed: a reject asks first (issue 11 §7; approve and return never ask).
        {"action": action, "comment": "理由を記入しました。", "confirmed": "1"},
    )
    req.refresh_from_db()
    if role == DECIDERS[step_state]:
        assert response.status_code == 302
        assert response["Location"] == reverse("staff:dashboard")
        expected = {
            Action.APPROVE: NEXT_STATE[step_state],
            Action.RETURN: RequestState.RETURNED,
            Action.REJECT: RequestState.REJECTED,
        }[action]
        assert req.state == expected
        decision = req.decisions.order_by("pk").last()
        assert (decision.actor_id, decision.action) == (user.pk, action)
        assert Decision.objects.count() == before["decisions"] + 1
    else:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"] == reverse("staff:request_detail", args=[req.pk])
        assert world(req) == before
        assert req.state == step_state
