"""Background jobs of notifications: they take nothing, call services, and may run twice
without harm (each claims its rows with a conditional update before sending)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from needle.notify.services import deliveries_send, digests_send


@db_task()
def deliver_due() -> int:
    """Enqueued after a commit that made a message due now: send what is due."""
    return deliveries_send()


@db_periodic_task(crontab(minute="*"))
def deliver_held() -> int:
    """Every minute: messages whose quiet hours ended, and retries after a provider's failure."""
    return deliveries_send()


@db_periodic_task(crontab(minute="*/5"))
def send_digests() -> int:
    """Every five minutes: the daily digests that fell due (at NEEDLE_DIGEST_HOUR, or at the end
    of a person's quiet hours)."""
    return digests_send()
