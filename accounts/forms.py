"""Forms for official accounts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import identity
from accounts.models import OfficialAccount


class AccountIdentityFormMixin(forms.ModelForm):
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
        cleaned = super().clean()
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
        return cleaned


class OfficialAccountAdminForm(AccountIdentityFormMixin):
    class Meta:
        model = OfficialAccount
        fields = (
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
            "last_activity_on",
            "suspension_notice",
        )
