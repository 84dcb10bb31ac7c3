"""Templates ask the permission predicates (``{% load permissions %}``, ``user|may:"…"``) or
take a ``can_…`` flag from the view; they never re-derive a rule from the user's fields —
the copy in ``staff/base.html`` had lost the superuser exclusion of the predicate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError

from organization.models import User

CONDITION = re.compile(r"{%\s*(?:if|elif)\s+(?P<cond>.*?)%}", re.S)
# Attributes of a person that are facts the rules are made of.
RULE_FACTS = re.compile(r"\buser\.(?!is_authenticated\b)\w+|\bis_pr_division\b|\bis_superuser\b")


def _templates():
    for folder in settings.TEMPLATES[0]["DIRS"]:
        yield from Path(folder).rglob("*.html")


def test_no_template_decides_on_the_users_role_or_department():
    offenders = []
    for path in _templates():
        for match in CONDITION.finditer(path.read_text(encoding="utf-8")):
            if RULE_FACTS.search(match["cond"]):
                offenders.append(f"{path.name}: {{% if {match['cond'].strip()} %}}")
    assert not offenders, offenders


@pytest.mark.django_db
def test_the_navigation_asks_the_predicate_a_superuser_in_the_pr_division_is_not_a_member(
    demo,
):
    template = Template(
        '{% load permissions %}{% if user|may:"manage_impersonations" %}Y{% endif %}'
    )
    pr = User.objects.get(username="pr")
    assert template.render(Context({"user": pr})) == "Y"
    pr.is_superuser = True  # the system administrator's powers: reads, never acts for the PR
    assert template.render(Context({"user": pr})) == ""


def test_an_unknown_rule_name_is_an_error_not_a_silent_false():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load permissions %}{% if user|may:"manage_everything" %}{% endif %}').render(
            Context({"user": None})
        )
