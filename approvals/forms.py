"""The sections of a request form. Each is bound to the request's ``payload``.

The payload is the form data exactly as typed (``{"account-display_name": "…", …}``), so a
draft keeps everything, valid or not; validation runs in full only when the request is
submitted (``approvals.proposal``).
"""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from accounts.forms import ACCOUNT_FIELDS, AccountIdentityFormMixin
from accounts.models import OfficerRole, OfficialAccount, Service, officer_problems
from core.checklist import CHECKLIST_ITEMS
from core.forms import CleanInputMixin, model_choice_field
from core.municipality import get_municipality
from organization.models import Department, User, descendant_ids
from policies.models import OperationPolicy, OperationRules, PolicyTemplate

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AccountSectionForm(AccountIdentityFormMixin):
    """アカウント: the public facts of the account (001 §3(1)ア・イ)."""

    class Meta:
        model = OfficialAccount
        fields = ACCOUNT_FIELDS
        widgets = {
            "contract_start": DATE_INPUT,
            "contract_end": DATE_INPUT,
            "credentials_rotated_on": DATE_INPUT,
            "info_class_justification": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, request_department=None, **kwargs):
        super().__init__(*args, **kwargs)
        model_choice_field(self, "service").queryset = Service.objects.filter(is_active=True)
        for name in ("service", "department"):
            model_choice_field(self, name).empty_label = _("選択してください")
        if user is not None and user.department_id:
            # Operators file for their own department and the units below it — and a request
            # stays valid for its own department when its requester has moved since (the
            # April 人事異動, issue 8 §4): the head of that department approved it.
            scope = set(descendant_ids(user.department_id))
            if request_department is not None:
                scope |= set(descendant_ids(request_department.pk))
            model_choice_field(self, "department").queryset = Department.objects.filter(
                pk__in=scope
            )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        service, badge = cleaned.get("service"), cleaned.get("badge_status")
        if service and badge:
            offers = service.offers_verified_badge
            if offers and badge == "not_offered":
                self.add_error(
                    "badge_status",
                    _("%(service)sには認証バッジの制度があります。取得状況を選んでください（R7）。")
                    % {"service": service.name},
                )
            elif not offers and badge != "not_offered":
                self.add_error(
                    "badge_status",
                    _(
                        "%(service)sには認証バッジの制度がありません。「サービスに制度がない」を選んでください。"
                    )
                    % {"service": service.name},
                )
        return cleaned


class OfficerForm(CleanInputMixin, forms.Form):
    """One of the 責任者・管理者・担当者 of 001 §4."""

    role = forms.ChoiceField(label=_("役割"), choices=OfficerRole.choices)
    user = forms.ModelChoiceField(
        label=_("職員"),
        queryset=User.objects.filter(is_active=True).exclude(role=User.Role.SYSADMIN),
        required=False,
        empty_label=_("（職員以外）"),
    )
    name = forms.CharField(
        label=_("氏名（職員以外）"),
        max_length=100,
        required=False,
        help_text=_("委託先の担当者など、台帳を使わない人の場合に記入します。"),
    )
    title = forms.CharField(label=_("職名"), max_length=100, required=False)
    holds_credentials = forms.BooleanField(label=_("ログイン情報を管理する（R10）"), required=False)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("user") and not cleaned.get("name", "").strip():
            raise forms.ValidationError(_("職員を選ぶか、氏名を記入してください。"))
        return cleaned


class BaseOfficerFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        roles = [
            f.cleaned_data["role"]
            for f in self.forms
            # Django's own test for a row marked for deletion (private: not in django-stubs).
            if f.cleaned_data and not self._should_delete_form(f)  # type: ignore[attr-defined]
        ]
        # 001 §4(1), declared once beside the model (accounts.models.officer_problems).
        problems = officer_problems(roles)
        if problems:
            raise forms.ValidationError(problems)


OfficerFormSet = formset_factory(
    OfficerForm, formset=BaseOfficerFormSet, extra=0, can_delete=True, max_num=30
)


class PolicySectionForm(CleanInputMixin, forms.ModelForm):
    """運用ポリシー: published as it stands once approved (R3)."""

    class Meta:
        model = OperationPolicy
        fields = ("purpose", "content", "related_url", *PolicyTemplate.TEMPLATE_FIELDS)
        widgets = {
            f: forms.Textarea(attrs={"rows": 6})
            for f in ("purpose", "content", *PolicyTemplate.TEMPLATE_FIELDS)
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # R3: what a published version must carry (declared on the model, checked by the DB).
        for field in OperationPolicy.REQUIRED_FOR_PUBLICATION:
            self.fields[field].required = True

    def _get_validation_exclusions(self):
        # The account and version are set when the policy is published. (A private Django
        # method, not in django-stubs.)
        return {*super()._get_validation_exclusions(), "account", "version"}  # type: ignore[misc]


class RulesSectionForm(CleanInputMixin, forms.ModelForm):
    """運用ルール: internal, never public (R4: 003 §5(5))."""

    class Meta:
        model = OperationRules
        fields = (
            "posting_staff",
            "approval_before_posting",
            "credential_handling",
            "devices",
            "devices_checked_by_ict",
            "notes",
        )
        widgets = {
            f: forms.Textarea(attrs={"rows": 3})
            for f in (
                "posting_staff",
                "approval_before_posting",
                "credential_handling",
                "devices",
                "notes",
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["devices_checked_by_ict"].required = get_municipality().applies("R16")

    def _get_validation_exclusions(self):
        # A private Django method, not in django-stubs.
        return {*super()._get_validation_exclusions(), "account"}  # type: ignore[misc]


# The checklist items the requester ticks, in this order, where they apply (core.checklist;
# R8 and R9 are validated on the account instead of ticked).
FORM_CHECKLIST = ("R4", "R6", "R7", "R10", "R11", "R14", "R15", "R16")


class ChecklistForm(CleanInputMixin, forms.Form):
    """ガイドラインのチェック項目, as configured for this municipality."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        m = get_municipality()
        for rule in FORM_CHECKLIST:
            if m.applies(rule):
                help_text = ""
                if rule == "R6" and m.registry_page_url:
                    help_text = _("プロフィールに記載するURL：%(url)s") % {
                        "url": m.registry_page_url
                    }
                self.fields[rule] = forms.BooleanField(
                    label=f"{rule}：{CHECKLIST_ITEMS[rule]}",
                    required=True,
                    help_text=help_text,
                    error_messages={"required": _("確認してチェックしてください。")},
                )


class ClosureForm(CleanInputMixin, forms.Form):
    """廃止: what 002 §3(8) asks to be confirmed before an account is closed (R13)."""

    reason = forms.CharField(label=_("廃止の理由"), widget=forms.Textarea(attrs={"rows": 3}))
    closing_on = forms.DateField(label=_("廃止する日"), widget=DATE_INPUT)
    posts_deleted = forms.BooleanField(
        label=_("これまでの投稿・コメントを削除した、または削除の手順を決めた（002 §3(8)）")
    )
    account_deleted = forms.BooleanField(
        label=_("サービス上のアカウントを削除した、または削除する日を決めた（002 §3(8)）")
    )
    followers_informed = forms.BooleanField(
        label=_("アカウント上で廃止を予告し、引き続き情報を得られる先を案内した")
    )


class DecisionForm(CleanInputMixin, forms.Form):
    """The comment with an approval, a return or a rejection (kept with the decision)."""

    comment = forms.CharField(
        label=_("コメント（差し戻し・却下の場合は必須）"),
        required=False,
        strip=False,  # the service strips it; a comment is kept as written
        widget=forms.Textarea(attrs={"rows": 3}),
    )
