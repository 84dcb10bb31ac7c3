"""The permission predicates, for templates: ``{% load permissions %}``, then
``{% if user|may:"manage_impersonations" %}``. A template never re-derives a rule from
fields (``user.department.is_pr_division`` …); it asks the predicate the views ask."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from impersonation.permissions import can_manage_impersonations
from onboarding.permissions import can_import_accounts
from organization.permissions import can_file_new, is_head, is_pr_member, is_sysadmin
from personnel.permissions import can_import_staff, can_see_officer_changes
from staff.permissions import can_view_overview

if TYPE_CHECKING:
    from organization.permissions import AnyUser

register = template.Library()

# What a template may ask about the signed-in person (predicates of one argument).
USER_RULES = {
    "manage_impersonations": can_manage_impersonations,
    "file_new": can_file_new,
    "is_pr_member": is_pr_member,
    "is_head": is_head,
    "is_sysadmin": is_sysadmin,
    "import_staff": can_import_staff,
    "import_accounts": can_import_accounts,
    "see_officer_changes": can_see_officer_changes,
    "view_overview": can_view_overview,
}


@register.filter
def may(user: AnyUser, rule_name: str) -> bool:
    try:
        predicate = USER_RULES[rule_name]
    except KeyError:
        raise template.TemplateSyntaxError(f"unknown rule {rule_name!r}") from None
    return predicate(user)
