from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import identity
from accounts.models import PUBLIC_STATUSES, Service
from core.forms import CleanInputMixin, model_choice_field
from impersonation.models import KnownImpersonation


class ReportForm(CleanInputMixin, forms.Form):
    """A citizen's report. Only ``reported_text`` is required; nothing else is asked for."""

    reported_text = forms.CharField(
        label=_("不審なアカウントのURLまたは@ID"),
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("気づいたこと（任意）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("例：市のロゴを使い、給付金の申請をDMで受け付けると書いている。"),
    )
    contact_email = forms.EmailField(
        label=_("連絡先メールアドレス（任意）"),
        required=False,
        help_text=_("確認の結果を知りたい場合だけ記入してください。それ以外の目的には使いません。"),
    )
    # Honeypot: hidden from people (and from screen readers); bots fill every field.
    website = forms.CharField(required=False, label=_("この欄は空のままにしてください"))


class DismissForm(CleanInputMixin, forms.Form):
    """「対応不要」 with an internal note."""

    note = forms.CharField(label=_("メモ（任意）"), required=False)


class KnownImpersonationForm(CleanInputMixin, forms.ModelForm):
    """The PR division records a confirmed fake account (R17)."""

    url = forms.CharField(label=_("なりすましアカウントのURLまたは@ID"), max_length=2048)

    class Meta:
        model = KnownImpersonation
        fields = (
            "service",
            "url",
            "display_name",
            "warning",
            "imitates",
            "found_on",
            "takedown_requested_on",
        )
        widgets = {
            "found_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "takedown_requested_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "warning": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_choice_field(self, "service").queryset = Service.objects.all()
        imitates = model_choice_field(self, "imitates")
        if imitates.queryset is not None:  # always, for a foreign key's field
            imitates.queryset = imitates.queryset.filter(status__in=PUBLIC_STATUSES).select_related(
                "service"
            )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        service, raw = cleaned.get("service"), cleaned.get("url")
        if service and raw:
            try:
                key = identity.canonicalize(raw, service=service.slug)
            except identity.IdentityError as exc:
                self.add_error("url", str(exc.message))
                return cleaned
            from impersonation.verification import OFFICIAL, verify

            if verify(key.url).verdict == OFFICIAL:
                self.add_error("url", _("これは公式アカウントとして登録されています。"))
            cleaned["url"] = key.url
            self.instance.identifier = key.identifier
            if (
                KnownImpersonation.objects.filter(
                    service=service, identifier=key.identifier, resolved_at__isnull=True
                )
                .exclude(pk=self.instance.pk)
                .exists()
            ):
                self.add_error("url", _("このアカウントは既になりすましとして登録されています。"))
        return cleaned
