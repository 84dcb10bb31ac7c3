"""``manage.py import_staff FILE.csv [--dry-run] [--deactivate-missing]`` — the bulk update of
staff from the personnel system (personnel.imports; README 「職員の一括更新」)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from personnel import imports


class Command(BaseCommand):
    help = "人事システムのCSVで職員を一括更新します（--dry-run で確認のみ）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="変更せず、内容だけ表示する")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="ファイルにない職員を無効化する（システム管理者を除く）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with path.open("rb") as f:
                data = f.read(imports.MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"ファイルを開けません：{exc}") from exc
        missing = options["deactivate_missing"]
        try:
            if options["dry_run"]:
                result = imports.plan(data, deactivate_missing=missing)
            else:
                result = imports.apply(data, deactivate_missing=missing)
        except imports.ImportRefused as exc:
            raise CommandError(exc.message) from exc
        for error in result.errors:
            self.stderr.write(str(error))
        if not result.ok:
            raise CommandError(f"誤りが{len(result.errors)}件あります。何も変更していません。")
        for row in result.changing:
            where = f"{row.line}行目" if row.line else "ファイルになし"
            detail = "、".join(row.changes)
            self.stdout.write(f"{where} {row.username}：{row.action_label} {detail}".rstrip())
        verb = (
            "変更の予定（ドライラン、何も変更していません）"
            if options["dry_run"]
            else "変更しました"
        )
        self.stdout.write(
            f"{verb}：新規{result.count('create')}人、変更{result.count('change')}人、"
            f"無効化{result.count('deactivate')}人、変更なし{result.count('unchanged')}人。"
            f"担当者の変更が必要になるアカウント：{result.flagged_accounts}件"
        )
