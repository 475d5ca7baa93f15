"""The think tank as a source of the rollup engine: topics opened, suggestions made, supports
given, suggestions answered, answered on time and adopted, for any area subtree and period, by
who may take part in the topic.

A source's object is a topic: its footprint counts, under the topic's area, the topic on its
opening day, each suggestion on the local day it was made, each support on its day, and each
answer (on time when given by the suggestion's due day; adopted when adopted or partly) on the
day it was given. A suggestion or a support that changes stamps the suggestion's updated_at; the
refresh reads the topics of the suggestions changed since its watermark."""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.consult.models import (
    ADOPTED,
    ANSWERED,
    ConsultFootprint,
    ConsultNodeRollup,
    ConsultRollup,
    Participants,
    Suggestion,
    Support,
    Topic,
)
from needle.core.sql import AnyOf
from needle.rollups.sources import Counter, Figure, Footprint, Key, Source, Tables

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter("topics", _("topics"), _("topics opened")),
    Counter("suggestions", _("suggestions"), _("suggestions made")),
    Counter("supports", _("supports"), _("supports given to suggestions")),
    Counter("answered", _("answered"), _("suggestions given an official answer")),
    Counter("answered_on_time", _("answered on time"), _("answers given by their due day")),
    Counter("adopted", _("adopted"), _("suggestions adopted or partly adopted")),
)
COUNTERS: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS)
PARTICIPANT_KEYS: dict[str, int] = {p.value: i for i, p in enumerate(Participants, start=1)}


def participant_names(keys: Iterable[int]) -> dict[int, str]:
    labels = {i: str(p.label) for i, p in enumerate(Participants, start=1)}
    return {k: labels[k] for k in keys if k in labels}


FIGURES: tuple[Figure, ...] = (
    Figure("topics", _("Topics"), ("topics",)),
    Figure("suggestions", _("Suggestions"), ("suggestions",)),
    Figure("supports", _("Supports"), ("supports",)),
    Figure("answered", _("Suggestions answered"), ("answered",)),
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
)

Key4 = tuple[dt.date, int, int, int]


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    """The footprints of these topics (the ones that still exist), in three queries."""
    tz = tz or timezone.get_default_timezone()
    tallies: dict[int, Tally[tuple[dt.date, str]]] = {}
    for topic_id, made, status, answered_at, due in Suggestion.objects.filter(
        AnyOf("topic_id", ids)
    ).values_list("topic_id", "created_at", "status", "answered_at", "answer_due"):
        tally = tallies.setdefault(topic_id, Tally())
        tally[(made.astimezone(tz).date(), "suggestions")] += 1
        if status in ANSWERED and answered_at is not None:
            day = answered_at.astimezone(tz).date()
            tally[(day, "answered")] += 1
            if day <= due:
                tally[(day, "answered_on_time")] += 1
            if status in ADOPTED:
                tally[(day, "adopted")] += 1
    for topic_id, at in Support.objects.filter(AnyOf("suggestion__topic_id", ids)).values_list(
        "suggestion__topic_id", "created_at"
    ):
        tallies.setdefault(topic_id, Tally())[(at.astimezone(tz).date(), "supports")] += 1
    out: dict[int, Footprint] = {}
    for pk, area, opens, participants in (
        Topic.objects.filter(AnyOf("id", ids))
        .order_by()
        .values_list("pk", "area_id", "opens", "participants")
    ):
        key = PARTICIPANT_KEYS.get(participants, 0)
        rows: dict[Key4, list[int]] = {}
        rows.setdefault((opens, area, key, 0), [0] * len(COUNTERS))[0] += 1
        for (day, counter), n in tallies.get(pk, Tally()).items():
            rows.setdefault((day, area, key, 0), [0] * len(COUNTERS))[COUNTERS.index(counter)] += n
        out[pk] = rows
    return out


def changed_since(moment: dt.datetime) -> set[int]:
    ids = set(Topic.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))
    ids |= set(Suggestion.objects.filter(updated_at__gte=moment).values_list("topic_id", flat=True))
    return ids


def touched_since(moment: dt.datetime) -> set[int]:
    """Topics opening on or after the moment's day, or with anything changed since."""
    ids = set(
        Topic.objects.filter(
            Q(opens__gte=timezone.localtime(moment).date()) | Q(updated_at__gte=moment)
        ).values_list("pk", flat=True)
    )
    ids |= set(Suggestion.objects.filter(updated_at__gte=moment).values_list("topic_id", flat=True))
    return ids


def all_ids() -> list[int]:
    return list(Topic.objects.order_by("pk").values_list("pk", flat=True))


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
