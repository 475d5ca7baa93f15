"""Starting a background job by its name.

A job that needs two apps lives in the higher one (DESIGN); the lower app starts it by name,
as the queue itself knows jobs: cases enqueues intel's triage of a new case without importing
intel. A name is the job's module and function, e.g. "needle.intel.tasks.triage_new_case".
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.module_loading import autodiscover_modules
from huey.api import Task
from huey.contrib.djhuey import HUEY
from huey.exceptions import HueyException

log = logging.getLogger(__name__)


def _task(name: str, args: tuple[Any, ...]) -> Task:
    try:
        task_class = HUEY._registry.string_to_task(name)
    except HueyException:
        # The worker discovers every app's tasks.py when it starts; a web process or a command
        # does it on the first job it starts by name.
        autodiscover_modules("tasks")
        task_class = HUEY._registry.string_to_task(name)
    return task_class(args=args)


def job_enqueue(name: str, *args: Any) -> None:
    """Enqueue the job `name` with `args` (ids). When the queue's storage cannot take it (Redis
    or the SQLite file down), the job runs here and now rather than being lost; jobs are safe
    to run twice. An unknown name raises HueyException."""
    task = _task(name, args)
    try:
        HUEY.enqueue(task)
    except Exception:
        log.exception("could not enqueue %s%r; running it now", name, args)
        task.execute()


def job_count_logged(log: logging.Logger, count: int, message: str) -> int:
    """A periodic job's answer: how many things it did (rows changed, notices sent, topics
    found), said in one line of the job's log (`message` with one %d) when there were any; a run
    that found nothing stays quiet."""
    if count:
        log.info(message, count)
    return count
