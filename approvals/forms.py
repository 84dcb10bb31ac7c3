"""The sections of a request form. Each is bound to the request's ``payload``.

The payload is the form data exactly as typed (``{"account-display_name": "…", …}``), so a
draft keeps everything, valid or not; validation runs in full only when the request is
submitted (``approvals.proposal``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import ACCOUNT_FIELDS, AccountIdentityFormMixin
from accounts.models import (
    ClosureCategory,
    OfficerRole,
    OfficialAccount,
    Service,
    officer_holder,
    officer_problems,
)
from core.checklist import CHECKLIST_ITEMS
from core.dates import DATE_INPUT, EARLIEST, TypedDateField
from core.forms import CleanInputMixin, model_choice_field
from core.municipality import get_municipality
from organization.models import Department, User, descendant_ids
from policies.models import OperationPolicy, OperationRules, PolicyTemplate

# A closure may be scheduled up to a year ahead (issue 10 §5); a past day is the record of a
# closure the registry learns of late, and closes at approval — but not before SNS existed.
CLOSING_MAX_DAYS_AHEAD = 365
EARLIEST_CLOSING = EARLIEST


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
        # R10 (003 §5(8)): the last password change is asked when R10 applies; otherwise not
        # shown, and a change request keeps what the record has.
        if get_municipality().applies("R10"):
            self.fields["credentials_rotated_on"].required = True
        else:
            del self.fields["credentials_rotated_on"]
        if user is not None and user.department_id:
            # Operators file for their own department and the units below it — and a request
            # stays valid for its own department when its requester has moved since (the
            # April 人事異動, issue 8 §4): the head of that department approved it.
            roots = [user.department_id]
            if request_department is not None:
                roots.append(request_department.pk)
            scope = descendant_ids(*roots)
            # With the units above: the request page shows the choice by its full name.
            model_choice_field(self, "department").queryset = Department.objects.filter(
                pk__in=scope
            ).select_related("parent__parent")

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


def officer_user_queryset() -> QuerySet[User]:
    """Everyone who may be named an officer: active staff, never the system administrator."""
    return User.objects.filter(is_active=True).exclude(role=User.Role.SYSADMIN)


class OfficerCandidates:
    """The staff offered in the officer rows of one request form, read once (one query for
    the users, one for the units) however many rows the form has (issue 11 §7).

    Grouped as people look for them: the request's own unit first, then the units below it,
    then the units above it (its 部, its 局 — where the 局長 who is 責任者 sits), then
    「その他の所属」. A 責任者 row offers heads (局長・所属長) only: 001 §4(1)ア names the 局長,
    002 §2 the 所属長 (``User.Role.HEAD``)."""

    def __init__(self, department: Department | None) -> None:
        self.department_id = department.pk if department is not None else None
        self._everyone: list[tuple[str, list[tuple[int, str]]]] = []
        self._heads: list[tuple[str, list[tuple[int, str]]]] = []
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        units: dict[int, tuple[int | None, str]] = {
            pk: (parent_id, name)
            for pk, parent_id, name in Department.objects.values_list("pk", "parent_id", "name")
        }
        users = list(
            officer_user_queryset().order_by(
                "department__sort_order", "department__code", "last_name", "first_name", "pk"
            )
        )
        order = self._near_units(units)
        near: dict[int, tuple[list[tuple[int, str]], list[tuple[int, str]]]] = {
            pk: ([], []) for pk in order
        }
        others: tuple[list[tuple[int, str]], list[tuple[int, str]]] = ([], [])
        for user in users:
            if user.department_id in near:
                bucket, label = near[user.department_id], str(user)
            else:
                unit = units.get(user.department_id or 0)
                bucket = others
                label = f"{user}（{unit[1]}）" if unit else str(user)
            bucket[0].append((user.pk, label))
            if user.role == User.Role.HEAD:
                bucket[1].append((user.pk, label))
        other_label = str(_("その他の所属"))
        everyone = [(units[pk][1], near[pk][0]) for pk in order if near[pk][0]]
        heads = [(units[pk][1], near[pk][1]) for pk in order if near[pk][1]]
        if others[0]:
            everyone.append((other_label, others[0]))
        if others[1]:
            heads.append((other_label, others[1]))
        self._everyone, self._heads = everyone, heads
        self._loaded = True

    def _near_units(self, units: dict[int, tuple[int | None, str]]) -> list[int]:
        """The request's unit, the units below it, then those above it (nearest first)."""
        if self.department_id is None or self.department_id not in units:
            return []
        children: dict[int | None, list[int]] = {}
        for pk, (parent_id, _name) in units.items():
            children.setdefault(parent_id, []).append(pk)
        below: list[int] = []
        todo = list(children.get(self.department_id, []))
        while todo:
            pk = todo.pop(0)
            if pk not in below:
                below.append(pk)
                todo.extend(children.get(pk, []))
        above: list[int] = []
        parent = units[self.department_id][0]
        while parent is not None and parent in units and parent not in above:
            above.append(parent)
            parent = units[parent][0]
        return [self.department_id, *below, *above]

    def choices(self, *, heads_only: bool, keep: str = "") -> list[tuple[Any, Any]]:
        """(value, label) pairs in <optgroup>s for the user field of one row. ``keep`` (the
        row's value) stays offered on a 責任者 row even if it is no head, so what was typed
        is shown again with its message, never silently dropped."""
        self._load()
        groups = self._heads if heads_only else self._everyone
        offered = {str(pk) for _group, options in groups for pk, _label in options}
        if heads_only and keep and keep not in offered:
            kept = [
                (pk, label)
                for _group, options in self._everyone
                for pk, label in options
                if str(pk) == keep
            ]
            if kept:
                groups = [*groups, (str(_("局長・所属長ではない職員")), kept)]
        if self.department_id is None and len(groups) == 1:
            return [("", _("（職員以外）")), *groups[0][1]]  # no unit to start from: one list
        return [("", _("（職員以外）")), *groups]


