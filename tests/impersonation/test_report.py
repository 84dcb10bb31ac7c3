"""The citizen's report form (R17): CSRF, honeypot, rate limit, nothing personal stored."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from impersonation.models import ImpersonationReport
from impersonation.services import REPORTS_PER_HOUR

pytestmark = pytest.mark.django_db

URL = "/report/"


def report(client, **data):
    return client.post(
        URL, {"reported_text": "https://x.com/sample_b0usai", **data}, REMOTE_ADDR="203.0.113.7"
    )


def test_a_report_lands_in_the_queue_with_the_account_recognised(client, demo):
    response = report(client, description="市のロゴで給付金のDMを送ってくる")
    assert response.status_code == 302
    assert response["Location"] == reverse("public:report_thanks")
    item = ImpersonationReport.objects.get()
    assert (item.service.slug, item.identifier) == ("x", "sample_b0usai")
    assert item.status == "new"


def test_nothing_about_the_sender_is_stored(client, demo):
    report(client, contact_email="")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM impersonation_impersonationreport")
        row = " ".join(str(v) for v in cursor.fetchone())
    assert "203.0.113.7" not in row
    field_names = {f.name for f in ImpersonationReport._meta.get_fields()}
    assert not field_names & {"ip", "ip_address", "remote_addr", "user_agent"}


def test_csrf_is_required(demo):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(URL, {"reported_text": "https://x.com/sample_b0usai"})
    assert response.status_code == 403
    assert not ImpersonationReport.objects.exists()


def test_the_honeypot_thanks_a_bot_and_keeps_nothing(client, demo):
    response = report(client, website="http://spam.example")
    assert response.status_code == 302
    assert not ImpersonationReport.objects.exists()


def test_rate_limit_per_address_with_a_japanese_message_and_the_text_kept(client, demo):
    for _ in range(REPORTS_PER_HOUR):
        assert report(client).status_code == 302
    response = report(client, description="六件目の報告")
    assert response.status_code == 429
    page = response.content.decode()
    assert "時間をおいてお試しください" in page
    assert "六件目の報告" in page
    assert ImpersonationReport.objects.count() == REPORTS_PER_HOUR
    # Another address is not affected.
    other = client.post(URL, {"reported_text": "@someone"}, REMOTE_ADDR="198.51.100.2")
    assert other.status_code == 302


def test_empty_report_is_refused_in_japanese(client, demo):
    response = client.post(URL, {"reported_text": ""})
    assert response.status_code == 422
    assert "この項目は必須です" in response.content.decode()


def test_verify_page_prefills_the_report(client, demo):
    page = client.get(URL, {"q": "https://x.com/fake_city"}).content.decode()
    assert 'value="https://x.com/fake_city"' in page
