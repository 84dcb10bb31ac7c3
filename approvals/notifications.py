"""Mail to whoever must act next and to the requester, sent after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from approvals.models import ApprovalRequest, Decision, RequestState
from core.municipality import get_municipality
from organization.models import User


def heads_for(req: ApprovalRequest):
    lineage = [d.pk for d in req.department.lineage()]
    return User.objects.filter(role=User.Role.HEAD, department_id__in=lineage, is_active=True)


def pr_members():
    return User.objects.filter(department__is_pr_division=True, is_active=True).exclude(
        role=User.Role.SYSADMIN
    )


def _send(recipients, subject: str, template: str, context: dict) -> None:
    addresses = sorted({u.email for u in recipients if u.email})
    if not addresses:
        return
    body = render_to_string(template, context)
    prefix = f"[{get_municipality().name} 公式SNS台帳] "
    transaction.on_commit(
        lambda: send_mail(prefix + subject, body, settings.DEFAULT_FROM_EMAIL, addresses)
    )


def _step_name(decision: Decision) -> str:
    if decision.step == "pr":
        return get_municipality().pr_division_name
    return decision.get_step_display()


def notify(req: ApprovalRequest, decision: Decision) -> None:
    """Queue the mails that follow ``decision`` on ``req`` (after commit)."""
    link = settings.SITE_URL.rstrip("/") + reverse("staff:request_detail", args=[req.pk])
    context = {"req": req, "decision": decision, "link": link}
    subject_name = req.title or req.get_kind_display()
    if req.state == RequestState.AWAITING_HEAD:
        _send(
            heads_for(req),
            f"承認をお願いします：{subject_name}",
            "approvals/email/act.txt",
            {**context, "step": "所属長"},
        )
    elif req.state == RequestState.AWAITING_PR:
        approver = decision.actor_id
        _send(
            [u for u in pr_members() if u.pk not in (approver, req.requester_id)],
            f"承認をお願いします：{subject_name}",
            "approvals/email/act.txt",
            {**context, "step": get_municipality().pr_division_name},
        )
    if decision.actor_id != req.requester_id:
        _send(
            [req.requester],
            f"{_step_name(decision)}が{decision.get_action_display()}しました：{subject_name}",
            "approvals/email/decided.txt",
            context,
        )
