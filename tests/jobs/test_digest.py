"""The reminder digest (issue 10 §3): one mail per person per day, never a flood, never
forgotten — with a controlled clock, for runs twice a day, late, or after a week without."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from jobs import reminders
from jobs.digest import send_digests
from jobs.models import OutboxMail, ReminderMailed
from jobs.outbox import flush_outbox
from jobs.reminders import ReminderItem, ReminderSource

pytestmark = pytest.mark.django_db

DAY = date(2026, 4, 1)


@pytest.fixture
def items(only_sources):
    """Two sources (見直し, 申請) whose items the test sets: ``items["review"].append(...)``."""
    found: dict[str, list[ReminderItem]] = {"review": [], "request": [], "badge": []}

    def source(name: str, label: str, switch: str | None = None) -> ReminderSource:
        return ReminderSource(
            name=name,
            label=label,
            everyone=lambda day: list(found[name]),
            for_user=lambda user, day: [
                i for i in found[name] if user.pk in (i.recipient_id, *i.copy_to_ids)
            ],
            switch=switch,
        )

    only_sources(
        source("review", "定期見直し（棚卸し）"),
        source("request", "判断を待っている申請"),
        source("badge", "パスワードの変更", switch="R10"),
    )
    return found


def item(source: str, user, n: int, due_on: date = DAY, copy_to=()) -> ReminderItem:
    return ReminderItem(
        recipient_id=user.pk,
        source=source,
        key=f"{source}:{n}",
        title=f"項目{source}{n}",
        due_on=due_on,
        url=f"/staff/things/{n}/",
        copy_to_ids=tuple(u.pk for u in copy_to),
    )


def delivered() -> list:
    flush_outbox()
    return list(mail.outbox)


def test_one_mail_per_person_per_day_with_the_items_of_two_sources(items, users):
    manager, head, operator = users["manager"], users["head"], users["operator"]
    items["review"] += [
        item("review", manager, 1, DAY - timedelta(days=3)),
        item("review", manager, 2),
    ]
    items["request"] += [item("request", manager, 3), item("request", head, 4, copy_to=[operator])]
    summary = send_digests(DAY)
    assert "3通" in summary
    sent = {tuple(m.to): m for m in delivered()}
    assert sent.keys() == {(manager.email,), (head.email,), (operator.email,)}
    body = sent[(manager.email,)].body
    # Grouped by source, in registration order, with Japanese dates and absolute links.
    assert (
        body.index("■ 定期見直し（棚卸し）") < body.index("項目review1") < body.index("項目review2")
    )
    assert (
        body.index("項目review2")
        < body.index("■ 判断を待っている申請")
        < body.index("項目request3")
    )
    assert "期限：2026年3月29日（期限を過ぎています）" in body
    assert "期限：2026年4月1日\n" in body
    assert "http://127.0.0.1:8000/staff/things/1/" in body
    assert "3件" in sent[(manager.email,)].subject
    # The requester gets a copy of what waits for the head.
    copy = sent[(operator.email,)].body
    assert "項目request4（写し）" in copy
    assert "項目request4（写し）" not in sent[(head.email,)].body
    assert "項目request4" in sent[(head.email,)].body


def test_a_second_run_of_the_day_sends_nothing(items, users):
    items["review"].append(item("review", users["manager"], 1))
    send_digests(DAY)
    assert "0通" in send_digests(DAY)
    assert OutboxMail.objects.count() == 1


def test_an_item_not_yet_due_is_not_mailed(items, users):
    items["review"].append(item("review", users["manager"], 1, DAY + timedelta(days=1)))
    send_digests(DAY)
    assert not OutboxMail.objects.exists()
    send_digests(DAY + timedelta(days=1))
    assert OutboxMail.objects.count() == 1


def test_never_a_flood_the_same_item_again_only_after_repeat_days(items, users, configure):
    configure(INTERVALS={"repeat_days": 7})
    manager = users["manager"]
    items["review"].append(item("review", manager, 1))
    mailed_on = []
    for offset in range(15):
        day = DAY + timedelta(days=offset)
        send_digests(day)
        if OutboxMail.objects.filter(key=f"digest:{manager.pk}:{day.isoformat()}").exists():
            mailed_on.append(offset)
    assert mailed_on == [0, 7, 14]


def test_a_new_item_is_mailed_at_once_without_the_ones_mailed_recently(items, users):
    manager = users["manager"]
    items["review"].append(item("review", manager, 1))
    send_digests(DAY)
    items["request"].append(item("request", manager, 2))
    send_digests(DAY + timedelta(days=1))
    second = OutboxMail.objects.get(
        key=f"digest:{manager.pk}:{(DAY + timedelta(days=1)).isoformat()}"
    )
    assert "項目request2" in second.body
    assert "項目review1" not in second.body


def test_after_a_week_without_runs_one_mail_reminds_of_everything_due(items, users):
    manager = users["manager"]
    for n in range(5):  # one item fell due each day of the week the runner was down
        items["review"].append(item("review", manager, n, DAY + timedelta(days=n)))
    late = DAY + timedelta(days=7)
    send_digests(late)
    digest = OutboxMail.objects.get()
    assert digest.key == f"digest:{manager.pk}:{late.isoformat()}"
    assert all(f"項目review{n}" in digest.body for n in range(5))


def test_a_late_run_for_yesterday_does_not_mail_again_what_today_mailed(items, users):
    items["review"].append(item("review", users["manager"], 1))
    send_digests(DAY)
    send_digests(DAY - timedelta(days=1))  # e.g. run_daily_jobs --date yesterday, by hand
    assert OutboxMail.objects.count() == 1


def test_inactive_people_and_people_without_an_address_get_nothing(items, users):
    manager, head, operator = users["manager"], users["head"], users["operator"]
    manager.is_active = False
    manager.save()
    head.email = ""
    head.save()
    for n, person in enumerate([manager, head, operator]):
        items["review"].append(item("review", person, n))
    send_digests(DAY)
    assert [m.to for m in OutboxMail.objects.all()] == [[operator.email]]
    assert not ReminderMailed.objects.filter(recipient__in=[manager, head]).exists()


def test_a_source_switched_off_is_neither_mailed_nor_shown(items, users, configure):
    manager = users["manager"]
    items["badge"].append(item("badge", manager, 1))
    send_digests(DAY)
    assert not OutboxMail.objects.exists()
    assert reminders.items_for(manager, DAY) == []
    configure(CHECKLIST=["R6", "R7", "R8", "R11", "R14", "R10"])
    send_digests(DAY)
    assert OutboxMail.objects.count() == 1
    assert [i.key for i in reminders.items_for(manager, DAY)] == ["badge:1"]


def test_the_dashboard_list_is_every_source_soonest_first(items, users):
    manager = users["manager"]
    items["review"].append(item("review", manager, 1, DAY + timedelta(days=5)))
    items["request"].append(item("request", manager, 2, DAY - timedelta(days=2)))
    items["request"].append(item("request", users["head"], 3, DAY, copy_to=[manager]))
    keys = [i.key for i in reminders.items_for(manager, DAY)]
    assert keys == ["request:2", "request:3", "review:1"]


def test_the_digest_through_the_command_and_the_outbox(items, users):
    items["review"].append(item("review", users["manager"], 1))
    out = io.StringIO()
    call_command(
        "run_daily_jobs", "--date", DAY.isoformat(), "--job", "reminder_digest", stdout=out
    )
    assert "reminder_digest: まとめメール1通" in out.getvalue()
    [sent] = delivered()
    assert sent.subject.startswith("[サンプル市 公式SNS台帳] 対応が必要なことが1件あります")
