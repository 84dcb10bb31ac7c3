"""Forms for official accounts."""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import identity, permanent, yomi
from accounts.models import (
    FormerIdentifier,
    OfficialAccount,
    Service,
)
from core.dates import DATE_INPUT, EARLIEST, EARLIEST_MESSAGE, TypedDateField
from core.forms import CleanInputMixin

# The account's own fields as staff edit them (the identifier is derived from ``url``; the
# permanent ID is typed or pasted and stored as ``accounts.permanent`` spells it).
ACCOUNT_FIELDS = (
    "service",
    "url",
    "platform_id",
    "display_name",
    "name_reading",
    "department",
    "purpose",
    "registration_email",
    "badge_status",
    "contractor_name",
    "contract_start",
    "contract_end",
    "info_class",
    "info_class_justification",
    "credentials_rotated_on",
)


class AccountIdentityFormMixin(CleanInputMixin, forms.ModelForm):
    """Staff paste the account's URL or @ID; the canonical key is derived, never typed.

    ADR 0003: whatever form the address takes, the stored identifier and URL come from
    ``accounts.identity``, so the live-account uniqueness constraint compares like with like.
    """

    url = forms.CharField(
        label=_("アカウントのURLまたは@ID"),
        max_length=identity.MAX_INPUT_LENGTH,
        help_text=_(
            "アカウントのページのURLをそのまま貼り付けるか、@から始まるIDを入力してください。"
            "短縮URLは使えません（R11）。"
        ),
    )

    # Issue 14: the ID a rename does not change. Typed or pasted (the ID alone or a URL that
    # names the account by it); the request's payload keeps what was typed (ADR 0005).
    platform_id = forms.CharField(
        label=_("固定ID（サービス上の永続的なID）"),
        max_length=identity.MAX_INPUT_LENGTH,
        required=False,
        help_text=_(
            "アカウントID（@ID）を変えても変わらない、サービスが割り当てたIDです。IDだけ、"
            "またはIDで開くURL（x.com/i/user/… など）を貼り付けてください。"
            "空欄でも提出できますが、登録しておくと、名前を変えた後に元の@IDを第三者が"
            "取得しても台帳が「公式」と答えることはありません。調べ方は下の一覧にあります。"
        ),
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        service = cleaned.get("service")
        raw = cleaned.get("url")
        key = None
        if service and raw:
            try:
                key = identity.canonicalize(raw, service=service.slug)
            except identity.IdentityError as exc:
                self.add_error("url", str(exc.message))
            else:
                cleaned["url"] = key.url
                self.instance.identifier = key.identifier
                # The identifier is not a form field, so Django's constraint validation skips
                # the live-key constraint: check it here, with the message staff should read.
                if self._live_others(service).filter(identifier=key.identifier).exists():
                    self.add_error("url", _("このアカウントは既に台帳に登録されています。"))
                # A handle that is another live account's permanent ID (a LINE basic ID) is
                # that account too.
                elif self._live_others(service).filter(platform_id=key.identifier).exists():
                    self.add_error(
                        "url",
                        _(
                            "このIDは台帳の別のアカウントの固定IDとして登録されています。"
                            "同じアカウントは二重に登録できません。"
                        ),
                    )
        if service and "platform_id" in self.fields:
            self._clean_platform_id(service, key)
        return cleaned

    def clean_name_reading(self) -> str:
        """Katakana and full-width forms typed for the reading are kept as hiragana."""
        return yomi.normalise(self.cleaned_data.get("name_reading") or "")

    def _live_others(self, service: Service) -> QuerySet[OfficialAccount]:
        return OfficialAccount.objects.live().filter(service=service).exclude(pk=self.instance.pk)

    def _clean_platform_id(self, service: Service, key: identity.AccountKey | None) -> None:
        """The typed permanent ID in its stored form, or a message (issue 14). Empty is allowed
        (a reminder says it is missing); for a service without one it must stay empty."""
        cleaned = self.cleaned_data
        if "platform_id" in self.errors:  # too long, a control character: said already
            return
        typed = cleaned.get("platform_id") or ""
        if not typed.strip():
            cleaned["platform_id"] = ""
            return
        try:
            stored = permanent.parse(service.slug, typed)
        except identity.IdentityError as exc:
            self.add_error("platform_id", str(exc.message))
            return
        cleaned["platform_id"] = stored
        label = permanent.bare(service.slug, stored)
        if key is not None and permanent.is_permanent(key) and key.identifier != stored:
            # The URL names the account by its permanent ID already: two IDs, two accounts.
            self.add_error(
                "platform_id",
                _("アカウントのURLが示す固定ID（%(url_id)s）と一致しません。")
                % {"url_id": permanent.bare(service.slug, key.identifier)},
            )
            return
        # The field is on the form but ``status`` is not: Django's validation of the partial
        # constraint (account_unique_live_platform_id) is skipped, so it is checked here.
        others = self._live_others(service)
        if others.filter(platform_id=stored).exists():
            self.add_error(
                "platform_id",
                _("この固定ID（%(id)s）は既に台帳の別のアカウントに登録されています。")
                % {"id": label},
            )
        elif others.filter(identifier=stored).exists():
            # e.g. a LINE basic ID that another account was registered by as its handle.
            self.add_error(
                "platform_id",
                _(
                    "この固定ID（%(id)s）は、台帳の別のアカウントのアカウントIDとして"
                    "登録されています。同じアカウントは二重に登録できません。"
                )
                % {"id": label},
            )


class OfficialAccountAdminForm(AccountIdentityFormMixin):
    class Meta:
        model = OfficialAccount
        fields = (*ACCOUNT_FIELDS, "last_activity_on", "suspension_notice")


class FormerIdentifierForm(CleanInputMixin, forms.Form):
    """以前のID: a handle the account was known by before (issue 14 §2), recorded by the PR
    division for names used before the registry (or a rename nobody filed)."""

    identifier = forms.CharField(
        label=_("以前のURLまたは@ID"),
        max_length=identity.MAX_INPUT_LENGTH,
        help_text=_("以前のアカウントのページのURLか、@から始まるIDを入力してください。"),
    )
    used_from = TypedDateField(label=_("使用開始日（分かれば）"), required=False, widget=DATE_INPUT)
    used_until = TypedDateField(
        label=_("使用終了日"),
        widget=DATE_INPUT,
        help_text=_("このIDを使わなくなった日（名前を変えた日）です。"),
    )
    note = forms.CharField(
        label=_("メモ"),
        max_length=200,
        required=False,
        help_text=_("どのように確かめたか（サービスの画面、過去の広報誌など）。"),
    )

    def __init__(self, *args, account: OfficialAccount | None = None, **kwargs):
        self.account = account
        super().__init__(*args, **kwargs)

    def clean_identifier(self) -> str:
        raw = self.cleaned_data["identifier"]
        if self.account is None:
            raise TypeError("FormerIdentifierForm validates against an account")
        try:
            key = identity.canonicalize(raw, service=self.account.service.slug)
        except identity.IdentityError as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from exc
        account = self.account
        if key.identifier == account.identifier:
            raise forms.ValidationError(_("このアカウントの現在のIDです。"))
        if permanent.is_permanent(key):
            raise forms.ValidationError(
                _("固定IDではなく、以前使っていた@ID（名前）を入力してください。")
            )
        live = (
            OfficialAccount.objects.live()
            .filter(service=account.service, identifier=key.identifier)
            .first()
        )
        if live is not None:
            raise forms.ValidationError(
                _(
                    "このIDは今、台帳の公式アカウント「%(name)s」が使っています。"
                    "以前のIDとしては登録できません。"
                )
                % {"name": live.display_name}
            )
        if FormerIdentifier.objects.filter(
            account=account, service=account.service, identifier=key.identifier
        ).exists():
            raise forms.ValidationError(
                _("このIDは既にこのアカウントの以前のIDに登録されています。")
            )
        return key.identifier

    def _past_day(self, name: str) -> date | None:
        day: date | None = self.cleaned_data.get(name)
        if day is None:
            return None
        if day > timezone.localdate():
            raise forms.ValidationError(_("今日より後の日付は入力できません。"))
        if day < EARLIEST:
            raise forms.ValidationError(EARLIEST_MESSAGE)
        return day

    def clean_used_from(self) -> date | None:
        return self._past_day("used_from")

    def clean_used_until(self) -> date | None:
        return self._past_day("used_until")

    def clean(self):
        super().clean()
        start, end = self.cleaned_data.get("used_from"), self.cleaned_data.get("used_until")
        if start and end and start > end:
            self.add_error("used_from", _("使用開始日は使用終了日より前にしてください。"))
        return self.cleaned_data
