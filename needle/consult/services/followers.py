"""What followers hear: an answer to a suggestion they follow, a new comment, a result's change.

Each is kept as an `Event` (a message code and parameters, put into words in each reader's
language when it is read or sent). Those who chose to hear at once are notified through
`needle.notify` by queued jobs, one per NOTICE_BATCH of them; the others get one message per
daily or weekly digest. Digests are built in batches: one queued job per DIGEST_BATCH
recipients, never one per person. Either kind of batch is a row (`EventBatch`, `DigestBatch`)
holding its recipients, so that a job carries one id (its log line stays short) and claims the
row before telling anyone."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_noop

from needle.consult.models import (
    Cadence,
    DigestBatch,
    Event,
    EventBatch,
    Follow,
    RecipientBatch,
    Suggestion,
    Topic,
)
from needle.core.jobs import job_enqueue
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.models import Person

DIGEST_BATCH = 1000
DIGEST_JOB = "needle.consult.tasks.digest_batch"
# Those who hear of an event at once are notified by one queued job per this many people.
NOTICE_BATCH = 1000
NOTICE_JOB = "needle.consult.tasks.tell_batch"
# How far back a digest looks for events when a follow has had no digest yet.
PERIOD: dict[str, dt.timedelta] = {Cadence.DAILY: dt.timedelta(days=1), Cadence.WEEKLY: dt.timedelta(days=7)}


def follow_own(suggestion: Suggestion) -> None:
    """The author of a suggestion follows it from the moment it is made."""
    if suggestion.author_id is not None:
        Follow.objects.get_or_create(person_id=suggestion.author_id, suggestion=suggestion)


def tell_followers(
    *,
    topic: Topic,
    suggestion: Suggestion | None,
    verb: str,
    text: str,
    params: dict[str, Any],
    skip: int | None = None,
) -> Event:
    """Keep the event for the digests, and queue (once the caller's transaction commits) one job
    per NOTICE_BATCH of those following the suggestion or the topic who chose to hear at once;
    `skip` is the person who caused it."""
    link = f"/consult/topics/{topic.pk}/"
    event = Event.objects.create(
        topic=topic, suggestion=suggestion, verb=verb, message=text, params=params, link=link
    )
    which = Q(topic=topic)
    if suggestion is not None:
        which |= Q(suggestion=suggestion)
    ids = set(Follow.objects.filter(which, cadence=Cadence.IMMEDIATELY).values_list("person_id", flat=True))
    ids.discard(skip)
    people = sorted(ids)
    for start in range(0, len(people), NOTICE_BATCH):
        batch = EventBatch.objects.create(event=event, people=people[start : start + NOTICE_BATCH])
        transaction.on_commit(partial(job_enqueue, NOTICE_JOB, batch.pk), robust=True)
    return event


def _claimed(model: type[RecipientBatch], batch_id: int) -> bool:
    """Whether this run took the batch: a second run (or a second worker) finds it taken."""
    return bool(
        model._default_manager.filter(pk=batch_id, sent_at__isnull=True).update(sent_at=timezone.now())
    )


@transaction.atomic
def tell_batch(batch_id: int) -> int:
    """Notify one batch of an event's followers, after claiming it: a second run (or a second
    worker) finds it claimed and tells nobody. Returns how many were notified."""
    if not _claimed(EventBatch, batch_id):
        return 0
    batch = EventBatch.objects.select_related("event").get(pk=batch_id)
    event = batch.event
    return notify(
        recipients=Person.objects.filter(pk__in=batch.people, is_active=True),
        verb=event.verb,
        message=Message(event.message, event.params),
        link=event.link,
    )


def tell_result_followers(result: Any, *, text: str, params: dict[str, Any]) -> int:
    """A result's change reaches the followers of each suggestion it came from."""
    told = 0
    for suggestion in result.suggestions.select_related("topic"):
        tell_followers(
            topic=suggestion.topic, suggestion=suggestion, verb="consult.result", text=text, params=params
        )
        told += 1
    return told


