"""python manage.py run_daily_jobs [--date YYYY-MM-DD] [--job NAME ...]

Runs every registered daily job (jobs.schedule) for the day (today by default; ``--date``
catches up a past day, never a future one), each in its own transaction, and records each run
(JobRun). A failing job does not stop the others; the exit status is non-zero when one failed.
Idempotent: running it twice, late, or after a week without runs is safe.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs import runner
from jobs.schedule import daily_jobs


class Command(BaseCommand):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.help = _("毎日の処理（催促のまとめメールなど）を実行し、結果を記録します。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help=_(
                "対象日（YYYY-MM-DD）。既定は今日。過去の日の分を取り戻すためのもので、明日以降は指定できません。"
            ),
        )
        parser.add_argument(
            "--job", action="append", dest="jobs", help=_("この処理だけを実行します（複数可）。")
        )

    def handle(self, *args, date: str | None = None, jobs: list[str] | None = None, **options):
        day = self._day(date)
        known = {job.name for job in daily_jobs()}
        unknown = sorted(set(jobs or []) - known)
        if unknown:
            raise CommandError(
                _("登録されていない処理です：%(names)s（登録済み：%(known)s）")
                % {"names": ", ".join(unknown), "known": ", ".join(sorted(known))}
            )
        try:
            outcomes = runner.run_daily_jobs(day, names=jobs)
        except runner.AlreadyRunning as error:
            raise CommandError(
                _("ほかのプロセスが毎日の処理を実行中です。終わってから実行してください。")
            ) from error
        for outcome in outcomes:
            line = f"{outcome.name}: {outcome.summary} ({outcome.seconds:.2f} s)"
            if outcome.succeeded:
                self.stdout.write(self.style.SUCCESS(line))
            else:
                self.stdout.write(self.style.ERROR(line))
        failed = [o.name for o in outcomes if not o.succeeded]
        if failed:
            raise CommandError(
                _("失敗した処理があります：%(names)s") % {"names": ", ".join(failed)}
            )

    def _day(self, value: str | None) -> date:
        if not value:
            return timezone.localdate()
        try:
            day = date.fromisoformat(value.strip())
        except ValueError as error:
            raise CommandError(
                _("日付は YYYY-MM-DD の形で指定してください：%(value)r") % {"value": value}
            ) from error
        today = timezone.localdate()
        if day > today:
            # A future day would close accounts scheduled up to that day now, and record the
            # digest's reminders as mailed in the future (hiding them until then).
            raise CommandError(
                _(
                    "未来の日付（%(day)s）は指定できません。今日（%(today)s）以前の日付を指定してください。"
                )
                % {"day": day.isoformat(), "today": today.isoformat()}
            )
        return day
