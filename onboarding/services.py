"""The import of the accounts a city already runs (issue 11 §1): ``plan`` (the dry run) and
``apply`` (all or nothing).

Each row is read against the registry (``onboarding.checks``). A row becomes a listed account
with its officers, a published policy (the municipality's template, with the row's purpose
and policy text) and its migration approval (``ImportedAccount``: who imported it, when,
from which file and row — R1/R2 were given on paper before the registry existed). A row that
names an account the registry already lists with the same details is "unchanged", so the same
file imported twice creates nothing the second time; with other details it is an error: the
import never changes an account (a change request does, through both approvals).

Speed (10 000 rows in well under a minute; ``python -m bench.run imports``): the registry is
read once per file, not once per row (``onboarding.lookups``), and rows are written with
``bulk_create`` — the history rows too (django-simple-history's
``bulk_create_with_history``). Bulk writes send no signals: the public pages are made stale
here (``core.cache.bump``), and ``personnel.signals`` has nothing to do for a new account (no
open flag can name it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts import renames
from accounts.models import IdentifierSource, Officer, OfficerRole, OfficialAccount
from core.cache import bump
from core.rows import RowError
from onboarding import checks
from onboarding import columns as c
from onboarding.checks import CREATE, ERROR, UNCHANGED, RowPlan
from onboarding.lookups import Lookups
from onboarding.models import AccountImport, ImportedAccount
from onboarding.reader import ImportRefused, read
from organization.models import User
from policies.models import REQUIRED_FOR_PUBLICATION, OperationPolicy, PolicyStatus
from policies.models import PolicyTemplate as Template
from policies.services import get_policy_template

BATCH = 1_000  # rows per INSERT


@dataclass
class ImportPlan:
    rows: list[RowPlan] = field(default_factory=list)
    # Problems of the file as a whole (the policy template lacks a required item …).
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    kind: str = ""
    sha256: str = ""

    @property
    def errors(self) -> list[RowError]:
        return [e for row in self.rows for e in row.errors]

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(row.action != ERROR for row in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def unchanged_count(self) -> int:
        return self.count(UNCHANGED)

    @property
    def to_create(self) -> list[RowPlan]:
        return [row for row in self.rows if row.action == CREATE]

    @property
    def warnings(self) -> list[str]:
        return [
            _("%(line)s行目：%(warning)s") % {"line": row.line, "warning": w}
            for row in self.rows
            for w in row.warnings
        ]

    @property
    def summary(self) -> str:
        return _(
            "%(rows)s行：登録する%(create)s件、登録済み（変更なし）%(unchanged)s件、"
            "誤りのある行%(error)s行（誤り%(errors)s件）。"
        ) % {
            "rows": len(self.rows),
            "create": self.count(CREATE),
            "unchanged": self.count(UNCHANGED),
            "error": self.count(ERROR),
            "errors": len(self.errors) + len(self.file_errors),
        }

    @property
    def digest(self) -> str:
        """What the person saw and confirmed: each row's outcome. The confirmation imports only
        when the file, read again against the registry, still gives the same."""
        text = "\n".join(
            f"{row.line}:{row.action}:{row.values.get('identifier', '')}:{row.existing_pk}"
            for row in self.rows
        )
        return hashlib.sha256(f"{self.sha256}\n{text}".encode()).hexdigest()


@dataclass
class ImportResult:
    batch: AccountImport | None
    created: list[OfficialAccount]
    unchanged: int


# --- The dry run ----------------------------------------------------------------------------


def plan(data: bytes) -> ImportPlan:
    """Read the file and say, row by row, what importing it would do. Changes nothing.
    Raises ``ImportRefused`` when the file cannot be read at all."""
    table = read(data)
    look = Lookups.load(table.rows)
    seen = checks.FileState()
    result = ImportPlan(
        ignored_columns=table.ignored_columns,
        kind=table.kind,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    result.rows = [checks.check_row(row, look, seen) for row in table.rows]
    _former_against_file(result.rows, seen)
    look.load_existing(row.existing_pk for row in result.rows if row.existing_pk)
    for row in result.rows:
        if row.action == CREATE and row.existing_pk is not None:
            _compare(row, look)
        if row.action == CREATE and row.claims_former:
            _flag_claimed_handle(row)
    labels = {f.name: str(f.verbose_name) for f in Template._meta.fields}
    missing = [labels[f] for f in _template_gaps(look)]
    if missing and result.to_create:
        result.file_errors.append(
            _(
                "運用ポリシーのひな形に、公開に必要な項目が空のものがあります（%(items)s）。"
                "システム管理者にひな形を整えてもらってから取り込んでください（R3）。"
            )
            % {"items": "、".join(missing)}
        )
    return result


def _template_gaps(look: Lookups) -> list[str]:
    """Required items (R3) the template leaves empty; each row gives purpose and content."""
    return [
        f
        for f in REQUIRED_FOR_PUBLICATION
        if f not in ("purpose", "content") and not getattr(look.template, f).strip()
    ]


def _former_against_file(rows: list[RowPlan], seen: checks.FileState) -> None:
    """A former ID that another row of the same file lists as its current handle."""
    for row in rows:
        if row.service is None:
            continue
        for identifier in row.former:
            other = seen.keys.get((row.service.pk, identifier))
            if other is not None and other != row.line:
                row.error(
                    c.FORMER,
                    _("「%(id)s」は%(other)s行目のアカウントの現在のIDです。")
                    % {"id": identifier, "other": other},
                )
                row.action = ERROR


def _compare(row: RowPlan, look: Lookups) -> None:
    """The row names an account the registry lists: unchanged when every detail the file
    gives is the same; otherwise an error saying which (the import never changes an account:
    a change request does, through both approvals)."""
    existing = look.existing.get(row.existing_pk or 0)
    if existing is None:  # closed since the lookup: treated as new by the next dry run
        row.error(c.URL, _("台帳が変わりました。もう一度確認してください。"))
        row.action = ERROR
        return
    row.existing = existing
    differ = []
    if existing.display_name != row.values["display_name"]:
        differ.append(c.NAME)
    if row.values["name_reading"] and existing.name_reading != row.values["name_reading"]:
        differ.append(c.READING)
    if row.department is None or existing.department_id != row.department.pk:
        differ.append(c.DEPARTMENT)
    if existing.purpose != row.values["purpose"]:
        differ.append(c.PURPOSE)
    if existing.registration_email.lower() != row.values["registration_email"]:
        differ.append(c.EMAIL)
    if existing.badge_status != row.values["badge_status"]:
        differ.append(c.BADGE)
    if row.values.get("platform_id") and existing.platform_id != row.values["platform_id"]:
        differ.append(c.PLATFORM_ID)
    held = {(o.role, o.user_id) for o in existing.officers.all()}
    for role, column in checks.ROLE_COLUMNS.items():
        mine = {(r, u.pk) for r, u in row.officers if r == role}
        if mine != {h for h in held if h[0] == role}:
            differ.append(column)
    if differ:
        row.error(
            c.URL,
            _(
                "このアカウントは既に台帳に登録されていて、内容が異なります（%(columns)s）。"
                "取り込みでは変更しません。変更は変更申請で行ってください。"
            )
            % {"columns": "、".join(differ)},
        )
        row.action = ERROR
        return
    row.action = UNCHANGED


def _flag_claimed_handle(row: RowPlan) -> None:
    """Issue 14 §2: the handle was once another official account's — shown to the PR
    division (the same rows the request page warns of, ``accounts.renames.former_users``)."""
    if row.service is None:
        return
    for former in renames.former_users(row.service, row.values["identifier"]):
        row.warnings.append(
            _(
                "%(handle)s は以前、台帳の「%(name)s」が使っていたIDです（%(until)s まで）。"
                "同じ団体のアカウントか確かめてください。"
            )
            % {
                "handle": row.handle,
                "name": former.account.display_name,
                "until": f"{former.used_until:%Y/%m/%d}",
            }
        )


# --- The import -----------------------------------------------------------------------------


def apply(plan: ImportPlan, user: User | None, file_name: str, sha256: str) -> ImportResult:
    """Import the rows ``plan`` found, all or nothing. Refused (``ImportRefused``) when the
    plan has an error, or when the registry changed since it was made (a key taken)."""
    if not plan.ok:
        raise ImportRefused(
            _("誤りが%(count)s件あるため取り込みません。直してからもう一度確認してください。")
            % {"count": len(plan.errors) + len(plan.file_errors)}
        )
    rows = plan.to_create
    if not rows:
        return ImportResult(batch=None, created=[], unchanged=plan.count(UNCHANGED))
    try:
        with transaction.atomic():
            return _write(plan, rows, user, file_name[:255], sha256)
    except IntegrityError as exc:
        raise ImportRefused(
            _(
                "確認の後に台帳が変わりました（同じアカウントが別に登録されたなど）。"
                "何も取り込んでいません。もう一度確認してください。"
            )
        ) from exc


def _write(
    plan: ImportPlan, rows: list[RowPlan], user: User | None, file_name: str, sha256: str
) -> ImportResult:
    now = timezone.now()
    reason = _("既存アカウントの取り込み（%(file)s）") % {"file": file_name}
    batch = AccountImport.objects.create(
        file_name=file_name,
        file_sha256=sha256,
        imported_by=user,
        imported_at=now,
        row_count=len(plan.rows),
        created_count=len(rows),
    )
    accounts = []
    for row in rows:
        account = row.account()
        account.listed_at = account.listed_at or now
        account.search_text = account.build_search_text()
        accounts.append(account)
    history = {"default_user": user, "default_change_reason": reason, "default_date": now}
    accounts = bulk_create_with_history(accounts, OfficialAccount, batch_size=BATCH, **history)
    officers = [
        Officer(account=account, role=role, user=person, title=person.title)
        for row, account in zip(rows, accounts, strict=True)
        for role, person in _ordered(row.officers)
    ]
    bulk_create_with_history(officers, Officer, batch_size=BATCH, **history)
    template = get_policy_template()
    policies = [
        _published_policy(account, row, template, user, now)
        for row, account in zip(rows, accounts, strict=True)
    ]
    bulk_create_with_history(policies, OperationPolicy, batch_size=BATCH, **history)
    ImportedAccount.objects.bulk_create(
        [
            ImportedAccount(account=account, batch=batch, line=row.line)
            for row, account in zip(rows, accounts, strict=True)
        ],
        batch_size=BATCH,
    )
    for row, account in zip(rows, accounts, strict=True):
        for identifier in row.former:  # few: one by one, through the one writer of history
            renames.record_former_identifier(
                account,
                service=account.service,
                identifier=identifier,
                source=IdentifierSource.IMPORT,
                note=_("%(file)s %(line)s行目") % {"file": file_name[:150], "line": row.line},
                recorded_by=user,
            )
    bump()  # bulk_create sends no signal: every cached public page is stale now
    return ImportResult(batch=batch, created=accounts, unchanged=plan.count(UNCHANGED))


def _ordered(officers: list[tuple[str, User]]) -> list[tuple[str, User]]:
    order = {role: i for i, role in enumerate(OfficerRole.values)}
    return sorted(officers, key=lambda o: order.get(o[0], 9))


def _published_policy(
    account: OfficialAccount, row: RowPlan, template: Template, user: User | None, now: datetime
) -> OperationPolicy:
    """Version 1 of the account's policy, published: what ``policies.services``'
    ``create_draft_policy`` (the template, with the department filled in) then
    ``publish_policy`` (the account's name, URL, service and department copied in) make, built
    in memory so 10 000 of them are one INSERT per thousand (tests/onboarding compare the two)."""
    department = account.department.full_name
    values = {
        f: getattr(template, f).replace("{department}", department)
        for f in Template.TEMPLATE_FIELDS
    }
    return OperationPolicy(
        account=account,
        version=1,
        status=PolicyStatus.PUBLISHED,
        published_at=now,
        created_by=user,
        purpose=account.purpose,
        content=row.policy.content or account.purpose,
        related_url=row.policy.related_url,
        service_name=account.service.name,
        account_name=account.display_name,
        account_url=account.url,
        department_name=department,
        **values,
    )