def _responsible_user_message(user: User) -> str:
    return gettext(
        "%(user)sは局長・所属長ではないため、アカウント責任者に選べません。"
        "アカウント責任者には局長・所属長を選んでください（001 §4(1)ア、002 §2）。"
    ) % {"user": user}


class OfficerForm(CleanInputMixin, forms.Form):
    """One of the 責任者・管理者・担当者 of 001 §4."""

    role = forms.ChoiceField(label=_("役割"), choices=OfficerRole.choices)
    user = forms.ModelChoiceField(
        label=_("職員"),
        queryset=officer_user_queryset(),
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

    def __init__(self, *args, candidates: OfficerCandidates | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # R10 off: not asked (the approved change keeps who holds them, approvals.effects).
        if not get_municipality().applies("R10"):
            del self.fields["holds_credentials"]
        # The choices of every row come from one read (``OfficerCandidates``); a 責任者 row
        # offers heads only. The list follows the role as last saved (no script switches it
        # while typing); a non-head posted for 責任者 anyway is refused in ``clean``.
        candidates = candidates or OfficerCandidates(None)
        heads_only = self._value("role") == OfficerRole.RESPONSIBLE
        keep = self._value("user")
        model_choice_field(self, "user").choices = lambda: candidates.choices(
            heads_only=heads_only, keep=keep
        )

    def _value(self, name: str) -> str:
        """The row's value of ``name`` as posted (or as initially given)."""
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), "") or "")
        value = self.initial.get(name, "")
        return str(getattr(value, "pk", value) or "")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("user") and not cleaned.get("name", "").strip():
            raise forms.ValidationError(_("職員を選ぶか、氏名を記入してください。"))
        user = cleaned.get("user")
        # 001 §4(1)ア: the 責任者 is the 局長; 002 §2: the 所属長. A named person (not a user
        # of the registry, e.g. the head who orders an outsourced operation, 000 §4(5)) is
        # typed by name and not checked here.
        if (
            cleaned.get("role") == OfficerRole.RESPONSIBLE
            and user is not None
            and user.role != User.Role.HEAD
        ):
            self.add_error("user", _responsible_user_message(user))
        return cleaned


class BaseOfficerFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, department: Department | None = None, **kwargs: Any) -> None:
        # The request's department: its staff are offered first (issue 11 §7).
        self.candidates = OfficerCandidates(department)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "candidates": self.candidates}

    def clean(self):
        if any(self.errors):
            return
        rows = [
            f.cleaned_data
            for f in self.forms
            # Django's own test for a row marked for deletion (private: not in django-stubs).
            if f.cleaned_data and not self._should_delete_form(f)  # type: ignore[attr-defined]
        ]
        # 001 §4(1), declared once beside the model (accounts.models.officer_problems): the
        # number of each role, and never one person in all three.
        problems = officer_problems(
            [row["role"] for row in rows],
            holders=[officer_holder(row["role"], row.get("user"), row.get("name")) for row in rows],
        )
        # R10 (000 §4(3), 001 §3(3)ウ): someone named holds the credentials.
        if get_municipality().applies("R10") and not any(
            f.cleaned_data.get("holds_credentials")
            for f in self.forms
            if f.cleaned_data and not self._should_delete_form(f)  # type: ignore[attr-defined]
        ):
            problems.append(str(_("ログイン情報を管理する職員を1人以上選んでください（R10）。")))
        if problems:
            raise forms.ValidationError(problems)


