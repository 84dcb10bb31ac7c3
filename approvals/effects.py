"""What a request does to the records: one table, ``EFFECTS``, keyed by (kind, action).

Services call ``apply(req, action, proposal)`` inside their transaction, right after the
request's own transition. New registrations write the (non-public) account record when
submitted, so the key is reserved and the department head sees what is proposed; nothing
becomes public and no policy is published until the final approval (R1, R2). Changes and
closures touch nothing until then. A pair that is not in the table changes no record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts import permanent, renames
from accounts.models import IdentifierSource, Officer, OfficialAccount
from approvals import closures, officers
from approvals.models import Action, ApprovalRequest, RequestKind, RequestState
from approvals.proposal import Proposal
from policies.models import OperationRules, PolicyTemplate
from policies.selectors import current_policy, draft_policy
from policies.services import create_draft_policy, publish_policy

POLICY_FIELDS = ("purpose", "content", "related_url", *PolicyTemplate.TEMPLATE_FIELDS)


def _save_account(proposal: Proposal) -> OfficialAccount:
    form = proposal.account_form
    account = form.save(commit=False)
    account.full_clean()
    account.save()
    return account


def _officer_key(role, user_id, name, title, holds) -> tuple:
    return (role, user_id or 0, name or "", title or "", bool(holds))


def _replace_officers(account: OfficialAccount, proposal: Proposal) -> None:
    """Write the officers only when they changed, so the history shows real changes."""
    rows = proposal.officer_rows()
    # R10 off: the form does not ask who holds the credentials; each officer who stays keeps
    # what the record says (issue 10 §7), so switching R10 on again loses nothing.
    held = {(o.role, o.user_id, o.name): o.holds_credentials for o in account.officers.all()}
    for row in rows:
        if "holds_credentials" not in row:
            user = row.get("user")
            row["holds_credentials"] = held.get(
                (row["role"], user.pk if user else None, row.get("name", "")), False
            )
    current = sorted(
        _officer_key(o.role, o.user_id, o.name, o.title, o.holds_credentials)
        for o in account.officers.all()
    )
    proposed = sorted(
        _officer_key(
            r["role"],
            r["user"].pk if r.get("user") else None,
            r.get("name"),
            r.get("title"),
            r.get("holds_credentials"),
        )
        for r in rows
    )
    if current == proposed:
        return
    holders_before = {(o.user_id, o.name) for o in account.officers.all() if o.holds_credentials}
    holders_after = {
        (r["user"].pk if r.get("user") else None, "" if r.get("user") else r.get("name", ""))
        for r in rows
        if r.get("holds_credentials")
    }
    account.officers.all().delete()  # each deletion is kept in the officers' history
    for row in rows:
        officer = Officer(
            account=account,
            role=row["role"],
            user=row.get("user"),
            name=row.get("name", ""),
            title=row.get("title", ""),
            holds_credentials=row.get("holds_credentials", False),
        )
        officer.full_clean()
        officer.save()
    if holders_before - holders_after:  # R10: someone who knew the password is gone
        account.credential_holder_left()


def _save_rules(account: OfficialAccount, proposal: Proposal) -> None:
    if "rules" not in proposal.forms:  # neither R4 nor R16 applies: the section is not asked
        return
    rules = OperationRules.objects.filter(account=account).first() or OperationRules(
        account=account
    )
    changed = False
    for field, value in proposal.cleaned("rules").items():
        if getattr(rules, field) != value:
            setattr(rules, field, value)
            changed = True
    if changed or rules.pk is None:
        rules.full_clean()
        rules.save()


def _publish_policy_if_changed(account: OfficialAccount, proposal: Proposal, created_by) -> None:
    values = {f: proposal.cleaned("policy")[f] for f in POLICY_FIELDS}
    current = current_policy(account=account)
    # Items ア・イ of 001 §3(1) (service, name, URL, department) are part of the policy too:
    # a rename or a move publishes a new version even when the policy text is the same.
    snapshot = {
        "service_name": account.service.name,
        "account_name": account.display_name,
        "account_url": account.url,
        "department_name": account.department.full_name,
    }
    if current is not None and all(
        getattr(current, f) == v for f, v in (values | snapshot).items()
    ):
        return
    draft = draft_policy(account=account)
    if draft is not None:
        draft.delete()
    publish_policy(policy=create_draft_policy(account=account, created_by=created_by, **values))


# --- The effects -------------------------------------------------------------------------
# Each takes the request (after its transition) and the validated proposal, where the action
# has one (submission, final approval).

Effect = Callable[[ApprovalRequest, Proposal | None], None]


def _proposal(proposal: Proposal | None) -> Proposal:
    if proposal is None:
        raise TypeError("this effect applies the request's proposal")
    return proposal


def _locked_account(req: ApprovalRequest) -> OfficialAccount:
    """The request's account, its row locked (a registration names one once submitted)."""
    if req.account_id is None:
        raise TypeError("this effect needs the request's account")
    return OfficialAccount.objects.select_for_update().get(pk=req.account_id)


