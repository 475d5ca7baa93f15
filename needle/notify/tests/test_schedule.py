"""Quiet hours and the digest time, on the deployment's local clock (Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from needle.notify.schedule import next_digest, quiet_until, send_at

SH = ZoneInfo("Asia/Shanghai")
NIGHT = (dt.time(22), dt.time(7))
LUNCH = (dt.time(12), dt.time(14))


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SH)


def test_quiet_hours_across_midnight():
    assert quiet_until(at(4, 23), NIGHT) == at(5, 7)
    assert quiet_until(at(5, 3), NIGHT) == at(5, 7)
    assert quiet_until(at(5, 22), NIGHT) == at(6, 7)
    assert quiet_until(at(5, 7), NIGHT) is None
    assert quiet_until(at(5, 21, 59), NIGHT) is None


def test_quiet_hours_within_a_day():
    assert quiet_until(at(5, 12), LUNCH) == at(5, 14)
    assert quiet_until(at(5, 14), LUNCH) is None
    assert quiet_until(at(5, 11, 59), LUNCH) is None
    assert quiet_until(at(5, 13), None) is None


def test_utc_moments_are_read_on_the_local_clock():
    # 15:30 UTC is 23:30 in Shanghai: quiet until 07:00 the next local day.
    assert quiet_until(dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.UTC), NIGHT) == at(5, 7)


def test_send_at_is_now_or_the_end_of_quiet_hours():
    assert send_at(at(5, 10), NIGHT) == at(5, 10)
    assert send_at(at(5, 23), NIGHT) == at(6, 7)


def test_the_digest_goes_at_its_hour_or_after_quiet_hours():
    assert next_digest(at(5, 6), 8, None) == at(5, 8)
    assert next_digest(at(5, 8), 8, None) == at(6, 8)
    assert next_digest(at(5, 9), 8, None) == at(6, 8)
    assert next_digest(at(5, 6), 8, (dt.time(22), dt.time(9))) == at(5, 9)
