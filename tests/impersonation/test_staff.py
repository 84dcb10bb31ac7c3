"""The PR division's queue: confirm a report into a public warning, or dismiss it."""

import pytest
from django.urls import reverse

from impersonation.models import ImpersonationReport, KnownImpersonation
from impersonation.services import report_create
from impersonation.verification import verify
from tests.factories import service

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_report(demo):
    return report_create(reported_text="https://twitter.com/Sample_B0usai", description="偽物")


@pytest.mark.parametrize("username", ["operator", "head", "manager", "admin"])
def test_only_the_pr_division_handles_impersonations(client, users, a_report, username):
    client.force_login(users[username])
    assert client.get(reverse("staff_impersonation:queue")).status_code == 403
    assert (
        client.post(reverse("staff_impersonation:dismiss", args=[a_report.pk])).status_code == 403
    )
    a_report.refresh_from_db()
    assert a_report.status == "new"


def test_confirming_a_report_publishes_a_warning(client, users, a_report, bousai_account):
    client.force_login(users["pr"])
    queue = client.get(reverse("staff_impersonation:queue")).content.decode()
    assert "Sample_B0usai" in queue
    url = reverse("staff_impersonation:record") + f"?report={a_report.pk}"
    form = client.get(url).content.decode()
    assert "https://twitter.com/Sample_B0usai" in form
    response = client.post(
        url,
        {
            "service": service("x").pk,
            "url": "https://twitter.com/Sample_B0usai",
            "warning": "防災情報を装っています。フォローしないでください。",
            "imitates": bousai_account.pk,
            "found_on": "2026-11-20",
        },
    )
    assert response.status_code == 302
    a_report.refresh_from_db()
    assert a_report.status == "confirmed"
    assert a_report.handled_by == users["pr"]
    assert verify("@sample_b0usai").verdict == "impersonation"
    public = client.get(reverse("public:impersonations")).content.decode()
    assert "防災情報を装っています" in public


def test_an_official_account_cannot_be_recorded_as_a_fake(client, users, bousai_account):
    client.force_login(users["pr"])
    response = client.post(
        reverse("staff_impersonation:record"),
        {
            "service": service("x").pk,
            "url": "@sample_bousai",
            "warning": "x",
            "found_on": "2026-11-20",
        },
    )
    assert response.status_code == 422
    assert "公式アカウントとして登録されています" in response.content.decode()
    assert not KnownImpersonation.objects.exists()


def test_dismiss_and_resolve(client, users, a_report):
    client.force_login(users["pr"])
    url = reverse("staff_impersonation:dismiss", args=[a_report.pk])
    # Issue 11 §7: the first POST only asks 「本当に…？」; the confirmed one closes the report.
    asked = client.post(url, {"note": "本物の民間団体"})
    assert "本当に「対応不要」にしますか？" in asked.content.decode()
    a_report.refresh_from_db()
    assert a_report.status == "new"
    client.post(url, {"note": "本物の民間団体", "confirmed": "1"})
    a_report.refresh_from_db()
    assert (a_report.status, a_report.staff_note) == ("dismissed", "本物の民間団体")
    fake = KnownImpersonation.objects.create(
        service=service("x"),
        identifier="fake_city",
        url="https://x.com/fake_city",
        warning="注意",
        created_by=users["pr"],
    )
    assert verify("@fake_city").verdict == "impersonation"
    client.post(reverse("staff_impersonation:resolve", args=[fake.pk]))
    assert verify("@fake_city").verdict == "unknown"
    assert ImpersonationReport.objects.count() == 1