def _reserve_registration(req: ApprovalRequest, proposal: Proposal | None) -> None:
    """(Re)submitting a registration writes the account record, pending and not public: the
    key is reserved (the live-key constraint) and the head sees what is proposed."""
    proposal = _proposal(proposal)
    # A savepoint: a lost race for the key (IntegrityError, ValidationError) undoes only this.
    with transaction.atomic():
        account = _save_account(proposal)
        _replace_officers(account, proposal)
        _save_rules(account, proposal)
        account.submit()
        account.save()
    req.account = account
    req.department = account.department


def _account_back_to_draft(req: ApprovalRequest, proposal: Proposal | None) -> None:
    """A returned registration: the record waits, unlisted, for the requester's edit."""
    if req.account is not None:
        req.account.return_to_draft()
        req.account.save()


def _abandon_account(req: ApprovalRequest, proposal: Proposal | None) -> None:
    """A rejected or withdrawn registration frees its key (a draft never submitted has no
    record yet)."""
    if req.account is not None:
        req.account.abandon()
        req.account.save()


def _list_account(req: ApprovalRequest, proposal: Proposal | None) -> None:
    """The approved registration: its policy is published and the account listed (R3, R5)."""
    account = _locked_account(req)
    _publish_policy_if_changed(account, _proposal(proposal), req.requester)
    account.list_publicly()
    account.save()


def _in_use_since(account: OfficialAccount) -> date | None:
    """Since when the account has had its current identifier: its last rename, or listing."""
    last = account.former_identifiers.order_by("-used_until").first()
    if last is not None:
        return last.used_until
    return timezone.localdate(account.listed_at) if account.listed_at else None


def _apply_change(req: ApprovalRequest, proposal: Proposal | None) -> None:
    """The approved change: the record, officers and rules as proposed, and a new policy
    version when anything the policy shows changed. A rename keeps the old identifier in the
    handle history, so the verifier answers it "renamed" at once (issue 14)."""
    proposal = _proposal(proposal)
    before = _locked_account(req)
    account = _save_account(proposal)
    # Not when the old identifier was the permanent ID (registered by "x.com/i/user/<n>"):
    # that still names the account, it is no former name (``permanent.is_permanent``).
    renamed = (before.service_id, before.identifier) != (account.service_id, account.identifier)
    if (
        renamed
        and not permanent.is_permanent(before.key)
        and before.identifier
        not in (
            before.platform_id,
            account.platform_id,
        )
    ):
        renames.record_former_identifier(
            account,
            service=before.service,
            identifier=before.identifier,
            source=IdentifierSource.CHANGE,
            used_from=_in_use_since(before),
            note=gettext("変更申請 No.%(pk)s") % {"pk": req.pk},
            recorded_by=req.requester,
        )
    _replace_officers(account, proposal)
    _save_rules(account, proposal)
    _publish_policy_if_changed(account, proposal, req.requester)


def _close_account(req: ApprovalRequest, proposal: Proposal | None) -> None:
    """The approved closure: removed from the list, record and policies kept (R13) — on the
    day the request names, or now when that day is today or past (issue 10 §5,
    ``approvals.closures``)."""
    account = _locked_account(req)
    closure = _proposal(proposal).cleaned("closure")
    # Issue 11 §9: shown on the closed page; never the account itself as its own successor.
    account.closure_category = closure.get("category") or ""
    successor = closure.get("successor")
    account.successor = successor if successor is not None and successor.pk != account.pk else None
    closures.close_on(account, closure["closing_on"])


def _replace_officers_in_bulk(req: ApprovalRequest, proposal: Proposal | None) -> None:
    """The approved bulk officer change (人事異動): each account's officers as typed,
    skipping accounts closed since (``approvals.officers``)."""
    form = _proposal(proposal).forms["replacements"]
    if not isinstance(form, officers.ReplacementsForm):
        raise TypeError("the replacements section is a ReplacementsForm")
    officers.apply_bulk_change(req, form)


def _resume_account(req: ApprovalRequest, proposal: Proposal | None) -> None:
    """The approved resumption: listed again, the notice taken down (R18, 001 §8(4))."""
    account = _locked_account(req)
    account.resume()
    account.save()


EFFECTS: dict[tuple[RequestKind, Action], Effect] = {
    (RequestKind.NEW, Action.SUBMIT): _reserve_registration,
    (RequestKind.NEW, Action.RETURN): _account_back_to_draft,
    (RequestKind.NEW, Action.REJECT): _abandon_account,
    (RequestKind.NEW, Action.WITHDRAW): _abandon_account,
    (RequestKind.NEW, Action.APPROVE): _list_account,
    (RequestKind.CHANGE, Action.APPROVE): _apply_change,
    (RequestKind.CLOSURE, Action.APPROVE): _close_account,
    (RequestKind.RESUMPTION, Action.APPROVE): _resume_account,
    (RequestKind.OFFICERS, Action.APPROVE): _replace_officers_in_bulk,
}


def apply(req: ApprovalRequest, action: Action, proposal: Proposal | None = None) -> None:
    """Do to the records what ``action`` on ``req`` does (``EFFECTS``).

    Call it after the request's transition. An approval has its effect only when it completes
    the request — the PR division's, after the head's (R1, R2).
    """
    if action == Action.APPROVE and req.state != RequestState.APPROVED:
        return
    effect = EFFECTS.get((RequestKind(req.kind), action))
    if effect is not None:
        effect(req, proposal)
