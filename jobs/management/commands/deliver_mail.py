"""python manage.py deliver_mail — send every due mail in the outbox now (jobs.outbox).

The scheduler does this every minute; as a cron line (`* * * * *`) it replaces the scheduler's
half of the work. Safe to run while a worker or another copy runs: each mail is sent once.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jobs.outbox import flush_outbox


class Command(BaseCommand):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.help = _("送信待ちのメールのうち、送る時刻になったものをすべて送ります。")

    def handle(self, *args, **options) -> None:
        sent = flush_outbox()
        self.stdout.write(_("%(count)d通送りました。") % {"count": sent})
