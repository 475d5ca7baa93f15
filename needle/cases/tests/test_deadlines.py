"""Working-day deadlines run on the deployment's calendar (TIME_ZONE), not UTC's."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from needle.cases.deadlines import add_hours
from needle.cases.models import Holiday

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def test_a_saturday_morning_request_with_one_working_day_is_due_on_monday(db):
    saturday_morning = dt.datetime(2026, 9, 26, 7, 0, tzinfo=SHANGHAI)  # Friday 23:00 in UTC
    due = add_hours(saturday_morning.astimezone(dt.UTC), 24, working_days=True)
    assert due == dt.datetime(2026, 9, 28, 7, 0, tzinfo=SHANGHAI)
    assert due.astimezone(SHANGHAI).strftime("%A %H:%M") == "Monday 07:00"


def test_holidays_are_matched_on_local_dates(db):
    Holiday.objects.create(date=dt.date(2026, 9, 29), name="假日")
    monday_morning = dt.datetime(2026, 9, 28, 7, 0, tzinfo=SHANGHAI)  # Sunday 23:00 in UTC
    due = add_hours(monday_morning.astimezone(dt.UTC), 24, working_days=True)
    assert due == dt.datetime(2026, 9, 30, 7, 0, tzinfo=SHANGHAI)


def test_a_working_saturday_counts_on_the_local_calendar(db):
    Holiday.objects.create(date=dt.date(2026, 10, 10), name="调休", is_workday=True)
    friday_evening = dt.datetime(2026, 10, 9, 18, 0, tzinfo=SHANGHAI)
    due = add_hours(friday_evening, 24 + 3, working_days=True)
    assert due == dt.datetime(2026, 10, 10, 21, 0, tzinfo=SHANGHAI)


def test_a_day_across_a_clock_change_keeps_the_wall_clock_time(db, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    friday = dt.datetime(2026, 3, 27, 9, 0, tzinfo=berlin)  # clocks go forward on Sunday the 29th
    assert add_hours(friday, 24, working_days=True) == dt.datetime(2026, 3, 30, 9, 0, tzinfo=berlin)
