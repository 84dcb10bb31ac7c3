"""One row of the import file, read against the registry (``onboarding.lookups``).

Every rule is the one the request form applies, reused rather than restated where the
project declares it once: the URL is read by ``accounts.identity`` (its messages), the
permanent ID by ``accounts.permanent``, the officers counted by
``accounts.models.officer_problems``, the e-mail (R8), the name's prefix (R9), the reading and
the URL's shortener check (R11) by the model's own field validators (``clean_fields``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import identity, permanent, yomi
from accounts.models import (
    AccountStatus,
    BadgeStatus,
    OfficerRole,
    OfficialAccount,
    Service,
    officer_holder,
    officer_problems,
    one_person_in_every_role,
)
from core.dates import DATE_MESSAGE, EARLIEST, EARLIEST_MESSAGE, parse_typed_date
from core.forms import LONG_TEXT_MAX, control_characters
from core.rows import RowError
from onboarding import columns as c
from onboarding.lookups import Lookups, fold, split
from onboarding.reader import Row, norm
from organization.models import Department, User
from policies.models import OperationPolicy

# What people write in the 認証バッジ column (compared folded).
BADGES = {
    "取得済み": BadgeStatus.OBTAINED,
    "取得済": BadgeStatus.OBTAINED,
    "取得": BadgeStatus.OBTAINED,
    "申請中": BadgeStatus.APPLIED,
    "未申請": BadgeStatus.NOT_APPLIED,
    "未取得": BadgeStatus.NOT_APPLIED,
    "制度なし": BadgeStatus.NOT_OFFERED,
    "サービスに制度がない": BadgeStatus.NOT_OFFERED,
    "なし": BadgeStatus.NOT_OFFERED,
    **{value: BadgeStatus(value) for value in BadgeStatus.values},
}
BADGES = {fold(k): v for k, v in BADGES.items()}
# 運用ポリシー: these (or nothing) mean "the municipality's template".
TEMPLATE_WORDS = {fold(w) for w in ("テンプレート", "ひな形", "雛形", "ひな型", "template")}
# The model fields whose validators run on each row, and the column each error belongs to.
FIELD_COLUMNS = {
    "url": c.URL,
    "platform_id": c.PLATFORM_ID,
    "display_name": c.NAME,
    "name_reading": c.READING,
    "purpose": c.PURPOSE,
    "registration_email": c.EMAIL,
    "badge_status": c.BADGE,
}
# Columns that hold one line (a line break there is a mistake); the others are lists or text.
SINGLE_LINE = (c.SERVICE, c.URL, c.NAME, c.READING, c.DEPARTMENT, c.PURPOSE, c.EMAIL, c.BADGE)
ROLE_COLUMNS = {
    OfficerRole.RESPONSIBLE: c.RESPONSIBLE,
    OfficerRole.MANAGER: c.MANAGER,
    OfficerRole.OPERATOR: c.OPERATORS,
}
MAX_LIST = 30  # people in one cell, former IDs in one cell (the request form's 30 officers)

CREATE = "create"
UNCHANGED = "unchanged"
ERROR = "error"


@dataclass(frozen=True)
class Policy:
    """The row's 運用ポリシー: the template, plus the text or the page (URL) it names."""

    content: str = ""  # the city's own text (掲載内容・運用方針); "" = the purpose
    related_url: str = ""  # the page where the city published its policy


