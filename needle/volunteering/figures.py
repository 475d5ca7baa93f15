"""Members' service as a source of the rollup engine: members checked in (now), check-ins
confirmed, verified hours and the members who met their quarter's target, for any area subtree
and period.

A source's object is a member (a person): their footprint counts their standing confirmed
check-in under its grid or community, each check-in on the local day it was confirmed, their
verified ledger by the day of the service under its community, and the day within each quarter
on which their verified hours reached the target of that community (the entry that crossed it
places it). A correction is part of the ledger (a reversal takes hours off the day it reverses),
so a target once met can be unmet again."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.core.sql import AnyOf
from needle.rollups.models import BACKLOG_DAY
from needle.rollups.sources import Counter, Figure, Footprint, Source, Tables
from needle.volunteering.models import (
    CheckIn,
    CheckInStatus,
    HourEntry,
    HourStatus,
    MemberFootprint,
    MemberNodeRollup,
    MemberRollup,
    Target,
)

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter(
        "members_checked_in",
        _("members checked in"),
        _("members whose check-in with the community stands confirmed"),
        stock=True,
    ),
    Counter(
        "checkins_confirmed", _("check-ins confirmed"), _("members' check-ins confirmed by the community")
    ),
    Counter("hour_entries", _("verified entries"), _("entries of service hours verified, less reversals")),
    Counter("centihours", _("verified hours (hundredths)"), _("verified hours of service, in hundredths")),
    Counter(
        "targets_met",
        _("quarterly targets met"),
        _("members whose verified hours reached the quarter's target"),
    ),
)
COUNTERS: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS)

FIGURES: tuple[Figure, ...] = (
    Figure("members_checked_in", _("Members checked in"), ("members_checked_in",)),
    Figure("checkins_confirmed", _("Check-ins confirmed"), ("checkins_confirmed",)),
    Figure(
        "verified_hours",
        _("Verified service hours"),
        ("centihours",),
        counts=_("hours of service verified by the community"),
        scale=100,
    ),
    Figure("hour_entries", _("Service entries verified"), ("hour_entries",)),
    Figure(
        "targets_met",
        _("Members meeting their target"),
        ("targets_met",),
        counts=_("members whose verified hours in a quarter reached its target, on the day they did"),
    ),
)


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_target(targets: dict[int, Decimal], community_id: int) -> Decimal:
    found = targets.get(community_id)
    return found if found is not None else Decimal(str(settings.NEEDLE_VOLUNTEERING_QUARTER_HOURS))


def _add(out: Footprint, key: tuple[dt.date, int, int, int], index: int, amount: int) -> None:
    vec = out.setdefault(key, [0] * len(COUNTERS))
    vec[index] += amount


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    """The footprints of these members, in three queries."""
    tz = tz or timezone.get_default_timezone()
    out: dict[int, Footprint] = {pk: {} for pk in ids}
    confirmed_index, standing_index = (
        COUNTERS.index("checkins_confirmed"),
        COUNTERS.index("members_checked_in"),
    )
    for person, status, confirmed_at, grid, community in (
        CheckIn.objects.filter(AnyOf("person_id", ids), confirmed_at__isnull=False)
        .order_by()
        .values_list("person_id", "status", "confirmed_at", "grid_id", "community_id")
    ):
        leaf = grid or community
        assert confirmed_at is not None  # filtered above
        _add(out[person], (confirmed_at.astimezone(tz).date(), leaf, 0, 0), confirmed_index, 1)
        if status == CheckInStatus.CONFIRMED:
            _add(out[person], (BACKLOG_DAY, leaf, 0, 0), standing_index, 1)
    entries = list(
        HourEntry.objects.filter(AnyOf("person_id", ids), status=HourStatus.VERIFIED)
        .order_by("person_id", "date", "pk")
        .values_list("person_id", "date", "community_id", "hours", "reverses_id")
    )
    communities = {e[2] for e in entries}
    targets = dict(
        Target.objects.filter(AnyOf("community_id", sorted(communities))).values_list(
            "community_id", "quarter_hours"
        )
    )
    entries_index, hours_index, met_index = (
        COUNTERS.index("hour_entries"),
        COUNTERS.index("centihours"),
        COUNTERS.index("targets_met"),
    )
    running: dict[tuple[int, tuple[int, int]], Decimal] = defaultdict(Decimal)
    met: set[tuple[int, tuple[int, int]]] = set()
    met_on: dict[tuple[int, tuple[int, int]], tuple[dt.date, int]] = {}
    for person, day, community, hours, reverses in entries:
        key = (day, community, 0, 0)
        # A reversal undoes its entry's count as well as its hours.
        _add(out[person], key, entries_index, -1 if reverses is not None else 1)
        _add(out[person], key, hours_index, int(hours * 100))
        quarter = (person, quarter_of(day))
        running[quarter] += hours
        if running[quarter] >= quarter_target(targets, community) and quarter not in met:
            met.add(quarter)
            met_on[quarter] = (day, community)
        elif running[quarter] < quarter_target(targets, community) and quarter in met:
            met.discard(quarter)
            del met_on[quarter]
    for (person, _quarter), (day, community) in met_on.items():
        _add(out[person], (day, community, 0, 0), met_index, 1)
    return {pk: {k: v for k, v in fp.items() if any(v)} for pk, fp in out.items()}


def changed_since(moment: dt.datetime) -> set[int]:
    ids = set(CheckIn.objects.filter(updated_at__gte=moment).values_list("person_id", flat=True))
    ids |= set(HourEntry.objects.filter(updated_at__gte=moment).values_list("person_id", flat=True))
    retargeted = list(Target.objects.filter(updated_at__gte=moment).values_list("community_id", flat=True))
    if retargeted:
        ids |= set(
            HourEntry.objects.filter(AnyOf("community_id", retargeted), status=HourStatus.VERIFIED)
            .values_list("person_id", flat=True)
            .distinct()
        )
    return ids


def touched_since(moment: dt.datetime) -> set[int]:
    """Members with a check-in or an entry changed since the moment, or an entry dated on or
    after its day."""
    ids = changed_since(moment)
    day = moment.astimezone(timezone.get_default_timezone()).date()
    ids |= set(HourEntry.objects.filter(Q(date__gte=day)).values_list("person_id", flat=True).distinct())
    return ids


def all_ids() -> list[int]:
    ids = set(CheckIn.objects.values_list("person_id", flat=True).distinct())
    ids |= set(HourEntry.objects.values_list("person_id", flat=True).distinct())
    return sorted(ids)


SOURCE = Source(
    name="volunteering",
    label=_("Members serving where they live"),
    counters=COUNTER_DEFINITIONS,
    keys=(),
    figures=FIGURES,
    tables=Tables(leaf=MemberRollup, node=MemberNodeRollup, footprints=MemberFootprint),
    permission="volunteering.view",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
)
