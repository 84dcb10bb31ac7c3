"""``{% migration_of account as m %}``: the account's migration approval, for the staff
account page (templates/onboarding/_account_panel.html), in one query."""

from __future__ import annotations

from django import template

from accounts.models import OfficialAccount
from onboarding import selectors
from onboarding.models import ImportedAccount

register = template.Library()


@register.simple_tag
def migration_of(account: OfficialAccount) -> ImportedAccount | None:
    return selectors.migration_of(account)
