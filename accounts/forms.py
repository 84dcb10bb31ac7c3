"""Forms for official accounts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import identity
from accounts.models import ENDED_STATUSES, OfficialAccount
from core.forms import CleanInputMixin

# The account's own fields as staff edit them (the identifier is derived from ``url``).
ACCOUNT_FIELDS = (
    "service",
    "url",
    "display_name",
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

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        service = cleaned.get("service")
        raw = cleaned.get("url")
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
                if (
                    OfficialAccount.objects.filter(service=service, identifier=key.identifier)
                    .exclude(status__in=ENDED_STATUSES)
                    .exclude(pk=self.instance.pk)
                    .exists()
                ):
                    self.add_error("url", _("このアカウントは既に台帳に登録されています。"))
        return cleaned


class OfficialAccountAdminForm(AccountIdentityFormMixin):
    class Meta:
        model = OfficialAccount
        fields = (*ACCOUNT_FIELDS, "last_activity_on", "suspension_notice")
