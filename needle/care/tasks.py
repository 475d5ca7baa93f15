"""Background jobs of care: they call services, may run twice without harm, and say one line
when they changed something."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from needle.care.plan_tasks import care_helpers_left, care_items_follow_cases, care_reschedule
from needle.care.reminder_tasks import remind_visits
from needle.care.services import rights
from needle.core.jobs import job_count_logged

# The plan's and the reminders' jobs live in their own modules; listed here, where the worker
# finds jobs.
__all__ = [
    "anonymise_due",
    "care_helpers_left",
    "care_items_follow_cases",
    "care_reschedule",
    "coming_of_age",
    "remind_visits",
]

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="20", hour="2"))
def anonymise_due() -> int:
    """Daily: anonymise the records of people who moved away or died once the retention
    period (NEEDLE_CARE_RETENTION_DAYS) has passed."""
    return job_count_logged(
        log, rights.anonymise_due(), "Care: %d records anonymised after the retention period."
    )


@db_periodic_task(crontab(minute="30", hour="2"))
def coming_of_age() -> int:
    """Daily: a minor's record passes to them on their eighteenth birthday; the guardian's
    consents lapse until their own is recorded."""
    return rights.coming_of_age()