# Typed as what it is: a BaseOfficerFormSet (its ``department`` argument included).
OfficerFormSet = cast(
    type[BaseOfficerFormSet],
    formset_factory(OfficerForm, formset=BaseOfficerFormSet, extra=0, can_delete=True, max_num=30),
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


# R4 (003 §5(5), 002 §3(6)): what internal operating rules must say at least — who posts and
# how a post is approved (001 §5(1)(2)).
RULES_REQUIRED_BY_R4 = ("posting_staff", "approval_before_posting")
# Asked only under R4 (the devices part is R16's, 003 §5(10)).
RULES_ONLY_R4 = ("posting_staff", "approval_before_posting", "credential_handling", "notes")


def rules_section_applies() -> bool:
    """The internal rules section is on the request form under R4, or R16 (its devices)."""
    m = get_municipality()
    return m.applies("R4") or m.applies("R16")


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
        m = get_municipality()
        self.fields["devices_checked_by_ict"].required = m.applies("R16")
        if m.applies("R4"):
            for name in RULES_REQUIRED_BY_R4:
                self.fields[name].required = True
        else:
            # Only R16's part (the devices) is asked; the section is shown at all only when R4
            # or R16 applies (approvals.proposal.kind_sections).
            for name in RULES_ONLY_R4:
                del self.fields[name]

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

    # Issue 11 §9: the category and the successor are shown to citizens on the closed page.
    category = forms.ChoiceField(
        label=_("廃止の理由（区分）"),
        choices=[("", "---------"), *ClosureCategory.choices],
        help_text=_("廃止後のアカウントのページに表示します。"),
    )
    reason = forms.CharField(label=_("廃止の理由"), widget=forms.Textarea(attrs={"rows": 3}))
    successor = forms.ModelChoiceField(
        label=_("後継アカウント（あれば）"),
        queryset=OfficialAccount.objects.public().select_related("service"),
        required=False,
        help_text=_("引き続き情報を発信する公式アカウントを選ぶと、廃止後のページで案内します。"),
    )
    # Issue 10 §5: a future day is approved now and takes effect on that day (the daily job
    # ``close_scheduled_accounts``); today or a past day takes effect at the final approval.
    closing_on = TypedDateField(
        label=_("廃止する日"),
        widget=DATE_INPUT,
        help_text=_(
            "先の日付なら、承認後もその日の前日まで一覧に「廃止予定」と表示して公開を続け、"
            "その日に廃止します（1年先まで）。今日や過去の日付なら、承認した時点で廃止します。"
        ),
    )
    posts_deleted = forms.BooleanField(
        label=_("これまでの投稿・コメントを削除した、または削除の手順を決めた（002 §3(8)）")
    )
    account_deleted = forms.BooleanField(
        label=_("サービス上のアカウントを削除した、または削除する日を決めた（002 §3(8)）")
    )
    followers_informed = forms.BooleanField(
        label=_("アカウント上で廃止を予告し、引き続き情報を得られる先を案内した")
    )

    def clean_closing_on(self) -> date:
        day: date = self.cleaned_data["closing_on"]
        last = timezone.localdate() + timedelta(days=CLOSING_MAX_DAYS_AHEAD)
        if day > last:
            raise forms.ValidationError(
                _("廃止する日は1年先（%(last)s）までの日付にしてください。")
                % {"last": date_format(last, gettext("Y年n月j日"))}
            )
        if day < EARLIEST_CLOSING:
            raise forms.ValidationError(
                _("廃止する日が古すぎます。2000年1月1日以降の日付を入力してください。")
            )
        return day


class ResumptionForm(CleanInputMixin, forms.Form):
    """再開: a suspended account is listed again only through both steps (R18, 001 §8(4)).
    What was wrong, what was fixed, and the checks after a hijack (R10)."""

    reason = forms.CharField(
        label=_("再開する理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("一時停止の原因が解消したことを書きます。"),
    )
    measures = forms.CharField(
        label=_("行った対処と再発防止策"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("投稿の訂正・削除、運用ルールの見直し、研修など。"),
    )
    password_changed = forms.BooleanField(
        label=_("パスワードを変更し、ログイン情報を知る人を担当者だけにした（R10）")
    )
    two_factor = forms.BooleanField(
        label=_("二段階認証（多要素認証）を設定し、登録メールアドレス・電話番号を確かめた")
    )
    suspicious_posts_removed = forms.BooleanField(
        label=_("不審な投稿・メッセージ・連携アプリがないことを確かめ、あれば削除した")
    )


class DecisionForm(CleanInputMixin, forms.Form):
    """The comment with an approval, a return or a rejection (kept with the decision)."""

    comment = forms.CharField(
        label=_("コメント（差し戻し・却下の場合は必須）"),
        required=False,
        strip=False,  # the service strips it; a comment is kept as written
        widget=forms.Textarea(attrs={"rows": 3}),
    )
