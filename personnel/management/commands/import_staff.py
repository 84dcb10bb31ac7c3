"""``manage.py import_staff FILE.csv [--dry-run] [--deactivate-missing]`` — the bulk update of
staff from the personnel system (personnel.imports; README 「職員の一括更新」)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from personnel import imports


class Command(BaseCommand):
    help = _("人事システムのCSVで職員を一括更新します（--dry-run で確認のみ）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help=_("変更せず、内容だけ表示する"))
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help=_("ファイルにない職員を無効化する（システム管理者を除く）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with path.open("rb") as f:
                data = f.read(imports.MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(_("ファイルを開けません：%(error)s") % {"error": exc}) from exc
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
            raise CommandError(
                _("誤りが%(count)s件あります。何も変更していません。")
                % {"count": len(result.errors)}
            )
        for row in result.changing:
            where = _("%(line)s行目") % {"line": row.line} if row.line else _("ファイルになし")
            detail = _("、").join(row.changes)
            self.stdout.write(
                _("%(where)s %(user)s：%(action)s %(detail)s")
                % {
                    "where": where,
                    "user": row.username,
                    "action": row.action_label,
                    "detail": detail,
                }
            )
        verb = (
            _("変更の予定（ドライラン、何も変更していません）")
            if options["dry_run"]
            else _("変更しました")
        )
        self.stdout.write(
            _(
                "%(verb)s：新規%(create)s人、変更%(change)s人、無効化%(deactivate)s人、"
                "変更なし%(unchanged)s人。担当者の変更が必要になるアカウント：%(flagged)s件"
            )
            % {
                "verb": verb,
                "create": result.count("create"),
                "change": result.count("change"),
                "deactivate": result.count("deactivate"),
                "unchanged": result.count("unchanged"),
                "flagged": result.flagged_accounts,
            }
        )
