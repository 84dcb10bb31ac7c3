from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import identity
from accounts.models import PUBLIC_STATUSES, Service
from core.dates import DATE_INPUT, EARLIEST, EARLIEST_MESSAGE, TypedDateField
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


class TakedownForm(CleanInputMixin, forms.ModelForm):
    """The takedown request to the platform and what became of it (001 §8(1), issue 10 §2)."""

    takedown_requested_on = TypedDateField(
        label=_("運営者へ削除を依頼した日"), required=False, widget=DATE_INPUT
    )
    platform_answered_on = TypedDateField(
        label=_("運営者から回答があった日"), required=False, widget=DATE_INPUT
    )
    removed_on = TypedDateField(
        label=_("運営者が削除した日"),
        required=False,
        widget=DATE_INPUT,
        help_text=_(
            "記入すると、公開ページの「なりすまし注意」と確認ツールから注意を取り下げます"
            "（この画面では「削除済み」として残ります）。"
        ),
    )

    class Meta:
        model = KnownImpersonation
        fields = ("takedown_requested_on", "platform_answer", "platform_answered_on", "removed_on")
        widgets = {"platform_answer": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        today = timezone.localdate()
        found_on = self.instance.found_on
        for name in ("takedown_requested_on", "platform_answered_on", "removed_on"):
            day = cleaned.get(name)
            if day is None:
                continue
            if day > today:
                self.add_error(name, _("今日より後の日付は入力できません。"))
            elif day < EARLIEST:
                self.add_error(name, EARLIEST_MESSAGE)
            elif found_on and day < found_on:
                self.add_error(
                    name,
                    _("なりすましを確認した日（%(day)s）より前の日付です。") % {"day": found_on},
                )
        requested = cleaned.get("takedown_requested_on")
        answered = cleaned.get("platform_answered_on")
        if answered and requested and answered < requested:
            self.add_error(
                "platform_answered_on",
                _("回答があった日は、削除を依頼した日以降にしてください。"),
            )
        if answered and not requested and "takedown_requested_on" not in self.errors:
            self.add_error(
                "takedown_requested_on",
                _("回答を記録するには、削除を依頼した日も入力してください。"),
            )
        answer_without_day = cleaned.get("platform_answer") and not answered
        if answer_without_day and "platform_answered_on" not in self.errors:
            self.add_error(
                "platform_answered_on", _("運営者から回答があった日を入力してください。")
            )
        # A removal took the public warning down; it is corrected, never undone here.
        cleared = self.instance.removed_on and not cleaned.get("removed_on")
        if cleared and "removed_on" not in self.errors:
            self.add_error(
                "removed_on",
                _("削除済みの記録は消せません。日付を誤った場合は正しい日付を入力してください。"),
            )
        return cleaned


class ReplyForm(CleanInputMixin, forms.Form):
    """The answer mailed to a citizen who reported a fake and left an address (issue 10 §2)."""

    body = forms.CharField(
        label=_("返信の本文"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("報告した方へメールで送ります。送った本文は記録に残ります。"),
    )
