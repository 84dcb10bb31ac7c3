"""Reminders of year-round operation (issue 10 §3) under a controlled clock: the periodic
review (R12), the credentials (R10), the badge (R7) and requests waiting for a decision.
Each source's ``for_user`` agrees with its ``everyone`` for every demo person."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import strip_tags

from accounts.models import Officer, OfficerRole, OfficialAccount
from approvals import services as approvals
from approvals.models import Action, RequestKind
from jobs.reminders import sources
from organization.models import Department, User
from reviews import services
from reviews.models import ReviewOutcome
from reviews.reminders import SOURCES
from reviews.selectors import next_review_on, stale_accounts
from tests.reviews.conftest import ALL_ON, DEFAULT, set_dates, tokyo
from tests.workflow import CHECKLIST_ON

pytestmark = pytest.mark.django_db

BY_NAME = {s.name: s for s in SOURCES}


def items(source: str, day: date, user=None):
    s = BY_NAME[source]
    return list(s.everyone(day) if user is None else s.for_user(user, day))


def at(day: date):
    return time_machine.travel(tokyo(day), tick=False)


# --- R12: the periodic review -------------------------------------------------------------


def test_the_first_review_is_due_review_months_after_listing_and_shown_two_weeks_ahead(
    all_on, only_tourism, tourism_account, users
):
    set_dates(tourism_account, listed_on=date(2025, 11, 1))
    assert items("review", date(2026, 10, 17)) == []
    [item] = items("review", date(2026, 10, 18))
    assert item.recipient_id == users["manager"].pk  # the 管理者, not the 責任者
    assert item.due_on == date(2026, 11, 1)
    assert item.url == reverse("staff_reviews:review", args=[tourism_account.pk])
    assert "定期見直し" in item.title
    # Still there, overdue, every day until it is done (a missed digest run loses nothing).
    assert [i.key for i in items("review", date(2027, 3, 1))] == [item.key]


def test_a_review_moves_the_next_one_a_period_on(all_on, only_tourism, tourism_account, users):
    set_dates(tourism_account, listed_on=date(2025, 11, 1))
    with at(date(2026, 11, 5)):
        assert items("review", date(2026, 11, 5))
        services.record_review(
            account=tourism_account,
            actor=users["manager"],
            outcome=ReviewOutcome.CONFIRMED,
            last_activity_on=date(2026, 11, 4),
        )
    assert items("review", date(2026, 11, 5)) == []
    assert items("review", date(2027, 10, 21)) == []
    [item] = items("review", date(2027, 10, 22))
    assert item.due_on == date(2027, 11, 5)
    tourism_account.refresh_from_db()
    assert tourism_account.last_activity_on == date(2026, 11, 4)


def test_the_review_period_is_configurable(configure, only_tourism, tourism_account):
    configure(CHECKLIST=ALL_ON, INTERVALS={"review_months": 6})
    set_dates(tourism_account, listed_on=date(2026, 1, 31))
    [item] = items("review", date(2026, 7, 31))
    assert item.due_on == date(2026, 7, 31)


def test_without_a_manager_who_signs_in_the_responsible_is_reminded(
    all_on, only_tourism, tourism_account, users
):
    set_dates(tourism_account, listed_on=date(2025, 1, 1))
    User.objects.filter(pk=users["manager"].pk).update(is_active=False)
    [item] = items("review", date(2026, 11, 1))
    assert item.recipient_id == users["head"].pk


def test_accounts_with_officers_by_name_only_remind_the_nearest_head(
    all_on, only_tourism, bousai_account, users, client
):
    """The demo's other accounts have officers by name only: the head over the department
    answers for them (the 責任者 by office, 001 §4(1)ア) — reminded, and able to do it."""
    set_dates(bousai_account, listed_on=date(2024, 1, 1))
    found = [
        i for i in items("review", date(2026, 11, 1)) if i.url.endswith(f"/{bousai_account.pk}/")
    ]
    assert [i.recipient_id for i in found] == [users["head2"].pk]  # 危機管理局長 over 危機管理課
    assert items("review", date(2026, 11, 1), users["head2"]) == found
    # 健康づくり (健康づくり課 < 保健所 < 健康福祉局): nobody until a head is appointed over it.
    kenko = OfficialAccount.objects.get(display_name__contains="健康づくり")
    set_dates(kenko, listed_on=date(2024, 1, 1))
    assert not [i for i in items("review", date(2026, 11, 1)) if i.url.endswith(f"/{kenko.pk}/")]
    hokenjo = User.objects.create_user(
        "hokenjo", role=User.Role.HEAD, department=Department.objects.get(code="310")
    )
    [item] = [i for i in items("review", date(2026, 11, 1)) if i.url.endswith(f"/{kenko.pk}/")]
    assert item.recipient_id == hokenjo.pk
    client.force_login(hokenjo)
    assert client.get(item.url).status_code == 200


def test_a_review_due_at_a_month_end_is_reminded_on_time(configure, only_tourism, tourism_account):
    """31 August + 6 months is 28 February: shown two weeks ahead, due that day (R12)."""
    configure(CHECKLIST=ALL_ON, INTERVALS={"review_months": 6})
    set_dates(tourism_account, listed_on=date(2026, 8, 31))
    assert items("review", date(2027, 2, 13)) == []
    [item] = items("review", date(2027, 2, 14))
    assert item.due_on == date(2027, 2, 28)
    assert next_review_on(tourism_account) == date(2027, 2, 28)
    assert not stale_accounts(date(2027, 2, 28)).filter(pk=tourism_account.pk).exists()
    assert stale_accounts(date(2027, 3, 1)).filter(pk=tourism_account.pk).exists()


def test_r12_off_no_review_reminders(configure, only_tourism, tourism_account):
    configure(CHECKLIST=[*DEFAULT, "R10"])
    set_dates(tourism_account, listed_on=date(2024, 1, 1))
    assert "review" not in {s.name for s in sources()}


# --- R10: the credentials -----------------------------------------------------------------


def test_a_rotation_older_than_the_interval_is_reminded(
    all_on, only_tourism, tourism_account, users
):
    set_dates(tourism_account, listed_on=date(2025, 1, 1), credentials_rotated_on=date(2026, 1, 1))
    due = date(2026, 1, 1) + timedelta(days=180)
    assert items("credentials", due - timedelta(days=15)) == []
    [item] = items("credentials", due - timedelta(days=14))
    assert item.due_on == due
    assert item.recipient_id == users["manager"].pk
    assert item.url == reverse("staff_reviews:credentials", args=[tourism_account.pk])
    with at(due + timedelta(days=3)):
        services.record_credentials(
            account=tourism_account,
            actor=users["manager"],
            holders=list(tourism_account.officers.filter(role=OfficerRole.OPERATOR)),
            rotated_on=due + timedelta(days=2),
        )
    assert items("credentials", due + timedelta(days=3)) == []
    tourism_account.refresh_from_db()
    assert tourism_account.credentials_rotated_on == due + timedelta(days=2)
    holders = Officer.objects.filter(account=tourism_account, holds_credentials=True)
    assert {o.role for o in holders} == {OfficerRole.OPERATOR}


def test_a_rotation_never_recorded_is_due_at_once(all_on, only_tourism, tourism_account):
    set_dates(tourism_account, listed_on=date(2026, 3, 1), credentials_rotated_on=None)
    [item] = items("credentials", date(2026, 3, 2))
    assert item.due_on == date(2026, 3, 1)
    assert "記録" in item.title


def test_a_credential_holder_who_leaves_makes_the_password_change_due_at_once(
    all_on, only_tourism, tourism_account, users
):
    """R10 (000 §4(3), 003 §5(8)): the password is known only to the operators — when one
    who knows it retires, it must be changed now, not when the interval runs out."""
    holder = Officer.objects.filter(account=tourism_account, user__isnull=False).exclude(
        user=users["manager"]
    )[0]
    Officer.objects.filter(pk=holder.pk).update(holds_credentials=True)
    set_dates(tourism_account, listed_on=date(2025, 1, 1), credentials_rotated_on=date(2026, 11, 1))
    assert items("credentials", date(2026, 11, 26)) == []
    with at(date(2026, 11, 26)):
        person = holder.user
        person.is_active = False
        person.save()  # 退職 (personnel flags it)
    [item] = items("credentials", date(2026, 11, 26))
    assert item.due_on == date(2026, 11, 26)
    assert "外れた" in item.title
    assert item.recipient_id == users["manager"].pk
    # Shown on the manager's dashboard the same day, and gone once the rotation is recorded.
    assert items("credentials", date(2026, 11, 26), users["manager"]) == [item]
    with at(date(2026, 11, 27)):
        services.record_credentials(
            account=tourism_account,
            actor=users["manager"],
            holders=[Officer.objects.get(account=tourism_account, user=users["manager"])],
            rotated_on=date(2026, 11, 27),
        )
    assert items("credentials", date(2026, 11, 27)) == []


def test_r10_off_no_credential_reminders(configure, only_tourism, tourism_account):
    configure(CHECKLIST=[*DEFAULT, "R12"])
    set_dates(tourism_account, credentials_rotated_on=None)
    assert "credentials" not in {s.name for s in sources()}


# --- R7: the badge ------------------------------------------------------------------------


def test_a_pending_badge_is_reminded_badge_days_after_listing(
    all_on, only_tourism, tourism_account, users
):
    set_dates(tourism_account, listed_on=date(2026, 6, 1), badge_status="applied")
    assert items("badge", date(2026, 6, 30)) == []
    [item] = items("badge", date(2026, 7, 1))
    assert item.due_on == date(2026, 7, 1)
    assert item.recipient_id == users["manager"].pk
    assert "申請中" in item.title
    set_dates(tourism_account, badge_status="obtained")
    assert items("badge", date(2026, 7, 1)) == []


def test_no_badge_reminder_where_the_service_has_none(all_on, only_tourism, tourism_account):
    tourism_account.service.offers_verified_badge = False
    tourism_account.service.save()
    set_dates(tourism_account, listed_on=date(2026, 1, 1), badge_status="not_applied")
    assert items("badge", date(2026, 7, 1)) == []


def test_r7_off_no_badge_reminders(configure, demo):
    configure(CHECKLIST=["R6"])
    assert "badge" not in {s.name for s in sources()}


# --- Requests waiting for a decision ------------------------------------------------------


def _submitted_change(account, users, day: date):
    with at(day):
        req = approvals.request_create(
            kind=RequestKind.CHANGE, actor=users["operator"], account=account
        )
        approvals.request_submit(
            req=req,
            actor=users["operator"],
            data={
                **req.payload,
                **CHECKLIST_ON,
                "checklist-R4": "on",
                "checklist-R10": "on",
                "policy-operating_hours": "平日9時から",
            },
        )
    return req


def test_a_request_waiting_five_working_days_reminds_the_head_with_a_copy_to_the_requester(
    demo, tourism_account, users
):
    # Friday 20 November 2026; Monday 23 November is a holiday (勤労感謝の日).
    req = _submitted_change(tourism_account, users, date(2026, 11, 20))
    assert items("requests", date(2026, 11, 26)) == []  # 24, 25, 26: three working days
    assert items("requests", date(2026, 11, 27)) == []  # four
    found = items("requests", date(2026, 11, 30))  # five: Monday 30th
    assert {i.recipient_id for i in found} == {users["head"].pk}
    [item] = found
    assert item.due_on == date(2026, 11, 30)
    assert item.copy_to_ids == (users["operator"].pk,)
    assert item.url == reverse("staff:request_detail", args=[req.pk])
    # Once the head approves, the PR step waits from that day, and the PR division is reminded.
    with at(date(2026, 12, 1)):
        approvals.request_decide(req=req, actor=users["head"], action=Action.APPROVE)
    assert items("requests", date(2026, 12, 7)) == []
    found = items("requests", date(2026, 12, 8))
    assert {i.recipient_id for i in found} == {users["pr"].pk}
    assert found[0].key != item.key


def test_the_requester_sees_the_copy_on_the_dashboard_as_in_the_digest(
    demo, tourism_account, users, client
):
    """The digest mails the requester a copy of their waiting request: their dashboard shows
    the same item, marked 写し."""
    _submitted_change(tourism_account, users, date(2026, 11, 20))
    [copy] = items("requests", date(2026, 11, 30), users["operator"])
    assert copy.recipient_id == users["head"].pk
    assert copy.copy_to_ids == (users["operator"].pk,)
    with at(date(2026, 11, 30)):
        client.force_login(users["operator"])
        page = " ".join(strip_tags(client.get(reverse("staff:dashboard")).content.decode()).split())
    assert f"{copy.title} 写し" in page


def test_the_new_year_holidays_are_not_working_days(demo, tourism_account, users):
    req = _submitted_change(tourism_account, users, date(2026, 12, 25))
    assert items("requests", date(2027, 1, 6)) == []
    [item] = items("requests", date(2027, 1, 7))
    assert item.due_on == date(2027, 1, 7)
    assert item.key.startswith(f"request:{req.pk}:")


def test_the_working_days_are_configurable(configure, demo, tourism_account, users):
    configure(INTERVALS={"request_working_days": 1})
    _submitted_change(tourism_account, users, date(2026, 11, 20))
    assert [i.due_on for i in items("requests", date(2026, 11, 24))] == [date(2026, 11, 24)]


# --- The two questions agree -------------------------------------------------------------


@pytest.mark.parametrize("source", [s.name for s in SOURCES])
def test_for_user_agrees_with_everyone_for_every_demo_user(
    all_on, demo, tourism_account, bousai_account, users, source
):
    _submitted_change(tourism_account, users, date(2026, 11, 2))
    set_dates(
        tourism_account,
        listed_on=date(2025, 1, 1),
        credentials_rotated_on=None,
        badge_status="applied",
    )
    day = date(2026, 12, 1)
    everyone = items(source, day)
    assert everyone, "the case should produce items"
    copies = 0
    for user in User.objects.all():
        mine = items(source, day, user)
        own = [i for i in everyone if i.recipient_id == user.pk]
        # A copy (the requester of a waiting request) is on the dashboard as in the digest:
        # once per item, as ``jobs.digest.due_by_person`` has it.
        copied = {
            i.key: i
            for i in everyone
            if user.pk in i.copy_to_ids and i.key not in {o.key for o in own}
        }
        copies += len(copied)
        assert len(mine) == len(own) + len(copied), user.username
        assert [i for i in mine if i.recipient_id == user.pk] == own, user.username
        assert {i.key for i in mine if i.recipient_id != user.pk} == set(copied), user.username
    assert copies == (1 if source == "requests" else 0)


def test_everyone_reads_thousands_of_accounts_in_a_few_queries(
    all_on, demo, users, django_assert_max_num_queries
):
    from demo.data import seed_bulk_accounts

    seed_bulk_accounts(300)
    bulk = OfficialAccount.objects.filter(identifier__contains="bulk")
    bulk.update(listed_at=tokyo(date(2024, 1, 1)), badge_status="applied")
    Officer.objects.filter(account__in=bulk, role=OfficerRole.MANAGER).update(
        user=users["manager"], name=""
    )
    day = date(2026, 12, 1)
    for name in ("review", "credentials", "badge"):
        with django_assert_max_num_queries(3):
            found = items(name, day)
        assert len(found) >= (300 if name != "badge" else 1)
