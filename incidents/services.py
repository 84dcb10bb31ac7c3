"""Writes of the incidents app: record an incident, add to it, suspend an account (R18).

Each checks permission, locks, changes the rows and queues the mail in one transaction. The
public pages see a suspension at once: the account's save bumps the public generation
(``core.signals.watch_public``), nothing here bumps it by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.keys import AccountKey
from accounts.models import AccountStatus, OfficialAccount
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.municipality import get_municipality
from incidents import permissions
from incidents.models import Incident, IncidentKind, IncidentStatus
from jobs.mail import queue_mail

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from organization.models import User


class NotSuspendable(InvalidTransition):
    message = gettext_lazy(
        "このアカウントは公開中ではないため一時停止できません（既に一時停止中・廃止済みなど）。"
        "画面を更新してください。"
    )


class IncidentClosed(DomainError):
    message = gettext_lazy("このインシデントは対応済みです。再び対応中にしてから追記してください。")


def _link(name: str, *args: object) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse(name, args=args)


def _tell(
    people: QuerySet[User],
    actor: User | None,
    subject: str,
    template: str,
    context: dict[str, Any],
) -> None:
    """Queued in this transaction (jobs.mail): sent after commit, with retries. Not to the
    one who acted (``actor``; None: the registry itself, everyone is told)."""
    if actor is not None:
        people = people.exclude(pk=actor.pk)
    addresses = [u.email for u in people.order_by("pk") if u.email]
    if addresses:
        queue_mail(addresses, subject, render_to_string(template, context))


def _context(incident: Incident, actor: User | None) -> dict[str, Any]:
    account = incident.account
    return {
        "incident": incident,
        "account": account,
        "actor": actor,
        "division": get_municipality().pr_division_name,
        "link": _link("staff_incidents:detail", incident.pk),
        "account_link": _link("staff_accounts:detail", account.pk),
        "public_link": _link("public:account_detail", account.pk),
        "suspend_link": _link("staff_incidents:suspend", account.pk)
        + f"?kind={incident.kind}&incident={incident.pk}",
    }


@transaction.atomic
def incident_record(
    *,
    account: OfficialAccount,
    actor: User,
    kind: str,
    occurred_at: datetime,
    description: str,
    actions_taken: str = "",
) -> Incident:
    """Record an incident and tell the 責任者's side and the PR division at once (001 §8)."""
    if not permissions.can_record_incident(actor, account):
        raise NotAllowed
    incident = Incident(
        account=account,
        kind=kind,
        occurred_at=min(occurred_at, timezone.now()),
        description=description.strip(),
        actions_taken=actions_taken.strip(),
        recorded_by=actor,
    )
    incident.full_clean()
    incident.save()
    context = _context(incident, actor)
    context["may_be_suspended"] = account.status == AccountStatus.LISTED
    urgent = _("【至急】") if kind == IncidentKind.HIJACK else ""
    _tell(
        permissions.told_of_incident(account),
        actor,
        _("%(urgent)sインシデントの報告：%(account)s（%(kind)s）")
        % {"urgent": urgent, "account": account.display_name, "kind": incident.get_kind_display()},
        "incidents/email/recorded.txt",
        context,
    )
    return incident


def observed_display(account: OfficialAccount, identifier: str) -> str:
    """A stored (canonical) identifier of ``account``'s service as people write it there
    ("@new_name"): the one spelling of an observed ID in the mail, the incident's description
    and the pages (``reviews.models.AccountReview.observed_handle_display`` too)."""
    return AccountKey(account.service.slug, identifier).display_handle if identifier else ""


