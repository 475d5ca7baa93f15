"""Background jobs of the request intelligence: they take ids (or nothing), call services, and
may run twice without harm."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from needle.core.jobs import job_count_logged
from needle.intel.services import case_triage_new, corrections_collect, hotspots_detect, model_retrain_if_due

# One line when a periodic job changed something; its ticks that found nothing stay quiet.
log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=30)
def triage_new_case(case_id: int) -> None:
    """Enqueued by cases, by name, when a new case commits: the classifier's suggestion, and
    its routing when sure. A failed run rolls back and is retried; until triage succeeds the
    case waits in the dispatchers' queue, as it would without a classifier."""
    case_triage_new(case_id=case_id)


@db_periodic_task(crontab(minute="*/10"))
def collect_corrections() -> int:
    """Every ten minutes: the dispatchers' corrections of the classifier, from the audit log."""
    return job_count_logged(log, corrections_collect(), "Classifier: %d dispatchers' corrections collected.")


@db_periodic_task(crontab(minute="17"))
def detect_hotspots() -> int:
    """Re-cluster the last thirty days of requests into hot topics every hour."""
    return job_count_logged(log, len(hotspots_detect()), "Hot topics: %d found in the last thirty days.")


@db_periodic_task(crontab(hour="3", minute="40"))
def retrain() -> str:
    """Every night: retrain when enough cases closed since the active model, and keep the new
    model only if it does at least as well on the held-back newest cases."""
    version = model_retrain_if_due()
    if version is not None:
        log.info(
            "Classifier: version %s trained (%s).",
            version.version,
            "active" if version.active else "kept aside",
        )
    return version.version if version is not None else ""
