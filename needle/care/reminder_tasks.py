"""The care reminders' job: every hour, helpers hear of the visits coming due and the
community's care staff of those overdue, each once per due date (services.reminders); it may
run twice, or twice at once, without sending anything twice."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from needle.care.services.reminders import reminders_send
from needle.core.jobs import job_count_logged

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="25"))
def remind_visits() -> int:
    """Every hour: the visit reminders not yet sent."""
    return job_count_logged(log, reminders_send(), "Care: %d visit reminders sent.")
