"""What a request does to the records. Called by services inside their transaction.

New registrations write the (non-public) account record when submitted, so the key is
reserved and the department head sees what is proposed; nothing becomes public and no policy
is published until the final approval (R1, R2). Changes and closures touch nothing until then.
"""

from __future__ import annotations

from accounts.models import Officer, OfficialAccount
from approvals.models import ApprovalRequest
from approvals.proposal import Proposal
from policies.models import OperationRules, PolicyTemplate
from policies.selectors import current_policy
from policies.services import create_draft_policy, publish_policy

POLICY_FIELDS = ("purpose", "content", "related_url", *PolicyTemplate.TEMPLATE_FIELDS)


def _save_account(proposal: Proposal) -> OfficialAccount:
    form = proposal.forms["account"]
    account = form.save(commit=False)
    account.full_clean()
    account.save()
    return account


def _officer_key(role, user_id, name, title, holds) -> tuple:
    return (role, user_id or 0, name or "", title or "", bool(holds))


def _replace_officers(account: OfficialAccount, proposal: Proposal) -> None:
    """Write the officers only when they changed, so the history shows real changes."""
    rows = proposal.officer_rows()
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


def _save_rules(account: OfficialAccount, proposal: Proposal) -> None:
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


def write_registration(req: ApprovalRequest, proposal: Proposal) -> OfficialAccount:
    """On (re)submission of a new registration: the account record, not yet public."""
    account = _save_account(proposal)
    _replace_officers(account, proposal)
    _save_rules(account, proposal)
    return account


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
    draft = account.policies.filter(status="draft").first()
    if draft is not None:
        draft.delete()
    publish_policy(policy=create_draft_policy(account=account, created_by=created_by, **values))


def apply_new(req: ApprovalRequest, proposal: Proposal) -> None:
    account = OfficialAccount.objects.select_for_update().get(pk=req.account_id)
    _publish_policy_if_changed(account, proposal, req.requester)
    account.list_publicly()
    account.save()


def apply_change(req: ApprovalRequest, proposal: Proposal) -> None:
    OfficialAccount.objects.select_for_update().filter(pk=req.account_id).first()
    account = _save_account(proposal)
    _replace_officers(account, proposal)
    _save_rules(account, proposal)
    _publish_policy_if_changed(account, proposal, req.requester)


def apply_closure(req: ApprovalRequest, proposal: Proposal) -> None:
    account = OfficialAccount.objects.select_for_update().get(pk=req.account_id)
    account.close()
    account.save()
