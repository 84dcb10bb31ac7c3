"""A municipality-wide template pre-fills new policies (shared/DOMAIN.md, R3)."""

import pytest

from policies.models import PolicyTemplate
from policies.services import create_draft_policy, get_policy_template
from tests.factories import OfficialAccountFactory

pytestmark = pytest.mark.django_db


def test_template_is_created_once_with_the_municipality_name(configure):
    configure(NAME="川崎市")
    template = get_policy_template()
    assert get_policy_template().pk == template.pk == 1
    assert PolicyTemplate.objects.count() == 1
    assert "川崎市" in template.reply_policy
    assert "{municipality}" not in "".join(
        getattr(template, f) for f in PolicyTemplate.TEMPLATE_FIELDS
    )


def test_every_template_item_has_text():
    template = get_policy_template()
    for field in PolicyTemplate.TEMPLATE_FIELDS:
        assert getattr(template, field).strip(), field


def test_new_draft_is_prefilled_from_the_template_with_the_department():
    account = OfficialAccountFactory()
    template = get_policy_template()
    template.disclaimer = "本市は一切の責任を負いません。"
    template.posting_method = "{department}の職員が投稿します。"
    template.save()
    draft = create_draft_policy(account=account, purpose="目的", content="内容")
    assert draft.disclaimer == "本市は一切の責任を負いません。"
    assert draft.posting_method == f"{account.department.full_name}の職員が投稿します。"


def test_explicit_values_win_over_the_template():
    draft = create_draft_policy(
        account=OfficialAccountFactory(), purpose="目的", content="内容", disclaimer="独自"
    )
    assert draft.disclaimer == "独自"
