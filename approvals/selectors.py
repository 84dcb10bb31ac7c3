"""Reads for the staff dashboard and the request pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import catalogue, identity, permanent, renames
from accounts.models import AccountStatus, FormerIdentifier, OfficialAccount, Service
from approvals import permissions
from approvals.models import (
    DECIDABLE_STATES,
    EDITABLE_STATES,
    Action,
    ApprovalRequest,
    Decision,
    RequestKind,
    RequestState,
)
from core.errors import parse_id
from core.municipality import get_municipality
from impersonation.models import KnownImpersonation
from organization.models import descendant_ids
from organization.permissions import is_head, is_pr_member, sees_everything

if TYPE_CHECKING:
    from organization.models import User
    from organization.permissions import AnyUser


def _with_relations(qs: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    return qs.select_related("account__service", "department__parent__parent", "requester")


def my_requests(user: User) -> QuerySet[ApprovalRequest]:
    return _with_relations(ApprovalRequest.objects.filter(requester=user))


def awaiting(user: User) -> list[ApprovalRequest]:
    """Requests this person may decide now (the same predicate the buttons use)."""
    query = Q(pk__in=[])
    if is_head(user) and user.department_id:
        in_scope = Q(department_id__in=descendant_ids(user.department_id))
        query |= in_scope & Q(state=RequestState.AWAITING_HEAD)
        # The PR division's own request: the head over the division takes its PR step too.
        query |= in_scope & Q(state=RequestState.AWAITING_PR, department__is_pr_division=True)
    if is_pr_member(user):
        query |= Q(state=RequestState.AWAITING_PR)
    candidates = _with_relations(ApprovalRequest.objects.filter(query)).prefetch_related(
        "decisions"
    )
    return [r for r in candidates.order_by("submitted_at") if permissions.can_decide(user, r)]


# --- Who must act next (issue 8 §4) ----------------------------------------------------------


@dataclass(frozen=True)
class NextActor:
    """「次に判断する人」 for one request. ``stuck``: nobody may take the step."""

    text: str
    stuck: bool = False


def next_actor(req: ApprovalRequest, candidates: list[User] | None = None) -> NextActor | None:
    """Named by the same predicate as the buttons (``permissions.deciders``); None once the
    request has ended."""
    if req.state in EDITABLE_STATES:
        doing = _("提出") if req.state == RequestState.DRAFT else _("修正して再提出")
        return NextActor(
            _("申請者 %(requester)s（%(doing)s）") % {"requester": req.requester, "doing": doing}
        )
    if req.state not in DECIDABLE_STATES:
        return None
    if req.state == RequestState.AWAITING_HEAD:
        step = _("所属長")
    else:
        step = get_municipality().pr_division_name
    people = permissions.deciders(req, candidates)
    if people:
        names = pgettext("list separator", "、").join(str(u) for u in people)
        return NextActor(_("%(step)s：%(people)s") % {"step": step, "people": names})
    if req.state == RequestState.AWAITING_PR:
        why = _(
            "%(step)sに、申請者と所属長の段階で承認した人以外の職員がいません"
            "（二人の目で確かめるため、この二人は広報担当課の段階を判断できません）"
        ) % {"step": step}
    else:
        why = _("この所属の所属長（申請者以外）が登録されていません")
    return NextActor(
        _(
            "%(step)s：判断できる人がいません。%(why)s。"
            "システム管理者に職員の登録を依頼するか、申請を取り下げてください。"
        )
        % {"step": step, "why": why},
        stuck=True,
    )


def with_next_actor(requests: Iterable[ApprovalRequest]) -> list[ApprovalRequest]:
    """Attach ``next_actor`` to each request of a list, asking for the candidates once."""
    requests = list(requests)
    candidates = list(permissions.decider_candidates())
    for req in requests:
        req.next_actor = next_actor(req, candidates)
    return requests


def stuck(user: AnyUser) -> list[ApprovalRequest]:
    """Requests nobody may decide now, for those who can see every request and act on it:
    the PR division and the system administrator (who registers staff)."""
    if not sees_everything(user):
        return []
    waiting = _with_relations(
        ApprovalRequest.objects.filter(state__in=DECIDABLE_STATES)
    ).prefetch_related("decisions")
    return [
        r
        for r in with_next_actor(waiting.order_by("submitted_at"))
        if r.next_actor is not None and r.next_actor.stuck
    ]


# --- The proposed handle against the impersonation list and closed accounts (R17) ------------


@dataclass
class PlatformIdChange:
    """A change request that changes a listed account's permanent ID (issue 14): a different
    account on the service, not a rename."""

    current: str
    proposed: str  # "" when the request removes it


@dataclass
class IdentityWarnings:
    impersonations: list[KnownImpersonation] = field(default_factory=list)  # open ones
    former: list[OfficialAccount] = field(default_factory=list)  # closed, with that handle
    # Issue 14 §2: other accounts that were once known by the proposed handle.
    renamed: list[FormerIdentifier] = field(default_factory=list)
    # Issue 14: closed accounts with the proposed permanent ID (informational).
    platform_closed: list[OfficialAccount] = field(default_factory=list)
    # Issue 14: the service has a permanent ID and none was given (a reminder, not a block).
    platform_id_missing: catalogue.ServiceFacts | None = None
    platform_id_changed: PlatformIdChange | None = None

    def __bool__(self) -> bool:
        return bool(
            self.impersonations
            or self.former
            or self.renamed
            or self.platform_closed
            or self.platform_id_missing
            or self.platform_id_changed
        )


def _payload_service(req: ApprovalRequest) -> Service | None:
    service_id = parse_id((req.payload or {}).get("account-service"))
    return Service.objects.filter(pk=service_id).first() if service_id else None


def proposed_key(req: ApprovalRequest) -> tuple[Service, str] | None:
    """The (service, identifier) the request would make official, read from what was typed;
    None when it cannot be read yet (a draft) or the request is a closure."""
    if req.kind not in (RequestKind.NEW, RequestKind.CHANGE):
        return None
    raw = (req.payload or {}).get("account-url") or ""
    service = _payload_service(req)
    if service is None or not raw.strip():
        return None
    try:
        key = identity.canonicalize(raw, service=service.slug)
    except identity.IdentityError:
        return None
    return service, key.identifier


def proposed_platform_id(req: ApprovalRequest, service: Service, identifier: str) -> str | None:
    """The permanent ID the request gives (stored form), "" when none, None when what was
    typed cannot be read (the form says why). ``identifier``: the proposed key's
    (``proposed_key``); a permanent URL is the permanent ID too (``OfficialAccount.save``)."""
    raw = (req.payload or {}).get("account-platform_id") or ""
    if raw.strip():
        try:
            return permanent.parse(service.slug, raw)
        except identity.IdentityError:
            return None
    if permanent.is_permanent(identity.AccountKey(service.slug, identifier)):
        return identifier
    return ""


def claims_former_identifier(req: ApprovalRequest) -> list[FormerIdentifier]:
    """Issue 14 §2: the handle a registration (or a change to a new handle) claims was once
    another account's — the rows to flag to the PR division. A change that keeps the
    account's own handle claims nothing new."""
    key = proposed_key(req)
    if key is None:
        return []
    service, identifier = key
    account = req.account
    if (
        req.kind == RequestKind.CHANGE
        and account is not None
        and (account.service_id, account.identifier) == (service.pk, identifier)
    ):
        return []
    return list(renames.former_users(service, identifier, exclude_account=req.account_id))


