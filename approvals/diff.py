"""Side-by-side comparison of what is public now and what a change request proposes."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from approvals.models import ApprovalRequest, RequestKind
from approvals.proposal import KIND_SECTIONS, SECTION_TITLES, Proposal, initial_payload
from core.errors import parse_id


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
        return "はい" if value in (True, "on", "true", "True") else "いいえ"
    if value in (None, ""):
        return ""
    if isinstance(field, forms.ModelChoiceField):
        if hasattr(value, "pk"):
            return str(value)
        pk = parse_id(value)
        obj = field.queryset.filter(pk=pk).first() if pk is not None else None
        return str(obj) if obj else str(value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _officer_lines(proposal: Proposal) -> str:
    formset = proposal.officers
    lines = []
    for form in formset.forms:
        if form.is_valid() and not form.cleaned_data.get("DELETE"):
            role = _display(form.fields["role"], form, "role")
            who = _display(form.fields["user"], form, "user") or form.cleaned_data.get("name", "")
            title = form.cleaned_data.get("title") or ""
            cred = "（ログイン情報を管理）" if form.cleaned_data.get("holds_credentials") else ""
            lines.append(f"{role}：{who} {title}{cred}".strip())
    return "\n".join(sorted(lines))


def compare(req: ApprovalRequest, *, user) -> list[tuple[str, list[Row]]]:
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
    for section in KIND_SECTIONS[req.kind]:
        if section == "checklist":
            continue
        if section == "officers":
            rows = [Row("担当職員", _officer_lines(current), _officer_lines(proposed))]
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
    for section, title, form in proposal.sections:
        if section == "officers":
            rows = [("担当職員", _officer_lines(proposal))]
        else:
            rows = [
                (str(field.label), _display(field, form, name))
                for name, field in form.fields.items()
            ]
        out.append((title, rows))
    return out
