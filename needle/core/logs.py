"""Logging filters."""

from __future__ import annotations

import logging

from huey.api import PeriodicTask, Task


class SkipNotFound(logging.Filter):
    """Drops django.request's records of 404 answers. A 404 answers a client's question (a case
    number that does not exist, a mistyped tracking link), nothing an operator acts on; a client
    asking again and again wrote a warning line per request (6,000 in a 30-second benchmark)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 404


class QuietJobs(logging.Filter):
    """One line per job that someone is waiting for, none for the routine ticks. Huey writes
    three lines per job ("Enqueueing periodic task", "Executing", "executed in"): the
    periodic ones (every minute) say nothing when run, as their tasks write a line of their own
    when they changed something; a job enqueued for a request (a triage) keeps one line, when
    it is done. Warnings and errors (failures, retries) pass unchanged; LOG_LEVEL=DEBUG shows
    everything as huey writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or logging.getLogger("huey").isEnabledFor(logging.DEBUG):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        task = args[0] if args else None
        if not isinstance(task, Task):
            return True
        if record.msg in ("Executing %s", "Enqueueing periodic task %s."):
            return False
        if record.msg == "%s executed in %0.3fs":
            if isinstance(task, PeriodicTask):
                return False
            record.msg, record.args = "%s%r done in %.3fs", (task.name, task.args, args[1])
        return True
