"""Working days for "waiting longer than N working days" (issue 10 §3)."""

from datetime import date

from core.workdays import add_working_days, is_working_day, working_days_between


def test_weekends_national_holidays_and_new_year_are_not_working_days():
    assert is_working_day(date(2026, 11, 27))  # Friday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 11, 23))  # 勤労感謝の日 (Monday)
    assert not is_working_day(date(2026, 12, 29))  # 年末年始
    assert is_working_day(date(2027, 1, 4))  # Monday 4 January: offices open
    assert not is_working_day(date(2026, 5, 6))  # 振替休日


def test_adding_working_days_skips_weekends_and_holidays():
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Fri → Mon
    # Five working days from Friday 25 December 2026: 28 Dec, then 4, 5, 6, 7 January.
    assert add_working_days(date(2026, 12, 25), 5) == date(2027, 1, 7)
    assert add_working_days(date(2026, 11, 20), 2) == date(2026, 11, 25)  # over 23 Nov


def test_counting_working_days_between_two_dates():
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1
    assert working_days_between(date(2026, 11, 30), date(2026, 11, 27)) == 0
    assert working_days_between(date(2026, 12, 25), date(2027, 1, 7)) == 5
