"""Background jobs of care's pairing, schedule and ledger: they call services and may run twice
without harm. (Imported by the app's tasks module, which the worker discovers.)"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from needle.care.services.ledger import items_follow_cases
from needle.care.services.pairings import pairings_of_leavers_end
from needle.care.services.schedule import reschedule_all
from needle.core.jobs import job_count_logged

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="10", hour="0"))
def care_helpers_left() -> int:
    """Daily, after midnight: the pairings of helpers who left (membership ended, moved away,
    account closed, unit dissolved) end, so the record matches the "needs a new helper" list,
    which shows their recipients from the day they left."""
    return job_count_logged(log, pairings_of_leavers_end(), "Care: %d pairings of helpers who left ended.")


@db_periodic_task(crontab(minute="*/10"))
def care_items_follow_cases() -> int:
    """Every ten minutes: ledger items whose request has ended close with it."""
    return job_count_logged(log, items_follow_cases(), "Care: %d ledger items closed with their requests.")


@db_periodic_task(crontab(minute="30", hour="0"))
def care_reschedule() -> int:
    """Daily: every recipient's next dues recomputed from the policies and the visits, so no
    missed write (a policy row edited in the admin, a visit deleted) leaves a date wrong."""
    return job_count_logged(log, reschedule_all(), "Care: %d recipients' due dates recomputed.")