# Digests --------------------------------------------------------------------------------------


def _due_people(cadence: str, until: dt.datetime) -> list[int]:
    """Who follows, with `cadence`, something that had an event in the period before `until`."""
    since = until - PERIOD[cadence]
    events = Event.objects.filter(created_at__gt=since, created_at__lte=until)
    suggestions = events.exclude(suggestion=None).values("suggestion_id")
    topics = events.values("topic_id")
    return list(
        Follow.objects.filter(Q(suggestion__in=suggestions) | Q(topic__in=topics), cadence=cadence)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()
    )


@transaction.atomic
def digests_queue(cadence: str, *, until: dt.datetime | None = None) -> int:
    """Queue the `cadence` digest: a `DigestBatch` row per DIGEST_BATCH recipients, and (once
    the rows are committed) one job per row given its id. Returns the jobs queued."""
    until = until or timezone.now()
    people = _due_people(cadence, until)
    starts = range(0, len(people), DIGEST_BATCH)
    for start in starts:
        batch = DigestBatch.objects.create(
            cadence=cadence, until=until, people=people[start : start + DIGEST_BATCH]
        )
        transaction.on_commit(partial(job_enqueue, DIGEST_JOB, batch.pk), robust=True)
    return len(starts)


def _counts(cadence: str, people: list[int], until: dt.datetime) -> dict[int, int]:
    """For each person, the events since their last digest (or the period) on what they follow,
    each event once: one on a suggestion they follow is counted by that follow, and left out of
    the count of its topic when they follow the topic too."""
    since = until - PERIOD[cadence]
    # A suggestion's event already counted by the same person's follow of the suggestion.
    counted = Follow.objects.annotate(start=Coalesce("digested_at", Value(since))).filter(
        person_id=OuterRef(OuterRef("person_id")),
        cadence=cadence,
        suggestion_id=OuterRef("suggestion_id"),
        start__lt=OuterRef("created_at"),
    )
    counts: dict[int, int] = defaultdict(int)
    for key in ("suggestion_id", "topic_id"):
        events = Event.objects.filter(
            **{key: OuterRef(key)},
            created_at__gt=Coalesce(OuterRef("digested_at"), Value(since)),
            created_at__lte=until,
        )
        if key == "topic_id":
            events = events.exclude(Exists(counted))
        tally = events.order_by().values(key).annotate(n=Count("pk")).values("n")
        rows = (
            Follow.objects.filter(person_id__in=people, cadence=cadence, **{f"{key}__isnull": False})
            .annotate(n=Coalesce(Subquery(tally), 0))
            .filter(n__gt=0)
            .values_list("person_id", "n")
        )
        for person_id, n in rows:
            counts[person_id] += n
    return counts


@transaction.atomic
def digest_batch(batch_id: int) -> int:
    """One batch of a digest, after claiming it (a second run tells nobody): each person gets
    one message counting what came, on what they follow with the batch's cadence, since their
    last digest; their follows are marked as digested, so a later batch covering the same
    period tells nothing twice either. Returns how many were notified."""
    if not _claimed(DigestBatch, batch_id):
        return 0
    batch = DigestBatch.objects.get(pk=batch_id)
    cadence, people, until = batch.cadence, list(batch.people), batch.until
    counts = _counts(cadence, people, until)
    by_count: dict[int, list[int]] = defaultdict(list)
    for person_id, n in counts.items():
        by_count[n].append(person_id)
    told = 0
    text = gettext_noop("%(n)d updates on what you follow in the think tank.")
    for n, ids in by_count.items():
        told += notify(
            recipients=Person.objects.filter(pk__in=ids, is_active=True).only("pk"),
            verb=f"consult.digest.{cadence}",
            message=Message(text, {"n": n}),
            link="/consult/",
        )
    Follow.objects.filter(person_id__in=people, cadence=cadence).update(digested_at=until)
    return told
