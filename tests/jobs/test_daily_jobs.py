"""`manage.py run_daily_jobs`: every job in its own transaction, recorded, a failure stops
nothing else; and the scheduler that runs them once a day and catches up (issue 10 §6)."""

from __future__ import annotations

import io
import os
import signal
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from jobs import lease, runner
from jobs.models import JobRun, OutboxMail
from jobs.scheduler import Scheduler
from organization.models import Department

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def calls(only_jobs):
    """Two jobs that record each day they ran for; ``fail`` makes the first one fail."""
    seen: list[tuple[str, date]] = []
    failing: set[str] = set()

    def first(day: date) -> str:
        seen.append(("first", day))
        Department.objects.create(
            name="途中まで書いた局", code=f"X{len(seen)}", kind=Department.Kind.BUREAU
        )
        if "first" in failing:
            raise ValueError("壊れたデータ")
        return "一つ目：1件"

    def second(day: date) -> str:
        seen.append(("second", day))
        return "二つ目：0件"

    only_jobs(first=first, second=second)
    return seen, failing


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("run_daily_jobs", *args, stdout=out)
    return out.getvalue()


# --- run_daily_jobs -----------------------------------------------------------------------------


def test_every_job_runs_for_the_day_and_is_recorded(calls):
    seen, _ = calls
    out = run("--date", "2026-04-01")
    assert seen == [("first", date(2026, 4, 1)), ("second", date(2026, 4, 1))]
    assert "first: 一つ目：1件" in out
    assert "second: 二つ目：0件" in out
    assert " s)" in out  # each job's duration
    records = {r.name: r for r in JobRun.objects.all()}
    assert records.keys() == {"first", "second"}
    assert all(r.succeeded and r.finished_at >= r.started_at for r in records.values())
    assert records["first"].summary == "一つ目：1件"
    assert runner.day_succeeded(date(2026, 4, 1))


def test_a_failing_job_is_recorded_rolled_back_and_does_not_stop_the_others(calls, caplog):
    seen, failing = calls
    failing.add("first")
    with pytest.raises(CommandError, match="first"):
        run("--date", "2026-04-01")
    assert ("second", date(2026, 4, 1)) in seen  # still ran
    failed = JobRun.objects.get(name="first")
    assert not failed.succeeded
    assert "ValueError: 壊れたデータ" in failed.summary
    assert JobRun.objects.get(name="second").succeeded
    assert not Department.objects.filter(name="途中まで書いた局").exists()  # its own transaction
    assert any(r.name == "jobs.runner" and r.exc_info for r in caplog.records)
    assert not runner.day_succeeded(date(2026, 4, 1))


def test_only_the_named_job_runs(calls):
    seen, _ = calls
    run("--job", "second")
    assert [name for name, _ in seen] == ["second"]


@pytest.mark.parametrize("bad", ["2026-13-01", "昨日", "2026/04/01", "\x00", "9" * 1000])
def test_a_bad_date_is_refused_with_a_message(calls, bad):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", bad)
    assert not JobRun.objects.exists()


def test_an_unknown_job_is_refused_with_the_known_names(calls):
    with pytest.raises(CommandError, match="first, second"):
        run("--job", "nope")


def test_a_future_day_is_refused_and_nothing_runs(calls):
    """``--date`` is for catching up past days: a day after today would close accounts
    scheduled up to that day now, and record reminders as mailed in the future."""
    seen, _ = calls
    with time_machine.travel(at(date(2026, 4, 1), 0, 30), tick=False):  # 3/31 in UTC
        with pytest.raises(CommandError, match="未来の日付（2026-04-02）は指定できません"):
            run("--date", "2026-04-02")
        with pytest.raises(runner.FutureDay):
            runner.run_daily_jobs(date(2027, 1, 1))  # the runner refuses too
        run("--date", "2026-04-01")  # today is fine
        run("--date", "2026-03-01")  # a past day is catching up
    assert [day for _, day in seen] == [date(2026, 4, 1)] * 2 + [date(2026, 3, 1)] * 2
    assert not JobRun.objects.filter(day__gt=date(2026, 4, 1)).exists()


def test_today_by_default_in_local_time(calls):
    seen, _ = calls
    with time_machine.travel(at(date(2026, 4, 1), 0, 30), tick=False):  # still 3/31 in UTC
        run()
    assert seen[0] == ("first", date(2026, 4, 1))


def test_the_job_runs_twice_the_second_run_is_harmless(calls):
    run("--date", "2026-04-01")
    run("--date", "2026-04-01")
    assert JobRun.objects.filter(succeeded=True).count() == 4  # both recorded


def test_another_runner_holding_the_lease_means_no_second_run_at_once(calls):
    seen, _ = calls
    assert lease.acquire(runner.LOCK, "other-host:1", runner.LOCK_FOR)
    with pytest.raises(CommandError, match="実行中"):
        run()
    assert seen == []
    # A holder that died: its lease expires and the next run goes ahead.
    with time_machine.travel(datetime.now(TOKYO) + runner.LOCK_FOR + timedelta(minutes=1)):
        run()
    assert len(seen) == 2


def test_the_reminder_digest_is_a_registered_daily_job():
    from jobs.schedule import daily_jobs

    assert "reminder_digest" in {job.name for job in daily_jobs()}


# --- The scheduler ------------------------------------------------------------------------------


AT = datetime.strptime("00:05", "%H:%M").time()  # noqa: DTZ007 — a time of day


def test_the_daily_jobs_run_just_after_midnight_by_default(settings):
    """00:05: a closure scheduled for a day takes effect at its start, and the digests are
    waiting in the morning (issue 10 review)."""
    from config.settings import base
    from jobs.scheduler import DEFAULT_DAILY_JOBS_AT, daily_time

    assert base.DAILY_JOBS_AT == DEFAULT_DAILY_JOBS_AT == "00:05"
    assert Scheduler().at == AT
    del settings.DAILY_JOBS_AT
    assert daily_time() == AT