@dataclass
class RowPlan:
    line: int
    action: str = ERROR
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    service: Service | None = None
    department: Department | None = None
    values: dict[str, Any] = field(default_factory=dict)  # OfficialAccount fields
    officers: list[tuple[str, User]] = field(default_factory=list)
    former: list[str] = field(default_factory=list)  # canonical identifiers
    policy: Policy = field(default_factory=Policy)
    existing_pk: int | None = None  # the live account with the same key, if any
    existing: OfficialAccount | None = None  # the same, loaded to compare
    # The handle was once another official account's (issue 14 §2: flagged, not refused).
    claims_former: bool = False

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, str(message)))

    @property
    def display_name(self) -> str:
        return str(self.values.get("display_name", ""))

    @property
    def handle(self) -> str:
        if self.service is None or not self.values.get("identifier"):
            return ""
        return identity.AccountKey(self.service.slug, self.values["identifier"]).display_handle

    @property
    def action_label(self) -> str:
        return {CREATE: _("登録する"), UNCHANGED: _("登録済み（変更なし）"), ERROR: _("誤り")}[
            self.action
        ]

    def officer_names(self, role: str) -> str:
        return "、".join(str(user) for r, user in self.officers if r == role)

    @property
    def responsible_names(self) -> str:
        return self.officer_names(OfficerRole.RESPONSIBLE)

    @property
    def manager_names(self) -> str:
        return self.officer_names(OfficerRole.MANAGER)

    @property
    def operator_names(self) -> str:
        return self.officer_names(OfficerRole.OPERATOR)

    @property
    def badge_label(self) -> str:
        badge = self.values.get("badge_status")
        return str(BadgeStatus(badge).label) if badge else ""

    @property
    def policy_label(self) -> str:
        if self.policy.related_url:
            return _("ひな形＋掲載ページ（%(url)s）") % {"url": self.policy.related_url}
        if self.policy.content:
            return _("ひな形＋記入した方針（%(count)s文字）") % {"count": len(self.policy.content)}
        return _("ひな形")

    def account(self) -> OfficialAccount:
        """The account this row lists (unsaved)."""
        return OfficialAccount(
            service=self.service,
            department=self.department,
            status=AccountStatus.LISTED,
            **self.values,
        )


@dataclass
class FileState:
    """What earlier rows of the same file claimed (duplicates inside the file)."""

    keys: dict[tuple[int, str], int] = field(default_factory=dict)
    platform_ids: dict[tuple[int, str], int] = field(default_factory=dict)


def check_row(row: Row, look: Lookups, seen: FileState) -> RowPlan:
    plan = RowPlan(row.line)
    cells = row.cells
    if row.overflow:
        plan.error(
            _("列数"),
            _('見出しより列が多くなっています（「,」を含む欄は「"」で囲みます）。'),
        )
    for column in SINGLE_LINE:
        if control_characters(cells.get(column, ""), multiline=False):
            plan.error(column, _("改行や制御文字（画面に表示されない文字）が含まれています。"))
    for column in (c.RESPONSIBLE, c.MANAGER, c.OPERATORS, c.FORMER, c.POLICY, c.PLATFORM_ID):
        if control_characters(cells.get(column, ""), multiline=True):
            plan.error(column, _("制御文字（画面に表示されない文字）が含まれています。"))
    if plan.errors:
        return plan
    _service_and_key(plan, cells, look, seen)
    _department(plan, cells, look)
    _texts(plan, cells)
    _badge(plan, cells)
    _platform_id(plan, cells, look, seen)
    _officers(plan, cells, look)
    _former(plan, cells, look)
    _policy(plan, cells)
    _listed_on(plan, cells)
    _model_validators(plan)
    if not plan.errors:
        plan.action = CREATE
    return plan


def _service_and_key(plan: RowPlan, cells: dict[str, str], look: Lookups, seen: FileState) -> None:
    raw_service = cells[c.SERVICE]
    if not raw_service:
        plan.error(c.SERVICE, _("入力してください。"))
        return
    service = look.services.get(fold(raw_service))
    if service is None:
        plan.error(
            c.SERVICE,
            _("「%(value)s」というサービスはありません（例：X、Instagram、YouTube、LINE）。")
            % {"value": raw_service[:40]},
        )
        return
    plan.service = service
    try:
        key = identity.canonicalize(cells[c.URL], service=service.slug)
    except identity.IdentityError as exc:
        plan.error(c.URL, str(exc.message))
        return
    if not key.url:  # an Instagram/TikTok user ID: no page opens it
        plan.error(
            c.URL,
            _("このIDで開けるページがありません。アカウントのページのURLか@IDを入力してください。"),
        )
        return
    plan.values.update(identifier=key.identifier, url=key.url)
    if permanent.is_permanent(key):  # registered by its permanent URL: that is its ID too
        plan.values["platform_id"] = key.identifier
    first = seen.keys.setdefault((service.pk, key.identifier), plan.line)
    if first != plan.line:
        plan.error(c.URL, _("%(other)s行目と同じアカウントです（重複）。") % {"other": first})
        return
    live = look.live_by_key.get((service.pk, key.identifier))
    if live is not None:
        if live.status not in (AccountStatus.LISTED, AccountStatus.SUSPENDED):
            plan.error(
                c.URL,
                _(
                    "このアカウントは台帳で登録の申請中です（「%(name)s」）。"
                    "申請が終わってから取り込むか、この行を削除してください。"
                )
                % {"name": live.display_name},
            )
            return
        plan.existing_pk = live.pk
        return
    other = look.live_by_platform_id.get((service.pk, key.identifier))
    if other is not None:  # a LINE basic ID another account was registered by
        plan.error(
            c.URL,
            _(
                "このIDは台帳の別のアカウント（%(name)s）の固定IDとして登録されています。"
                "同じアカウントは二重に登録できません。"
            )
            % {"name": other.display_name},
        )
    if (service.pk, key.identifier) in look.former_keys:
        plan.claims_former = True


