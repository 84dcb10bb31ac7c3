"""Template helpers for request pages."""

from django import template

from accounts import catalogue
from approvals import selectors

register = template.Library()


@register.inclusion_tag("staff/_identity_warnings.html", takes_context=True)
def identity_warnings(context, req):
    """R17: the handle typed on the form is on the impersonation list, or was the handle of a
    closed official account (issue 8 §2), or of another account before a rename, and the
    permanent ID is missing or changes (issue 14) — said on the form, before anything is
    submitted."""
    return {
        "warnings": selectors.identity_warnings(req),
        "municipality": context.get("municipality"),
    }


@register.inclusion_tag("staff/_permanent_id_help.html")
def permanent_id_help(chosen: str = ""):
    """Issue 14: how staff find each service's permanent ID (accounts.catalogue), the chosen
    service's first and open."""
    services = [s for s in catalogue.SERVICES if s.permanent_id is not None]
    services.sort(key=lambda s: s.slug != chosen)
    without = [s.name for s in catalogue.SERVICES if s.permanent_id is None]
    return {"services": services, "chosen": chosen, "without": without}


@register.inclusion_tag("staff/_permanent_id_facts.html")
def permanent_id_facts(service):
    """The how-to-find help of one service (``service``: a ServiceFacts or a Service)."""
    slug = getattr(service, "slug", "")
    entry = catalogue.BY_SLUG.get(slug)
    return {"service": entry, "facts": entry.permanent_id if entry else None}
