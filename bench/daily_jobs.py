"""How long one daily run takes with N accounts (issue 10 note): seeds a throwaway database and
times `manage.py run_daily_jobs` per job — on the day of seeding, again the same day (the
idempotent second run), and 13 months later (everything due: the heaviest day) — then the
outbox flush of the mail those runs queued.

    .venv/bin/python -m bench.daily_jobs                        # PostgreSQL sns_bench_jobs, 20 000
    .venv/bin/python -m bench.daily_jobs --sqlite               # a temporary SQLite file instead
    .venv/bin/python -m bench.daily_jobs --accounts 2000 --keep-db

Production settings; mail to Django's dummy backend (the SMTP server's time is not measured).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.common import PYTHON, ROOT, BenchError, log
from bench.environment import create_db, drop_db, manage

LINE = re.compile(r"^(?P<name>[\w-]+): (?P<summary>.*) \((?P<seconds>[\d.]+) s\)$")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file")
    parser.add_argument("--db-name", default="sns_bench_jobs")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", default="5432")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--checklist",
        default="R6,R7,R8,R10,R11,R12,R14",
        help="CHECKLIST_ITEMS: by default every reminder switched on (R7, R10, R12)",
    )
    return parser.parse_args()


def environment(database_url: str, checklist: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        EMAIL_URL="dummymail://",
        SITE_URL="https://sns.city.example.lg.jp",
        LOG_LEVEL="WARNING",
        CHECKLIST_ITEMS=checklist,
        # The handle check asks Bluesky (reviews.handles): a closed local port, so the bench
        # measures the registry, never the internet (the accounts count as unchecked).
        BLUESKY_API_URL="http://127.0.0.1:9",
        PYTHONUNBUFFERED="1",
    )
    return env


AGE_RECORDS = """
from datetime import timedelta
from django.db.models import F
from accounts.models import Officer, OfficialAccount
from approvals.models import ApprovalRequest
from organization.models import User
shift = timedelta(days=400)
OfficialAccount.objects.filter(listed_at__isnull=False).update(listed_at=F("listed_at") - shift)
OfficialAccount.objects.update(credentials_rotated_on=None, last_activity_on=None)
ApprovalRequest.objects.filter(submitted_at__isnull=False).update(
    submitted_at=F("submitted_at") - shift
)
managers = Officer.objects.filter(role="manager", user__isnull=True).select_related("account")
by_department = {}
for officer in managers.iterator():
    department = officer.account.department
    people = by_department.setdefault(department.pk, [])
    if not people or len(people[-1][1]) >= 100:
        n = sum(len(p) for p in by_department.values())
        user = User.objects.create(
            username=f"bench-manager-{department.pk}-{n}",
            email=f"bench-manager-{department.pk}-{n}@city.example.lg.jp",
            role="manager",
            department=department,
        )
        people.append((user, []))
    people[-1][1].append(officer.pk)
for people in by_department.values():
    for user, ids in people:
        Officer.objects.filter(pk__in=ids).update(user=user, name="")
"""


def daily_run(env: dict[str, str], day: date, label: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "manage.py", "run_daily_jobs", "--date", day.isoformat()],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wall = time.perf_counter() - started
    log(f"{label} ({day}): {wall:.1f} s wall (process start and Django set-up included)")
    for line in proc.stdout.splitlines():
        match = LINE.match(line.strip())
        if match:
            log(f"  {match['name']:<28} {float(match['seconds']):7.2f} s  {match['summary']}")
        elif line.strip() and "Traceback" not in line:
            log(f"  | {line.strip()[:160]}")
    if proc.returncode != 0:
        log(f"  exit status {proc.returncode}: a job failed (see above)")
    return wall


def main() -> int:
    args = parse_args()
    tmp = None
    if args.sqlite:
        tmp = tempfile.mkdtemp(prefix="bench-jobs-")
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
    else:
        create_db(args)
        url = f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_name}"
    env = environment(url, args.checklist)
    try:
        manage(env, "migrate", "--noinput", capture=True)
        manage(env, "seed_demo", capture=True)
        seconds, _ = manage(env, "seed_demo", "--accounts", str(args.accounts), capture=True)
        log(f"seeded {args.accounts} accounts in {seconds:.0f} s ({'SQLite' if tmp else url})")
        today = date.today()  # noqa: DTZ011 — the seeding's day, local as the jobs' own
        daily_run(env, today, "first run")
        daily_run(env, today, "second run, same day")
        # The heaviest day: the same records 13 months on. Jobs refuse a future --date, so the
        # records are aged instead, and every bulk account's 管理者 becomes a staff user (one
        # per 100 accounts), so reminders have people to go to.
        manage(env, "shell", "-c", AGE_RECORDS, capture=True)
        log("aged every record by 400 days; a 管理者 with a login on every account")
        daily_run(env, today, "13 months later (records aged)")
        seconds, out = manage(env, "deliver_mail", capture=True)
        log(f"deliver_mail: {out.strip()} in {seconds:.1f} s")
    except BenchError as error:
        log(str(error))
        return 1
    finally:
        if tmp is None and not args.keep_db:
            drop_db(args)
        elif tmp is not None and not args.keep_db:
            for path in Path(tmp).iterdir():
                path.unlink()
            Path(tmp).rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
