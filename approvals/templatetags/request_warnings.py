"""Template helpers for request pages."""

from django import template

from approvals import selectors

register = template.Library()


@register.inclusion_tag("staff/_identity_warnings.html", takes_context=True)
def identity_warnings(context, req):
    """R17: the handle typed on the form is on the impersonation list, or was the handle of a
    closed official account (issue 8 §2) — said on the form, before anything is submitted."""
    return {
        "warnings": selectors.identity_warnings(req),
        "municipality": context.get("municipality"),
    }
