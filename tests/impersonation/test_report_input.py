"""The citizen's report form with input people really send (issue 8 §5)."""

import pytest
from django.urls import reverse

from impersonation.models import ImpersonationReport

pytestmark = pytest.mark.django_db


def report(client, **data):
    return client.post(reverse("public:report"), {"reported_text": "https://x.com/fake", **data})


def test_the_form_states_its_limits_and_does_not_cut_a_paste(client, demo):
    page = client.get(reverse("public:report")).content.decode()
    assert "（2000文字まで）" in page
    assert "（500文字まで）" in page
    assert 'maxlength="2000"' not in page  # a browser would cut a long paste without a word


def test_a_long_description_is_refused_with_a_message_and_kept(client, demo):
    """Was: cut to 2,000 characters by the browser without a word."""
    text = "気" * 10_000
    response = report(client, description=text, contact_email="a@example.jp")
    page = response.content.decode()
    assert response.status_code == 422
    assert "2000文字以内で入力してください（いまは10000文字です）" in page
    assert text in page  # nothing typed is lost
    assert 'value="a@example.jp"' in page
    assert not ImpersonationReport.objects.exists()


@pytest.mark.parametrize("field", ["reported_text", "description", "contact_email"])
def test_nul_is_refused_in_japanese(client, demo, field):
    response = report(client, **{field: "a\x00b"})
    assert response.status_code == 422
    # Not Django's own message, whose Japanese reads 「何か文字を入力してください。」.
    assert "制御文字" in response.content.decode()
    assert not ImpersonationReport.objects.exists()


def test_a_full_width_contact_address_is_read_as_half_width(client, demo):
    response = report(client, contact_email="ｓｈｉｍｉｎ＠ｅｘａｍｐｌｅ．ｊｐ")
    assert response.status_code == 302
    assert ImpersonationReport.objects.get().contact_email == "shimin@example.jp"
