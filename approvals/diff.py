"""Side-by-side comparison of what is public now and what a change request proposes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext as _

from accounts import permanent
from approvals.models import Action, ApprovalRequest, Decision, RequestKind
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


def display_value(field: forms.Field, form: forms.BaseForm, name: str) -> str:
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
            role = display_value(form.fields["role"], form, "role")
            who = display_value(form.fields["user"], form, "user") or form.cleaned_data.get(
                "name", ""
            )
            title = form.cleaned_data.get("title") or ""
            cred = _("（ログイン情報を管理）") if form.cleaned_data.get("holds_credentials") else ""
            lines.append(f"{role}：{who} {title}{cred}".strip())
    return "\n".join(sorted(lines))


def _side_by_side(
    kind: str, before: Proposal, after: Proposal, *, checklist: bool
) -> list[tuple[str, list[Row]]]:
    """(section title, rows) for every section of ``kind``, each field of ``before`` beside
    the same field of ``after`` (labels as the form shows them)."""
    out = []
    for section in kind_sections(kind):
        if section == "checklist" and not checklist:
            continue
        if section == "officers":
            rows = [Row(_("担当職員"), _officer_lines(before), _officer_lines(after))]
        else:
            now, new = before.forms[section], after.forms[section]
            rows = [
                Row(
                    str(field.label),
                    display_value(field, now, name),
                    display_value(new.fields[name], new, name) if name in new.fields else "",
                )
                for name, field in now.fields.items()
            ]
        out.append((SECTION_TITLES[section], rows))
    return out


def compare(
    req: ApprovalRequest, *, user: User, proposed: Proposal | None = None
) -> list[tuple[str, list[Row]]]:
    """For a change request: (section title, rows) with current and proposed values
    (``proposed``: the request's own proposal, when the page has built it already)."""
    if req.kind != RequestKind.CHANGE:
        return []
    current = Proposal.of(
        req,
        user=user,
        data=initial_payload(kind=RequestKind.CHANGE, user=user, account=req.account),
    )
    if proposed is None or proposed.user != user or proposed.data is not req.payload:
        proposed = Proposal.of(req, user=user)
    return _side_by_side(req.kind, current, proposed, checklist=False)


@dataclass(frozen=True)
class SinceLastRound:
    """Issue 11 §7: what the requester changed between two submissions (after a return)."""

    previous_round: int
    current_round: int
    sections: list[tuple[str, list[Row]]]  # only the sections and rows that changed

    @property
    def unchanged(self) -> bool:
        return not self.sections


def since_previous_round(
    req: ApprovalRequest,
    decisions: Iterable[Decision] | None = None,
    *,
    latest: Proposal | None = None,
) -> SinceLastRound | None:
    """The fields that differ between the payload submitted in the previous round and the
    latest one (``Decision.payload`` of the SUBMIT rows), for whoever decides after a return.
    None in the first round, or when a round's payload was not recorded (submitted before
    the payload was kept). ``latest``: the request's proposal as the page built it, used
    for the latest round when that is what was submitted (each proposal is validated
    against the database: issue 12 §4)."""
    if req.round < 2:
        return None
    if decisions is None:
        decisions = req.decisions.filter(action=Action.SUBMIT)
    submitted = {d.round: d.payload for d in decisions if d.action == Action.SUBMIT}
    before, after = submitted.get(req.round - 1), submitted.get(req.round)
    if before is None or after is None:
        return None
    user = req.requester
    if latest is None or latest.user != user or latest.data != after:
        latest = Proposal.of(req, user=user, data=after)
    sides = _side_by_side(
        req.kind, Proposal.of(req, user=user, data=before), latest, checklist=True
    )
    changed = [(title, [r for r in rows if r.changed]) for title, rows in sides]
    return SinceLastRound(
        previous_round=req.round - 1,
        current_round=req.round,
        sections=[(title, rows) for title, rows in changed if rows],
    )


def summary(proposal: Proposal) -> list[tuple[str, list[tuple[str, str]]]]:
    """The proposed content as (section title, [(label, value)]), for reading."""
    out = []
    for _section, title, form in proposal.sections:
        if isinstance(form, forms.BaseForm):
            rows = [
                (str(field.label), display_value(field, form, name))
                for name, field in form.fields.items()
            ]
        else:  # the officers' formset
            rows = [(_("担当職員"), _officer_lines(proposal))]
        out.append((title, rows))
    return out
