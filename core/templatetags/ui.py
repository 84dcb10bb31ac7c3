"""Small presentation helpers for templates."""

from django import template

register = template.Library()

BADGE = {
    # request states
    "draft": "secondary",
    "awaiting_head": "warning",
    "awaiting_pr": "warning",
    "returned": "danger",
    "approved": "success",
    "rejected": "dark",
    "withdrawn": "secondary",
    # account states
    "pending": "warning",
    "listed": "success",
    "suspended": "danger",
    "closed": "dark",
    "abandoned": "secondary",
}


@register.filter
def badge(state: str) -> str:
    """Bootstrap colour for a state, with text colours that keep AA contrast."""
    colour = BADGE.get(state, "secondary")
    text = "text-dark" if colour == "warning" else ""
    return f"text-bg-{colour} {text}".strip()


@register.filter
def policy_text(text: str):
    """Policy prose as HTML: lines starting with 「・」 become a list, the rest paragraphs.

    Staff type policies as plain text (as they would in a Word file); citizens on a phone
    read real lists whose wrapped lines stay indented.
    """
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    if not text or not text.strip():
        return "—"
    out: list[str] = []
    items: list[str] = []

    def flush():
        if items:
            out.append('<ul class="mb-1">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(("・", "･")):
            items.append(escape(stripped[1:].strip()))
            continue
        flush()
        if stripped:
            out.append(f'<p class="mb-1">{escape(stripped)}</p>')
    flush()
    return mark_safe("".join(out))  # noqa: S308 — every piece is escaped above


@register.filter
def division(label) -> str:
    """State and step labels name the PR division as configured (e.g. 秘書広報課)."""
    from core.municipality import get_municipality

    return str(label).replace("広報担当課", get_municipality().pr_division_name)
