"""Issue 14 in the periodic review and the reminders: where the registry cannot ask the
service itself, the 管理者 confirms the account's ID in the review (R12), and a changed ID
is an incident (未申請のID変更) for the PR division and the 責任者 — never a silent update;
an official account without its permanent ID is reminded of (固定IDの登録)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.catalogue import PERMANENT_ID_SERVICES
from accounts.models import Officer, OfficerRole, OfficialAccount
from core.municipality import get_municipality
from impersonation.verification import verify
from incidents.models import Incident, IncidentKind
from incidents.permissions import told_of_incident
from jobs.outbox import flush_outbox
from reviews.models import AccountReview
from reviews.reminders import SOURCES
from tests.reviews.conftest import tokyo

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
BY_NAME = {s.name: s for s in SOURCES}


@pytest.fixture
def clock():
    with time_machine.travel(tokyo(TODAY), tick=False):
        yield


def _review(account) -> str:
    return reverse("staff_reviews:review", args=[account.pk])


def _post(client, account, **fields):
    data = {"outcome": "confirmed", "last_activity_on": "2026-11-20", **fields}
    return client.post(_review(account), data, follow=True)


def handle_incidents():
    return Incident.objects.filter(kind=IncidentKind.HANDLE_CHANGED)


# --- The question on the review form -------------------------------------------------------


def test_the_review_shows_the_registered_id_with_its_profile_link_and_asks(
    all_on, clock, client, users, tourism_account
):
    client.force_login(users["manager"])
    body = client.get(_review(tourism_account)).content.decode()
    assert "台帳のID：" in body
    assert 'href="https://www.instagram.com/sample_city_kanko/"' in body
    assert "@sample_city_kanko" in body
    assert "サービス上のアカウントIDは台帳と同じ" in body
    assert "変わっている" in body


def test_the_same_id_is_recorded_and_nothing_else_happens(
    all_on, clock, client, users, tourism_account, mailoutbox
):
    client.force_login(users["manager"])
    body = _post(client, tourism_account, handle="same").content.decode()
    assert "見直しを記録しました" in body
    review = AccountReview.objects.get(account=tourism_account)
    assert (review.handle_unchanged, review.observed_handle) == (True, "")
    assert not handle_incidents().exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "台帳と同じか、変わっているかを選んでください"),
        ({"handle": "changed"}, "サービス上の今のIDを入力してください"),
        ({"handle": "changed", "observed_handle": "@sample_city_kanko"}, "台帳と同じIDです"),
        ({"handle": "changed", "observed_handle": "https://x.com/other"}, "X"),
        ({"handle": "renamed"}, "選択"),
        ({"handle": "changed", "observed_handle": "@" + "a" * 300}, "255"),
    ],
)
def test_an_unclear_answer_is_asked_again_in_japanese(
    all_on, clock, client, users, tourism_account, fields, message
):
    client.force_login(users["manager"])
    response = _post(client, tourism_account, **fields)
    assert response.status_code == 200
    body = response.content.decode()
    assert "is-invalid" in body
    assert message in body
    assert not AccountReview.objects.exists()
    assert not handle_incidents().exists()


def test_a_changed_id_is_an_incident_for_the_pr_division_and_the_responsible_side(
    all_on, clock, client, users, tourism_account
):
    before = verify("https://www.instagram.com/sample_city_kanko/").verdict
    client.force_login(users["manager"])
    response = _post(
        client,
        tourism_account,
        handle="changed",
        observed_handle="https://www.instagram.com/Sample_City_Tourism/",
    )
    body = response.content.decode()
    # The page says what to do: a change request if the city renamed it.
    assert "未申請のID変更" in body
    assert "「変更を申請する」から新しいID（@sample_city_tourism）への変更を申請" in body
    assert "変更を申請する" in body  # the button, on the account page it lands on

    review = AccountReview.objects.get(account=tourism_account)
    assert (review.handle_unchanged, review.observed_handle) == (False, "sample_city_tourism")
    [incident] = handle_incidents()
    assert incident.recorded_by == users["manager"]
    assert incident.observed_identifier == "sample_city_tourism"
    assert "@sample_city_kanko" in incident.description
    assert "@sample_city_tourism" in incident.description

    # Never a silent update.
    tourism_account.refresh_from_db()
    assert tourism_account.identifier == "sample_city_kanko"
    assert verify("https://www.instagram.com/sample_city_kanko/").verdict == before

    from django.core import mail

    flush_outbox()
    [message] = mail.outbox
    expected = {u.email for u in told_of_incident(tourism_account) if u.email} - {
        users["manager"].email
    }
    assert set(message.to) == expected
    assert users["pr"].email in expected
    assert users["head"].email in expected
    assert "定期見直し（棚卸し）で" in message.body
    assert str(users["manager"]) in message.body

    # A second review with the same answer while it is open: no second incident.
    _post(client, tourism_account, handle="changed", observed_handle="@sample_city_tourism")
    assert handle_incidents().count() == 1
    assert AccountReview.objects.filter(account=tourism_account).count() == 2


def test_bluesky_accounts_are_asked_too(all_on, clock, client, users, demo):
    """Cheap, and the daily check may be limited or the service down for days."""
    account = OfficialAccount.objects.get(service__slug="bluesky")
    OfficialAccount.objects.filter(pk=account.pk).update(
        platform_id="did:plc:abcdefghijklmnopqrstuvwx"
    )
    Officer.objects.filter(account=account, role=OfficerRole.MANAGER).update(
        user=users["manager"], name=""
    )
    client.force_login(users["manager"])
    body = client.get(_review(account)).content.decode()
    assert "サービス上のアカウントIDは台帳と同じ" in body
    assert "毎日自動でも確かめています" in body
    assert "固定ID did:plc:abcdefghijklmnopqrstuvwx" in body


def test_the_permanent_id_is_not_a_current_handle(all_on, clock, client, users, bousai_account):
    OfficialAccount.objects.filter(pk=bousai_account.pk).update(platform_id="id:123")
    officer = Officer.objects.filter(account=bousai_account, role=OfficerRole.MANAGER)
    officer.update(user=users["manager"], name="")
    client.force_login(users["manager"])
    response = _post(
        client, bousai_account, handle="changed", observed_handle="https://x.com/i/user/123"
    )
    assert "固定IDです" in response.content.decode()
    assert not handle_incidents().exists()


# --- 固定IDの登録 (the reminder) --------------------------------------------------------------


def _items(day: date, user=None):
    source = BY_NAME["platform_id"]
    return list(source.everyone(day) if user is None else source.for_user(user, day))


def test_an_account_without_its_permanent_id_is_reminded_to_its_manager(
    all_on, users, tourism_account
):
    day = timezone.localdate()  # the demo was listed today
    mine = [i for i in _items(day) if i.key == f"platform_id:account:{tourism_account.pk}"]
    [item] = mine
    assert item.recipient_id == users["manager"].pk
    assert "固定ID" in item.title
    assert item.url == reverse("staff_accounts:detail", args=[tourism_account.pk])
    assert item.due_on == day  # from the day it is official
    assert item in _items(day, users["manager"])

    OfficialAccount.objects.filter(pk=tourism_account.pk).update(platform_id="id:17841400000")
    assert item.key not in {i.key for i in _items(day)}


def test_only_services_with_a_permanent_id_and_only_accounts_without_it(all_on, demo):
    keys = {i.key for i in _items(timezone.localdate())}
    reminded = {int(key.rsplit(":", 1)[1]) for key in keys}
    accounts = {a.pk: a for a in OfficialAccount.objects.select_related("service")}
    assert reminded
    for pk in reminded:
        assert accounts[pk].platform_id == ""
        assert accounts[pk].service.slug in PERMANENT_ID_SERVICES
        assert accounts[pk].status == "listed"
    for account in accounts.values():
        if account.service.slug in ("note", "threads", "other") or account.platform_id:
            assert account.pk not in reminded, account
    tiktok = OfficialAccount.objects.filter(service__slug="tiktok")
    key = f"platform_id:account:{tiktok.get().pk}"
    tiktok.update(platform_id="")
    assert key in {i.key for i in _items(timezone.localdate())}
    tiktok.update(platform_id="id:6812345678901234567")
    assert key not in {i.key for i in _items(timezone.localdate())}


def test_the_reminder_reads_thousands_of_accounts_in_a_few_queries(
    all_on, demo, users, django_assert_max_num_queries
):
    from demo.data import seed_bulk_accounts

    seed_bulk_accounts(300)
    bulk = OfficialAccount.objects.filter(identifier__contains="bulk")
    bulk.update(listed_at=tokyo(date(2024, 1, 1)))
    Officer.objects.filter(account__in=bulk, role=OfficerRole.MANAGER).update(
        user=users["manager"], name=""
    )
    with django_assert_max_num_queries(3):
        found = _items(date(2026, 12, 1))
    assert len(found) >= 150  # the bulk accounts on services with a permanent ID


def test_a_web_site_has_no_account_id_to_confirm(all_on, clock, demo):
    from reviews.forms import ReviewForm

    site = OfficialAccount.objects.get(service__slug="other")
    form = ReviewForm({"outcome": "confirmed", "last_activity_on": "2026-11-20"}, account=site)
    assert form.is_valid(), form.errors
    assert "handle" not in form.fields
    assert form.handle_unchanged is None


# --- Review fixes: who is asked, what the page says, one spelling of the observed ID ------


def _bousai_managed_by(users, bousai_account, **fields) -> OfficialAccount:
    OfficialAccount.objects.filter(pk=bousai_account.pk).update(**fields)
    Officer.objects.filter(account=bousai_account, role=OfficerRole.MANAGER).update(
        user=users["manager"], name=""
    )
    bousai_account.refresh_from_db()
    return bousai_account


def test_an_account_registered_by_its_permanent_id_is_not_asked_for_its_handle(
    all_on, clock, client, users, bousai_account
):
    """Registered as x.com/i/user/<id>: the service shows an @handle, always "different"
    from "x.com/i/user/…" — asking would raise a false 未申請のID変更."""
    from reviews.forms import ReviewForm

    account = _bousai_managed_by(users, bousai_account, identifier="id:4242", platform_id="id:4242")
    assert account.key.display_handle == "x.com/i/user/4242"
    form = ReviewForm({"outcome": "confirmed", "last_activity_on": "2026-11-20"}, account=account)
    assert not form.asks_handle
    assert "handle" not in form.fields
    assert form.is_valid(), form.errors
    assert form.handle_unchanged is None

    client.force_login(users["manager"])
    body = client.get(_review(account)).content.decode()
    assert "サービス上のアカウントIDが変わっている" not in body
    body = _post(client, account).content.decode()
    assert "見直しを記録しました" in body
    review = AccountReview.objects.get(account=account)
    assert (review.handle_unchanged, review.observed_handle) == (None, "")
    assert not handle_incidents().exists()


def test_the_choices_are_a_pair_and_the_missing_id_message_names_the_choice(
    all_on, clock, client, users, tourism_account
):
    from reviews.forms import ReviewForm
    from reviews.services import OBSERVED_HANDLE_REQUIRED

    form = ReviewForm(account=tourism_account)
    assert [str(label) for _, label in form.fields["handle"].choices] == [
        "サービス上のアカウントIDは台帳と同じ",
        "サービス上のアカウントIDが変わっている",
    ]
    client.force_login(users["manager"])
    body = _post(client, tourism_account, handle="changed").content.decode()
    assert str(OBSERVED_HANDLE_REQUIRED) in body
    assert "「サービス上のアカウントIDが変わっている」ときは、サービス上の今のIDを入力" in body


def test_the_page_says_who_was_told_and_the_second_time_that_it_is_already_handled(
    all_on, clock, client, users, tourism_account, mailoutbox
):
    client.force_login(users["manager"])
    changed = {"handle": "changed", "observed_handle": "@sample_city_tourism"}
    body = _post(client, tourism_account, **changed).content.decode()
    division = get_municipality().pr_division_name
    assert f"（未申請のID変更）としてアカウント責任者と{division}に知らせました" in body
    assert "既に扱われています" not in body
    [incident] = handle_incidents()
    flush_outbox()
    assert len(mailoutbox) == 1

    body = _post(client, tourism_account, **changed).content.decode()
    assert "既に扱われています（新たな連絡はしていません）" in body
    assert "知らせました" not in body
    link = reverse("staff_incidents:detail", args=[incident.pk])
    assert f'<a href="{link}" class="alert-link">対応中のインシデント（未申請のID変更）</a>' in body
    assert "「変更を申請する」から新しいID（@sample_city_tourism）への変更を申請" in body
    flush_outbox()
    assert len(mailoutbox) == 1  # nobody mailed again
    assert handle_incidents().count() == 1
    assert client.get(link).status_code == 200  # the reviewer can open it


def test_the_mail_the_page_and_the_record_spell_the_observed_id_alike(
    all_on, clock, client, users, bousai_account, mailoutbox
):
    """An X account (registered by its handle) now shows another user ID: the mail, the
    incident's description and the page all say x.com/i/user/999 (AccountKey.display_handle),
    never the stored "id:999"."""
    account = _bousai_managed_by(users, bousai_account, platform_id="id:123")
    client.force_login(users["manager"])
    body = _post(
        client, account, handle="changed", observed_handle="https://x.com/i/user/999"
    ).content.decode()
    assert "新しいID（x.com/i/user/999）" in body
    incident = handle_incidents().get()
    assert incident.observed_identifier == "id:999"
    assert "ではなく x.com/i/user/999 になっていました" in incident.description
    flush_outbox()
    [message] = mailoutbox
    assert "サービス上 x.com/i/user/999）" in message.subject
    assert "サービス上のID：x.com/i/user/999" in message.body
    assert "新しいID（x.com/i/user/999）" in message.body
    assert "id:999" not in message.subject + message.body
