"""Background jobs of the operations app: they take nothing or ids, call services, and may run
twice without harm."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from needle.operations.rollups import rollups_rebuild, rollups_refresh
from needle.operations.services import reports_send


@db_periodic_task(crontab(minute="*"))
def refresh_rollups() -> int:
    """Every minute: apply the cases changed since the last run to the rollups."""
    return rollups_refresh().cases_read


@db_periodic_task(crontab(hour="3", minute="17"))
def rebuild_recent_rollups() -> int:
    """Nightly: rebuild the last three days from the raw facts, a safety net under the
    incremental refresh (a transaction that committed long after it stamped its case)."""
    return rollups_rebuild(actor=None, since=timezone.localdate() - dt.timedelta(days=2))


@db_periodic_task(crontab(day_of_week="1", hour="7", minute="5"))
def send_weekly_reports() -> int:
    """Mondays: last week's report to its subscribers."""
    return reports_send(frequency="weekly")


@db_periodic_task(crontab(day="1", hour="7", minute="10"))
def send_monthly_reports() -> int:
    """On the first: last month's report to its subscribers."""
    return reports_send(frequency="monthly")
