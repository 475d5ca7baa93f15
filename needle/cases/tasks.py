"""Background jobs of the requests app: they take ids (or nothing), call services, and may
run twice without harm."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from needle.cases.services import deadlines_mark


@db_periodic_task(crontab(minute="*/5"))
def mark_deadlines() -> int:
    """Recolour open cases (blue, yellow, red) every five minutes."""
    return deadlines_mark()