@transaction.atomic
def incident_detected(
    *,
    account: OfficialAccount,
    observed_identifier: str,
    description: str,
    actor: User | None = None,
    kind: str = IncidentKind.HANDLE_CHANGED,
) -> Incident | None:
    """An incident the registry was told of rather than one someone wrote up: the daily
    handle check found it (``actor`` None, shown as 「台帳の自動確認」), or a reviewer said the
    service shows another ID than the registry (``actor``: the reviewer). Recorded and told
    at once to the 責任者's side and the PR division, like any incident (001 §8); the account
    itself is never changed (a rename is a change request, a hijack a suspension).

    One open incident per (account, kind, observed identifier): while one is open, the same
    finding adds nothing (the check runs every day) and None is returned. A closed one does
    not hold back a new one: closing says it was dealt with, so the same finding the next
    day means it was not (the registry still has the old ID)."""
    account = (
        OfficialAccount.objects.select_for_update(of=("self",))
        .select_related("service", "department")
        .get(pk=account.pk)
    )
    if actor is not None and not permissions.can_record_incident(actor, account):
        raise NotAllowed
    observed_identifier = observed_identifier.strip()
    already = Incident.objects.filter(
        account=account,
        kind=kind,
        observed_identifier=observed_identifier,
        status=IncidentStatus.OPEN,
    )
    if already.exists():
        return None
    now = timezone.now()
    incident = Incident(
        account=account,
        kind=kind,
        occurred_at=now,
        recorded_at=now,
        description=description.strip(),
        recorded_by=actor,
        observed_identifier=observed_identifier,
    )
    incident.full_clean()
    incident.save()
    context = _context(incident, actor)
    context["may_be_suspended"] = account.status == AccountStatus.LISTED
    context["observed"] = observed = observed_display(account, observed_identifier)
    context["change_link"] = context["account_link"]
    _tell(
        permissions.told_of_incident(account),
        actor,
        _("【要確認】%(kind)s：%(account)s（台帳 %(registered)s → サービス上 %(observed)s）")
        % {
            "kind": incident.get_kind_display(),
            "account": account.display_name,
            "registered": account.key.display_handle,
            "observed": observed,
        },
        "incidents/email/detected.txt",
        context,
    )
    return incident


@transaction.atomic
def incident_update(
    *, incident: Incident, actor: User, actions_taken: str, close: bool = False
) -> Incident:
    """Write down what was done since; mark it dealt with (対応済み)."""
    incident = Incident.objects.select_for_update().select_related("account").get(pk=incident.pk)
    if not permissions.can_update_incident(actor, incident):
        raise NotAllowed
    if not incident.is_open:
        raise IncidentClosed
    incident.actions_taken = actions_taken.strip()
    if close:
        incident.close()
    incident.full_clean()
    incident.save()
    return incident


@transaction.atomic
def incident_reopen(*, incident: Incident, actor: User) -> Incident:
    incident = Incident.objects.select_for_update().select_related("account").get(pk=incident.pk)
    if not permissions.can_update_incident(actor, incident):
        raise NotAllowed
    if incident.is_open:
        raise InvalidTransition
    incident.reopen()
    incident.save()
    return incident


@transaction.atomic
def account_suspend(
    *,
    account: OfficialAccount,
    actor: User,
    kind: str,
    notice: str,
    actions_taken: str = "",
    description: str = "",
    incident: Incident | None = None,
) -> Incident:
    """R18 (001 §8(4), 002 §5): suspend at once, with the public notice, and record it.

    No approvals: the 責任者's side or the PR division acts alone (``may_suspend``). With
    ``incident`` (an open one on the same account, e.g. the hijack an operator reported) the
    suspension is written on it; otherwise a new incident is recorded. Every officer, the
    責任者's side and the PR division are told. Resuming is a request through both steps.
    """
    account = (
        OfficialAccount.objects.select_for_update(of=("self",))
        .select_related("service", "department")
        .get(pk=account.pk)
    )
    if not permissions.may_suspend(actor, account):
        raise NotAllowed
    if account.status != AccountStatus.LISTED:
        raise NotSuspendable
    notice = notice.strip()
    if not notice:
        raise DomainError(_("公開するお知らせを記入してください。"))
    account.suspend(notice)
    account.save()  # bumps the public generation (core.signals.watch_public)
    now = account.suspended_at or timezone.now()
    if incident is not None:
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.account_id != account.pk or not incident.is_open:
            incident = None
    if incident is None:
        label = IncidentKind(kind).label if kind in IncidentKind.values else kind
        incident = Incident(
            account=account,
            kind=kind,
            occurred_at=now,
            description=description.strip()
            or _("%(kind)sのため一時停止しました。") % {"kind": label},
            recorded_by=actor,
            recorded_at=now,
        )
    elif description.strip():
        incident.description = f"{incident.description}\n{description.strip()}"
    done = actions_taken.strip()
    if done:
        incident.actions_taken = (
            f"{incident.actions_taken}\n{done}" if incident.actions_taken else done
        )
    incident.suspension_notice = notice
    incident.suspended_at = now
    incident.full_clean()
    incident.save()
    _tell(
        permissions.told_of_suspension(account),
        actor,
        _("【緊急】一時停止しました：%(account)s（%(kind)s）")
        % {"account": account.display_name, "kind": incident.get_kind_display()},
        "incidents/email/suspended.txt",
        _context(incident, actor),
    )
    return incident
