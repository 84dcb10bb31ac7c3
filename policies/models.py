"""Operation policies (public, versioned) and operation rules (internal, never public).

R3: every account publishes an operation policy with the items of 001 §3(1)ア–キ, 000 §4(1)
and 002 §3(6). A published version is immutable and stays retrievable for ever: the model
refuses to change or delete it, and so does a database trigger (migration 0002), so not even
a bulk ``update()`` can rewrite what citizens were shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.validators import validate_no_shortener


class PolicyText(models.Model):
    """The items of a policy that a municipality-wide template can pre-fill."""

    operating_hours = models.TextField(_("運用時間"), blank=True)  # 001 §3(1)エ, §5(9)
    posting_method = models.TextField(_("投稿・発信の方法"), blank=True)  # 001 §3(1)エ
    reply_policy = models.TextField(_("コメント・意見への対応"), blank=True)  # 001 §7
    follow_policy = models.TextField(_("フォロー・リポスト・いいね等"), blank=True)  # 001 §7(1)
    contact = models.TextField(_("問い合わせ先"), blank=True)  # 001 §7(2)
    deletion_rules = models.TextField(_("コメント等の削除"), blank=True)  # 000 §4(1)
    prohibited_matters = models.TextField(_("禁止事項"), blank=True)  # 001 §3(1)オ, §6
    intellectual_property = models.TextField(_("知的財産権の帰属"), blank=True)  # 001 §3(1)カ
    disclaimer = models.TextField(_("免責事項"), blank=True)  # 001 §3(1)キ

    TEMPLATE_FIELDS = (
        "operating_hours",
        "posting_method",
        "reply_policy",
        "follow_policy",
        "contact",
        "deletion_rules",
        "prohibited_matters",
        "intellectual_property",
        "disclaimer",
    )

    class Meta:
        abstract = True


class PolicyTemplate(PolicyText):
    """The municipality-wide template that pre-fills new policies (one row)."""

    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("運用ポリシーのひな形")
        verbose_name_plural = _("運用ポリシーのひな形")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="policytemplate_single_row"),
        ]

    def __str__(self) -> str:
        return str(_("運用ポリシーのひな形"))


class PublishedPolicyError(Exception):
    """Somebody tried to change or delete a published policy version."""

    message = _(
        "公開済みの運用ポリシーは変更・削除できません。変更申請で新しい版を作成してください。"
    )


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    PUBLISHED = "published", _("公開済み")


# R3: the items no published version may leave empty — purpose and content (001 §3(1)ウ),
# replies and the contact for unanswered comments (001 §3(1)エ, §7(2)), deletion rules
# (000 §4(1)), prohibited matters, intellectual property, disclaimer (001 §3(1)オ–キ).
# The one declaration: the request form requires them (approvals.forms.PolicySectionForm)
# and the database refuses a published row without them (``policy_published_has_required_items``).
REQUIRED_FOR_PUBLICATION = (
    "purpose",
    "content",
    "reply_policy",
    "contact",
    "prohibited_matters",
    "intellectual_property",
    "disclaimer",
    "deletion_rules",
)


class OperationPolicy(PolicyText):
    """One version of an account's operation policy (アカウント運用ポリシー)."""

    REQUIRED_FOR_PUBLICATION = REQUIRED_FOR_PUBLICATION

    account = models.ForeignKey(
        "accounts.OfficialAccount",
        verbose_name=_("公式アカウント"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    version = models.PositiveIntegerField(_("版"))
    status = models.CharField(
        _("状態"), max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    purpose = models.TextField(_("発信の目的"))  # 001 §3(1)ウ
    content = models.TextField(_("掲載内容"))  # 001 §3(1)ウ
    related_url = models.URLField(
        _("関連ページのURL"), blank=True, validators=[validate_no_shortener]
    )

    # 001 §3(1)ア・イ as they stood when this version was published, so an old version still
    # reads as it did even after the account is renamed or moves department.
    service_name = models.CharField(_("サービス（公開時）"), max_length=50, blank=True)
    account_name = models.CharField(_("アカウント名（公開時）"), max_length=100, blank=True)
    account_url = models.URLField(_("URL（公開時）"), max_length=500, blank=True)
    department_name = models.CharField(_("運用部署（公開時）"), max_length=200, blank=True)

    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("運用ポリシー")
        verbose_name_plural = _("運用ポリシー")
        ordering = ["account", "-version"]
        indexes = [
            # The feed (public.opendata): the newest published versions, read in order from
            # this index instead of sorting every version (issue 12 §4).
            models.Index(
                fields=["-published_at"],
                name="policy_published_recent",
                condition=Q(status="published"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "version"], name="policy_unique_version_per_account"
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status="draft"),
                name="policy_single_draft_per_account",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="policy_version_positive"),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True)
                | Q(status="published", published_at__isnull=False),
                name="policy_published_iff_published_at",
            ),
            models.CheckConstraint(
                condition=Q(status=PolicyStatus.DRAFT)
                | Q(*(~Q(**{field: ""}) for field in REQUIRED_FOR_PUBLICATION)),
                name="policy_published_has_required_items",
                violation_error_message=_(
                    "公開する運用ポリシーには、目的・掲載内容・コメントへの対応・問い合わせ先・"
                    "禁止事項・知的財産権・免責事項・削除の基準をすべて記入してください（R3）。"
                ),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(account)s 第%(version)s版（%(status)s）") % {
            "account": self.account.display_name,
            "version": self.version,
            "status": self.get_status_display(),
        }

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and self._stored_status() == PolicyStatus.PUBLISHED:
            raise PublishedPolicyError(PublishedPolicyError.message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == PolicyStatus.PUBLISHED:
            raise PublishedPolicyError(PublishedPolicyError.message)
        return super().delete(*args, **kwargs)

    def _stored_status(self) -> str | None:
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()


class OperationRules(models.Model):
    """Internal operation rules (アカウント運用ルール, R4: 003 §5(5)). Never public."""

    account = models.OneToOneField(
        "accounts.OfficialAccount",
        verbose_name=_("公式アカウント"),
        on_delete=models.PROTECT,
        related_name="operation_rules",
    )
    posting_staff = models.TextField(_("投稿する職員"), blank=True)  # 003 §5(5)
    approval_before_posting = models.TextField(_("投稿前の承認の手順"), blank=True)  # 001 §5(1)(2)
    credential_handling = models.TextField(
        _("ログイン情報の管理方法"),
        blank=True,
        help_text=_("パスワードそのものは記入しないでください（R10）。"),
    )  # 000 §4(3), 003 §5(8)
    devices = models.TextField(_("使用する端末"), blank=True)  # 003 §5(10)
    devices_checked_by_ict = models.BooleanField(
        _("端末を情報担当課が確認済み"), default=False
    )  # R16
    notes = models.TextField(_("その他"), blank=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("運用ルール（内部）")
        verbose_name_plural = _("運用ルール（内部）")

    def __str__(self) -> str:
        return gettext("%(account)s の運用ルール") % {"account": self.account}
