"""Every form of the project states and enforces its limits and refuses control characters
(core.forms.CleanInputMixin), so a new form cannot forget it."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.conf import settings

from core.forms import LONG_TEXT_MAX, SHORT_TEXT_MAX, CleanInputMixin, control_characters

APPS = ("accounts", "api", "approvals", "core", "impersonation", "organization", "policies")


def project_forms():
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("forms.py"):
            module = importlib.import_module(
                ".".join(path.relative_to(settings.BASE_DIR).with_suffix("").parts)
            )
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


FORMS = sorted(project_forms(), key=lambda c: c.__qualname__)


def test_forms_are_found():
    names = {c.__name__ for c in FORMS}
    assert {"ReportForm", "AccountSectionForm", "PolicySectionForm", "DecisionForm"} <= names


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__name__)
def test_every_form_uses_the_input_mixin(form_class):
    assert issubclass(form_class, CleanInputMixin)
    # First in the bases, so its __init__ sees the fields a form adds in its own __init__.
    assert form_class.__mro__.index(CleanInputMixin) < form_class.__mro__.index(forms.BaseForm)


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__name__)
def test_every_text_field_has_a_stated_limit_and_no_maxlength_attribute(form_class):
    if issubclass(form_class, forms.ModelForm) and form_class._meta.model is None:
        pytest.skip("an abstract base (no model): its subclasses are checked")
    form = form_class()
    for name, field in form.fields.items():
        if not isinstance(field, forms.CharField):
            continue
        assert field.max_length, name
        assert field.max_length <= LONG_TEXT_MAX
        assert "maxlength" not in field.widget.attrs, name
        if not isinstance(field.widget, forms.HiddenInput):
            assert f"（{field.max_length}文字まで）" in str(field.help_text), name


def test_control_characters():
    assert control_characters("a\x00b", multiline=True) == {"\x00"}
    assert control_characters("a\r\nb\tc", multiline=True) == set()
    assert control_characters("a\r\nb", multiline=False) == {"\r", "\n"}
    assert control_characters("全角　スペース\u202e", multiline=False) == set()
    assert SHORT_TEXT_MAX < LONG_TEXT_MAX
