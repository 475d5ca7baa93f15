"""Background jobs of the operations app: they take nothing or ids, call services, and may run
twice without harm."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from needle.operations.subscriptions import reports_send
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import rollups_refresh

# One line when a job changed something; the minute's ticks that found nothing stay quiet.
log = logging.getLogger(__name__)


# Huey's crontab has a minute's grain: a second run half a minute after each minute's keeps
# every change within a minute of the rollups (a refresh under intake load takes seconds; one
# that runs long makes the next wait on the state row, never run twice at once).
REFRESH_AGAIN_AFTER = 30


def _refresh() -> int:
    result = rollups_refresh()
    if result.rebuilt:
        log.info("Rollups built from every source.")
    elif result.objects_changed:
        log.info("Rollups: %s changed objects applied.", result.changed)
    return result.objects_read


@db_periodic_task(crontab(minute="*"))
def refresh_rollups() -> int:
    """Every minute, and again half a minute later: apply the objects of every source changed
    since the last run to the rollups."""
    read = _refresh()
    refresh_rollups_again.schedule(delay=REFRESH_AGAIN_AFTER)
    return read


@db_task()
def refresh_rollups_again() -> int:
    return _refresh()


@db_periodic_task(crontab(hour="3", minute="17"))
def rebuild_recent_rollups() -> int:
    """Nightly: rebuild the last three days from the raw facts, a safety net under the
    incremental refresh (a transaction that committed long after it stamped its case)."""
    rows = rollups_rebuild(actor=None, since=timezone.localdate() - dt.timedelta(days=2))
    log.info("Rollups of the last three days rebuilt: %d records counted.", rows)
    return rows


def _send_reports(frequency: str) -> int:
    sent = reports_send(frequency=frequency)
    if sent:
        log.info("%s reports: %d sent.", frequency.capitalize(), sent)
    return sent


@db_periodic_task(crontab(day_of_week="1", hour="7", minute="5"))
def send_weekly_reports() -> int:
    """Mondays: last week's report to its subscribers."""
    return _send_reports("weekly")


@db_periodic_task(crontab(day="1", hour="7", minute="10"))
def send_monthly_reports() -> int:
    """On the first: last month's report to its subscribers."""
    return _send_reports("monthly")
