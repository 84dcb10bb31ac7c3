"""R3 / ADR 0004: published policy versions never change and are never lost.

Runs on SQLite and PostgreSQL: the database trigger is vendor-specific.
"""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from policies.models import OperationPolicy, PolicyStatus, PublishedPolicyError
from policies.selectors import current_policy, published_versions
from policies.services import create_draft_policy, publish_policy
from tests.factories import OfficialAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    account = OfficialAccountFactory()
    policy = create_draft_policy(account=account, purpose="目的 第1版", content="内容 第1版")
    return publish_policy(policy=policy)


def test_publishing_freezes_the_account_details_of_that_day(published):
    account = published.account
    assert published.status == PolicyStatus.PUBLISHED
    assert published.published_at is not None
    assert published.account_name == account.display_name
    assert published.account_url == account.url
    assert published.department_name == account.department.full_name

    account.display_name = "サンプル市新しい名前"
    account.save()
    published.refresh_from_db()
    assert published.account_name != "サンプル市新しい名前"


def test_saving_a_published_version_is_refused_with_a_japanese_message(published):
    published.purpose = "書き換え"
    with pytest.raises(PublishedPolicyError) as exc:
        published.save()
    assert "公開済みの運用ポリシーは変更・削除できません" in str(exc.value)
    published.refresh_from_db()
    assert published.purpose == "目的 第1版"


def test_deleting_a_published_version_is_refused(published):
    with pytest.raises(PublishedPolicyError):
        published.delete()
    assert OperationPolicy.objects.filter(pk=published.pk).exists()


def test_database_trigger_refuses_bulk_update(published):
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        OperationPolicy.objects.filter(pk=published.pk).update(purpose="裏口から書き換え")
    published.refresh_from_db()
    assert published.purpose == "目的 第1版"


def test_database_trigger_refuses_bulk_delete(published):
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        OperationPolicy.objects.filter(pk=published.pk)._raw_delete(connection.alias)
    assert OperationPolicy.objects.filter(pk=published.pk).exists()


def test_database_trigger_refuses_unpublishing(published):
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        OperationPolicy.objects.filter(pk=published.pk).update(
            status=PolicyStatus.DRAFT, published_at=None
        )


def test_drafts_stay_editable():
    policy = create_draft_policy(account=OfficialAccountFactory(), purpose="案", content="案")
    OperationPolicy.objects.filter(pk=policy.pk).update(purpose="修正した案")
    policy.refresh_from_db()
    assert policy.purpose == "修正した案"
    policy.delete()
    assert not OperationPolicy.objects.filter(pk=policy.pk).exists()


def test_a_new_version_supersedes_but_keeps_every_earlier_one(published):
    account = published.account
    draft = create_draft_policy(account=account, content="内容 第2版")
    assert draft.version == 2
    # The draft starts from the version citizens read now.
    assert draft.purpose == "目的 第1版"
    assert current_policy(account=account) == published
    publish_policy(policy=draft)
    assert current_policy(account=account).version == 2
    assert [p.version for p in published_versions(account=account)] == [2, 1]
    published.refresh_from_db()
    assert published.content == "内容 第1版"


def test_only_one_draft_per_account(published):
    create_draft_policy(account=published.account, content="第2版の案")
    with pytest.raises(IntegrityError), transaction.atomic():
        OperationPolicy.objects.create(
            account=published.account, version=9, purpose="x", content="x"
        )


def test_database_refuses_published_without_date():
    # Every required item is there (R3, test_required_items): only the date is missing.
    items = dict.fromkeys(OperationPolicy.REQUIRED_FOR_PUBLICATION, "x")
    with pytest.raises(IntegrityError), transaction.atomic():
        OperationPolicy.objects.create(
            account=OfficialAccountFactory(),
            version=1,
            status=PolicyStatus.PUBLISHED,
            published_at=None,
            **items,
        )


def test_related_url_refuses_shorteners():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        create_draft_policy(
            account=OfficialAccountFactory(),
            purpose="x",
            content="x",
            related_url="https://bit.ly/abc",
        )
    assert "related_url" in exc.value.message_dict
