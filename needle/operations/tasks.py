"""Background jobs of the operations app: they take nothing or ids, call services, and may run
twice without harm."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from needle.operations.services import rollups_rebuild, rollups_refresh


@db_periodic_task(crontab(minute="*"))
def refresh_rollups() -> int:
    """Every minute: apply the cases changed since the last run to the rollups."""
    return rollups_refresh().cases_read


@db_periodic_task(crontab(hour="3", minute="17"))
def rebuild_recent_rollups() -> int:
    """Nightly: rebuild the last three days from the raw facts, a safety net under the
    incremental refresh (a transaction that committed long after it stamped its case)."""
    return rollups_rebuild(actor=None, since=timezone.localdate() - dt.timedelta(days=2))
