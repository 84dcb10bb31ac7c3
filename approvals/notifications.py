"""Mail to whoever must act next and to the requester, sent after the transaction commits."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import (
    DECIDABLE_STATES,
    Action,
    ApprovalRequest,
    Decision,
    RequestState,
)
from approvals.permissions import deciders
from core.municipality import get_municipality
from jobs.mail import queue_mail
from organization.permissions import sysadmins

if TYPE_CHECKING:
    from accounts.models import FormerIdentifier
    from organization.models import User


def _send(recipients, subject: str, template: str, context: dict) -> None:
    """Queued in this transaction (jobs.mail): the decision stands whatever happens to the
    mail, and the mail is sent, with retries, once the decision is committed."""
    addresses = [u.email for u in recipients if u.email]
    if addresses:
        queue_mail(addresses, subject, render_to_string(template, context))


def _step_name(decision: Decision) -> str:
    if decision.step == "pr":
        return get_municipality().pr_division_name
    return decision.get_step_display()


# Issue 11 §7: what was done, as a sentence ends — the verb's own past form, never the
# action's noun + 「しました」 (差し戻しました, not 差し戻ししました). One entry per Action.
ACTION_DONE = {
    Action.SUBMIT: gettext_lazy("提出しました"),
    Action.APPROVE: gettext_lazy("承認しました"),
    Action.RETURN: gettext_lazy("差し戻しました"),
    Action.REJECT: gettext_lazy("却下しました"),
    Action.WITHDRAW: gettext_lazy("取り下げました"),
    Action.RESOLVE: gettext_lazy("なりすまし登録との競合を解消しました"),
}


def action_done(action: str) -> str:
    """「差し戻しました」 for Action.RETURN, and so on (``ACTION_DONE``)."""
    return str(ACTION_DONE[Action(action)])


def notify(req: ApprovalRequest, decision: Decision) -> None:
    """Queue the mails that follow ``decision`` on ``req`` (after commit)."""
    link = settings.SITE_URL.rstrip("/") + reverse("staff:request_detail", args=[req.pk])
    context = {"req": req, "decision": decision, "link": link, "done": action_done(decision.action)}
    subject_name = req.title or req.get_kind_display()
    if req.state in DECIDABLE_STATES:
        # Exactly the people whose page shows the buttons (approvals.permissions.deciders).
        people = deciders(req)
        if req.state == RequestState.AWAITING_HEAD:
            step = _("所属長")
        else:
            step = get_municipality().pr_division_name
        _send(
            people,
            _("承認をお願いします：%(subject)s") % {"subject": subject_name},
            "approvals/email/act.txt",
            {**context, "step": step},
        )
        if not people:
            _tell_sysadmins_stuck(req, context, subject_name)
    if decision.actor_id != req.requester_id:
        _send(
            [req.requester],
            # The real actor, by name: a colleague's withdrawal is not the requester's.
            _("%(step)s %(actor)sが%(done)s：%(subject)s")
            % {
                "step": _step_name(decision),
                "actor": decision.actor,
                "done": context["done"],
                "subject": subject_name,
            },
            "approvals/email/decided.txt",
            # The final approval gives the public page and its QR code (issue 11 §7).
            {**context, "public": _public_links(req)},
        )


def _public_links(req: ApprovalRequest):
    from approvals.selectors import public_links

    return public_links(req)


def _tell_sysadmins_stuck(req: ApprovalRequest, context: dict, subject_name: str) -> None:
    """Nobody may take the step (e.g. the PR division's own request and no third member):
    the system administrator, who registers staff, hears of it at once (issue 8 §4), with
    the same 「次に判断する人」 text the request page shows."""
    from approvals.selectors import next_actor

    waiting = next_actor(req)
    _send(
        sysadmins(),
        _("判断できる人がいない申請があります：%(subject)s") % {"subject": subject_name},
        "approvals/email/stuck.txt",
        {**context, "next_actor": waiting, "division": get_municipality().pr_division_name},
    )


def _pr_step_people(req: ApprovalRequest) -> list[User]:
    """Who will be asked to take the request's PR step (``deciders`` as if it were there now):
    the PR division but the requester, and, on the PR division's own request, the head over
    it (issue 8 §4)."""
    at_pr = copy.copy(req)
    at_pr.state = RequestState.AWAITING_PR
    return deciders(at_pr)


def flag_former_identifier(req: ApprovalRequest, rows: list[FormerIdentifier]) -> None:
    """Issue 14 §2: a registration (or a change to a new handle) claims a handle another
    official account used before — someone else may hold it now. The PR division (who take
    the request's last step) hears of it when it is submitted, once per request and handle
    (``queue_mail``'s key), so a resubmission after a return does not mail again."""
    if not rows:
        return
    first = rows[0]
    addresses = [u.email for u in _pr_step_people(req) if u.email]
    if not addresses:
        return
    link = settings.SITE_URL.rstrip("/") + reverse("staff:request_detail", args=[req.pk])
    queue_mail(
        addresses,
        _("以前別の公式アカウントが使っていたIDでの申請があります：%(subject)s")
        % {"subject": req.title or req.get_kind_display()},
        render_to_string(
            "approvals/email/former_identifier.txt",
            {
                "req": req,
                "rows": rows,
                "handle": first.key.display_handle,
                "service": first.service.name,
                "link": link,
                "division": get_municipality().pr_division_name,
            },
        ),
        key=f"approvals.former_identifier:{req.pk}:{first.service_id}:{first.identifier}",
    )


def with_public_links(req: ApprovalRequest, message: str) -> str:
    """The final approval's success message, with the public page and the QR code when the
    approval listed (or kept listing) an account (issue 11 §7); ``message`` otherwise.
    Marked safe (the links): every value is escaped by ``format_html``."""
    links = _public_links(req)
    if links is None:
        return message
    return format_html(
        _(
            '{message} 公開ページ：<a href="{page}">{page}</a>'
            '（<a href="{qr}">QRコード（SVG）</a>。チラシや掲示物に使えます）'
        ),
        message=message,
        page=links.page,
        qr=links.qr,
    )
