"""Reads of the ledger: one entry with its permission, a member's entries and points, the hours
staff have to verify, the quarterly service card (computed from the verified ledger when read)
and progress against targets. A workplace unit's coordinators (any role on the unit or an
ancestor unit) read their own members' hours and cards; staff reads of cards are audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from needle.areas.models import PATH_END, Area, Level
from needle.core.audit import audit_record
from needle.core.errors import or_not_found
from needle.orgs.models import Membership, Person, Unit
from needle.orgs.permissions import (
    area_scope_q,
    can_act_for_unit,
    is_superuser,
    require,
    require_authenticated,
)
from needle.volunteering.models import CardSignoff, CheckIn, CheckInStatus, HourEntry, HourStatus
from needle.volunteering.quarters import (
    MANAGE,
    is_staff_for,
    parse_quarter,
    require_ended,
    target_for,
)

VIEW = "volunteering.view"


def access_hour_entry(*, actor: Any, entry_id: int, for_write: bool = False) -> HourEntry:
    person = require_authenticated(actor)
    entry = or_not_found(HourEntry.objects.select_related("person", "community").filter(pk=entry_id).first())
    own = entry.person_id == person.pk
    staff = is_staff_for(person, entry)
    require(staff or (own and not for_write), visible=own or staff)
    return entry


def my_hours(*, actor: Any) -> QuerySet[HourEntry]:
    person = require_authenticated(actor)
    return HourEntry.objects.filter(person=person).select_related("community").order_by("-date", "-pk")


def hours_to_verify(*, actor: Any, community: Area | None = None, status: str = "") -> QuerySet[HourEntry]:
    person = require_authenticated(actor)
    qs = HourEntry.objects.select_related("person", "community").order_by("date", "pk")
    scope = area_scope_q(person, MANAGE, "area_path")
    if scope is not None:
        qs = qs.filter(scope)
    if community is not None and community.level == Level.COMMUNITY:
        # The (community, status, date) index: a community's waiting entries in one range.
        qs = qs.filter(community=community)
    elif community is not None:
        qs = qs.filter(area_path__gte=community.path, area_path__lt=community.path + PATH_END)
    if status:
        qs = qs.filter(status=status)
    return qs


def points_balance(person: Person) -> Decimal:
    total = HourEntry.objects.filter(person=person, status=HourStatus.VERIFIED).aggregate(s=Sum("points"))[
        "s"
    ]
    return total or Decimal(0)


def points_history(person: Person) -> QuerySet[HourEntry]:
    return (
        HourEntry.objects.filter(person=person, status=HourStatus.VERIFIED)
        .select_related("community")
        .order_by("-verified_at", "-pk")
    )


def verified_hours(person: Person, start: dt.date, end: dt.date) -> Decimal:
    total = HourEntry.objects.filter(
        person=person, status=HourStatus.VERIFIED, date__gte=start, date__lte=end
    ).aggregate(s=Sum("hours"))["s"]
    return total or Decimal(0)


def unit_and_ancestors(unit: Unit) -> list[Unit]:
    out: list[Unit] = []
    while unit is not None and len(out) < 30:
        out.append(unit)
        unit = unit.parent  # type: ignore[assignment]
    return out


def coordinates_unit(actor: Any, unit: Unit) -> bool:
    """Any role on the unit or an ancestor in the unit tree."""
    return any(can_act_for_unit(actor, VIEW, u) for u in unit_and_ancestors(unit))


def _workplaces(person: Person) -> list[Unit]:
    ids = set(
        CheckIn.objects.filter(person=person)
        .exclude(status=CheckInStatus.WITHDRAWN)
        .values_list("workplace_id", flat=True)
    )
    ids |= set(
        HourEntry.objects.filter(person=person).exclude(workplace=None).values_list("workplace_id", flat=True)
    )
    ids |= set(
        Membership.objects.filter(person=person, left_on__isnull=True).values_list("unit_id", flat=True)
    )
    return list(Unit.objects.filter(pk__in=ids).select_related("parent"))


@dataclass
class Card:
    person: Person
    quarter: str
    start: dt.date
    end: dt.date
    in_progress: bool
    entries: list[dict[str, Any]] = field(default_factory=list)
    verified_hours: Decimal = Decimal(0)
    points: Decimal = Decimal(0)
    signoffs: list[CardSignoff] = field(default_factory=list)


def may_read_card(actor: Any, person: Person) -> tuple[bool, bool]:
    """(may read, is a staff read to audit)."""
    if getattr(actor, "pk", None) == person.pk:
        return True, False
    if is_superuser(actor):
        return True, True
    paths = set(HourEntry.objects.filter(person=person).values_list("area_path", flat=True))
    paths |= set(CheckIn.objects.filter(person=person).values_list("area_path", flat=True))
    if any(is_staff_for(actor, Area(path=p)) for p in paths):
        return True, True
    if any(coordinates_unit(actor, u) for u in _workplaces(person)):
        return True, True
    return False, False


def build_card(person: Person, quarter: str, *, ended_only: bool = True) -> Card:
    start, end = require_ended(quarter) if ended_only else parse_quarter(quarter)
    from django.utils import timezone

    card = Card(person, quarter, start, end, in_progress=end >= timezone.localdate())
    card.signoffs = list(
        CardSignoff.objects.filter(person=person, quarter=quarter).select_related("community")
    )
    signed = {s.community_id: s.signed_at for s in card.signoffs}
    for e in (
        HourEntry.objects.filter(person=person, status=HourStatus.VERIFIED, date__gte=start, date__lte=end)
        .select_related("community")
        .order_by("date", "pk")
    ):
        at = signed.get(e.community_id)
        card.entries.append(
            {
                "id": e.pk,
                "date": e.date,
                "community": e.community.name,
                "community_code": e.community.code,
                "description": e.description,
                "hours": e.hours,
                "points": e.points,
                "late": at is not None and e.verified_at is not None and e.verified_at > at,
                "correction": e.reverses_id is not None,
            }
        )
        card.verified_hours += e.hours
        card.points += e.points
    return card


def card_for(*, actor: Any, person: Person, quarter: str) -> Card:
    reader = require_authenticated(actor)
    parse_quarter(quarter)
    allowed, audited = may_read_card(reader, person)
    require(allowed, visible=False)
    card = build_card(person, quarter)
    if audited:
        audit_record(
            actor=reader,
            action="volunteering.card.read",
            obj=person,
            object_repr=f"{person.username} {quarter}",
        )
    return card


def unit_members(unit: Unit) -> QuerySet[Person]:
    """The members whose standing check-in names the unit or one of its descendants as workplace,
    and the members (a party branch's) of the unit or its descendants."""
    ids = [unit.pk]
    frontier = [unit.pk]
    while frontier and len(ids) < 5000:
        frontier = list(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    by_checkin = CheckIn.objects.filter(
        workplace_id__in=ids, status__in=[CheckInStatus.SUBMITTED, CheckInStatus.CONFIRMED]
    ).values_list("person_id", flat=True)
    # A party branch counts its members by membership, whatever workplace they checked in with.
    by_membership = Membership.objects.filter(unit_id__in=ids, left_on__isnull=True).values_list(
        "person_id", flat=True
    )
    return Person.objects.filter(Q(pk__in=by_checkin) | Q(pk__in=by_membership)).order_by("username")


def access_unit_cards(*, actor: Any, unit: Unit) -> None:
    reader = require_authenticated(actor)
    require(coordinates_unit(reader, unit) or is_superuser(reader), visible=False)


@dataclass
class Progress:
    person: Person
    quarter_hours: Decimal
    year_hours: Decimal
    quarter_target: Decimal
    year_target: Decimal

    @property
    def quarter_met(self) -> bool:
        return self.quarter_hours >= self.quarter_target

    @property
    def year_met(self) -> bool:
        return self.year_hours >= self.year_target


def _progress(people: QuerySet[Person], quarter: str) -> list[Progress]:
    start, end = parse_quarter(quarter)
    year_start, year_end = dt.date(start.year, 1, 1), dt.date(start.year, 12, 31)
    people_list = list(people)
    checkins = {
        c.person_id: c
        for c in CheckIn.objects.filter(
            person__in=people_list, status__in=[CheckInStatus.SUBMITTED, CheckInStatus.CONFIRMED]
        ).select_related("community")
    }
    sums: dict[int, dict[str, Any]] = {}
    for row in (
        HourEntry.objects.filter(
            person__in=people_list, status=HourStatus.VERIFIED, date__gte=year_start, date__lte=year_end
        )
        .values("person_id")
        .annotate(
            year=Sum("hours"),
            quarter=Sum("hours", filter=Q(date__gte=start, date__lte=end)),
        )
    ):
        sums[row["person_id"]] = dict(row)
    targets: dict[int, tuple[Decimal, Decimal]] = {}
    out = []
    for p in people_list:
        c = checkins.get(p.pk)
        if c is not None and c.community_id not in targets:
            targets[c.community_id] = target_for(c.community)
        qt, yt = targets[c.community_id] if c is not None else target_for(Area())
        s = sums.get(p.pk, {})
        out.append(Progress(p, s.get("quarter") or Decimal(0), s.get("year") or Decimal(0), qt, yt))
    return out


def progress_for_unit(*, actor: Any, unit: Unit, quarter: str) -> list[Progress]:
    access_unit_cards(actor=actor, unit=unit)
    return _progress(unit_members(unit), quarter)


def progress_for_community(*, actor: Any, community: Area, quarter: str) -> list[Progress]:
    reader = require_authenticated(actor)
    require(is_staff_for(reader, community), visible=False)
    person_ids = CheckIn.objects.filter(
        community=community, status__in=[CheckInStatus.SUBMITTED, CheckInStatus.CONFIRMED]
    ).values_list("person_id", flat=True)
    return _progress(Person.objects.filter(pk__in=person_ids).order_by("username"), quarter)


def area_card_rows(*, actor: Any, area: Area, quarter: str) -> Iterator[HourEntry]:
    """Every verified line of the quarter in the area, streamed in person order for a CSV."""
    reader = require_authenticated(actor)
    require(is_staff_for(reader, area), visible=False)
    start, end = require_ended(quarter)
    audit_record(
        actor=reader, action="volunteering.card.read", obj=area, object_repr=f"{area.code} {quarter}"
    )
    return (
        HourEntry.objects.filter(
            area_path__startswith=area.path, status=HourStatus.VERIFIED, date__gte=start, date__lte=end
        )
        .select_related("person", "community")
        .order_by("person_id", "date", "pk")
        .iterator(chunk_size=5000)
    )
