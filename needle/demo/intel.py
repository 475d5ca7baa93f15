"""The demo's request intelligence: a classifier trained on the demo's closed cases, and the
real hot issues of Teddy Cup 附件3 filed as recent requests, so that the queue shows
suggestions and the hot-topic page has real clusters to show.

Each hot issue (messages about one matter at one place) becomes requests of one community of
the street supervisor's street, spread over the last three weeks and growing towards today.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from needle.areas.models import Area, Level
from needle.cases.deadlines import add_hours
from needle.cases.models import Case, CaseEvent, Channel, EventKind, Service
from needle.cases.services import Intake, _next_number, case_submit, idempotency_key
from needle.demo.catalog import DATA
from needle.intel.models import HotTopic, ModelVersion
from needle.intel.selectors import service_guesses
from needle.intel.services import hotspots_detect, model_train
from needle.orgs.models import Person

SEED = 311
HOT_DAYS = 21


def _hot_rows() -> list[dict[str, str]]:
    with gzip.open(DATA / "teddycup_hot.csv.gz", "rb") as f:
        return list(csv.DictReader(io.TextIOWrapper(f, encoding="utf-8", newline="")))


def _communities() -> list[Area]:
    """The communities of the street supervisor's street (the demo's first street of 渝中区)."""
    supervisor = Person.objects.filter(username="supervisor").first()
    grant = supervisor.roles.select_related("unit__area").first() if supervisor else None
    if grant is None:
        return list(Area.objects.filter(level=Level.COMMUNITY, retired=False).order_by("path")[:5])
    street = grant.unit.area
    return list(Area.objects.filter(parent=street, level=Level.COMMUNITY, retired=False).order_by("code"))


def _service_for(text: str, fallback: Service) -> Service:
    for guess in service_guesses(text=text, k=1, public_only=True):
        if guess.service is not None:
            return guess.service
    return fallback


def hot_requests_load(*, now: dt.datetime | None = None) -> int:
    """File the hot-issue messages as requests (once): returns how many were filed."""
    rows = _hot_rows()
    if not rows or Case.objects.filter(idempotency_key=_hot_key(rows[0])).exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(SEED)
    places = _communities()
    fallback = Service.objects.filter(active=True, public=True).order_by("code").first()
    if not places or fallback is None:
        return 0
    with _jobs_at_once():
        return _file_hot_requests(rows, places, fallback, rng, now)


def _hot_key(row: dict[str, str]) -> str:
    return idempotency_key(channel=Channel.WEB, actor=None, key=f"demo-hot:{row['message_id']}")


@contextmanager
def _jobs_at_once() -> Iterator[None]:
    """Run the jobs that intake enqueues (the unit's notification, the classifier's triage and
    its routing) inside the demo command, as tests do: each request is triaged before it is
    backdated, so its routing keeps its own time instead of waiting for the worker."""
    before = HUEY.immediate
    # A line per job run here would bury the command's own summary ("49 recent requests").
    jobs_log = logging.getLogger("huey")
    level = jobs_log.level
    HUEY.immediate = True
    jobs_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        HUEY.immediate = before
        jobs_log.setLevel(level)


def _file_hot_requests(
    rows: list[dict[str, str]], places: list[Area], fallback: Service, rng: random.Random, now: dt.datetime
) -> int:
    issues = list(dict.fromkeys(r["issue"] for r in rows))
    filed = 0
    for i, issue in enumerate(issues):
        area = places[i % len(places)]
        messages = [r for r in rows if r["issue"] == issue]
        for j, r in enumerate(messages):
            text = r["detail"].strip()
            title = r["title"].strip()[:200]
            case = case_submit(
                actor=None,
                intake=Intake(
                    service=_service_for(f"{title}\n{text}", fallback),
                    description=text[:4000],
                    title=title,
                    area=area,
                    contact_name=f"居民{rng.randint(100, 999)}",
                    contact_phone=f"13{rng.randint(100000000, 999999999)}",
                    channel=Channel.WEB,
                    idempotency_key=f"demo-hot:{r['message_id']}",
                ),
            )
            # Growing towards today: the later messages of an issue fall in the last week.
            share = (j + rng.random()) / len(messages)
            at = now - dt.timedelta(days=HOT_DAYS * (1 - share) ** 2, hours=rng.uniform(0, 6))
            _backdate(case, at)
            filed += 1
    return filed


@transaction.atomic
def _backdate(case: Case, at: dt.datetime) -> None:
    service = case.service
    Case.objects.filter(pk=case.pk).update(
        # The number says the day of submission: the backdated case takes one of its new day.
        number=_next_number(at),
        submitted_at=at,
        accept_due_at=add_hours(at, service.accept_hours, working_days=service.working_days),
        resolve_due_at=add_hours(at, service.resolve_hours, working_days=service.working_days),
        dispatched_at=at if case.dispatched_at else None,
    )
    CaseEvent.objects.filter(case=case, kind__in=[EventKind.SUBMITTED, EventKind.ROUTED]).update(at=at)


def demo_intel_load(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Train the classifier (if none yet), file the hot issues, detect hot topics; with the
    seconds each part took (`trained_in`, `hot_in`)."""
    figures: dict[str, Any] = {}
    started = time.monotonic()
    if not ModelVersion.objects.exists():
        version = model_train(actor=None)
        figures["model"] = version.version
        figures["trained_on"] = version.trained_on
        figures["metrics"] = version.metrics
        figures["trained_in"] = time.monotonic() - started
    started = time.monotonic()
    figures["hot_requests"] = hot_requests_load(now=now)
    if figures["hot_requests"] or not HotTopic.objects.exists():
        figures["hot_topics"] = len(hotspots_detect(now=now))
    figures["hot_in"] = time.monotonic() - started
    return figures