def test_the_scheduler_runs_the_jobs_once_a_day_at_five_past_midnight(calls):
    seen, _ = calls
    day = date(2026, 4, 1)
    scheduler = Scheduler(at=AT)
    with time_machine.travel(at(day, 6, 30), tick=False):
        scheduler.tick()  # start-up after 00:05: today's run is missing
    assert seen == [("first", day), ("second", day)]
    for hour, minute in [(6, 31), (7, 31), (12, 0), (23, 59)]:
        with time_machine.travel(at(day, hour, minute), tick=False):
            scheduler.tick()
    tomorrow = day + timedelta(days=1)
    with time_machine.travel(at(tomorrow, 0, 4), tick=False):
        scheduler.tick()
    assert len(seen) == 2
    with time_machine.travel(at(tomorrow, 0, 5), tick=False):
        scheduler.tick()
        scheduler.tick()
    assert seen[2:] == [("first", tomorrow), ("second", tomorrow)]
    with time_machine.travel(at(tomorrow, 1, 6), tick=False):
        scheduler.tick()  # succeeded: no hourly rerun
    assert len(seen) == 4


def test_a_scheduler_started_late_catches_up_once(calls):
    """Down at midnight, or for a week: at start-up it runs today's jobs (which work from what
    is due on or before today, so nothing of the missed days is lost), once."""
    seen, _ = calls
    day = date(2026, 4, 8)
    with time_machine.travel(at(day, 0, 2), tick=False):
        scheduler = Scheduler(at=AT)
        scheduler.tick()
        scheduler.tick()
    assert seen == [("first", day), ("second", day)]
    with time_machine.travel(at(day, 0, 5), tick=False):
        scheduler.tick()  # today's run succeeded already
    assert len(seen) == 2
    with time_machine.travel(at(day, 9, 0), tick=False):
        Scheduler().tick()  # a restart, or a second scheduler: nothing more
    assert len(seen) == 2


def test_a_failed_run_is_tried_again_every_hour_until_it_succeeds(calls):
    """A failing job (a closure that could not be made, a database hiccup) is not left until
    tomorrow: the scheduler tries today's run again hourly — not every minute."""
    seen, failing = calls
    failing.add("first")
    day = date(2026, 4, 1)
    scheduler = Scheduler(at=AT)
    with time_machine.travel(at(day, 0, 5), tick=False):
        scheduler.tick()
    for minute in range(6, 60, 7):  # the rest of the first hour: no tight loop
        with time_machine.travel(at(day, 0, minute), tick=False):
            scheduler.tick()
    assert len(seen) == 2
    with time_machine.travel(at(day, 1, 5), tick=False):
        scheduler.tick()  # an hour later, still failing
    assert len(seen) == 4
    assert JobRun.objects.filter(name="first", succeeded=False).count() == 2
    failing.clear()
    with time_machine.travel(at(day, 1, 30), tick=False):
        scheduler.tick()
    assert len(seen) == 4
    with time_machine.travel(at(day, 2, 5), tick=False):
        scheduler.tick()
    assert len(seen) == 6
    assert runner.day_succeeded(day)
    for hour in (3, 4, 12, 23):
        with time_machine.travel(at(day, hour, 5), tick=False):
            scheduler.tick()
    assert len(seen) == 6  # done for the day


def test_a_failed_catch_up_at_start_up_is_tried_again_from_the_daily_time(calls):
    seen, failing = calls
    failing.add("first")
    day = date(2026, 4, 1)
    scheduler = Scheduler(at=datetime.strptime("06:00", "%H:%M").time())  # noqa: DTZ007
    with time_machine.travel(at(day, 2, 0), tick=False):
        scheduler.tick()
    failing.clear()
    with time_machine.travel(at(day, 5, 0), tick=False):
        scheduler.tick()  # before the configured time: not yet
    assert len(seen) == 2
    with time_machine.travel(at(day, 6, 0), tick=False):
        scheduler.tick()
    with time_machine.travel(at(day, 7, 0), tick=False):
        scheduler.tick()
    assert [name for name, _ in seen] == ["first", "second", "first", "second"]
    assert runner.day_succeeded(day)


def test_the_scheduler_sends_due_mail_every_tick(calls, smtp):
    from jobs.mail import queue_mail

    queue_mail(["a@example.jp"], "毎分", "本文")
    Scheduler().tick()
    assert len(smtp.messages) == 1
    assert OutboxMail.objects.get().sent_at is not None


def test_the_scheduler_survives_a_failing_flush(calls, monkeypatch, caplog):
    seen, _ = calls

    def broken() -> int:
        raise RuntimeError("SMTP の設定が壊れている")

    monkeypatch.setattr("jobs.scheduler.flush_outbox", broken)
    Scheduler().tick()
    assert len(seen) == 2  # the daily jobs still ran
    assert any(r.name == "jobs.scheduler" for r in caplog.records)


def test_run_scheduler_stops_cleanly_on_sigterm(calls, monkeypatch):
    # Inside the test's transaction: no reconnecting between ticks (see run_worker).
    monkeypatch.setattr("jobs.scheduler.close_old_connections", lambda: None)
    seen, _ = calls
    out = io.StringIO()
    previous = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        call_command("run_scheduler", "--interval", "0.1", stdout=out)
    finally:
        timer.cancel()
    assert "止めました" in out.getvalue()
    assert len(seen) == 2  # the start-up catch-up ran
    assert signal.getsignal(signal.SIGTERM) == previous  # handlers restored
