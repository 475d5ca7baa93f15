"""Background jobs of supervision: they take ids (or nothing), call services, and may run twice
without harm (each notice, urging, escalation and digest is claimed once)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from needle.core.jobs import job_count_logged
from needle.supervision.services import notices

log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=30)
def notify_issued(task_id: int) -> int:
    """Enqueued once a task commits: its targets' staff hear of it, in batches."""
    return notices.notify_issued(task_id)


@db_periodic_task(crontab(minute="7"))
def urge_overdue() -> tuple[int, int]:
    """Every hour: urge overdue targets (once a day each), escalate the long overdue (once)."""
    urged, escalated = notices.overdue_urge()
    if urged or escalated:
        log.info("Supervision: %d targets urged, %d escalated.", urged, escalated)
    return urged, escalated


@db_periodic_task(crontab(hour="18", minute="30"))
def send_digests() -> int:
    """Each evening, one digest per issuing unit whose targets moved."""
    return notices.digests_send()


@db_task(retries=3, retry_delay=30)
def notify_consulted(consultation_id: int) -> int:
    """Enqueued once a consultation opens: the staff of each unit asked hear of it, in batches."""
    return notices.notify_consulted(consultation_id)


@db_periodic_task(crontab(minute="23"))
def remind_consulted() -> int:
    """Every hour: each unit that has not answered a consultation due today or tomorrow hears
    of it once (notices.consultation_remind; notify holds messages in quiet hours)."""
    return job_count_logged(
        log, notices.consultation_remind(), "Supervision: %d units reminded of a consultation due soon."
    )
