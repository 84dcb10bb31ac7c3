"""Requests (申請) and the decisions taken on them (R1, R2).

Every request — a new registration, a change, a closure — goes department head (the
責任者's side, 001 §4(1)ア, 002 §2) → PR division (000 §4(4), 001 §3(2), 003 §5(1)). Nothing
reaches the public page until both have approved. The proposed state lives in ``payload``
(the form data as typed), so a draft can be saved at any point and nothing is lost; it is
validated in full when the request is submitted and applied only on final approval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser, AnonymousUser, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.models import OfficerRole
from organization.models import User

if TYPE_CHECKING:
    from approvals.selectors import NextActor


class RequestKind(models.TextChoices):
    NEW = "new", _("新規登録")
    CHANGE = "change", _("変更")
    CLOSURE = "closure", _("廃止")
    # R18: a suspended account is listed again only through both steps (001 §8(4)).
    RESUMPTION = "resumption", _("再開")
    # 人事異動: new officers for several accounts of one department in one request.
    OFFICERS = "officers", _("担当者の変更（一括）")


class RequestState(models.TextChoices):
    DRAFT = "draft", _("下書き")
    AWAITING_HEAD = "awaiting_head", _("所属長の承認待ち")
    AWAITING_PR = "awaiting_pr", _("広報担当課の承認待ち")
    RETURNED = "returned", _("差し戻し")
    APPROVED = "approved", _("承認済み")
    REJECTED = "rejected", _("却下")
    WITHDRAWN = "withdrawn", _("取り下げ")


OPEN_STATES = (
    RequestState.DRAFT,
    RequestState.AWAITING_HEAD,
    RequestState.AWAITING_PR,
    RequestState.RETURNED,
)
EDITABLE_STATES = (RequestState.DRAFT, RequestState.RETURNED)
DECIDABLE_STATES = (RequestState.AWAITING_HEAD, RequestState.AWAITING_PR)
TITLE_MAX_LENGTH = 200  # ``ApprovalRequest.title``; the services shorten a longer name


# django-fsm types a condition's and a permission's arguments as any model and any user:
# the two below narrow them to this model and this project's users.


def _on_requesters_side(
    req: models.Model, user: AbstractUser | AnonymousUser | PermissionsMixin
) -> bool:
    from approvals.permissions import on_requesters_side

    if not isinstance(req, ApprovalRequest) or not isinstance(user, User | AnonymousUser):
        return False
    return on_requesters_side(user, req)


def _not_waiting_for_a_possible_pr_decision(req: models.Model) -> bool:
    """Withdrawal after the head's approval only when nobody may take the PR step (e.g. the
    PR division's own request and no third member): the account is not locked for ever."""
    if not isinstance(req, ApprovalRequest):
        return False
    if req.state != RequestState.AWAITING_PR:
        return True
    from approvals.permissions import nobody_may_decide

    return nobody_may_decide(req)


