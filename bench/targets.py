"""What is measured: the trivial baseline, the public pages, the open-data files and the staff
and admin pages, with their URL pools and how each is judged (issue 12, "Targets")."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from urllib.parse import quote

# --- Targets ------------------------------------------------------------------------------

BASELINE, PUBLIC, STAFF = "baseline", "public", "staff"
# The same-size static file served by WhiteNoise: the open-data files' baseline (issue 12
# §5, "a download costs what WhiteNoise costs"). Measured with the public targets, not judged.
STATIC = "static"
# What browsers and ``curl --compressed`` send; the client reads the body as sent (the
# KiB column is then the size transferred).
GZIP = {"Accept-Encoding": "gzip"}
# Where run.py puts a copy of /accounts.csv (and its .gz) in the temporary STATIC_ROOT
# before gunicorn starts, so that WhiteNoise indexes it at start-up like any static file.
STATIC_CSV = "bench/accounts.csv"
# Public pages and open-data files: throughput against the trivial view in the same run.
RATIO_TARGETS = {"cold": 0.5, "warm": 1.0}  # right after an approval / between approvals
STAFF_TARGET_MS = 150.0  # staff and admin pages at 100 000 accounts, on a quiet machine
# The full JSON dump (issue 12 §5) is new: the first of these that does not answer 404.
JSON_DUMP_PATHS = ("/accounts.json", "/opendata/accounts.json", "/registry.json")
SEARCH_WORD = "観光"  # a department word in every seeded municipality (経済観光局)


@dataclass
class Target:
    name: str
    paths: list[str]
    kind: str = PUBLIC  # BASELINE, PUBLIC (judged by ×trivial) or STAFF (judged by latency)
    role: str = ""  # the demo user whose session requests it (staff and admin pages)
    optional: bool = False  # skipped, with a note, when its first URL answers 404
    note: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # added to every request
    expect: int = 200  # the status every answer must have (else an error)
    vs: str = ""  # judged against this STATIC target, same phase, instead of trivial
    per_mb: bool = False  # with ``vs``: by bytes per second and CPU per MB, not per request
    revalidate: bool = False  # If-None-Match: the ETag the URL has now (run.py sets it)

    @property
    def public(self) -> bool:
        return self.kind == PUBLIC


def spread(items: list, n: int) -> list:
    """n items evenly spread over the list (all of them if it is shorter)."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def page_paths(prefix: str, count: int, pool: int) -> tuple[list[str], int]:
    """``prefix`` + ``page=N`` for pages spread over the whole list of ``count`` rows."""
    pages = max(1, -(-count // 50))
    return [f"{prefix}page={p}" for p in spread(list(range(1, pages + 1)), pool)], pages


STATIC_GZ = "static file, same size"
STATIC_NOTE = "the current /accounts.csv and its gzip, in STATIC_ROOT"


def build_targets(data: dict, pool: int, seed: int) -> list[Target]:
    rows = data["accounts"]
    rng = random.Random(seed)
    picked = spread(rows, pool)
    account_paths = [f"/accounts/{pk}/" for pk, *_ in picked]

    # Verify queries: half existing accounts (as the canonical URL or as a bare @handle, which
    # the verifier tries against every service), half look-alikes that are not registered.
    queries = []
    for i, (_pk, slug, identifier, url) in enumerate(spread(rows, pool // 2)):
        queries.append("@" + identifier.lstrip("@") if i % 2 and slug != "other" else url)
    while len(queries) < pool:
        fake = f"nosuch_{rng.randrange(16**8):08x}"
        queries.append(f"@{fake}" if len(queries) % 2 else f"https://x.com/{fake}")
    rng.shuffle(queries)
    q = [quote(s, safe="@") for s in queries]
    word = quote(SEARCH_WORD)

    public_pages, pages = page_paths("/?", len(rows), pool)
    staff_pages, staff_n = page_paths("/staff/accounts/?", data["staff_accounts"], pool // 10)
    targets = [
        Target("trivial", ["/bench/trivial/"], kind=BASELINE, note="baseline, no DB"),
        Target("list /", ["/"]),
        Target("list /?page=N", public_pages, note=f"{len(public_pages)} pages of {pages}"),
        Target(f"search /?q={SEARCH_WORD}", [f"/?q={word}"]),
        Target("account /accounts/<id>/", account_paths, note=f"{len(account_paths)} ids"),
        Target("verify API", [f"/api/v1/verify/?q={s}" for s in q], note=f"{len(q)} queries"),
        Target("verify page /verify/", [f"/verify/?q={s}" for s in q], note=f"{len(q)} queries"),
        Target(STATIC_GZ, [f"/static/{STATIC_CSV}"], kind=STATIC, headers=GZIP, note=STATIC_NOTE),
        Target("open data /accounts.csv", ["/accounts.csv"], headers=GZIP, vs=STATIC_GZ),
        Target("static file, same size, plain", [f"/static/{STATIC_CSV}"], kind=STATIC),
        Target(
            "open data /accounts.csv, plain", ["/accounts.csv"], vs="static file, same size, plain"
        ),
        Target(
            "open data /accounts.csv, 304",
            ["/accounts.csv"],
            headers=dict(GZIP),
            expect=304,
            revalidate=True,
            note="If-None-Match: its current ETag",
        ),
        Target("open data /feed/", ["/feed/"], headers=GZIP),
        Target(
            "open data JSON dump",
            [JSON_DUMP_PATHS[0]],
            optional=True,
            headers=GZIP,
            vs=STATIC_GZ,
            per_mb=True,
        ),
        Target("staff list /staff/accounts/", ["/staff/accounts/"], kind=STAFF, role="pr"),
        Target(
            "staff list ?page=N",
            staff_pages,
            kind=STAFF,
            role="pr",
            note=f"{len(staff_pages)} pages of {staff_n}",
        ),
        Target(
            f"staff list ?q={SEARCH_WORD}", [f"/staff/accounts/?q={word}"], kind=STAFF, role="pr"
        ),
        Target(
            "admin accounts changelist",
            ["/admin/accounts/officialaccount/"],
            kind=STAFF,
            role="admin",
        ),
        Target(
            f"admin changelist ?q={SEARCH_WORD}",
            [f"/admin/accounts/officialaccount/?q={word}"],
            kind=STAFF,
            role="admin",
        ),
    ]
    if data.get("request_pk"):
        pk = data["request_pk"]
        targets.append(
            Target(
                "request /staff/requests/<pk>/",
                [f"/staff/requests/{pk}/"],
                kind=STAFF,
                role="pr",
                note=f"the request with the most decisions ({data.get('request_decisions')})",
            )
        )
    return targets


def judge(kind: str, phase: str, ratio: float, cpu_ratio: float, p50: float, cpu_ms: float):
    """(target as printed, verdict on req/s or latency, verdict on CPU) for one row.

    Public pages and open-data files: ×trivial (×static for the CSV and the JSON dump, which
    are judged against the same-size static file) ≥ 1.0 between approvals, ≥ 0.5 right after
    one. Staff and admin pages: ≤ 150 ms, read as the median latency of one client at a time
    and, steadier on a shared machine, as the server-side CPU per request.
    """

    def word(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    if kind == PUBLIC:  # ratio and cpu_ratio: to trivial, or to the target's static file
        need = RATIO_TARGETS.get(phase, RATIO_TARGETS["warm"])
        return f"≥{need:.1f}×", word(ratio >= need), word(cpu_ratio >= need)
    if kind == STAFF:
        return (
            f"≤{STAFF_TARGET_MS:.0f} ms",
            word(p50 <= STAFF_TARGET_MS),
            word(cpu_ms <= STAFF_TARGET_MS),
        )
    return "-", "-", "-"


def zipf_cum_weights(n: int, s: float) -> list[float]:
    """Popularity of the n paths of a target: a few are asked for often, most rarely."""
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / rank**s
        out.append(total)
    return out
