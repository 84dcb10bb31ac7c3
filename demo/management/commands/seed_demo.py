"""Demo data: a plausible municipality, one user per role, a dozen listed accounts.

python manage.py seed_demo                 # idempotent
python manage.py seed_demo --accounts N    # plus N more listed accounts (bulk, for load tests)
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from demo.data import DEMO_PASSWORD, seed_bulk_accounts, seed_municipality


class Command(BaseCommand):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # argparse needs a str, not a lazy one: translated when the command is loaded.
        self.help = _(
            "デモ用の組織・職員・公式アカウントを作成します（何度実行しても同じ結果になります）。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--accounts",
            type=int,
            default=0,
            help=_("公開中のアカウントをさらにN件まとめて追加します（性能測定用）。"),
        )

    def handle(self, *args, accounts: int = 0, **options) -> None:
        users = seed_municipality()
        self.stdout.write(self.style.SUCCESS(_("デモデータを用意しました。")))
        self.stdout.write(
            _("デモ用パスワード（全員共通）: %(password)s") % {"password": DEMO_PASSWORD}
        )
        for user in users:
            self.stdout.write(
                f"  {user.username:<10} {user.get_role_display()}（{user.department or '—'}）"
            )
        if accounts > 0:
            started = time.perf_counter()
            created = seed_bulk_accounts(accounts)
            elapsed = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(
                    _("公開中のアカウントを%(count)s件追加しました（%(seconds).1f秒）。")
                    % {"count": created, "seconds": elapsed}
                )
            )
