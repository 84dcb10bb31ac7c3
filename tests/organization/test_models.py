import pytest
from django.db import IntegrityError, transaction

from organization.models import Department, User
from tests.factories import BureauFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_full_name_reads_from_the_top_of_the_tree():
    bureau = BureauFactory(name="総務局")
    division = Department.objects.create(
        name="総務部", kind=Department.Kind.DIVISION, parent=bureau, code="D1"
    )
    section = SectionFactory(name="広報課", parent=division)
    assert section.full_name == "総務局 総務部 広報課"
    assert [d.name for d in section.lineage()] == ["広報課", "総務部", "総務局"]


def test_only_a_bureau_is_at_the_root():
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(name="迷子課", kind=Department.Kind.SECTION, code="X1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(
            name="子局", kind=Department.Kind.BUREAU, code="X2", parent=BureauFactory()
        )


def test_at_most_one_pr_division():
    SectionFactory(is_pr_division=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        SectionFactory(is_pr_division=True)


def test_same_name_twice_under_one_parent_is_refused():
    bureau = BureauFactory()
    SectionFactory(name="広報課", parent=bureau)
    with pytest.raises(IntegrityError), transaction.atomic():
        SectionFactory(name="広報課", parent=bureau)


def test_staff_belong_to_a_department():
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(department=None, role=User.Role.STAFF)
    assert UserFactory(department=None, role=User.Role.SYSADMIN).pk


def test_createsuperuser_still_works_without_a_department():
    user = User.objects.create_superuser("root", "root@example.jp", "pw-for-tests")
    assert user.department is None
