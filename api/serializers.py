"""What the open-data API shows: public facts only (never officers' names, e-mail, rules)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import PUBLIC_PAGE_STATUSES, OfficialAccount
from impersonation.verification import (
    CLOSED,
    IMPERSONATION,
    OFFICIAL,
    RENAMED,
    SUSPENDED,
    UNKNOWN,
    VERDICTS,
)
from policies.models import OperationPolicy, PolicyTemplate


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class PolicyVersionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("この版の公開ページ"))

    class Meta:
        model = OperationPolicy
        fields = [
            "version",
            "published_at",
            "url",
            "purpose",
            "content",
            *PolicyTemplate.TEMPLATE_FIELDS,
        ]

    def get_url(self, policy: OperationPolicy) -> str:
        return _absolute(reverse("public:policy_version", args=[policy.account_id, policy.version]))


class AccountSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.slug", help_text=_("サービスの識別子"))
    service_name = serializers.CharField(source="service.name")
    handle = serializers.SerializerMethodField(help_text=_("表示用のID（@…）またはURL"))
    department = serializers.CharField(source="department.full_name", help_text=_("運用部署"))
    status = serializers.ChoiceField(choices=[status.value for status in PUBLIC_PAGE_STATUSES])
    page = serializers.SerializerMethodField(help_text=_("このサイトの公開ページ（固定URL）"))

    class Meta:
        model = OfficialAccount
        fields = [
            "id",
            "service",
            "service_name",
            "identifier",
            "handle",
            "url",
            "display_name",
            "department",
            "purpose",
            "badge_status",
            "status",
            "suspension_notice",
            "listed_at",
            "closes_on",
            "closed_at",
            "page",
        ]
        extra_kwargs = {
            # Issue 10 §5: a closure approved for a later day; official until then.
            "closes_on": {
                "help_text": _(
                    "廃止予定日（廃止が承認され、この日に廃止される）。予定がなければ null"
                )
            },
        }

    @extend_schema_field(serializers.CharField())
    def get_handle(self, account: OfficialAccount) -> str:
        return account.key.display_handle

    @extend_schema_field(serializers.URLField())
    def get_page(self, account: OfficialAccount) -> str:
        return _absolute(reverse("public:account_detail", args=[account.pk]))


class AccountDetailSerializer(AccountSerializer):
    policy = serializers.SerializerMethodField(help_text=_("現在の運用ポリシー"))
    policy_versions = serializers.SerializerMethodField(
        help_text=_("公開されたすべての版（新しい順）")
    )

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "policy", "policy_versions"]

    @extend_schema_field(PolicyVersionSerializer(allow_null=True))
    def get_policy(self, account: OfficialAccount):
        versions = self.context["versions"]
        return PolicyVersionSerializer(versions[0]).data if versions else None

    @extend_schema_field(
        serializers.ListField(child=serializers.DictField(), help_text="version, published_at, url")
    )
    def get_policy_versions(self, account: OfficialAccount):
        return [
            {
                "version": v.version,
                "published_at": serializers.DateTimeField().to_representation(v.published_at),
                "url": _absolute(reverse("public:policy_version", args=[account.pk, v.version])),
            }
            for v in self.context["versions"]
        ]


class ImpersonationSerializer(serializers.Serializer):
    service = serializers.CharField()
    identifier = serializers.CharField()
    url = serializers.URLField()
    warning = serializers.CharField()
    found_on = serializers.DateField()


VERDICT_HELP = _(
    "official=公式 / suspended=公式だが一時停止中（乗っ取りなど。投稿やメッセージを信用しない。"
    "account.suspension_notice にお知らせ） / "
    "post=公式アカウントの名前を含む投稿のリンク（投稿者は開いて確かめる） / "
    "renamed=以前の公式のID（名前を変えたアカウントの元のID。今は市のものではない。"
    "account は現在の公式アカウント、former に以前のIDと使用終了日） / "
    "closed=以前の公式（廃止） / impersonation=なりすまし / unknown=登録なし / "
    "unreadable=アカウントを特定できない入力（動画・短縮URL・表示名など）"
)


class FormerIdentifierSerializer(serializers.Serializer):
    """Issue 14: the earlier ID that was asked about, from the registry's handle history."""

    service = serializers.CharField(help_text=_("以前のIDのサービスの識別子"))
    identifier = serializers.CharField(help_text=_("以前のID（正規化したもの）"))
    handle = serializers.CharField(help_text=_("表示用の以前のID（@…）またはURL"))
    used_from = serializers.DateField(allow_null=True, help_text=_("使用開始日（不明なら null）"))
    used_until = serializers.DateField(help_text=_("使用終了日（この日まで市が使っていた）"))


def former_data(former) -> dict | None:
    """What the API says about an earlier ID (``FormerIdentifier``), or None."""
    if former is None:
        return None
    return FormerIdentifierSerializer(
        {
            "service": former.service.slug,
            "identifier": former.identifier,
            "handle": former.key.display_handle,
            "used_from": former.used_from,
            "used_until": former.used_until,
        }
    ).data


class ServiceMatchSerializer(serializers.Serializer):
    service = serializers.CharField(help_text=_("サービスの識別子"))
    service_name = serializers.CharField()
    identifier = serializers.CharField(help_text=_("このサービスでの正規化したID"))
    handle = serializers.CharField(help_text=_("表示用のID（@…）またはURL"))
    verdict = serializers.ChoiceField(
        # Per service: never post/unreadable.
        choices=[OFFICIAL, SUSPENDED, RENAMED, CLOSED, IMPERSONATION, UNKNOWN],
        help_text=_("このサービスでの判定"),
    )
    account = AccountSerializer(
        allow_null=True,
        help_text=_("公式または以前の公式のアカウント（renamed のときは現在の公式アカウント）"),
    )
    former = FormerIdentifierSerializer(
        allow_null=True,
        help_text=_("renamed（と以前のIDによる closed）のとき、台帳に残る以前のID"),
    )


class VerdictSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=list(VERDICTS),
        help_text=VERDICT_HELP,
    )
    query = serializers.CharField(help_text=_("問い合わせた文字列"))
    key = serializers.CharField(
        allow_null=True, help_text=_("正規化したキー（service:identifier）")
    )
    account = AccountSerializer(allow_null=True)
    matches = AccountSerializer(
        many=True,
        help_text=_(
            "公式のアカウント（@IDだけの問い合わせでは公式のサービスすべて）。"
            "suspended のときは一時停止中のアカウント。"
            "post・closed のときはリンクが名指すアカウント。"
            "renamed のときは、問い合わせたIDを以前使っていた現在の公式アカウント"
        ),
    )
    former = FormerIdentifierSerializer(
        allow_null=True,
        help_text=_(
            "renamed のとき、問い合わせたIDが以前のIDとして台帳に残っている記録"
            "（このIDを今使っているのは市ではありません）。廃止したアカウントの以前のIDで"
            "closed のときも。それ以外は null"
        ),
    )
    services = ServiceMatchSerializer(
        many=True,
        help_text=_(
            "読み取ったIDのサービスごとの判定。@IDだけの問い合わせでは、"
            "そのIDが使えるサービスごとに1件（公式なのはverdict=officialのサービスだけ）"
        ),
    )
    suggestions = AccountSerializer(
        many=True,
        help_text=_(
            "unreadable のとき、入力した名前を含む公式アカウント（名前は証明になりません）"
        ),
    )
    impersonation = ImpersonationSerializer(allow_null=True)
    message = serializers.CharField(help_text=_("日本語の説明"))
