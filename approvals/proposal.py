"""A request's proposed state: the section forms bound to its payload.

``Proposal`` validates what was typed (at submission and again at final approval), knows how
to turn current records into form data (to start a change request from what is public now),
and lays current and proposed values side by side for the approvers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext as _

from accounts.catalogue import SERVICE_SLUGS
from accounts.models import OfficerRole, OfficialAccount, Service
from approvals.forms import (
    AccountSectionForm,
    ChecklistForm,
    ClosureForm,
    OfficerFormSet,
    PolicySectionForm,
    ResumptionForm,
    RulesSectionForm,
    rules_section_applies,
)
from approvals.models import ApprovalRequest, RequestKind
from approvals.officers import ReplacementsForm, replacements_of
from core.errors import parse_id
from core.forms import control_characters
from policies.models import OperationRules
from policies.selectors import current_policy
from policies.services import prefilled_policy_values

if TYPE_CHECKING:
    from organization.models import Department, User

FORM_SECTIONS: dict[str, type[forms.BaseForm]] = {
    "account": AccountSectionForm,
    "policy": PolicySectionForm,
    "rules": RulesSectionForm,
    "checklist": ChecklistForm,
    "closure": ClosureForm,
    "resumption": ResumptionForm,
    "replacements": ReplacementsForm,
}
# Keyed by the kind as stored (``ApprovalRequest.kind``, a str); RequestKind members are str.
KIND_SECTIONS: dict[str, tuple[str, ...]] = {
    RequestKind.NEW: ("account", "officers", "policy", "rules", "checklist"),
    RequestKind.CHANGE: ("account", "officers", "policy", "rules", "checklist"),
    RequestKind.CLOSURE: ("closure",),
    RequestKind.RESUMPTION: ("resumption",),
    RequestKind.OFFICERS: ("replacements",),
}


def kind_sections(kind: str) -> tuple[str, ...]:
    """The sections a request of ``kind`` has in this municipality: the internal rules only
    under R4 or R16 (``approvals.forms.rules_section_applies``; issue 10 §7)."""
    sections = KIND_SECTIONS[kind]
    if not rules_section_applies():
        sections = tuple(s for s in sections if s != "rules")
    return sections


SECTION_TITLES = {
    "account": _("アカウント"),
    "officers": _("運用体制（責任者・管理者・担当者）"),
    "policy": _("運用ポリシー（公開）"),
    "rules": _("運用ルール（内部・非公開）"),
    "checklist": _("ガイドラインのチェック項目"),
    "closure": _("廃止の確認"),
    "resumption": _("再開の確認（R18）"),
    "replacements": _("交代する担当者と後任"),
}


def extract_payload(data: Mapping[str, str], kind: str) -> dict[str, str]:
    """The part of POST data that belongs to the request's sections, as typed.

    Field names are never typed, so a name with a control character in it (which PostgreSQL
    could not store in jsonb) is dropped. The officers' management form is repaired
    (``officer_count``): a tampered count would otherwise hide the rows that were typed.
    """
    prefixes = tuple(f"{s}-" for s in kind_sections(kind))
    # Browsers send textarea line ends as CRLF; stored text uses LF, so an untouched field
    # compares equal to the record it came from (no false "changed" rows, no new version).
    payload = {
        k: data.get(k, "").replace("\r\n", "\n")
        for k in data
        if k.startswith(prefixes) and not control_characters(k, multiline=False)
    }
    if "officers" in kind_sections(kind):
        payload.update(
            {
                "officers-TOTAL_FORMS": str(officer_count(payload)),
                "officers-INITIAL_FORMS": "0",
                "officers-MIN_NUM_FORMS": "0",
                "officers-MAX_NUM_FORMS": str(OfficerFormSet.max_num),
            }
        )
    return payload


_OFFICER_ROW = re.compile(r"officers-(\d{1,3})-")


def officer_count(data: Mapping[str, str]) -> int:
    """How many officer rows were sent: ``officers-TOTAL_FORMS`` when it is a number within
    the formset's limits, otherwise counted from the rows present (never a 500 on ``abc``,
    ``-1`` or ``10**9``, and no typed row hidden)."""
    text = str(data.get("officers-TOTAL_FORMS", ""))
    if text.isascii() and text.isdigit() and int(text) <= OfficerFormSet.max_num:
        return int(text)
    rows = [int(m.group(1)) + 1 for k in data if (m := _OFFICER_ROW.match(k))]
    return min(max(rows, default=0), OfficerFormSet.max_num)


def add_officer_row(payload: dict[str, str]) -> dict[str, str]:
    """One more (empty) officer row, without JavaScript: 担当職員の行を追加."""
    total = officer_count(payload)
    if total >= OfficerFormSet.max_num:
        return payload
    return {
        **payload,
        "officers-TOTAL_FORMS": str(total + 1),
        f"officers-{total}-role": OfficerRole.OPERATOR,
    }


def _form_data(form: forms.BaseForm) -> dict[str, str]:
    """What a browser would post for an unbound form showing its initial values."""
    data: dict[str, str] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
        elif value not in (None, ""):
            prepared = field.prepare_value(value)
            data[key] = prepared.isoformat() if hasattr(prepared, "isoformat") else str(prepared)
    return data


def _officer_rows(account: OfficialAccount | None, user: User) -> list[dict[str, object]]:
    if account is not None:
        return [
            {
                "role": o.role,
                "user": o.user_id,
                "name": o.name,
                "title": o.title,
                "holds_credentials": o.holds_credentials,
            }
            for o in account.officers.all()
        ]
    return [
        {"role": OfficerRole.RESPONSIBLE},
        {"role": OfficerRole.MANAGER},
        {
            "role": OfficerRole.OPERATOR,
            "user": user.pk,
            "title": user.title,
            "holds_credentials": True,
        },
    ]


def initial_payload(
    *, kind: RequestKind, user: User, account: OfficialAccount | None = None
) -> dict[str, str]:
    """Form data for a new request: the template for a registration, today's record for a
    change, nothing for a closure."""
    if kind in (RequestKind.CLOSURE, RequestKind.RESUMPTION):
        return {}
    if account is None:
        acc_form = AccountSectionForm(
            prefix="account",
            user=user,
            initial={"department": user.department_id, "badge_status": "not_applied"},
        )
        policy_initial: dict[str, str] = {}
        if user.department_id:
            policy_initial = prefilled_policy_values(
                account=OfficialAccount(department=user.department)
            )
        rules_instance = None
    else:
        # The permanent ID as people read and type it ("123…", "UC…"), not its stored form.
        acc_form = AccountSectionForm(
            prefix="account",
            instance=account,
            initial={"url": account.url, "platform_id": account.platform_id_display},
            user=user,
        )
        policy = current_policy(account=account)
        policy_initial = (
            {f: getattr(policy, f) for f in PolicySectionForm.Meta.fields} if policy else {}
        )
        rules_instance = OperationRules.objects.filter(account=account).first()
    officer_rows = _officer_rows(account, user)
    officers = OfficerFormSet(prefix="officers", initial=officer_rows)
    data = {
        **_form_data(acc_form),
        **_form_data(PolicySectionForm(prefix="policy", initial=policy_initial)),
        **_form_data(RulesSectionForm(prefix="rules", instance=rules_instance)),
        "officers-TOTAL_FORMS": str(len(officer_rows)),
        "officers-INITIAL_FORMS": "0",
        "officers-MIN_NUM_FORMS": "0",
        "officers-MAX_NUM_FORMS": "30",
    }
    for form in officers.forms:
        data.update(_form_data(form))
    return data


@dataclass
class Proposal:
    request: ApprovalRequest
    user: User
    data: dict[str, str]
    show_errors: bool = dataclasses.field(default=False, init=False)  # prepare_for_display

    @classmethod
    def of(
        cls, req: ApprovalRequest, *, user: User, data: dict[str, str] | None = None
    ) -> Proposal:
        proposal = cls(request=req, user=user, data=req.payload if data is None else data)
        proposal._build()
        return proposal

    def _build(self) -> None:
        self.forms: dict[str, forms.BaseForm] = {}
        sections = kind_sections(self.request.kind)
        for section in sections:
            if section == "officers":
                self.officers = OfficerFormSet(
                    self.data, prefix="officers", department=self.request_department
                )
                continue
            kwargs: dict[str, Any] = {"prefix": section}  # each section form's own arguments
            if section == "account":
                kwargs["user"] = self.user
                kwargs["request_department"] = self.request_department
                # Validate against a fresh copy: nothing on the real record changes here.
                kwargs["instance"] = (
                    OfficialAccount.objects.get(pk=self.request.account_id)
                    if self.request.account_id
                    else OfficialAccount()
                )
            if section == "replacements":
                kwargs["replacements"] = replacements_of(self.request)
                kwargs["department"] = self.request_department
            self.forms[section] = FORM_SECTIONS[section](self.data, **kwargs)

    @property
    def account_form(self) -> AccountSectionForm:
        """The account section (of a registration or a change)."""
        form = self.forms["account"]
        if not isinstance(form, AccountSectionForm):
            raise TypeError("the account section is an AccountSectionForm")
        return form

    @property
    def request_department(self) -> Department | None:
        """The department the request belongs to (the account's, once submitted)."""
        return self.request.department if self.request.department_id else None

    @property
    def sections(self) -> list[tuple[str, str, forms.BaseForm | forms.BaseFormSet[Any]]]:
        """(key, title, form or formset) in the order they appear on the page."""
        out: list[tuple[str, str, forms.BaseForm | forms.BaseFormSet[Any]]] = []
        for section in kind_sections(self.request.kind):
            form = self.officers if section == "officers" else self.forms[section]
            out.append((section, SECTION_TITLES[section], form))
        return out

    def is_valid(self) -> bool:
        results = [f.is_valid() for f in self.forms.values()]
        if "officers" in kind_sections(self.request.kind):
            results.append(self.officers.is_valid())
        return all(results)

    def has_control_characters(self) -> bool:
        """Whether a field holds a character that may not be stored: NUL, which PostgreSQL
        refuses in jsonb, or another control character (core.forms). NUL is refused in any
        field, a list or a date too: the field's own error says what is wrong with it."""
        if any("\x00" in str(value) for value in self.data.values()):
            self.is_valid()
            return True
        self.is_valid()
        all_forms = [*self.forms.values(), *getattr(self, "officers", ())]
        return any(
            error.code == "control_characters"
            for form in all_forms
            for errors in form.errors.as_data().values()
            for error in errors
        )

    def error_count(self) -> int:
        count = sum(len(f.errors) for f in self.forms.values())
        if hasattr(self, "officers"):
            count += len(self.officers.non_form_errors()) + sum(
                len(e) for e in self.officers.errors
            )
        return count

    def cleaned(self, section: str) -> dict[str, Any]:
        return self.forms[section].cleaned_data

    def officer_rows(self) -> list[dict[str, Any]]:
        return [
            f.cleaned_data
            for f in self.officers.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]

    @property
    def display_name(self) -> str:
        if self.request.kind in (RequestKind.CLOSURE, RequestKind.CHANGE, RequestKind.RESUMPTION):
            return self.request.account.display_name if self.request.account is not None else ""
        return self.data.get("account-display_name", "")


def prepare_for_display(proposal: Proposal, *, show_errors: bool) -> Proposal:
    """Attach crispy helpers: a draft shows what was typed without shouting about what is
    still missing; after a failed submission (or a return) every problem is marked."""
    from crispy_forms.bootstrap import Field
    from crispy_forms.helper import FormHelper
    from crispy_forms.layout import HTML, Column, Layout, Row

    if not show_errors:
        _unbind(proposal)
    officer_forms = list(proposal.officers.forms) if hasattr(proposal, "officers") else []
    for form in [*proposal.forms.values(), *officer_forms]:
        helper = FormHelper(form)
        helper.form_tag = False
        helper.disable_csrf = True
        helper.form_show_errors = show_errors
        if form in officer_forms:
            helper.layout = Layout(
                Row(
                    *(
                        Column(Field(f), css_class="col-md-3")
                        for f in ("role", "user", "name", "title")
                    )
                ),
                Row(
                    # R10 off: the form has no holder column (approvals.forms.OfficerForm).
                    *(
                        [Column("holds_credentials", css_class="col-md-6")]
                        if "holds_credentials" in form.fields
                        else []
                    ),
                    Column("DELETE", css_class="col-md-6"),
                ),
            )
        if isinstance(form, AccountSectionForm) and "platform_id" in form.fields:
            # Issue 14: how staff find the permanent ID, per service, right under the field
            # (the chosen service's entry first and open; no script needed).
            service = _chosen_service_slug(form)
            helper.layout = Layout(
                *(
                    item
                    for name in form.fields
                    for item in (
                        (
                            name,
                            HTML(
                                "{% load request_warnings %}"
                                f'{{% permanent_id_help "{service}" %}}'
                            ),
                        )
                        if name == "platform_id"
                        else (name,)
                    )
                )
            )
        form.helper = helper
    proposal.show_errors = show_errors
    return proposal


def _chosen_service_slug(form: forms.BaseForm) -> str:
    """The slug of the service chosen on the account form ("" when none): a catalogue slug,
    so it may be written into a template string."""
    pk = parse_id(form["service"].value())
    slug = Service.objects.filter(pk=pk).values_list("slug", flat=True).first() if pk else None
    return slug if slug in SERVICE_SLUGS else ""


def _unbind(proposal: Proposal) -> None:
    """Replace the bound forms by unbound ones showing the same values (no error marks)."""
    for section, form in list(proposal.forms.items()):
        initial = {name: form[name].data for name in form.fields}
        kwargs: dict[str, Any] = {"prefix": section, "initial": initial}
        if isinstance(form, forms.ModelForm):
            kwargs["instance"] = form.instance
        if section == "account":
            kwargs["user"] = proposal.user
            kwargs["request_department"] = proposal.request_department
        if isinstance(form, ReplacementsForm):
            kwargs["replacements"] = form.replacements
            kwargs["department"] = proposal.request_department
        proposal.forms[section] = type(form)(**kwargs)
    if hasattr(proposal, "officers"):
        rows = [{name: f[name].data for name in f.fields} for f in proposal.officers.forms]
        proposal.officers = OfficerFormSet(
            prefix="officers", initial=rows, department=proposal.request_department
        )
