"""Background jobs of the requests app: they take ids (or nothing), call services, and may
run twice without harm."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from needle.cases.services import case_follow_up, deadlines_mark
from needle.core.jobs import job_count_logged

# One line when a periodic job changed something; its ticks that found nothing stay quiet.
log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def mark_deadlines() -> int:
    """Recolour open cases (blue, yellow, red) every five minutes."""
    return job_count_logged(log, deadlines_mark(), "Deadlines: %d open cases changed colour.")


@db_task(retries=3, retry_delay=30)
def intake_follow_up(case_id: int, rule_unit_id: int | None) -> None:
    """Enqueued when a new case commits: the unit's notification and the classifier's triage.
    A failed run rolls back and is retried; until triage succeeds the case waits in the
    dispatchers' queue, as it would without a classifier."""
    case_follow_up(case_id=case_id, rule_unit_id=rule_unit_id)
