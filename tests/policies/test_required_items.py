"""R3: the items a published policy must carry are declared once, on the model
(``OperationPolicy.REQUIRED_FOR_PUBLICATION``): the request form requires them and the
database refuses a published row without one. Runs on SQLite and PostgreSQL."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.forms import PolicySectionForm
from policies.models import OperationPolicy, PolicyStatus, PolicyTemplate
from policies.services import create_draft_policy, publish_policy
from tests.factories import OfficialAccountFactory

pytestmark = pytest.mark.django_db

REQUIRED = OperationPolicy.REQUIRED_FOR_PUBLICATION


def row(status: str, **overrides: str) -> OperationPolicy:
    """A policy row written straight to the database, every item filled unless overridden."""
    values = dict.fromkeys(("purpose", "content", *PolicyTemplate.TEMPLATE_FIELDS), "記入済み")
    return OperationPolicy.objects.create(
        account=OfficialAccountFactory(),
        version=1,
        status=status,
        published_at=timezone.now() if status == PolicyStatus.PUBLISHED else None,
        **(values | overrides),
    )


def test_a_published_row_with_every_required_item_is_accepted():
    assert row(PolicyStatus.PUBLISHED).pk


@pytest.mark.parametrize("field", REQUIRED)
def test_the_database_refuses_a_published_row_without_a_required_item(field):
    with pytest.raises(IntegrityError), transaction.atomic():
        row(PolicyStatus.PUBLISHED, **{field: ""})
    assert not OperationPolicy.objects.exists()


@pytest.mark.parametrize("field", REQUIRED)
def test_a_draft_may_still_lack_a_required_item(field):
    assert row(PolicyStatus.DRAFT, **{field: ""}).pk


def test_publishing_a_draft_without_a_required_item_is_refused_naming_the_rule():
    draft = create_draft_policy(account=OfficialAccountFactory(), purpose="目的", content="内容")
    OperationPolicy.objects.filter(pk=draft.pk).update(contact="")
    with pytest.raises(ValidationError) as exc, transaction.atomic():
        publish_policy(policy=draft)
    assert "R3" in str(exc.value)
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT


def test_the_request_form_requires_exactly_the_models_items():
    required = {name for name, field in PolicySectionForm().fields.items() if field.required}
    assert required == set(REQUIRED)