def _platform_warnings(
    req: ApprovalRequest, service: Service, identifier: str, warnings: IdentityWarnings
) -> None:
    facts = catalogue.BY_SLUG.get(service.slug)
    proposed = proposed_platform_id(req, service, identifier)
    if proposed is None:  # unreadable: the form's own message says so
        return
    if proposed == "" and facts is not None and facts.permanent_id is not None:
        warnings.platform_id_missing = facts
    account = req.account
    if (
        req.kind == RequestKind.CHANGE
        and account is not None
        and account.platform_id
        and account.service_id == service.pk
        and proposed != account.platform_id
    ):
        warnings.platform_id_changed = PlatformIdChange(
            current=account.platform_id_display,
            proposed=permanent.bare(service.slug, proposed) if proposed else "",
        )
    if proposed:
        closed = OfficialAccount.objects.filter(
            service=service, platform_id=proposed, status=AccountStatus.CLOSED
        ).select_related("service", "department__parent__parent")
        if req.account_id is not None:
            closed = closed.exclude(pk=req.account_id)
        warnings.platform_closed = list(closed)


def identity_warnings(req: ApprovalRequest) -> IdentityWarnings:
    key = proposed_key(req)
    if key is None:
        return IdentityWarnings()
    service, identifier = key
    former = OfficialAccount.objects.filter(
        service=service, identifier=identifier, status=AccountStatus.CLOSED
    ).select_related("service", "department__parent__parent")
    if req.account_id is not None:
        former = former.exclude(pk=req.account_id)
    warnings = IdentityWarnings(
        impersonations=list(
            KnownImpersonation.objects.filter(
                service=service, identifier=identifier, resolved_at__isnull=True
            ).select_related("service")
        ),
        former=list(former),
        renamed=list(renames.former_users(service, identifier, exclude_account=req.account_id)),
    )
    _platform_warnings(req, service, identifier, warnings)
    return warnings


# --- The request page's top and the final approval (issue 11 §6, §7) --------------------------


def latest_return(
    req: ApprovalRequest, decisions: Iterable[Decision] | None = None
) -> Decision | None:
    """While a request is returned (差し戻し): the decision that returned it — its comment
    and who/when go at the top of the request page, before the long proposal."""
    if req.state != RequestState.RETURNED:
        return None
    if decisions is None:
        decisions = req.decisions.select_related("actor").filter(action=Action.RETURN)
    returns = [d for d in decisions if d.action == Action.RETURN]
    return max(returns, key=lambda d: (d.created_at, d.pk)) if returns else None


@dataclass(frozen=True)
class PublicLinks:
    """The listed account's public page and its QR code (absolute URLs, ``SITE_URL``)."""

    page: str
    qr: str | None  # None for a closure: a closed account's page has no QR code (issue 11 §9)


# The approved request's account is public and worth a QR code for these kinds.
_WITH_QR = (RequestKind.NEW, RequestKind.CHANGE, RequestKind.RESUMPTION)


def public_links(req: ApprovalRequest) -> PublicLinks | None:
    """After the final approval of a registration, change or resumption: where citizens see
    the account, and its QR code for flyers. None otherwise (nothing public to point at)."""
    if req.state != RequestState.APPROVED or req.kind not in _WITH_QR or req.account_id is None:
        return None
    status = (
        OfficialAccount.objects.filter(pk=req.account_id).values_list("status", flat=True).first()
    )
    if status != AccountStatus.LISTED:
        return None
    site = settings.SITE_URL.rstrip("/")
    return PublicLinks(
        page=site + reverse("public:account_detail", args=[req.account_id]),
        qr=site + reverse("public:account_qr", args=[req.account_id]),
    )