class ApprovalRequest(models.Model):
    # Not a column: set on each request of a list by approvals.selectors.with_next_actor.
    next_actor: NextActor | None

    kind = models.CharField(_("種別"), max_length=10, choices=RequestKind.choices)
    state = FSMField(
        _("状態"), max_length=15, choices=RequestState.choices, default=RequestState.DRAFT
    )
    # Null only for a new registration that has never been submitted.
    account = models.ForeignKey(
        "accounts.OfficialAccount",
        verbose_name=_("公式アカウント"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    # The department whose head decides the first step; for a change, the account's.
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("申請する所属"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申請者"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    title = models.CharField(_("件名"), max_length=TITLE_MAX_LENGTH, blank=True)
    payload = models.JSONField(_("申請内容"), default=dict, blank=True)
    # Incremented on every submission: decisions are unique per (round, step).
    round = models.PositiveIntegerField(_("提出回数"), default=0)
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    decided_at = models.DateTimeField(_("決定日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("申請")
        verbose_name_plural = _("申請")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            # At most one open request per account (wagtail's unique_in_progress_workflow).
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(state__in=OPEN_STATES),
                name="request_one_open_per_account",
                violation_error_message=_("このアカウントには処理中の申請があります。"),
            ),
            # A registration names its account once submitted; the bulk officer change
            # (人事異動) names several, in its replacements (``OfficerReplacement``), and none
            # here; every other kind names exactly one.
            models.CheckConstraint(
                condition=Q(kind="new")
                | (Q(kind="officers") & Q(account__isnull=True))
                | (~Q(kind="officers") & Q(account__isnull=False)),
                name="request_names_its_account",
            ),
        ]
        indexes = [models.Index(fields=["state", "department"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title or self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # --- State machine (services call these; they only change this row) ------------------

    # Editing is allowed exactly while ``submit`` may proceed (approvals.permissions).
    @transition(
        field=state,
        source=EDITABLE_STATES,
        target=RequestState.AWAITING_HEAD,
        permission=_on_requesters_side,
    )
    def submit(self) -> None:
        self.round += 1
        self.submitted_at = timezone.now()

    @transition(field=state, source=RequestState.AWAITING_HEAD, target=RequestState.AWAITING_PR)
    def approve_as_head(self) -> None:
        pass

    @transition(field=state, source=RequestState.AWAITING_PR, target=RequestState.APPROVED)
    def approve_as_pr(self) -> None:
        self.decided_at = timezone.now()

    @transition(field=state, source=DECIDABLE_STATES, target=RequestState.RETURNED)
    def return_for_revision(self) -> None:
        pass

    @transition(field=state, source=DECIDABLE_STATES, target=RequestState.REJECTED)
    def reject(self) -> None:
        self.decided_at = timezone.now()

    # From AWAITING_PR only when nobody may take the PR step (issue 8 §4).
    @transition(
        field=state,
        source=[*EDITABLE_STATES, *DECIDABLE_STATES],
        target=RequestState.WITHDRAWN,
        conditions=[_not_waiting_for_a_possible_pr_decision],
        permission=_on_requesters_side,
    )
    def withdraw(self) -> None:
        self.decided_at = timezone.now()


class Step(models.TextChoices):
    REQUESTER = "requester", _("申請者")
    # Someone of the requester's department acting on the requester's side (a 課長 who
    # submits or withdraws an operator's request): named as what they are (issue 8 §4).
    DEPARTMENT = "department", _("申請者の所属")
    HEAD = "head", _("所属長")
    PR = "pr", _("広報担当課")


class Action(models.TextChoices):
    SUBMIT = "submit", _("提出")
    APPROVE = "approve", _("承認")
    RETURN = "return", _("差し戻し")
    REJECT = "reject", _("却下")
    WITHDRAW = "withdraw", _("取り下げ")
    # R17: the PR division has dealt with a known impersonation of the proposed handle.
    RESOLVE = "resolve", _("なりすまし登録との競合を解消")


class Decision(models.Model):
    """One row per decision: who, at which step, when, and why (wagtail TaskState)."""

    request = models.ForeignKey(
        ApprovalRequest,
        verbose_name=_("申請"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    round = models.PositiveIntegerField(_("提出回数"))
    step = models.CharField(_("段階"), max_length=10, choices=Step.choices)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作した職員"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    comment = models.TextField(_("コメント"), blank=True)
    # For RESOLVE: the known impersonation that was retired for this request.
    impersonation = models.ForeignKey(
        "impersonation.KnownImpersonation",
        verbose_name=_("なりすましアカウント"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Issue 11 §7: the request's payload as it was submitted (SUBMIT rows only), so whoever
    # decides after a return sees what the requester changed since the previous round.
    payload = models.JSONField(_("提出時の申請内容"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("日時"), default=timezone.now)

    class Meta:
        verbose_name = _("決定")
        verbose_name_plural = _("決定")
        ordering = ["created_at", "pk"]
        constraints = [
            # A step is decided once per submission: two approvers racing produce one row.
            models.UniqueConstraint(
                fields=["request", "round", "step"],
                condition=Q(step__in=["head", "pr"], action__in=["approve", "return", "reject"]),
                name="decision_one_per_step_per_round",
            ),
            models.CheckConstraint(
                condition=~Q(action__in=["return", "reject", "resolve"]) | ~Q(comment=""),
                name="decision_return_reject_resolve_need_a_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.get_action_display()}"

    @property
    def actor_label(self) -> str:
        """Who acted, as people read it: 「鈴木 一郎（観光プロモーション課長）」."""
        title = self.actor.title
        return f"{self.actor}（{title}）" if title else str(self.actor)


class OfficerReplacement(models.Model):
    """One officer of one account replaced by a bulk officer change (RequestKind.OFFICERS,
    人事異動): who held the role when the request was made, and — once approved — who holds
    it now. The successor is typed on the request (its ``payload``, ``replacements`` section);
    ``new_*`` and ``outcome`` record what the final approval did (approvals.effects)."""

    class Outcome(models.TextChoices):
        PENDING = "", _("未決定")
        REPLACED = "replaced", _("交代した")
        REMOVED = "removed", _("後任を置かず外した")
        ACCOUNT_ENDED = "account_ended", _("アカウントが廃止済みのため何もしなかった")
        OFFICER_GONE = "officer_gone", _("既に交代済みのため何もしなかった")

    request = models.ForeignKey(
        ApprovalRequest,
        verbose_name=_("申請"),
        on_delete=models.CASCADE,
        related_name="replacements",
    )
    account = models.ForeignKey(
        "accounts.OfficialAccount",
        verbose_name=_("公式アカウント"),
        on_delete=models.PROTECT,
        related_name="officer_replacements",
    )
    role = models.CharField(_("役割"), max_length=12, choices=OfficerRole.choices)
    old_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("交代する職員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    old_name = models.CharField(_("交代する人の氏名"), max_length=100, blank=True)
    holds_credentials = models.BooleanField(_("ログイン情報を管理している"), default=False)
    # Why it is asked (人事異動: 退職・異動), as the personnel app saw it; shown to approvers.
    reason = models.CharField(_("理由"), max_length=100, blank=True)
    new_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("後任の職員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    new_name = models.CharField(_("後任の氏名"), max_length=100, blank=True)
    new_title = models.CharField(_("後任の職名"), max_length=100, blank=True)
    outcome = models.CharField(
        _("結果"), max_length=15, choices=Outcome.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("担当者の交代")
        verbose_name_plural = _("担当者の交代")
        ordering = ["account_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "account", "role", "old_user"],
                condition=Q(old_user__isnull=False),
                name="replacement_once_per_officer",
            ),
            models.CheckConstraint(
                condition=Q(old_user__isnull=False) | ~Q(old_name=""),
                name="replacement_names_the_officer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.old_label}"

    @property
    def old_label(self) -> str:
        return str(self.old_user) if self.old_user_id else self.old_name