def _department(plan: RowPlan, cells: dict[str, str], look: Lookups) -> None:
    raw = cells[c.DEPARTMENT]
    if not raw:
        plan.error(c.DEPARTMENT, _("入力してください（組織コードか名称）。"))
        return
    department = look.departments.get(norm(raw))
    if department is None:
        found = look.department_names.get(fold(raw), [])
        if len(found) > 1:
            plan.error(
                c.DEPARTMENT,
                _(
                    "「%(value)s」という組織が複数あります。組織コードで指定してください（%(codes)s）。"
                )
                % {"value": raw[:40], "codes": "、".join(d.code for d in found)},
            )
            return
        department = found[0] if found else None
    if department is None:
        plan.error(
            c.DEPARTMENT,
            _("「%(value)s」という組織（組織コードまたは名称）はありません。")
            % {"value": raw[:40]},
        )
        return
    plan.department = department


def _texts(plan: RowPlan, cells: dict[str, str]) -> None:
    for column, name in ((c.NAME, "display_name"), (c.PURPOSE, "purpose")):
        if not cells[column]:
            plan.error(column, _("入力してください。"))
        plan.values[name] = cells[column]
    plan.values["name_reading"] = yomi.normalise(cells.get(c.READING, ""))
    email = norm(cells[c.EMAIL]).lower()
    if not email:
        plan.error(c.EMAIL, _("入力してください。"))
    plan.values["registration_email"] = email


def _badge(plan: RowPlan, cells: dict[str, str]) -> None:
    raw = cells[c.BADGE]
    service = plan.service
    if not raw:
        # Not stated: what the service offers decides (R7: the reminder asks for the badge).
        offers = service is not None and service.offers_verified_badge
        plan.values["badge_status"] = BadgeStatus.NOT_APPLIED if offers else BadgeStatus.NOT_OFFERED
        return
    badge = BADGES.get(fold(raw))
    if badge is None:
        plan.error(
            c.BADGE,
            _("「取得済み」「申請中」「未申請」「制度なし」のいずれかを入力してください。"),
        )
        return
    plan.values["badge_status"] = badge
    if service is None:
        return
    # The request form's rule (approvals.forms.AccountSectionForm.clean), R7.
    if service.offers_verified_badge and badge == BadgeStatus.NOT_OFFERED:
        plan.error(
            c.BADGE,
            _("%(service)sには認証バッジの制度があります。取得状況を選んでください（R7）。")
            % {"service": service.name},
        )
    elif not service.offers_verified_badge and badge != BadgeStatus.NOT_OFFERED:
        plan.error(
            c.BADGE,
            _("%(service)sには認証バッジの制度がありません。「制度なし」と入力してください。")
            % {"service": service.name},
        )


