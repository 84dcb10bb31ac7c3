"""How long the import of existing accounts takes (issue 11 §1: 10 000 rows in well under a
minute): seeds a throwaway PostgreSQL database (the demo municipality plus ``--accounts``
listed accounts, so the lookups read a registry of realistic size), writes a 10 000-row .xlsx
and a 10 000-row CSV of new accounts, and times, in one process with production settings:

- reading + the dry run (``onboarding.services.plan``) of each file,
- the import (``apply``) of each file,
- the dry run of the .xlsx again (every row "unchanged": the idempotent re-import),

with the queries each took and the process's peak memory (RSS).

    .venv/bin/python -m bench.run imports                 # or: python -m bench.imports
    .venv/bin/python -m bench.imports --rows 2000 --accounts 0 --keep-db
"""

from __future__ import annotations

import argparse
import json

from bench.common import ROOT, BenchError, log
from bench.daily_jobs import environment
from bench.environment import create_db, drop_db, manage

SCRIPT = r"""
import io, json, resource, time
from django.db import connection, reset_queries
from django.conf import settings
from accounts import identity
from accounts.models import Service
from onboarding import columns as c, services, template_file
from organization.models import Department

ROWS = {rows}
settings.DEBUG = True  # count queries (the list is reset around each step)
sections = list(Department.objects.filter(kind="section").order_by("code"))
slugs = [s.slug for s in Service.objects.exclude(slug="other").order_by("sort_order")]

def rows(start):
    out = []
    n = start
    while len(out) < ROWS:
        slug = slugs[n % len(slugs)]
        handle = f"imp{{n:07d}}"
        try:
            identity.canonicalize("@" + handle, service=slug)
        except identity.IdentityError:
            n += 1
            continue
        dept = sections[n % len(sections)]
        out.append({{
            c.SERVICE: slug, c.URL: "@" + handle, c.NAME: f"サンプル市{{dept.name}} {{n}}",
            c.DEPARTMENT: dept.code, c.PURPOSE: f"{{dept.name}}からのお知らせを発信します。",
            c.RESPONSIBLE: "head", c.MANAGER: "manager",
            c.OPERATORS: "operator、operator2" if n % 3 else "operator",
            c.EMAIL: f"sns-{{dept.code}}@city.example.lg.jp", c.BADGE: "",
            c.FORMER: f"@old{{n:07d}}" if n % 20 == 0 else "",
            c.POLICY: "テンプレート" if n % 4 else f"{{dept.name}}の取り組みを発信します。",
            c.LISTED_ON: "2020-04-01" if n % 2 else "",
        }})
        n += 1
    return out

def step(label, fn):
    reset_queries()
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return result, {{"step": label, "seconds": seconds, "cpu": cpu,
        "queries": len(connection.queries)}}

figures = []
t = time.perf_counter()
xlsx = template_file.xlsx(rows(0))
csv = template_file.csv_bytes(rows(1_000_000))
figures.append({{"step": "write the files", "seconds": time.perf_counter() - t, "cpu": 0,
    "queries": 0, "bytes": [len(xlsx), len(csv)]}})
for kind, data in (("xlsx", xlsx), ("csv", csv)):
    plan, f = step(f"plan {{kind}}", lambda: services.plan(data))
    assert plan.ok, [str(e) for e in plan.errors[:5]]
    figures.append({{**f, "rows": len(plan.rows), "create": len(plan.to_create)}})
    result, f = step(f"apply {{kind}}", lambda: services.apply(plan, None, kind, plan.sha256))
    figures.append({{**f, "rows": len(result.created)}})
again, f = step("plan xlsx again (re-import)", lambda: services.plan(xlsx))
figures.append({{**f, "rows": len(again.rows), "unchanged": again.unchanged_count}})
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCHIMPORT" + json.dumps({{"figures": figures, "peak_mib": peak}}))
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows per file")
    parser.add_argument("--accounts", type=int, default=20_000, help="accounts already listed")
    parser.add_argument("--db-name", default="sns_bench_imports")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", default="5432")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args(argv)


def report(data: dict) -> None:
    print(f"\nImport of existing accounts (PostgreSQL, production settings; {ROOT.name})")
    print(f"{'step':<30} {'rows':>7} {'wall s':>8} {'rows/s':>9} {'CPU s':>7} {'queries':>8}")
    for f in data["figures"]:
        rows = f.get("rows", 0)
        rate = f"{rows / f['seconds']:9.0f}" if rows and f["seconds"] else f"{'':>9}"
        print(
            f"{f['step']:<30} {rows:>7} {f['seconds']:8.2f} {rate} {f['cpu']:7.2f}"
            f" {f['queries']:>8}"
        )
    print("(CPU s: this Python process only; the database's own work is in the wall time)")
    print(f"peak memory (RSS) of the process: {data['peak_mib']:.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_name}"
    env = environment(url, "R6,R7,R8,R11,R14")
    env["ORG_EMAIL_DOMAINS"] = "city.example.lg.jp"
    create_db(args)
    try:
        manage(env, "migrate", "--noinput", capture=True)
        manage(env, "seed_demo", capture=True)
        if args.accounts:
            seconds, _ = manage(env, "seed_demo", "--accounts", str(args.accounts), capture=True)
            log(f"seeded {args.accounts} listed accounts in {seconds:.0f} s")
        log(f"importing 2 × {args.rows} rows")
        _, out = manage(env, "shell", "-c", SCRIPT.format(rows=args.rows), capture=True)
        line = next((x for x in out.splitlines() if x.startswith("BENCHIMPORT")), None)
        if line is None:
            raise BenchError(f"the import failed:\n{out[-4000:]}")
        report(json.loads(line[len("BENCHIMPORT") :]))
    except BenchError as error:
        log(str(error))
        return 1
    finally:
        if not args.keep_db:
            drop_db(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
