"""Demo data: a plausible municipality, one user per role, a dozen listed accounts.

python manage.py seed_demo                 # idempotent
python manage.py seed_demo --accounts N    # plus N more listed accounts (bulk, for load tests)
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from core.demo import DEMO_PASSWORD, seed_bulk_accounts, seed_municipality


class Command(BaseCommand):
    help = "デモ用の組織・職員・公式アカウントを作成します（何度実行しても同じ結果になります）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--accounts",
            type=int,
            default=0,
            help="公開中のアカウントをさらにN件まとめて追加します（性能測定用）。",
        )

    def handle(self, *args, accounts: int = 0, **options) -> None:
        users = seed_municipality()
        self.stdout.write(self.style.SUCCESS("デモデータを用意しました。"))
        self.stdout.write(f"デモ用パスワード（全員共通）: {DEMO_PASSWORD}")
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
                    f"公開中のアカウントを{created}件追加しました（{elapsed:.1f}秒）。"
                )
            )
