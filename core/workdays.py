"""Working days of a Japanese city hall: Monday to Friday, without national holidays
(``jpholiday``: 国民の祝日・振替休日・国民の休日) and without 12/29–1/3 (年末年始の休日,
closed by every municipality's 休日条例). Used for "waiting longer than N working days"."""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday


def is_working_day(day: date) -> bool:
    if day.weekday() >= 5:
        return False
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return False
    return not jpholiday.is_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The working day ``days`` working days after ``start`` (``start`` itself not counted):
    a request submitted on Friday with 1 day is due on Monday (or the next working day)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days after ``start`` up to and including ``end`` (0 if end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