def _platform_id(plan: RowPlan, cells: dict[str, str], look: Lookups, seen: FileState) -> None:
    raw = cells.get(c.PLATFORM_ID, "")
    service = plan.service
    if service is None or not raw.strip():
        plan.values.setdefault("platform_id", "")
        return
    try:
        stored = permanent.parse(service.slug, raw)
    except identity.IdentityError as exc:
        plan.error(c.PLATFORM_ID, str(exc.message))
        return
    label = permanent.bare(service.slug, stored)
    from_url = plan.values.get("platform_id")
    if from_url and from_url != stored:  # the request form's check (accounts.forms)
        plan.error(
            c.PLATFORM_ID,
            _("アカウントのURLが示す固定ID（%(url_id)s）と一致しません。")
            % {"url_id": permanent.bare(service.slug, from_url)},
        )
        return
    plan.values["platform_id"] = stored
    existing_pk = plan.existing_pk
    other = look.live_by_platform_id.get((service.pk, stored))
    if other is not None and other.pk != existing_pk:
        plan.error(
            c.PLATFORM_ID,
            _("この固定ID（%(id)s）は既に台帳の別のアカウント（%(name)s）に登録されています。")
            % {"id": label, "name": other.display_name},
        )
        return
    handle_of = look.live_by_key.get((service.pk, stored))
    if handle_of is not None and handle_of.pk != existing_pk:
        plan.error(
            c.PLATFORM_ID,
            _(
                "この固定ID（%(id)s）は、台帳の別のアカウント（%(name)s）のアカウントIDとして"
                "登録されています。同じアカウントは二重に登録できません。"
            )
            % {"id": label, "name": handle_of.display_name},
        )
        return
    first = seen.platform_ids.setdefault((service.pk, stored), plan.line)
    if first != plan.line:
        plan.error(
            c.PLATFORM_ID,
            _("%(other)s行目と同じ固定IDです（重複）。") % {"other": first},
        )


def _person(token: str, look: Lookups) -> User | str:
    """The member of staff a cell names by login or staff number, or why not."""
    user = look.users_by_login.get(token) or look.users_by_number.get(token)
    if user is None:
        return _("「%(value)s」という職員（ログインIDまたは職員番号）はいません。") % {
            "value": token[:40]
        }
    if not user.is_active:
        return _("%(user)s（%(login)s）は無効（退職など）になっている職員です。") % {
            "user": user,
            "login": user.username,
        }
    # The request form's officer list leaves out the system administrator (approvals.forms).
    if user.is_superuser or user.role == User.Role.SYSADMIN:
        return _("システム管理者（%(login)s）はアカウントの担当にできません。") % {
            "login": user.username
        }
    return user


def _officers(plan: RowPlan, cells: dict[str, str], look: Lookups) -> None:
    people: dict[str, list[User]] = {}
    for role, column in ROLE_COLUMNS.items():
        tokens = split(cells[column], c.PEOPLE_SEPARATORS)
        if len(tokens) > MAX_LIST:
            plan.error(column, _("%(max)s人までにしてください。") % {"max": MAX_LIST})
            return
        found = []
        for token in tokens:
            person = _person(token, look)
            if isinstance(person, str):
                plan.error(column, person)
            else:
                found.append(person)
        people[role] = found
        # 001 §4(1): exactly one 責任者 and 管理者, at least one 担当者 — declared once
        # (accounts.models.officer_problems), asked here for this role alone.
        others = [r for r in ROLE_COLUMNS if r != role]
        for problem in officer_problems([role] * len(tokens) + others):
            plan.error(column, problem)
    for user in people.get(OfficerRole.RESPONSIBLE, []):
        # 001 §4(1)ア: the 責任者 is the 局長; 002 §2: the 所属長 — as the request form asks
        # (approvals.forms.OfficerForm), with its words.
        if user.role != User.Role.HEAD:
            plan.error(
                c.RESPONSIBLE,
                _(
                    "%(user)sは局長・所属長ではないため、アカウント責任者に選べません。"
                    "アカウント責任者には局長・所属長を選んでください（001 §4(1)ア、002 §2）。"
                )
                % {"user": user},
            )
    # Issue 11 §7: never one person in all three roles (declared once beside the model).
    holders = [officer_holder(role, user, None) for role, users in people.items() for user in users]
    for problem in one_person_in_every_role(holders):
        plan.error(c.OPERATORS, problem)
    plan.officers = [(role, user) for role, users in people.items() for user in users]


