"""Care as a source of the rollup engine: recipients in care by category and risk (now), the
share with a helper, registrations, contacts made, due, on time and still pending by the day
they fall due, and the ledger's items opened, still open (by the day opened), closed, turned
into requests and resolved as requests.

A source's object is a recipient; the key is its risk (1 high, 2 medium, 3 low) and the leaf
area its community or grid. Its footprint counts, under its current risk and place:
- the stocks on the backlog day, while it is in care;
- its registration on the local day it was registered;
- each contact on the local day it was made; each answered due date on its day (on time or
  not), and the pending due date (next_visit_due) on its day while in care — so the pending sum
  before today is what is overdue now, and from today on what is coming;
- each item on the day it was opened (and as open while it is), closed, turned into a request
  (the request's day), and that request's resolution."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.care.models import (
    CATEGORIES,
    RISKS,
    CareFootprint,
    CareNodeRollup,
    CareRollup,
    Item,
    ItemStatus,
    Pairing,
    Recipient,
    Risk,
    Status,
    Visit,
)
from needle.care.states import CASE_DONE, week_end
from needle.core.sql import AnyOf
from needle.rollups import read
from needle.rollups.models import BACKLOG_DAY
from needle.rollups.sources import Counter, Figure, Footprint, Key, Source, Tables

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter("recipients", _("recipients in care"), _("people in care now"), stock=True),
    Counter(
        "elderly_alone", _("elderly living alone"), _("people in care now: elderly living alone"), stock=True
    ),
    Counter("disability", _("with a disability"), _("people in care now: with a disability"), stock=True),
    Counter(
        "left_behind_child",
        _("left-behind children"),
        _("people in care now: left-behind children"),
        stock=True,
    ),
    Counter("unemployed", _("unemployed"), _("people in care now: unemployed"), stock=True),
    Counter(
        "low_income", _("on low income"), _("people in care now: on low income (dibao, tekun)"), stock=True
    ),
    Counter("serious_illness", _("seriously ill"), _("people in care now: seriously ill"), stock=True),
    Counter("other", _("other"), _("people in care now: other needs"), stock=True),
    Counter("paired", _("with a helper"), _("people in care now with at least one helper"), stock=True),
    Counter("registered", _("registered"), _("people registered in care")),
    Counter("visits", _("contacts made"), _("visits and calls made")),
    Counter("visits_due", _("contacts due"), _("visits and calls that fell due, made or not")),
    Counter("visits_on_time", _("contacts on time"), _("due visits and calls made by their due date")),
    Counter(
        "visits_pending", _("contacts due, not yet made"), _("due visits and calls not made yet, by due date")
    ),
    Counter("items_opened", _("ledger items opened"), _("problems entered on the households' ledgers")),
    Counter("items_open", _("ledger items still open"), _("problems entered then and not closed yet")),
    Counter(
        "items_closed",
        _("ledger items closed"),
        _("problems closed, with the household's confirmation or their request"),
    ),
    Counter(
        "items_to_case", _("ledger items turned into requests"), _("problems turned into residents' requests")
    ),
    Counter("items_case_resolved", _("their requests resolved"), _("requests made from problems, resolved")),
)
COUNTERS: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS)

FIGURES: tuple[Figure, ...] = (
    Figure("care_recipients", _("People in care"), ("recipients",)),
    *(Figure(f"care_{code}", COUNTER_DEFINITIONS[1 + i].label, (code,)) for i, code in enumerate(CATEGORIES)),
    Figure(
        "paired_share",
        _("Share with a helper"),
        ("paired",),
        ("recipients",),
        counts=_("people in care now who have at least one helper"),
    ),
    Figure("care_registered", _("People registered in care"), ("registered",)),
    Figure("care_visits", _("Visits and calls made"), ("visits",)),
    Figure("care_visits_due", _("Visits and calls due"), ("visits_due",)),
    Figure(
        "visits_on_time_rate",
        _("Visits on time"),
        ("visits_on_time",),
        ("visits_due",),
        counts=_("due visits and calls made by their due date, of those that fell due"),
    ),
    Figure(
        "care_visits_pending",
        _("Visits due, not yet made"),
        ("visits_pending",),
        counts=_("over a past period: overdue now; over a coming one: due then"),
        lower_is_better=True,
    ),
    Figure("care_items_opened", _("Problems found"), ("items_opened",)),
    Figure("care_items_open", _("Problems still open"), ("items_open",), lower_is_better=True),
    Figure("care_items_closed", _("Problems closed"), ("items_closed",)),
    Figure("care_items_to_case", _("Problems turned into requests"), ("items_to_case",)),
    Figure(
        "cases_resolution_rate",
        _("Their requests resolved"),
        ("items_case_resolved",),
        ("items_to_case",),
        counts=_("requests made from problems that were resolved, of those made"),
    ),
)

IDX = {name: i for i, name in enumerate(COUNTERS)}


def _add(out: Footprint, key: tuple[dt.date, int, int, int], name: str, amount: int = 1) -> None:
    vec = out.setdefault(key, [0] * len(COUNTERS))
    vec[IDX[name]] += amount


def risk_key(risk: str) -> int:
    return RISKS.index(risk) + 1


def risk_names(values: Iterable[int]) -> dict[int, str]:
    return {v: str(Risk(RISKS[v - 1]).label) for v in values if 1 <= v <= len(RISKS)}


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    """The footprints of these recipients, in four queries."""
    tz = tz or timezone.get_default_timezone()
    out: dict[int, Footprint] = {}
    rows = list(
        Recipient.objects.filter(AnyOf("id", ids))
        .order_by()
        .values_list("id", "area_id", "risk", "status", "categories", "created_at", "next_visit_due")
    )
    place: dict[int, tuple[int, int]] = {}
    active: set[int] = set()
    for pk, area, risk, status, categories, created_at, pending in rows:
        fp = out.setdefault(pk, {})
        place[pk] = (area, risk_key(risk))
        _add(fp, (created_at.astimezone(tz).date(), area, place[pk][1], 0), "registered")
        if status != Status.ACTIVE:
            continue
        active.add(pk)
        stock = (BACKLOG_DAY, area, place[pk][1], 0)
        _add(fp, stock, "recipients")
        for i, code in enumerate(CATEGORIES):
            if categories & (1 << i):
                _add(fp, stock, code)
        if pending is not None:
            _add(fp, (pending, area, place[pk][1], 0), "visits_due")
            _add(fp, (pending, area, place[pk][1], 0), "visits_pending")
    # Every open pairing, not only those whose helper is current (access.current_q): the rollup
    # is refreshed from the rows that changed, and a helper's leaving changes no care row until
    # the daily job ends their pairings (pairings_of_leavers_end), which the next refresh reads.
    paired = set(
        Pairing.objects.filter(AnyOf("recipient_id", sorted(active)), ended_on__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for pk in paired:
        area, key = place[pk]
        _add(out[pk], (BACKLOG_DAY, area, key, 0), "paired")
    for pk, visited_at, due_on, on_time in (
        Visit.objects.filter(AnyOf("recipient_id", list(place)))
        .order_by()
        .values_list("recipient_id", "visited_at", "due_on", "on_time")
    ):
        area, key = place[pk]
        _add(out[pk], (visited_at.astimezone(tz).date(), area, key, 0), "visits")
        if due_on is not None:
            _add(out[pk], (due_on, area, key, 0), "visits_due")
            if on_time:
                _add(out[pk], (due_on, area, key, 0), "visits_on_time")
    for pk, created_at, status, closed_at, case_at, resolved_at, case_state in (
        Item.objects.filter(AnyOf("recipient_id", list(place)))
        .order_by()
        .values_list(
            "recipient_id",
            "created_at",
            "status",
            "closed_at",
            "case__created_at",
            "case__resolved_at",
            "case__state",
        )
    ):
        area, key = place[pk]
        opened = (created_at.astimezone(tz).date(), area, key, 0)
        _add(out[pk], opened, "items_opened")
        # Open as the ledger shows it (states.open_item_q): a request's item is closed once its
        # request has ended, before the job writes so (a case's change refreshes the footprint).
        if status == ItemStatus.OPEN or (status == ItemStatus.CASE and case_state not in CASE_DONE):
            _add(out[pk], opened, "items_open")
        if closed_at is not None:
            _add(out[pk], (closed_at.astimezone(tz).date(), area, key, 0), "items_closed")
        if case_at is not None:
            _add(out[pk], (case_at.astimezone(tz).date(), area, key, 0), "items_to_case")
            if resolved_at is not None:
                _add(out[pk], (resolved_at.astimezone(tz).date(), area, key, 0), "items_case_resolved")
    return {pk: {k: v for k, v in fp.items() if any(v)} for pk, fp in out.items()}


def changed_since(moment: dt.datetime) -> set[int]:
    ids = set(Recipient.objects.filter(updated_at__gte=moment).values_list("id", flat=True))
    ids |= set(Visit.objects.filter(updated_at__gte=moment).values_list("recipient_id", flat=True))
    ids |= set(Pairing.objects.filter(updated_at__gte=moment).values_list("recipient_id", flat=True))
    ids |= set(
        Item.objects.filter(Q(updated_at__gte=moment) | Q(case__updated_at__gte=moment)).values_list(
            "recipient_id", flat=True
        )
    )
    return ids


def touched_since(moment: dt.datetime) -> set[int]:
    """Recipients changed since the moment, or with a fact dated on or after its day."""
    day = moment.astimezone(timezone.get_default_timezone()).date()
    ids = changed_since(moment)
    ids |= set(
        Recipient.objects.filter(Q(created_at__gte=moment) | Q(next_visit_due__gte=day)).values_list(
            "id", flat=True
        )
    )
    ids |= set(
        Visit.objects.filter(Q(visited_at__gte=moment) | Q(due_on__gte=day)).values_list(
            "recipient_id", flat=True
        )
    )
    ids |= set(
        Item.objects.filter(
            Q(created_at__gte=moment)
            | Q(closed_at__gte=moment)
            | Q(case__created_at__gte=moment)
            | Q(case__resolved_at__gte=moment)
        ).values_list("recipient_id", flat=True)
    )
    return ids


def all_ids() -> list[int]:
    return list(Recipient.objects.order_by("id").values_list("id", flat=True))


SOURCE = Source(
    name="care",
    label=_("Care for vulnerable households"),
    counters=COUNTER_DEFINITIONS,
    keys=(Key("risk", "risk", _("risk"), names=risk_names),),
    figures=FIGURES,
    tables=Tables(leaf=CareRollup, node=CareNodeRollup, footprints=CareFootprint),
    permission="care.view",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
)


# The standing of an area now, read from the same rollups: what a period's sums do not show at
# once (the default period is the last 30 days, and a visit overdue for longer, or an item open
# for longer, falls before it).
AGES: tuple[tuple[Any, int, int | None], ...] = (
    (_("up to a week"), 0, 7),
    (_("8 to 30 days"), 8, 30),
    (_("31 to 90 days"), 31, 90),
    (_("over 90 days"), 91, None),
)
# How far back "ever" reaches: the node rows answer a long period in a few blocks.
EVER_DAYS = 3650


@dataclass(frozen=True)
class Standing:
    overdue: int  # visits due before today and not made
    due_week: int  # due today or within the six days after
    open_by_age: list[tuple[Any, int]]  # (label, items still open that were opened that long ago)


def care_standing(*, area: Any, today: dt.date | None = None) -> Standing:
    """The visits overdue now and due this week, and the open ledger items by age, of an area's
    subtree: counts only, one read of the rollups per figure."""
    today = today or timezone.localdate()

    def pending(start: dt.date, end: dt.date, name: str) -> int:
        return read.area_sums(SOURCE, [area], start, end, stocks=False)[area.pk][name]

    ever = today - dt.timedelta(days=EVER_DAYS)
    return Standing(
        overdue=pending(ever, today - dt.timedelta(days=1), "visits_pending"),
        due_week=pending(today, week_end(today), "visits_pending"),
        open_by_age=[
            (
                label,
                pending(
                    today - dt.timedelta(days=oldest) if oldest is not None else ever,
                    today - dt.timedelta(days=youngest),
                    "items_open",
                ),
            )
            for label, youngest, oldest in AGES
        ],
    )
