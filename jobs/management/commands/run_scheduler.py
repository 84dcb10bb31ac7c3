"""python manage.py run_scheduler [--interval SECONDS]

The scheduler (jobs.scheduler): every minute the due mail, once a day at DAILY_JOBS_AT the
daily jobs (and at start-up when today's run has not succeeded; hourly again while it has
not). Runs until SIGTERM or SIGINT;
the worker that delivers queued mail is `manage.py db_worker`.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from jobs.scheduler import Scheduler


class Command(BaseCommand):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "送信待ちのメールを毎分送り、毎日の処理を決まった時刻に実行します（止めるまで動き続けます）。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=60.0, help=_("確認の間隔（秒）。既定は60。")
        )

    def handle(self, *args, interval: float = 60.0, **options) -> None:
        stop = threading.Event()
        scheduler = Scheduler(report=self.stdout.write)

        def shutdown(signum, frame) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, shutdown) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(
            _("スケジューラーを開始しました（毎日の処理：%(at)s）。")
            % {"at": scheduler.at.strftime("%H:%M")}
        )
        try:
            scheduler.run(stop, interval=max(interval, 0.1))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(_("スケジューラーを止めました。"))
