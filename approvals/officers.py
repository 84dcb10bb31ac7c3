"""The bulk officer change (担当者の変更（一括）, RequestKind.OFFICERS): after a 人事異動, new
officers for several accounts of one department in one request.

The request names no single account: its accounts are those of its replacements
(``OfficerReplacement``, one per officer to replace). It goes department head → PR division like
every request (R1, R2); the successors are typed on the request (its ``payload``, section
``replacements``: ``ReplacementsForm``) and written on final approval (approvals.effects).

"One open request per account" holds across kinds: an account in an open bulk change takes no
change, closure or resumption request, and an account with an open request joins no bulk
change. Both sides lock the account rows first (``lock_accounts``), then look.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    PUBLIC_STATUSES,
    Officer,
    OfficerRole,
    OfficialAccount,
    officer_holder,
    one_person_in_every_role,
)
from approvals.models import OPEN_STATES, ApprovalRequest, OfficerReplacement, RequestKind
from core.errors import InvalidTransition, NotAllowed
from core.forms import CleanInputMixin, prepare_text_field
from organization.models import User, descendant_ids
from organization.permissions import can_file_for

if TYPE_CHECKING:
    from organization.models import Department


# --- One open request per account, across kinds ---------------------------------------------


def lock_accounts(ids: Iterable[int]) -> list[OfficialAccount]:
    """Lock the account rows in id order (two requests locking the same accounts never wait
    for each other in a circle)."""
    return list(
        OfficialAccount.objects.select_for_update(of=("self",))
        .select_related("service", "department")
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
    )


def open_bulk_change(account: OfficialAccount) -> ApprovalRequest | None:
    """The open bulk officer change that holds ``account``, if any."""
    return (
        ApprovalRequest.objects.filter(state__in=OPEN_STATES, replacements__account_id=account.pk)
        .order_by("pk")
        .first()
    )


def refuse_if_in_bulk_change(account: OfficialAccount) -> None:
    """A change, closure or resumption request is refused while the account is in an open bulk
    officer change (called by approvals.services.request_create, after its lock)."""
    bulk = open_bulk_change(account)
    if bulk is not None:
        raise InvalidTransition(
            gettext(
                "このアカウントは処理中の「担当者の変更（一括）」の申請（#%(pk)s）に含まれています。"
                "その申請が終わってから申請してください。"
            )
            % {"pk": bulk.pk}
        )


def busy_accounts(accounts: Sequence[OfficialAccount]) -> list[OfficialAccount]:
    """Those of ``accounts`` that have an open request of any kind."""
    ids = [a.pk for a in accounts]
    busy = set(
        ApprovalRequest.objects.filter(state__in=OPEN_STATES, account_id__in=ids).values_list(
            "account_id", flat=True
        )
    ) | set(
        OfficerReplacement.objects.filter(
            request__state__in=OPEN_STATES, account_id__in=ids
        ).values_list("account_id", flat=True)
    )
    return [a for a in accounts if a.pk in busy]


# --- Creating one ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaving:
    """An officer to replace, as the caller (personnel) found them."""

    account_id: int
    role: str
    user_id: int | None
    name: str = ""
    holds_credentials: bool = False
    reason: str = ""


@transaction.atomic
def bulk_change_create(*, actor: User, leaving: Sequence[Leaving]) -> ApprovalRequest:
    """Open a draft bulk officer change for the accounts of ``leaving`` (one department).

    Refused — with a message saying which — when the accounts belong to different
    departments (each department's head decides its own: R1), when one is not official
    (listed or suspended), when ``actor`` may not file for the department, or when an account
    already has an open request.
    """
    if not leaving:
        raise InvalidTransition(gettext("担当者を変更するアカウントを選んでください。"))
    accounts = lock_accounts(item.account_id for item in leaving)
    if len(accounts) != len({item.account_id for item in leaving}):
        raise InvalidTransition(
            gettext("選んだアカウントが見つかりません。画面を更新してください。")
        )
    departments = {a.department_id: a.department for a in accounts}
    if len(departments) > 1:
        raise InvalidTransition(
            gettext(
                "選んだアカウントの運用部署が異なります（%(names)s）。"
                "承認する所属長が部署ごとに異なるため、部署ごとに申請してください。"
            )
            % {"names": "、".join(sorted(d.full_name for d in departments.values()))}
        )
    department = next(iter(departments.values()))
    if not can_file_for(actor, department):
        raise NotAllowed
    ended = [a for a in accounts if a.status not in PUBLIC_STATUSES]
    if ended:
        raise InvalidTransition(
            gettext("公開中でないアカウントは一括変更できません：%(names)s")
            % {"names": "、".join(a.display_name for a in ended)}
        )
    busy = busy_accounts(accounts)
    if busy:
        raise InvalidTransition(
            gettext(
                "処理中の申請があるアカウントが含まれています：%(names)s。"
                "その申請が終わってから、または選択から外して申請してください。"
            )
            % {"names": "、".join(str(a) for a in busy)}
        )
    req = ApprovalRequest.objects.create(
        kind=RequestKind.OFFICERS,
        department=department,
        requester=actor,
        payload={},
        title=gettext("%(department)s %(count)sアカウントの担当者の変更")
        % {"department": department.name, "count": len(accounts)},
    )
    seen: set[tuple[int, str, int | None, str]] = set()
    for item in leaving:
        key = (item.account_id, item.role, item.user_id, item.name if not item.user_id else "")
        if key in seen:
            continue
        seen.add(key)
        OfficerReplacement.objects.create(
            request=req,
            account_id=item.account_id,
            role=item.role,
            old_user_id=item.user_id,
            old_name="" if item.user_id else item.name,
            holds_credentials=item.holds_credentials,
            reason=item.reason[:100],
        )
    return req


# --- The form of the request (section "replacements") ----------------------------------------


def successor_candidates(department: Department | None) -> QuerySet[User]:
    """Active staff of the department, of the units below it and of those above it (the
    局長 who is 責任者), never the system administrator."""
    users = User.objects.filter(is_active=True).exclude(role=User.Role.SYSADMIN)
    if department is None:
        return users.none()
    ids = descendant_ids(department.pk) | {d.pk for d in department.lineage()}
    return users.filter(department_id__in=ids).order_by("department__sort_order", "pk")


class ReplacementsForm(CleanInputMixin, forms.Form):
    """For each officer to replace: a member of staff, or a name (a contractor's person), with a
    title — or, for a 担当者 whose account keeps another, no successor (001 §4(1))."""

    def __init__(
        self,
        *args: Any,
        replacements: Iterable[OfficerReplacement] = (),
        department: Department | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.replacements = list(replacements)
        candidates = successor_candidates(department)
        role_names = dict(OfficerRole.choices)
        for r in self.replacements:
            what = _("%(account)s／%(role)s %(old)s の後任") % {
                "account": r.account,
                "role": role_names.get(r.role, r.role),
                "old": r.old_label,
            }
            responsible = r.role == OfficerRole.RESPONSIBLE
            self.fields[f"r{r.pk}_user"] = forms.ModelChoiceField(
                label=what,
                # 001 §4(1)ア, 002 §2: the 責任者 is a head (局長・所属長) — issue 11 §7.
                queryset=candidates.filter(role=User.Role.HEAD) if responsible else candidates,
                required=False,
                empty_label=_("（職員以外・下に氏名を記入）"),
                error_messages={
                    "invalid_choice": _(
                        "アカウント責任者には局長・所属長を選んでください（001 §4(1)ア、002 §2）。"
                    )
                }
                if responsible
                else None,
            )
            self.fields[f"r{r.pk}_name"] = forms.CharField(
                label=_("氏名（職員以外の場合）"), max_length=100, required=False
            )
            self.fields[f"r{r.pk}_title"] = forms.CharField(
                label=_("職名"), max_length=100, required=False
            )
            if r.role == OfficerRole.OPERATOR:
                self.fields[f"r{r.pk}_remove"] = forms.BooleanField(
                    label=_("後任を置かない（このアカウントに他の担当者が残る場合）"),
                    required=False,
                )
        # CleanInputMixin prepared the fields that existed before these rows were added.
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                prepare_text_field(field)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        officers: dict[int, list[Officer]] = {}
        for officer in Officer.objects.filter(
            account_id__in={r.account_id for r in self.replacements}
        ):
            officers.setdefault(officer.account_id, []).append(officer)
        removed: dict[int, int] = {}
        for r in self.replacements:
            if cleaned.get(f"r{r.pk}_remove"):
                removed[r.account_id] = removed.get(r.account_id, 0) + 1
            self._check_successor(r, cleaned, officers.get(r.account_id, []))
        self._check_one_person_in_every_role(cleaned, officers)
        for account_id, count in removed.items():
            operators = [o for o in officers.get(account_id, []) if o.role == OfficerRole.OPERATOR]
            if len(operators) - count < 1:
                first = next(
                    r
                    for r in self.replacements
                    if r.account_id == account_id and cleaned.get(f"r{r.pk}_remove")
                )
                self.add_error(
                    f"r{first.pk}_remove",
                    _("担当者が1人もいなくなります。後任を選んでください（001 §4(1)ウ）。"),
                )
        return cleaned

    def _check_one_person_in_every_role(
        self, cleaned: dict[str, Any], officers: dict[int, list[Officer]]
    ) -> None:
        """Issue 11 §7: after the change, nobody holds all three roles of an account
        (``accounts.models.one_person_in_every_role``, 001 §4(1), §5(1))."""
        for account_id, current in officers.items():
            rows = [r for r in self.replacements if r.account_id == account_id]
            leaving = {(r.role, r.old_user_id, "" if r.old_user_id else r.old_name) for r in rows}
            holders = [
                officer_holder(o.role, o.user_id, o.name)
                for o in current
                if (o.role, o.user_id, "" if o.user_id else o.name) not in leaving
            ]
            for r in rows:
                p = f"r{r.pk}"
                if cleaned.get(f"{p}_remove"):
                    continue
                user = cleaned.get(f"{p}_user")
                holders.append(officer_holder(r.role, user, cleaned.get(f"{p}_name")))
            for problem in one_person_in_every_role(holders):
                self.add_error(f"r{rows[0].pk}_user", problem)

    def _check_successor(
        self, r: OfficerReplacement, cleaned: dict[str, Any], officers: list[Officer]
    ) -> None:
        p = f"r{r.pk}"
        user, name = cleaned.get(f"{p}_user"), (cleaned.get(f"{p}_name") or "").strip()
        if cleaned.get(f"{p}_remove"):
            if user or name:
                self.add_error(
                    f"{p}_remove", _("後任を置かない場合は、職員・氏名を空にしてください。")
                )
        elif not user and not name:
            self.add_error(f"{p}_user", _("後任の職員を選ぶか、氏名を記入してください。"))
        elif user and name:
            self.add_error(f"{p}_name", _("職員を選んだ場合、氏名は空にしてください。"))
        elif user is not None and user.pk == r.old_user_id:
            self.add_error(f"{p}_user", _("交代する職員と同じ人です。"))
        elif user is not None:
            leaving = {
                (x.role, x.old_user_id) for x in self.replacements if x.account_id == r.account_id
            }
            if any(
                o.role == r.role and o.user_id == user.pk and (o.role, o.user_id) not in leaving
                for o in officers
            ):
                self.add_error(
                    f"{p}_user",
                    _("%(user)sは既にこのアカウントの%(role)sです。")
                    % {"user": user, "role": r.get_role_display()},
                )

    def choices(self) -> dict[int, tuple[User | None, str, str, bool]]:
        """The cleaned successor of each replacement: (user, name, title, remove)."""
        out = {}
        for r in self.replacements:
            p = f"r{r.pk}"
            user = self.cleaned_data.get(f"{p}_user")
            title = (self.cleaned_data.get(f"{p}_title") or "").strip()
            if user is not None and not title:
                title = user.title
            out[r.pk] = (
                user,
                (self.cleaned_data.get(f"{p}_name") or "").strip(),
                title,
                bool(self.cleaned_data.get(f"{p}_remove")),
            )
        return out

    def lines(self) -> list[dict[str, Any]]:
        """Old → new per account, as typed (approvers read this on the request page)."""
        out = []
        for r in self.replacements:
            p = f"r{r.pk}"
            if r.outcome:
                new = str(r.new_user) if r.new_user_id else r.new_name
            elif self.is_bound:
                raw_user = self.data.get(self.add_prefix(f"{p}_user"), "")
                user = next(
                    (u for u in self.fields[f"{p}_user"].queryset if str(u.pk) == str(raw_user)),  # type: ignore[attr-defined]
                    None,
                )
                new = str(user) if user else self.data.get(self.add_prefix(f"{p}_name"), "")
            else:
                new = ""
            removed = (
                bool(self.data.get(self.add_prefix(f"{p}_remove"))) if self.is_bound else False
            )
            out.append(
                {
                    "replacement": r,
                    "account": r.account,
                    "role": r.get_role_display(),
                    "old": r.old_label,
                    "reason": r.reason,
                    "new": new,
                    "removed": removed or r.outcome == OfficerReplacement.Outcome.REMOVED,
                    "outcome": r.get_outcome_display() if r.outcome else "",
                }
            )
        return out


def replacements_of(req: ApprovalRequest) -> QuerySet[OfficerReplacement]:
    return req.replacements.select_related("account__service", "old_user", "new_user").order_by(
        "account__display_name", "account_id", "pk"
    )


# --- The effect of the final approval (approvals.effects) -------------------------------------


def apply_bulk_change(req: ApprovalRequest, form: ReplacementsForm) -> None:
    """Replace each officer as approved, account by account (rows locked). An account closed
    since the request was made is skipped, and so is an officer already replaced by other
    means; each outcome is recorded on its replacement. The officers' history keeps every
    change. No policy version: the published policy does not show officers (R3)."""
    chosen = form.choices()
    by_account: dict[int, list[OfficerReplacement]] = {}
    for r in form.replacements:
        by_account.setdefault(r.account_id, []).append(r)
    accounts = {a.pk: a for a in lock_accounts(by_account)}
    for account_id, rows in by_account.items():
        account = accounts[account_id]
        for r in rows:
            user, name, title, remove = chosen[r.pk]
            if account.status not in PUBLIC_STATUSES:
                r.outcome = OfficerReplacement.Outcome.ACCOUNT_ENDED
                r.save(update_fields=["outcome"])
                continue
            who = (
                Q(user_id=r.old_user_id) if r.old_user_id else Q(user__isnull=True, name=r.old_name)
            )
            officer = Officer.objects.filter(who, account_id=account_id, role=r.role).first()
            if officer is None:
                r.outcome = OfficerReplacement.Outcome.OFFICER_GONE
                r.save(update_fields=["outcome"])
                continue
            if officer.holds_credentials:  # R10: the password must be changed
                account.credential_holder_left()
            if remove:
                officer.delete()
                r.outcome = OfficerReplacement.Outcome.REMOVED
            else:
                officer.user = user
                officer.name = "" if user is not None else name
                officer.title = title
                officer.full_clean()
                officer.save()
                r.new_user, r.new_name, r.new_title = user, officer.name, title
                r.outcome = OfficerReplacement.Outcome.REPLACED
            r.save()
