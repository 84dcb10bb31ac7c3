"""Side-by-side comparison of what is public now and what a change request proposes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext as _

from accounts import permanent
from approvals.models import ApprovalRequest, RequestKind
from approvals.proposal import SECTION_TITLES, Proposal, initial_payload, kind_sections
from core.errors import parse_id

if TYPE_CHECKING:
    from organization.models import User


@dataclass(frozen=True)
class Row:
    label: str
    current: str
    proposed: str

    @property
    def changed(self) -> bool:
        return self.current.strip() != self.proposed.strip()


def _display(field: forms.Field, form: forms.BaseForm, name: str) -> str:
    value = (
        form.cleaned_data.get(name)
        if form.is_valid() and name in form.cleaned_data
        else form[name].value()
    )
    if isinstance(field, forms.BooleanField):
        return _("はい") if value in (True, "on", "true", "True") else _("いいえ")
    if value in (None, ""):
        return ""
    if isinstance(field, forms.ModelChoiceField):
        if hasattr(value, "pk"):
            return str(value)
        pk = parse_id(value)
        obj = (
            field.queryset.filter(pk=pk).first()
            if pk is not None and field.queryset is not None
            else None
        )
        return str(obj) if obj else str(value)
    if isinstance(field, forms.ChoiceField):
        # Read back, a form field's choices are (value, label) pairs; django-stubs types them
        # as anything that may be assigned (a mapping, a Choices class, a callable).
        return str(dict(field.choices).get(value, value))  # type: ignore[arg-type]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if name == "platform_id" and form.is_valid():
        # Issue 14: the permanent ID as people read it ("123…", "UC…"), not its stored form.
        service = form.cleaned_data.get("service")
        return permanent.bare(service.slug, str(value)) if service else str(value)
    return str(value)


def _officer_lines(proposal: Proposal) -> str:
    formset = proposal.officers
    lines = []
    for form in formset.forms:
        if form.is_valid() and not form.cleaned_data.get("DELETE"):
            role = _display(form.fields["role"], form, "role")
            who = _display(form.fields["user"], form, "user") or form.cleaned_data.get("name", "")
            title = form.cleaned_data.get("title") or ""
            cred = _("（ログイン情報を管理）") if form.cleaned_data.get("holds_credentials") else ""
            lines.append(f"{role}：{who} {title}{cred}".strip())
    return "\n".join(sorted(lines))


def compare(req: ApprovalRequest, *, user: User) -> list[tuple[str, list[Row]]]:
    """For a change request: (section title, rows) with current and proposed values."""
    if req.kind != RequestKind.CHANGE:
        return []
    current = Proposal.of(
        req,
        user=user,
        data=initial_payload(kind=RequestKind.CHANGE, user=user, account=req.account),
    )
    proposed = Proposal.of(req, user=user)
    out = []
    for section in kind_sections(req.kind):
        if section == "checklist":
            continue
        if section == "officers":
            rows = [Row(_("担当職員"), _officer_lines(current), _officer_lines(proposed))]
        else:
            now, new = current.forms[section], proposed.forms[section]
            rows = [
                Row(
                    str(field.label),
                    _display(field, now, name),
                    _display(new.fields[name], new, name),
                )
                for name, field in now.fields.items()
            ]
        out.append((SECTION_TITLES[section], rows))
    return out


def summary(proposal: Proposal) -> list[tuple[str, list[tuple[str, str]]]]:
    """The proposed content as (section title, [(label, value)]), for reading."""
    out = []
    for _section, title, form in proposal.sections:
        if isinstance(form, forms.BaseForm):
            rows = [
                (str(field.label), _display(field, form, name))
                for name, field in form.fields.items()
            ]
        else:  # the officers' formset
            rows = [(_("担当職員"), _officer_lines(proposal))]
        out.append((title, rows))
    return out
