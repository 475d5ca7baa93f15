"""Background jobs of the service center: they call services and may run twice without harm."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from needle.center.services import appointments_remind, offers_lapse
from needle.core.jobs import job_count_logged

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def lapse_offers() -> int:
    """Every minute: offers of a freed seat not taken in time pass to the next in line."""
    return job_count_logged(log, offers_lapse(), "Center: %d seat offers lapsed and passed on.")


@db_periodic_task(crontab(minute="5"))
def remind_appointments() -> int:
    """Every hour: whoever is booked for tomorrow hears of it, once (an appointment booked late
    in the evening for tomorrow is still reminded; notify holds messages in quiet hours)."""
    return job_count_logged(log, appointments_remind(), "Center: %d appointment reminders sent.")
