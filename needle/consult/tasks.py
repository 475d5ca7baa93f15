"""The think tank's background jobs: they take ids and call services, and may run twice."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from needle.consult.models import Cadence
from needle.consult.services.followers import digest_batch as _digest_batch
from needle.consult.services.followers import digests_queue
from needle.consult.services.followers import tell_batch as _tell_batch


@db_task()
def digest_batch(batch_id: int) -> int:
    """One batch (up to 1,000 people) of a daily or weekly digest."""
    return _digest_batch(batch_id)


@db_periodic_task(crontab(minute="0", hour=str(settings.NEEDLE_DIGEST_HOUR)))
def queue_daily_digests() -> int:
    return digests_queue(Cadence.DAILY)


@db_periodic_task(crontab(minute="0", hour=str(settings.NEEDLE_DIGEST_HOUR), day_of_week="1"))
def queue_weekly_digests() -> int:
    return digests_queue(Cadence.WEEKLY)


@db_task()
def tell_batch(batch_id: int) -> int:
    """One batch (up to 1,000 people) of those who hear of an event at once."""
    return _tell_batch(batch_id)
