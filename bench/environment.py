"""The benchmark database, its seed, the settings environment and the cache keys of a run."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time

from bench.common import PYTHON, ROOT, BenchError, log

# --- Set-up: database, seed, static files ----------------------------------------------


def bench_env(args, static_root: str, cache_prefix: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_name}",
        EMAIL_URL="consolemail://",
        # Permalinks and QR codes only; nothing is fetched from it.
        SITE_URL=os.environ.get("SITE_URL", "https://sns.city.example.lg.jp"),
        CACHE_URL=args.cache_url,
        BENCH_STATIC_ROOT=static_root,
        BENCH_CACHE_PREFIX=cache_prefix,
        PYTHONUNBUFFERED="1",
    )
    return env


def pg_admin(args, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=args.pg_host,
        port=args.pg_port,
        user=args.pg_user,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def create_db(args) -> None:
    pg_admin(args, f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
    pg_admin(args, f'CREATE DATABASE "{args.db_name}"')


def drop_db(args) -> None:
    pg_admin(args, f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')


def manage(env, *argv: str, capture: bool = False) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise BenchError(f"manage.py {' '.join(argv)} failed:\n{proc.stdout[-4000:]}")
    if not capture:
        for line in proc.stdout.strip().splitlines()[-3:]:
            log(f"  | {line}")
    return elapsed, proc.stdout


DATA_SCRIPT = """
import json
from django.db.models import Count
from accounts.models import OfficialAccount
from accounts.selectors import listed_accounts
from approvals.models import ApprovalRequest
rows = listed_accounts().order_by("pk").values_list("pk", "service__slug", "identifier", "url")
req = (
    ApprovalRequest.objects.annotate(n=Count("decisions")).order_by("-n", "pk")
    .values_list("pk", "n").first()
)
print("BENCHDATA" + json.dumps({
    "accounts": list(rows),
    "staff_accounts": OfficialAccount.objects.count(),
    "request_pk": req[0] if req else None,
    "request_decisions": req[1] if req else 0,
}))
"""


# The demo has no approval request: make one through the real services, with a few decisions
# (submitted, returned, submitted again, approved at step 1), left open so that the public side
# does not change. Idempotent: a database that has a request already is left alone.
REQUEST_SCRIPT = """
from approvals import services
from approvals.models import Action, ApprovalRequest, RequestKind
from accounts.models import OfficialAccount
from core.errors import DomainError
from organization.models import User
if not ApprovalRequest.objects.exists():
    account = OfficialAccount.objects.get(service__slug="x", identifier="sample_city_pr")
    pr = User.objects.get(username="pr")
    data = {"policy-operating_hours": "平日9時から17時まで投稿します。"}
    data.update({f"checklist-{r}": "on" for r in ("R6", "R7", "R11", "R14")})
    req = services.request_create(kind=RequestKind.CHANGE, actor=pr, account=account)
    req = services.request_submit(req=req, actor=pr, data={**req.payload, **data})
    for action in (Action.RETURN, None, Action.APPROVE):
        if action is None:
            req = services.request_submit(req=req, actor=pr, data={**req.payload, **data})
            continue
        for name in ("prhead", "head", "manager", "admin"):
            try:
                req = services.request_decide(
                    req=req, actor=User.objects.get(username=name), action=action,
                    comment="性能測定用の申請です。",
                )
                break
            except DomainError:
                continue
print("BENCHREQUEST", ApprovalRequest.objects.count())
"""


def ensure_request(env) -> None:
    """A request for the request detail target (see REQUEST_SCRIPT); logged if impossible."""
    try:
        manage(env, "shell", "-c", REQUEST_SCRIPT, capture=True)
    except BenchError as exc:
        log(f"could not create an approval request (no request detail target): {exc}")


def load_data(env) -> dict:
    """The listed accounts (for the URL pools), the staff list's size and a request's pk."""
    _, out = manage(env, "shell", "-c", DATA_SCRIPT, capture=True)
    for line in out.splitlines():
        if line.startswith("BENCHDATA"):
            data = json.loads(line[len("BENCHDATA") :])
            data["accounts"] = [tuple(r) for r in data["accounts"]]
            return data
    raise BenchError(f"could not read the seeded accounts:\n{out[-2000:]}")


def vacuum_analyze(args) -> float:
    """VACUUM ANALYZE the whole database (seconds taken). ANALYZE alone (as the seed does)
    leaves the visibility map empty: with autovacuum off or behind, index-only scans read
    the heap and deep list pages sort on disk (issue 12: 90 ms instead of 3-6 ms)."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(
        host=args.pg_host,
        port=args.pg_port,
        user=args.pg_user,
        dbname=args.db_name,
        autocommit=True,  # VACUUM cannot run inside a transaction
    ) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


# The open-data CSV as served now, with and without gzip, copied into STATIC_ROOT: the
# same bytes as a static file, which WhiteNoise indexes when gunicorn starts (the baseline
# of the open-data targets). In-process, through the real URL (the file is written first if
# no request or task has yet). A checkout that does not gzip it gets gzip level 6, as the
# project writes it.
STATIC_COPY_SCRIPT = """
import gzip, sys
from pathlib import Path
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
out = Path(%(dest)r)
out.parent.mkdir(parents=True, exist_ok=True)
def body(**headers):
    r = client.get("/accounts.csv", **headers)
    if r.status_code != 200:
        raise SystemExit(f"/accounts.csv answered {r.status_code}")
    data = r.getvalue()
    r.close()
    return r.get("Content-Encoding", ""), data
_, plain = body()
encoding, packed = body(HTTP_ACCEPT_ENCODING="gzip")
if encoding != "gzip":
    packed = gzip.compress(plain, compresslevel=6, mtime=0)
out.write_bytes(plain)
out.with_name(out.name + ".gz").write_bytes(packed)
print("BENCHSTATIC", len(plain), len(packed))
"""


def copy_csv_to_static(env, dest: str) -> str:
    """Write the current /accounts.csv and its gzip form to ``dest`` and ``dest``.gz (see
    STATIC_COPY_SCRIPT); a line saying their sizes."""
    _, out = manage(env, "shell", "-c", STATIC_COPY_SCRIPT % {"dest": dest}, capture=True)
    for line in out.splitlines():
        if line.startswith("BENCHSTATIC"):
            plain, packed = (int(n) for n in line.split()[1:])
            return f"{plain / 1024:.0f} KiB, gzip {packed / 1024:.0f} KiB"
    raise BenchError(f"could not copy /accounts.csv into STATIC_ROOT:\n{out[-2000:]}")


APPROVAL_SCRIPT = "from core.cache import bump; bump()"


def simulate_approval(env) -> None:
    """What an approval does to the public side: a new public generation, committed (and,
    where the code has it, the refresh job it queues: open-data files, warmed pages)."""
    manage(env, "shell", "-c", APPROVAL_SCRIPT, capture=True)


def drop_cache_keys(args, prefix: str) -> None:
    try:
        import redis
    except ImportError:
        return
    try:
        r = redis.Redis.from_url(args.cache_url)
        keys = list(r.scan_iter(match=f"{prefix}:*", count=1000))
        for i in range(0, len(keys), 500):
            r.delete(*keys[i : i + 500])
    except Exception as exc:  # cleanup only: a later run uses a prefix of its own anyway
        log(f"could not delete cached keys {prefix}:* ({exc})")
