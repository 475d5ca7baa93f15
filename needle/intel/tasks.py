"""Background jobs of the request intelligence: they take nothing, call services, and may run
twice without harm."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from needle.intel.services import hotspots_detect, model_retrain_if_due


@db_periodic_task(crontab(minute="17"))
def detect_hotspots() -> int:
    """Re-cluster the last thirty days of requests into hot topics every hour."""
    return len(hotspots_detect())


@db_periodic_task(crontab(hour="3", minute="40"))
def retrain() -> str:
    """Every night: retrain when enough cases closed since the active model, and keep the new
    model only if it does at least as well on the held-back newest cases."""
    version = model_retrain_if_due()
    return version.version if version is not None else ""
