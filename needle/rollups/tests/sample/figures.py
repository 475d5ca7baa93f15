"""The visits as a source: three counters, one key, three figures, and the footprint of a visit.
Nothing else: the engine and the operations center serve the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.rollups.models import BACKLOG_DAY
from needle.rollups.sources import Counter, Figure, Footprint, Key, Source, Tables
from needle.rollups.tests.sample.models import Visit, VisitFootprint, VisitNodeRollup, VisitRollup


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    tz = tz or timezone.get_default_timezone()
    out: dict[int, Footprint] = {}
    for v in Visit.objects.filter(pk__in=ids):
        day = v.at.astimezone(tz).date()
        fp: Footprint = {(day, v.area_id, v.team, 0): [1, int(v.done), 0]}
        if not v.done:
            fp[(BACKLOG_DAY, v.area_id, v.team, 0)] = [0, 0, 1]
        out[v.pk] = fp
    return out


def changed_since(moment: dt.datetime) -> list[int]:
    return list(Visit.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))


def touched_since(moment: dt.datetime) -> list[int]:
    return list(
        Visit.objects.filter(Q(at__gte=moment) | Q(updated_at__gte=moment)).values_list("pk", flat=True)
    )


def all_ids() -> list[int]:
    return list(Visit.objects.order_by("pk").values_list("pk", flat=True))


SOURCE = Source(
    name="visits",
    label=_("Visits"),
    counters=(
        Counter("visits", _("visits"), _("visits on the day")),
        Counter("done", _("visits done"), _("of those, done")),
        Counter("planned", _("planned"), _("visits not done yet"), stock=True),
    ),
    keys=(Key("team", "team", _("team")),),
    figures=(
        Figure("visits", _("visits"), ("visits",)),
        Figure("done_rate", _("done"), ("done",), ("visits",)),
        Figure("planned", _("planned"), ("planned",)),
    ),
    tables=Tables(leaf=VisitRollup, node=VisitNodeRollup, footprints=VisitFootprint),
    permission="cases.view",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
)
