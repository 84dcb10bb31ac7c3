"""What a person may do to a request, for templates: ``{% load request_actions %}``, then
``{% if req|deletable_by:user %}``. The predicate is the one the view asks
(``approvals.permissions``); a template never re-derives it from fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from approvals.permissions import can_delete_draft

if TYPE_CHECKING:
    from approvals.models import ApprovalRequest
    from organization.permissions import AnyUser

register = template.Library()


@register.filter
def deletable_by(req: ApprovalRequest, user: AnyUser) -> bool:
    """Issue 11 §7: ``user`` may delete the draft ``req`` (its author, never submitted)."""
    return can_delete_draft(user, req)
