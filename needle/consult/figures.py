"""The think tank as a source of the rollup engine, for any area subtree and period: topics
opened, participants, suggestions made, supports given, suggestions answered (on time, adopted),
deliberation meetings held and their decisions, results created, and the results now by status
with their average progress; by who may take part in the topic (0 for meetings and results).

A source's object here is an area (the area a topic, a meeting or a result is put to): a
distinct count of people cannot be summed from per-topic parts, but within one area it can be
counted once. So **participants** counts each person (with an account, or a person without one
whose suggestion or survey answers staff entered) once per area, on the local day they first
suggested, supported or answered the survey on any of the area's topics, or were present at a
held meeting of its deliberation council: over a period it is how many people took part for the
first time there; since the start it is the area's distinct participants; over a district it
is the sum of its areas' (a person who took part in two communities counts in each).

A topic counts on its opening day; a suggestion on the local day it was made; a support on its
day; an answer on the day it was given (on time when by the suggestion's due day; adopted when
adopted or partly); a meeting held (or minuted) on its local day, with its decisions; a result
on the day it was made. A result's status and progress (computed from its actions and the work
they follow, `selectors.results`) are stocks: each result counts once now, by status, and adds
its progress in whole percent, so average progress is their sum over the results.

The refresh finds an area by what stamps an updated_at in it: a topic, a suggestion (supports
and answers stamp it), a meeting (its decisions and attendance stamp it), a result (its actions
stamp it), or a request or a volunteering project an action follows; and by a survey response
made since (its created_at)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.consult.models import (
    ADOPTED,
    ANSWERED,
    Action,
    ActionStatus,
    ConsultFootprint,
    ConsultNodeRollup,
    ConsultRollup,
    Decision,
    Meeting,
    MeetingParticipant,
    MeetingStatus,
    Participants,
    Result,
    Suggestion,
    Support,
    Topic,
)
from needle.consult.selectors.results import progress_of
from needle.consult.survey_models import Response
from needle.core.sql import AnyOf
from needle.rollups.models import BACKLOG_DAY
from needle.rollups.sources import Counter, Figure, Footprint, Key, Source, Tables

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter("topics", _("topics"), _("topics opened")),
    Counter("suggestions", _("suggestions"), _("suggestions made")),
    Counter("supports", _("supports"), _("supports given to suggestions")),
    Counter("answered", _("answered"), _("suggestions given an official answer")),
    Counter("answered_on_time", _("answered on time"), _("answers given by their due day")),
    Counter("adopted", _("adopted"), _("suggestions adopted or partly adopted")),
    Counter(
        "participants_new",
        _("participants"),
        _(
            "people taking part in an area's think tank for the first time — a suggestion, a "
            "support, a survey response or a seat at a held meeting — each once per area"
        ),
    ),
    Counter("meetings", _("meetings held"), _("deliberation meetings held")),
    Counter("decisions", _("decisions"), _("decisions voted on at the meetings held")),
    Counter("results", _("results"), _("results made from suggestions and decisions")),
    Counter("results_planned", _("results planned"), _("results not started, now"), stock=True),
    Counter("results_in_progress", _("results in progress"), _("results under way, now"), stock=True),
    Counter("results_done", _("results done"), _("results completed, now"), stock=True),
    Counter(
        "progress_sum", _("sum of results' progress"), _("the results' progress added up, now"), stock=True
    ),
)
COUNTERS: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS)
PARTICIPANT_KEYS: dict[str, int] = {p.value: i for i, p in enumerate(Participants, start=1)}
RESULTS_NOW = ("results_planned", "results_in_progress", "results_done")
MEETINGS_HELD = (MeetingStatus.HELD, MeetingStatus.MINUTED)
STATUS_COUNTER: dict[str, str] = {
    ActionStatus.PLANNED: "results_planned",
    ActionStatus.IN_PROGRESS: "results_in_progress",
    ActionStatus.DONE: "results_done",
}


def participant_names(keys: Iterable[int]) -> dict[int, str]:
    labels = {i: str(p.label) for i, p in enumerate(Participants, start=1)}
    return {k: labels[k] for k in keys if k in labels}


FIGURES: tuple[Figure, ...] = (
    Figure("topics", _("Topics"), ("topics",)),
    Figure(
        "participants",
        _("People taking part"),
        ("participants_new",),
        counts=_(
            "people taking part for the first time in an area's think tank (a suggestion, a "
            "support, a survey response or a seat at a held meeting), each once per area"
        ),
    ),
    Figure("suggestions", _("Suggestions"), ("suggestions",)),
    Figure("supports", _("Supports"), ("supports",)),
    Figure("answered", _("Suggestions answered"), ("answered",)),
    Figure("answered_on_time", _("Suggestions answered on time"), ("answered_on_time",)),
    Figure("adopted", _("Suggestions adopted"), ("adopted",)),
    Figure(
        "adoption_rate",
        _("Adoption rate"),
        ("adopted",),
        ("answered",),
        counts=_("of the suggestions answered"),
    ),
    Figure(
        "answered_on_time_rate",
        _("Answered on time"),
        ("answered_on_time",),
        ("answered",),
        counts=_("answers given by their due day, of the answers given"),
    ),
    Figure("meetings", _("Deliberation meetings held"), ("meetings",)),
    Figure("decisions", _("Deliberation decisions"), ("decisions",)),
    Figure("results", _("Results made"), ("results",)),
    Figure("results_planned", _("Results planned"), ("results_planned",)),
    Figure("results_in_progress", _("Results in progress"), ("results_in_progress",)),
    Figure("results_done", _("Results done"), ("results_done",)),
    Figure(
        "average_progress",
        _("Average progress of results"),
        ("progress_sum",),
        RESULTS_NOW,
        counts=_("percent, over the results there now"),
        mean=True,
    ),
)

Key4 = tuple[dt.date, int, int, int]


def _row(rows: dict[Key4, list[int]], day: dt.date, area: int, key: int) -> list[int]:
    return rows.setdefault((day, area, key, 0), [0] * len(COUNTERS))


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    """The footprints of these areas (those with anything counted), in nine queries."""
    tz = tz or timezone.get_default_timezone()
    out: dict[int, dict[Key4, list[int]]] = {}
    at = {name: i for i, name in enumerate(COUNTERS)}
    topics: dict[int, tuple[int, int]] = {}  # topic id -> (area id, key)
    for pk, area, opens, participants in (
        Topic.objects.filter(AnyOf("area_id", ids))
        .order_by()
        .values_list("pk", "area_id", "opens", "participants")
    ):
        key = PARTICIPANT_KEYS.get(participants, 0)
        topics[pk] = (area, key)
        _row(out.setdefault(area, {}), opens, area, key)[at["topics"]] += 1
    # Each person's first day of taking part, per area, with the key of the topic it was on.
    first: dict[tuple[int, str, int], tuple[dt.date, int]] = {}

    def took_part(area: int, who: tuple[str, int], day: dt.date, key: int) -> None:
        seen = first.get((area, *who))
        if seen is None or (day, key) < seen:
            first[(area, *who)] = (day, key)

    for topic_id, made, status, answered_at, due, author, record in (
        Suggestion.objects.filter(AnyOf("topic__area_id", ids))
        .order_by()
        .values_list(
            "topic_id", "created_at", "status", "answered_at", "answer_due", "author_id", "record_id"
        )
    ):
        area, key = topics[topic_id]
        rows = out.setdefault(area, {})
        day = made.astimezone(tz).date()
        _row(rows, day, area, key)[at["suggestions"]] += 1
        if author is not None:
            took_part(area, ("u", author), day, key)
        elif record is not None:
            took_part(area, ("r", record), day, key)
        if status in ANSWERED and answered_at is not None:
            answered = answered_at.astimezone(tz).date()
            row = _row(rows, answered, area, key)
            row[at["answered"]] += 1
            row[at["answered_on_time"]] += answered <= due
            row[at["adopted"]] += status in ADOPTED
    for topic_id, made, person in (
        Support.objects.filter(AnyOf("suggestion__topic__area_id", ids))
        .order_by()
        .values_list("suggestion__topic_id", "created_at", "person_id")
    ):
        area, key = topics[topic_id]
        day = made.astimezone(tz).date()
        _row(out.setdefault(area, {}), day, area, key)[at["supports"]] += 1
        took_part(area, ("u", person), day, key)
    # Answering a topic's survey is taking part in it too.
    for topic_id, made, person, record in (
        Response.objects.filter(AnyOf("topic__area_id", ids))
        .order_by()
        .values_list("topic_id", "created_at", "person_id", "record_id")
    ):
        area, key = topics[topic_id]
        took_part(
            area, ("u", person) if person is not None else ("r", record), made.astimezone(tz).date(), key
        )
    held: dict[int, tuple[int, dt.date]] = {}
    for pk, area, starts_at in (
        Meeting.objects.filter(AnyOf("area_id", ids), status__in=MEETINGS_HELD)
        .order_by()
        .values_list("pk", "area_id", "starts_at")
    ):
        day = starts_at.astimezone(tz).date()
        held[pk] = (area, day)
        _row(out.setdefault(area, {}), day, area, 0)[at["meetings"]] += 1
    # So is being present at a held meeting of the area's council, in person or, for a person
    # without an account, through their shared record (a unit's seat is no person).
    for meeting_id, person, record in (
        MeetingParticipant.objects.filter(AnyOf("meeting_id", list(held)), attended=True)
        .exclude(person__isnull=True, record__isnull=True)
        .order_by()
        .values_list("meeting_id", "person_id", "record_id")
    ):
        area, day = held[meeting_id]
        took_part(area, ("u", person) if person is not None else ("r", record), day, 0)
    for (area, _kind, _who), (day, key) in first.items():
        _row(out[area], day, area, key)[at["participants_new"]] += 1
    for (meeting_id,) in (
        Decision.objects.filter(AnyOf("meeting_id", list(held))).order_by().values_list("meeting_id")
    ):
        area, day = held[meeting_id]
        _row(out[area], day, area, 0)[at["decisions"]] += 1
    results = list(
        Result.objects.filter(AnyOf("area_id", ids)).order_by().values_list("pk", "area_id", "created_at")
    )
    states = progress_of([pk for pk, _a, _c in results])
    for pk, area, created in results:
        rows = out.setdefault(area, {})
        _row(rows, created.astimezone(tz).date(), area, 0)[at["results"]] += 1
        status, progress = states[pk]
        now = _row(rows, BACKLOG_DAY, area, 0)
        now[at[STATUS_COUNTER[status]]] += 1
        now[at["progress_sum"]] += round(progress)
    return {area: rows for area, rows in out.items() if rows}


def changed_since(moment: dt.datetime) -> set[int]:
    """The areas with a topic, suggestion, meeting or result stamped since the moment or a survey
    response made since, or with a result whose action follows a request or a project changed
    since."""
    ids = set(Topic.objects.filter(updated_at__gte=moment).values_list("area_id", flat=True))
    ids |= set(Suggestion.objects.filter(updated_at__gte=moment).values_list("topic__area_id", flat=True))
    ids |= set(Meeting.objects.filter(updated_at__gte=moment).values_list("area_id", flat=True))
    ids |= set(Response.objects.filter(created_at__gte=moment).values_list("topic__area_id", flat=True))
    ids |= set(Result.objects.filter(updated_at__gte=moment).values_list("area_id", flat=True))
    ids |= set(
        Action.objects.filter(case__isnull=False, case__updated_at__gte=moment).values_list(
            "result__area_id", flat=True
        )
    )
    ids |= set(
        Action.objects.filter(project__isnull=False, project__updated_at__gte=moment).values_list(
            "result__area_id", flat=True
        )
    )
    return ids


def touched_since(moment: dt.datetime) -> set[int]:
    """Areas with a topic opening or a meeting on or after the moment's day, or anything
    changed since."""
    ids = changed_since(moment)
    ids |= set(
        Topic.objects.filter(opens__gte=timezone.localtime(moment).date()).values_list("area_id", flat=True)
    )
    ids |= set(Meeting.objects.filter(starts_at__gte=moment).values_list("area_id", flat=True))
    # Every area with a result: its stock rows (status, progress) are rows of now.
    ids |= set(Result.objects.values_list("area_id", flat=True))
    return ids


def all_ids() -> list[int]:
    ids = set(Topic.objects.values_list("area_id", flat=True))
    ids |= set(Meeting.objects.values_list("area_id", flat=True))
    ids |= set(Result.objects.values_list("area_id", flat=True))
    return sorted(ids)


SOURCE = Source(
    name="consult",
    label=_("Community think tank"),
    counters=COUNTER_DEFINITIONS,
    keys=(Key("participants", "participants", _("who may take part"), names=participant_names),),
    figures=FIGURES,
    tables=Tables(leaf=ConsultRollup, node=ConsultNodeRollup, footprints=ConsultFootprint),
    permission="consult.view",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
)
