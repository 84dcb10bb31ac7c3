"""Official accounts, the services they live on, and their officers (shared/DOMAIN.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from accounts import catalogue, identity, permanent, yomi
from accounts.search import account_search_text
from accounts.validators import (
    validate_account_name_prefix,
    validate_no_shortener,
    validate_org_email,
)


class Service(models.Model):
    """A social-media service of the catalogue (``accounts.catalogue``), which creates the rows.
    ``slug`` selects the URL rules in ``accounts.identity``; name, badge fact and order start
    as the catalogue has them and a system administrator may change them."""

    slug = models.SlugField(
        _("識別子"),
        max_length=20,
        unique=True,
        choices=[(facts.slug, facts.name) for facts in catalogue.SERVICES],
    )
    name = models.CharField(_("サービス名"), max_length=50)
    # R7: a verified badge is required where the service offers one (all five guidelines).
    offers_verified_badge = models.BooleanField(_("認証バッジの制度がある"), default=False)
    sort_order = models.PositiveIntegerField(_("表示順"), default=0)
    is_active = models.BooleanField(_("新規登録に使える"), default=True)

    class Meta:
        verbose_name = _("サービス")
        verbose_name_plural = _("サービス")
        ordering = ["sort_order", "slug"]

    def __str__(self) -> str:
        return self.name


class AccountStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    PENDING = "pending", _("承認待ち")
    LISTED = "listed", _("公開中")
    SUSPENDED = "suspended", _("一時停止中")
    CLOSED = "closed", _("廃止")
    # A registration that was rejected or withdrawn before it was ever listed.
    ABANDONED = "abandoned", _("不採用・取り下げ")


# Accounts in these states no longer hold their (service, identifier) key.
ENDED_STATUSES = (AccountStatus.CLOSED, AccountStatus.ABANDONED)
# Shown to citizens as official (R5, R17): listed, or suspended with a notice (R18). The one
# declaration: querysets (``OfficialAccount.objects.public()``), constraints and the API use it.
PUBLIC_STATUSES = (AccountStatus.LISTED, AccountStatus.SUSPENDED)
# Accounts with a public page: official now, or formerly official (closed; the record is kept,
# 002 §3(8)). The verifier answers "formerly official" for the closed ones.
PUBLIC_PAGE_STATUSES = (*PUBLIC_STATUSES, AccountStatus.CLOSED)


# The accounts the staff list shows (staff.filters.staff_accounts): the condition of its
# order indexes. A registration rejected or withdrawn before listing is not an account.
STAFF_LIST = ~Q(status=AccountStatus.ABANDONED)


class OfficialAccountQuerySet(models.QuerySet["OfficialAccount"]):
    def public(self) -> OfficialAccountQuerySet:
        """Official now (``PUBLIC_STATUSES``): listed, or suspended with its notice shown."""
        return self.filter(status__in=PUBLIC_STATUSES)

    def live(self) -> OfficialAccountQuerySet:
        """Accounts that hold their keys (handle and permanent ID): not closed or abandoned —
        the condition of the live-key constraints."""
        return self.exclude(status__in=ENDED_STATUSES)


class BadgeStatus(models.TextChoices):
    OBTAINED = "obtained", _("取得済み")
    APPLIED = "applied", _("申請中")
    NOT_APPLIED = "not_applied", _("未申請")
    NOT_OFFERED = "not_offered", _("サービスに制度がない")


class ClosureCategory(models.TextChoices):
    """Why an account was closed, as citizens read it on its page (issue 11 §9, R13)."""

    PURPOSE_ENDED = "purpose_ended", _("事業・イベントの終了")
    MERGED = "merged", _("他のアカウントへの統合・移行")
    LOW_USE = "low_use", _("利用が少ないため")
    SERVICE_ENDED = "service_ended", _("サービスの終了・仕様変更")
    SECURITY = "security", _("不正アクセス等の被害")
    OTHER = "other", _("その他")


class InfoClass(models.TextChoices):
    """Information-handling class of 002 §3(1)."""

    NORMAL = "1", _("①機密性の高い情報・個人情報を取り扱わない")
    PERSONAL = "2", _("②個人情報等を取り扱う（002 §3(1)②ア〜ウの措置が必要）")


def _has_complete_officers(account: models.Model) -> bool:
    """The condition of ``list_publicly`` (django-fsm types a condition's argument as Model)."""
    return isinstance(account, OfficialAccount) and account.has_complete_officers()


class OfficialAccount(models.Model):
    """A municipality's official account on one service (公式アカウント)."""

    service = models.ForeignKey(Service, verbose_name=_("サービス"), on_delete=models.PROTECT)
    # The canonical identifier from accounts.identity — e.g. "city_example" for X,
    # "channel/UC…" for YouTube. Never typed by hand: set from the URL people paste.
    identifier = models.CharField(_("アカウントID"), max_length=255)
    url = models.URLField(_("アカウントのURL"), max_length=500, validators=[validate_no_shortener])
    # Issue 14: the service's permanent identifier, which a rename does not change, in the
    # form the verifier's keys spell it (``accounts.permanent``): "id:123" (X, Facebook,
    # Instagram, TikTok), "channel/UC…" (YouTube), "did:plc:…" (Bluesky), "@…" (LINE's basic
    # ID). Empty when unknown or when the service has none (note, Threads, web sites).
    platform_id = models.CharField(
        _("固定ID（サービス上の永続的なID）"), max_length=255, blank=True
    )
    display_name = models.CharField(
        _("アカウント名"), max_length=100, validators=[validate_account_name_prefix]
    )
    # Issue 11 §8: the reading (よみ) of the name, so a search in kana finds a name in kanji.
    # Blank means "derive it" (``accounts.yomi``); staff type one where the derived reading is
    # wrong (place names). Folded into ``search_text`` either way.
    name_reading = models.CharField(
        _("アカウント名のよみ"),
        max_length=200,
        blank=True,
        validators=[yomi.validate_reading],
        help_text=_(
            "ひらがなで入力します。空欄なら自動で付けます（地名など読みが違うときに入力）。"
        ),
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("運用部署"),
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    purpose = models.CharField(
        _("発信の目的（概要）"),
        max_length=200,
        help_text=_("一覧に表示する一文。詳しい目的と掲載内容は運用ポリシーに書きます。"),
    )
    registration_email = models.EmailField(
        _("登録メールアドレス"),
        validators=[validate_org_email],
        help_text=_("アカウントの登録に使う組織のメールアドレス（R8）。"),
    )
    badge_status = models.CharField(
        _("認証バッジ"),
        max_length=12,
        choices=BadgeStatus.choices,
        default=BadgeStatus.NOT_APPLIED,
    )
    status = FSMField(
        _("状態"), max_length=10, choices=AccountStatus.choices, default=AccountStatus.DRAFT
    )

    # R14: outsourced operation (000 §4(5), 001 §9(1)).
    contractor_name = models.CharField(_("運用委託先"), max_length=200, blank=True)
    contract_start = models.DateField(_("委託期間（開始）"), null=True, blank=True)
    contract_end = models.DateField(_("委託期間（終了）"), null=True, blank=True)

    # R15: information-handling class (002 §3(1)).
    info_class = models.CharField(
        _("情報の取扱区分"), max_length=1, choices=InfoClass.choices, default=InfoClass.NORMAL
    )
    info_class_justification = models.TextField(
        _("②とする理由と措置"),
        blank=True,
        help_text=_("取扱区分②の場合、002 §3(1)②ア〜ウの措置を記入します。"),
    )

    # R10: who holds the credentials is on the officers; the password itself is never stored.
    credentials_rotated_on = models.DateField(_("パスワード最終変更日"), null=True, blank=True)
    # R10: the day someone who knew the password stopped being an officer who holds it
    # (退職・異動, or replaced by an approved change). A rotation recorded before this day no
    # longer counts: the password must be changed (reviews.selectors.credentials_due).
    credential_holder_left_on = models.DateField(
        _("ログイン情報を知る職員が外れた日"), null=True, blank=True
    )
    # R12: stale accounts are reviewed for closure (003 §5(9)).
    last_activity_on = models.DateField(_("最終投稿日"), null=True, blank=True)

    suspension_notice = models.TextField(
        _("一時停止のお知らせ"),
        blank=True,
        help_text=_("一時停止中に公開ページへ表示する文（001 §8(4)）。"),
    )
    # Folded text for the public search (accounts/search.py), kept in step by save().
    search_text = models.TextField(_("検索用テキスト"), blank=True, editable=False)
    # R18: when the temporary suspension began (the fast path, incidents.services).
    suspended_at = models.DateTimeField(_("一時停止の日時"), null=True, blank=True)
    # A closure approved for a future date (issue 10 §5): listed until then, with
    # 「◯月◯日に廃止予定」 shown; the daily job ``close_scheduled_accounts`` closes it on the day.
    closes_on = models.DateField(_("廃止予定日"), null=True, blank=True)
    listed_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    closed_at = models.DateTimeField(_("廃止日時"), null=True, blank=True)
    # Issue 11 §9: why it closed and where its followers went, shown on the closed page.
    closure_category = models.CharField(
        _("廃止の理由（区分）"), max_length=20, choices=ClosureCategory.choices, blank=True
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("後継アカウント"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "search_text"])

    objects = OfficialAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("公式アカウント")
        verbose_name_plural = _("公式アカウント")
        ordering = ["service__sort_order", "display_name", "pk"]
        indexes = [
            models.Index(fields=["status", "department"]),
            # The public list's order, for official accounts only: a page deep in the list is
            # read from this index alone (no sort of every row, no visit to the table).
            models.Index(
                fields=["display_name", "id"],
                name="account_public_order",
                condition=Q(status__in=PUBLIC_STATUSES),
            ),
            # Issue 12 §4: every order the staff list offers (staff.filters.SORTS), so a
            # page of 50 is read from an index at 100 000 accounts instead of sorting them all
            # (deep pages from the index alone: the list's condition is the index's).
            # "service" and "department" are read one service or unit at a time
            # (staff.filters.GroupedPaginator), hence the leading column.
            *(
                models.Index(fields=fields, name=name, condition=STAFF_LIST)
                for name, fields in (
                    ("account_name_order", ["display_name", "id"]),
                    ("account_service_order", ["service", "display_name", "id"]),
                    ("account_department_order", ["department", "display_name", "id"]),
                    ("account_updated_order", ["updated_at", "id"]),
                    ("account_listed_order", ["listed_at", "id"]),
                )
            ),
            # /closed/ and the feed's closures (selectors.closed_accounts), newest first.
            models.Index(
                fields=["-closed_at", "id"],
                name="account_closed_order",
                condition=Q(status="closed", listed_at__isnull=False),
            ),
            # The verifier looks keys up in every state, closed included (the unique
            # constraint's index is partial).
            models.Index(fields=["identifier", "service"], name="account_key_lookup"),
            # The verifier looks permanent IDs up too (issue 14).
            models.Index(
                fields=["platform_id", "service"],
                name="account_platform_id_lookup",
                condition=~Q(platform_id=""),
            ),
        ]
        constraints = [
            # Two live accounts may not be the same account (canonical key, accounts.identity).
            models.UniqueConstraint(
                fields=["service", "identifier"],
                condition=~Q(status__in=ENDED_STATUSES),
                name="account_unique_live_key",
                violation_error_message=_("このアカウントは既に台帳に登録されています。"),
            ),
            models.CheckConstraint(
                condition=~Q(identifier=""), name="account_identifier_not_empty"
            ),
            # Issue 14: a permanent ID is one account, like the handle key.
            models.UniqueConstraint(
                fields=["service", "platform_id"],
                condition=~Q(status__in=ENDED_STATUSES) & ~Q(platform_id=""),
                name="account_unique_live_platform_id",
                violation_error_message=_(
                    "この固定IDは既に台帳の別のアカウントに登録されています。"
                ),
            ),
            # R14: a contractor comes with the contract period, and the period is ordered.
            models.CheckConstraint(
                condition=Q(
                    contractor_name="", contract_start__isnull=True, contract_end__isnull=True
                )
                | (
                    ~Q(contractor_name="")
                    & Q(contract_start__isnull=False, contract_end__isnull=False)
                    & Q(contract_end__gte=models.F("contract_start"))
                ),
                name="account_contractor_with_ordered_period",
                violation_error_message=_(
                    "運用を委託する場合は委託先と委託期間（開始・終了）をすべて入力し、"
                    "終了日は開始日以降にしてください（R14）。"
                ),
            ),
            # R15: class ② needs the measures of 002 §3(1)②ア–ウ written down.
            models.CheckConstraint(
                condition=Q(info_class="1") | ~Q(info_class_justification=""),
                name="account_personal_info_needs_justification",
                violation_error_message=_(
                    "取扱区分②の場合は理由と措置を記入してください（R15：002 §3(1)②）。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="account_closed_iff_closed_at",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=PUBLIC_STATUSES) | Q(listed_at__isnull=False),
                name="account_listed_has_listed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.service.name}）"

    def save(self, *args, **kwargs) -> None:
        self.search_text = self.build_search_text()
        derived = {"search_text"}
        # Registered by its permanent URL ("x.com/i/user/123", a DID): that is the permanent
        # ID too, so a later rename keeps the account found by it (issue 14).
        known = not self.platform_id and self.service_id and self.identifier
        if known and permanent.is_permanent(self.key):
            self.platform_id = self.identifier
            derived.add("platform_id")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        """Name, handle, service and department, folded (full/half width, kana, case)."""
        department = self.department.full_name if self.department_id else ""
        service = self.service.name if self.service_id else ""
        handle = self.key.display_handle if self.service_id and self.identifier else ""
        return account_search_text(
            self.display_name,
            self.reading,
            self.identifier,
            handle,
            service,
            department,
            self.purpose,
        )

    @property
    def reading(self) -> str:
        """The reading staff typed, else the one derived from the name (issue 11 §8)."""
        return self.name_reading or yomi.reading(self.display_name)

    @property
    def key(self) -> identity.AccountKey:
        return identity.AccountKey(self.service.slug, self.identifier)

    @property
    def platform_key(self) -> identity.AccountKey | None:
        """The account's permanent identifier as a key (issue 14), when it is known."""
        if not self.platform_id:
            return None
        return identity.AccountKey(self.service.slug, self.platform_id)

    @property
    def platform_id_display(self) -> str:
        """The permanent ID as staff read it ("1234567890", "UC…", "did:plc:…")."""
        return permanent.bare(self.service.slug, self.platform_id) if self.platform_id else ""

    @property
    def is_public(self) -> bool:
        """Shown on the public list as official (R5): listed, or suspended with a notice."""
        return self.status in PUBLIC_STATUSES

    def credential_holder_left(self) -> None:
        """R10 (000 §4(3), 003 §5(8)): someone who knows the password is no longer an officer
        who holds it, so the password must be changed — the credentials reminder is due at
        once (when R10 applies). Saved with history; nothing public changes."""
        self.credential_holder_left_on = timezone.localdate()
        self.save(update_fields=["credential_holder_left_on"])

    def officer_problems(self) -> list[str]:
        """What is missing for 001 §4(1) (``officer_problems``) among the saved officers."""
        officers = list(self.officers.all())
        return officer_problems(
            [officer.role for officer in officers],
            holders=[officer_holder(o.role, o.user_id, o.name) for o in officers],
        )

    def has_complete_officers(self) -> bool:
        return not self.officer_problems()

    # --- Lifecycle (shared/DOMAIN.md "Lifecycle of an account") ---------------------------
    # Transitions only change this row's fields; services do locking, history and mail.

    @transition(field=status, source=AccountStatus.DRAFT, target=AccountStatus.PENDING)
    def submit(self) -> None:
        pass

    @transition(field=status, source=AccountStatus.PENDING, target=AccountStatus.DRAFT)
    def return_to_draft(self) -> None:
        pass

    @transition(
        field=status,
        source=AccountStatus.PENDING,
        target=AccountStatus.LISTED,
        conditions=[_has_complete_officers],
    )
    def list_publicly(self) -> None:
        self.listed_at = timezone.now()

    @transition(
        field=status,
        source=[AccountStatus.DRAFT, AccountStatus.PENDING],
        target=AccountStatus.ABANDONED,
    )
    def abandon(self) -> None:
        """The registration was rejected or withdrawn: the key is free again."""

    # R18: temporary suspension is shown publicly (001 §8(4)): the fast path
    # (incidents.services.suspend) suspends at once; resuming is a request through both steps
    # (approvals.effects, RequestKind.RESUMPTION).
    @transition(field=status, source=AccountStatus.LISTED, target=AccountStatus.SUSPENDED)
    def suspend(self, notice: str) -> None:
        self.suspension_notice = notice
        self.suspended_at = timezone.now()

    @transition(field=status, source=AccountStatus.SUSPENDED, target=AccountStatus.LISTED)
    def resume(self) -> None:
        self.suspension_notice = ""
        self.suspended_at = None

    @transition(
        field=status,
        source=PUBLIC_STATUSES,
        target=AccountStatus.CLOSED,
    )
    def close(self) -> None:
        # R13: the record and every policy version are kept (002 §3(8)).
        self.closed_at = timezone.now()


class OfficerRole(models.TextChoices):
    RESPONSIBLE = "responsible", _("アカウント責任者")
    MANAGER = "manager", _("アカウント管理者")
    OPERATOR = "operator", _("アカウント担当者")


# Who holds an officer role, for ``officer_problems``: (role, who, label). ``who`` is
# ("user", pk) for a member of staff, ("name", name) for a person typed by name.
Holder = tuple[str, tuple[str, object], str]


def officer_holder(role: str, user: object | None, name: str | None) -> Holder:
    """The ``Holder`` of one officer row (a user or a user's id, or a name with its spacing
    folded). A bare id has no label: the message looks the person up when it is needed."""
    if user is not None:
        pk = getattr(user, "pk", user)
        return (role, ("user", pk), str(user) if pk is not user else "")
    folded = " ".join((name or "").split())
    return (role, ("name", folded), folded)


def one_person_in_every_role(holders: Iterable[Holder]) -> list[str]:
    """Issue 11 §7: one person named 責任者, 管理者 and 担当者 at once. 001 §4(1) gives the
    three roles to three levels — the 局長 decides (ア), the 課室長 runs the account and
    reports to the 責任者 (イ), the 担当者 works on the 管理者's instructions (ウ) — and a post
    needs the 管理者's consent (001 §5(1); the 所属長's in 002 §3(6) and 003 §5(11)イ). With
    all three on one person nobody approves their posts or hears their report. Two roles on
    one person stay allowed: 002 §2 has the 所属長 alone open, close and run the account
    (責任者 and 管理者), and a small 課 may have its 課長 post (管理者 and 担当者) or its 局長
    post under a 課長 who consents (責任者 and 担当者)."""
    roles_of: dict[tuple[str, object], set[str]] = {}
    labels: dict[tuple[str, object], str] = {}
    for role, who, label in holders:
        if who[1] in (None, ""):
            continue
        roles_of.setdefault(who, set()).add(role)
        if label and not labels.get(who):
            labels[who] = label
    problems = []
    for who, roles in roles_of.items():
        if roles >= set(OfficerRole.values):
            pk = who[1] if isinstance(who[1], int) else None
            label = labels.get(who) or str(
                (pk and get_user_model().objects.filter(pk=pk).first()) or who[1]
            )
            problems.append(
                gettext(
                    "%(who)sがアカウント責任者・管理者・担当者のすべてを兼ねています。"
                    "投稿する人と了承する人を分けるため、少なくとも1つの役割は別の人にして"
                    "ください（001 §4(1)、§5(1)）。"
                )
                % {"who": label}
            )
    return problems


def officer_problems(roles: Iterable[str], *, holders: Iterable[Holder] = ()) -> list[str]:
    """What ``roles`` (one per officer) lack for 001 §4(1): exactly one 責任者, exactly one
    管理者, one or more 担当者 — and, given who holds them (``holders``), never one person in
    all three (``one_person_in_every_role``).

    The one declaration of the rule: the account's ``list_publicly`` condition and the request
    form's officer section both ask it. The database holds the part one row can check
    (``officer_single_responsible_and_manager``: never a second 責任者 or 管理者).
    """
    counts = Counter(roles)
    problems = []
    if counts[OfficerRole.RESPONSIBLE] != 1:
        problems.append(gettext("アカウント責任者を1人登録してください（001 §4(1)ア）。"))
    if counts[OfficerRole.MANAGER] != 1:
        problems.append(gettext("アカウント管理者を1人登録してください（001 §4(1)イ）。"))
    if counts[OfficerRole.OPERATOR] < 1:
        problems.append(gettext("アカウント担当者を1人以上登録してください（001 §4(1)ウ）。"))
    problems.extend(one_person_in_every_role(holders))
    return problems


def officers_in_order(officers) -> list:
    """責任者, 管理者, then 担当者 — the order of 001 §4(1)."""
    order = {role: i for i, role in enumerate(OfficerRole.values)}
    return sorted(officers, key=lambda o: (order.get(o.role, 9), o.pk))


class Officer(models.Model):
    """A person responsible for an account (001 §4). Never shown to citizens by name."""

    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("公式アカウント"),
        on_delete=models.CASCADE,
        related_name="officers",
    )
    role = models.CharField(_("役割"), max_length=12, choices=OfficerRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("職員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officer_roles",
        help_text=_("台帳を使う職員の場合に選びます。"),
    )
    name = models.CharField(
        _("氏名"),
        max_length=100,
        blank=True,
        help_text=_("職員を選ばない場合（委託先の担当者など）に記入します。"),
    )
    title = models.CharField(_("職名"), max_length=100, blank=True)
    # R10: the credentials are known only to the operators (000 §4(3), 001 §3(3)ウ).
    holds_credentials = models.BooleanField(_("ログイン情報を管理している"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("アカウントの担当職員")
        verbose_name_plural = _("アカウントの担当職員")
        ordering = ["account", "role", "pk"]
        constraints = [
            # 001 §4(1): the part of ``officer_problems`` one row can check — never a second
            # 責任者 or 管理者 (at least one of each is for the form and ``list_publicly``).
            models.UniqueConstraint(
                fields=["account", "role"],
                condition=Q(role__in=[OfficerRole.RESPONSIBLE, OfficerRole.MANAGER]),
                name="officer_single_responsible_and_manager",
                violation_error_message=_(
                    "アカウント責任者とアカウント管理者は1アカウントに1人です（001 §4）。"
                ),
            ),
            models.UniqueConstraint(
                fields=["account", "role", "user"],
                condition=Q(user__isnull=False),
                name="officer_user_once_per_role",
            ),
            # Only the three roles of 001 §4(1) count towards ``officer_problems``.
            models.CheckConstraint(
                condition=Q(role__in=OfficerRole.values), name="officer_role_known"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""),
                name="officer_user_or_name",
                violation_error_message=_("職員を選ぶか、氏名を記入してください。"),
            ),
        ]

    def __str__(self) -> str:
        who = str(self.user) if self.user_id else self.name
        return f"{self.get_role_display()}：{who}"


class IdentifierSource(models.TextChoices):
    """How the registry learnt that an account was known by another identifier."""

    CHANGE = "change", _("変更申請（承認済み）")
    IMPORT = "import", _("取り込み")
    STAFF = "staff", _("広報担当課が登録")


class FormerIdentifierQuerySet(models.QuerySet["FormerIdentifier"]):
    def public(self) -> FormerIdentifierQuerySet:
        """Former identifiers of accounts citizens can look up (official now, or closed)."""
        return self.filter(account__status__in=PUBLIC_PAGE_STATUSES)

    def shown_for(self, account: OfficialAccount) -> FormerIdentifierQuerySet:
        """The IDs ``account`` was known by before, as pages list them: never its current
        handle (it was renamed back) nor its permanent ID (it was registered by it)."""
        rows = self.filter(account=account).exclude(
            service_id=account.service_id, identifier=account.identifier
        )
        if account.platform_id:
            rows = rows.exclude(service_id=account.service_id, identifier=account.platform_id)
        return rows


class FormerIdentifier(models.Model):
    """An identifier (handle) an account was known by before (issue 14).

    When a city renames ``@old`` to ``@new`` the service releases ``@old`` and anyone may take
    it: the verifier answers it "renamed" (not official, with the current account) instead of
    "not registered" or, worse, "official". Kept for good, like the account's history.
    """

    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("公式アカウント"),
        on_delete=models.PROTECT,
        related_name="former_identifiers",
    )
    service = models.ForeignKey(Service, verbose_name=_("サービス"), on_delete=models.PROTECT)
    # The canonical identifier (``accounts.identity``), as ``OfficialAccount.identifier``.
    identifier = models.CharField(_("以前のアカウントID"), max_length=255)
    used_from = models.DateField(_("使用開始日"), null=True, blank=True)
    used_until = models.DateField(_("使用終了日"))
    source = models.CharField(_("記録の経緯"), max_length=10, choices=IdentifierSource.choices)
    note = models.CharField(_("メモ"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記録した職員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("記録日時"), default=timezone.now)

    history = HistoricalRecords()

    objects = FormerIdentifierQuerySet.as_manager()

    class Meta:
        verbose_name = _("以前のアカウントID")
        verbose_name_plural = _("以前のアカウントID")
        ordering = ["account", "-used_until", "-pk"]
        indexes = [models.Index(fields=["identifier", "service"], name="former_key_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "service", "identifier"],
                name="former_identifier_once_per_account",
                violation_error_message=_(
                    "このIDは既にこのアカウントの以前のIDに登録されています。"
                ),
            ),
            models.CheckConstraint(condition=~Q(identifier=""), name="former_identifier_not_empty"),
            models.CheckConstraint(
                condition=Q(used_from__isnull=True) | Q(used_from__lte=models.F("used_until")),
                name="former_identifier_ordered_dates",
                violation_error_message=_("使用開始日は使用終了日より前にしてください。"),
            ),
            models.CheckConstraint(
                condition=Q(source__in=IdentifierSource.values), name="former_source_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key.display_handle}（〜{self.used_until:%Y/%m/%d}）"

    @property
    def key(self) -> identity.AccountKey:
        return identity.AccountKey(self.service.slug, self.identifier)
