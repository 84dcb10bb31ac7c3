"""``manage.py import_accounts FILE [--dry-run] [--user LOGIN]`` — the import of the accounts
a city already runs, from a CSV or .xlsx file (onboarding.services; README
「既存アカウントの取り込み」). The report is the one the staff page shows."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from onboarding import services
from onboarding.checks import CREATE, UNCHANGED
from onboarding.permissions import can_import_accounts
from onboarding.reader import MAX_BYTES, ImportRefused
from organization.models import User


class Command(BaseCommand):
    help = gettext_noop(
        "既存の公式アカウントをCSV／Excel（.xlsx）から台帳に取り込みます（--dry-run で確認のみ）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help=_("登録せず、確認結果だけ表示する")
        )
        parser.add_argument(
            "--user",
            help=_(
                "取り込んだ職員として記録するログインID（広報担当課の職員）。"
                "省略するとコマンドとして記録"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        user = self._user(options.get("user"))
        try:
            with path.open("rb") as f:
                data = f.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(_("ファイルを開けません：%(error)s") % {"error": exc}) from exc
        try:
            plan = services.plan(data)
        except ImportRefused as exc:
            raise CommandError(exc.message) from exc
        self._report(plan)
        if not plan.ok:
            count = len(plan.errors) + len(plan.file_errors)
            raise CommandError(
                _("誤りが%(count)s件あります。何も登録していません。") % {"count": count}
            )
        if options["dry_run"]:
            self.stdout.write(_("ドライラン：何も登録していません。"))
            return
        try:
            result = services.apply(plan, user, path.name, hashlib.sha256(data).hexdigest())
        except ImportRefused as exc:
            raise CommandError(exc.message) from exc
        if result.batch is None:
            self.stdout.write(_("新しく登録するアカウントはありませんでした（すべて登録済み）。"))
            return
        self.stdout.write(
            _(
                "%(created)s件を取り込みました（取り込み No.%(batch)s、"
                "登録済み・変更なし %(unchanged)s件）。"
            )
            % {
                "created": len(result.created),
                "batch": result.batch.pk,
                "unchanged": result.unchanged,
            }
        )

    def _user(self, login: str | None) -> User | None:
        if not login:
            return None
        user = User.objects.filter(username=login).select_related("department").first()
        if user is None:
            raise CommandError(_("ログインID「%(login)s」の職員はいません。") % {"login": login})
        if not can_import_accounts(user):
            raise CommandError(
                _("%(user)s（%(login)s）は広報担当課の職員ではないため、取り込めません。")
                % {"user": user, "login": login}
            )
        return user

    def _report(self, plan: services.ImportPlan) -> None:
        for error in plan.file_errors:
            self.stderr.write(error)
        for row_error in plan.errors:
            self.stderr.write(str(row_error))
        for warning in plan.warnings:
            self.stdout.write(_("確認：%(warning)s") % {"warning": warning})
        if plan.ignored_columns:
            self.stdout.write(
                _("取り込まない列：%(columns)s") % {"columns": "、".join(plan.ignored_columns)}
            )
        for row in plan.rows:
            if row.action in (CREATE, UNCHANGED):
                self.stdout.write(
                    _("%(line)s行目 %(action)s：%(service)s %(handle)s %(name)s（%(department)s）")
                    % {
                        "line": row.line,
                        "action": row.action_label,
                        "service": row.service,
                        "handle": row.handle,
                        "name": row.display_name,
                        "department": row.department.full_name if row.department else "",
                    }
                )
        self.stdout.write(plan.summary)