def _former(plan: RowPlan, cells: dict[str, str], look: Lookups) -> None:
    raw = cells.get(c.FORMER, "")
    service = plan.service
    if not raw.strip() or service is None:
        return
    tokens = split(raw, c.ID_SEPARATORS)
    if len(tokens) > MAX_LIST:
        plan.error(c.FORMER, _("%(max)s件までにしてください。") % {"max": MAX_LIST})
        return
    own = plan.values.get("identifier")
    existing_pk = plan.existing_pk
    for token in tokens:
        try:
            key = identity.canonicalize(token, service=service.slug)
        except identity.IdentityError as exc:
            plan.error(c.FORMER, f"「{token[:60]}」：{exc.message}")
            continue
        if key.identifier == own:
            plan.error(
                c.FORMER, _("「%(id)s」はこのアカウントの現在のIDです。") % {"id": token[:60]}
            )
            continue
        if permanent.is_permanent(key):
            plan.error(
                c.FORMER,
                _("「%(id)s」：固定IDではなく、以前使っていた@ID（名前）を入力してください。")
                % {"id": token[:60]},
            )
            continue
        live = look.live_by_key.get((service.pk, key.identifier))
        if live is not None and live.pk != existing_pk:
            plan.error(
                c.FORMER,
                _(
                    "「%(id)s」は今、台帳の公式アカウント「%(name)s」が使っています。"
                    "以前のIDとしては登録できません。"
                )
                % {"id": token[:60], "name": live.display_name},
            )
            continue
        if key.identifier not in plan.former:
            plan.former.append(key.identifier)


def _policy(plan: RowPlan, cells: dict[str, str]) -> None:
    raw = cells.get(c.POLICY, "").strip()
    if not raw or fold(raw) in TEMPLATE_WORDS:
        return
    if len(raw) > LONG_TEXT_MAX:
        plan.error(
            c.POLICY,
            _("%(max)s文字以内にしてください（いまは%(count)s文字です）。")
            % {"max": LONG_TEXT_MAX, "count": len(raw)},
        )
        return
    if raw.lower().startswith(("http://", "https://")) and not any(ch.isspace() for ch in raw):
        try:  # the page where the city published it: the field's validators (R11 included)
            url = OperationPolicy._meta.get_field("related_url").clean(raw, None)
        except ValidationError as exc:
            plan.error(c.POLICY, " ".join(exc.messages))
            return
        plan.policy = Policy(related_url=url)
        return
    plan.policy = Policy(content=raw)


def _listed_on(plan: RowPlan, cells: dict[str, str]) -> None:
    raw = cells.get(c.LISTED_ON, "")
    if not raw.strip():
        plan.values["listed_at"] = None  # the moment of the import
        return
    day = parse_typed_date(raw[:10] if len(raw) == 19 and raw[10] == " " else raw)
    if day is None:
        plan.error(c.LISTED_ON, str(DATE_MESSAGE))
        return
    if day > timezone.localdate():
        plan.error(c.LISTED_ON, _("今日より後の日付は入力できません。"))
        return
    if day < EARLIEST:
        plan.error(c.LISTED_ON, str(EARLIEST_MESSAGE))
        return
    plan.values["listed_at"] = listed_at(day)


def listed_at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _model_validators(plan: RowPlan) -> None:
    """The model's own field validators: lengths, R8 (organisation e-mail), R9 (the name's
    prefix), R11 (no shortener), the reading's kana. No query (foreign keys are skipped:
    they were found in the lookups)."""
    if plan.service is None or plan.department is None:
        return
    values = {k: v for k, v in plan.values.items() if k in FIELD_COLUMNS or k == "identifier"}
    account = OfficialAccount(service=plan.service, department=plan.department, **values)
    exclude = [f.name for f in OfficialAccount._meta.fields if f.name not in FIELD_COLUMNS]
    exclude += [name for name in FIELD_COLUMNS if name not in values]
    try:
        account.clean_fields(exclude=exclude)
    except ValidationError as exc:
        reported = {(e.column, e.message) for e in plan.errors}
        for name, errors in exc.message_dict.items():
            column = FIELD_COLUMNS.get(name, name)
            for message in errors:
                if (column, message) not in reported and not (
                    column in (c.NAME, c.PURPOSE, c.EMAIL) and not values.get(name)
                ):
                    plan.error(column, message)
