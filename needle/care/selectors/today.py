"""What care puts on a person's home (the staff's day): for the community's care staff, the
visits overdue and due within the week, the households that need a helper and the open ledger
items, in the communities they keep, with the most overdue first; for a helper, the households
they help whose visit is overdue or due within the week, and those households' open items.

Each is a few queries whatever the numbers (the home's query count is tested): a community's
staff's counts are one grouped read, a wider scope's two reads of the rollups; the helper's, one
read of their pairings and one of their households."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from needle.areas.models import Area, Level
from needle.care.figures import EVER_DAYS
from needle.care.figures import SOURCE as CARE
from needle.care.models import Item, Pairing, Purpose, Recipient, Status, purpose_bit
from needle.care.selectors.schedule import needs_helper_q
from needle.care.states import open_item_q, week_end
from needle.orgs.models import Membership, RoleAssignment
from needle.orgs.permissions import area_scope_q, has_perm_anywhere, scope_paths
from needle.rollups import read

# How many households a home lists.
LISTED = 5
# What a listed household's line shows and links with.
LINE_FIELDS = (
    "pk",
    "name",
    "area__code",
    "area__name",
    "area__level",
    "area__parent__code",
    "next_visit_due",
    "risk",
)


@dataclass(frozen=True)
class DueLine:
    recipient: Recipient
    # Days past the due date (0 or less: not overdue yet).
    days_overdue: int

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def page_code(self) -> str:
        """The code in the household file's address: the community's (a grid's parent), as
        the care pages take no grid (views.household.page_area_of)."""
        area = self.recipient.area
        if area.level == Level.GRID and area.parent is not None:
            return area.parent.code
        return area.code


def _lines(rows: Any, today: dt.date) -> list[DueLine]:
    return [DueLine(r, (today - r.next_visit_due).days) for r in rows]


@dataclass
class CareToday:
    overdue: int
    due_week: int
    needs_helper: int
    open_items: int
    # The most overdue first, then the next due (with their area, for the household's link).
    first: list[DueLine]
    # The one community the person keeps, for the console's link; none when several.
    area: Area | None = None


@dataclass
class HelperToday:
    overdue: int = 0
    due_week: int = 0
    open_items: int = 0
    households: int = 0
    first: list[DueLine] = field(default_factory=list)


def care_today(*, actor: Any, today: dt.date | None = None) -> CareToday | None:
    """None for anyone who does not keep care records somewhere (care.manage). The counts of
    a community's staff are read live; those of wider scopes (a street's, a district's, the
    city's administrators) from the rollups, at most a refresh behind: counted live, the city's
    200,000 recipients took 300 ms of every such home page."""
    if not getattr(actor, "is_authenticated", False) or not has_perm_anywhere(actor, "care.manage"):
        return None
    today = today or timezone.localdate()
    last = week_end(today)
    scope = area_scope_q(actor, "care.manage", "area_path") or Q()
    active = Recipient.objects.filter(scope, status=Status.ACTIVE)
    paths = scope_paths(actor, "care.manage")
    areas = list(Area.objects.filter(path__in=paths) if paths else Area.objects.filter(parent__isnull=True))
    if areas and min(a.depth for a in areas) >= Level.COMMUNITY:
        counts = active.aggregate(
            overdue=Count("pk", filter=Q(next_visit_due__lt=today)),
            due_week=Count("pk", filter=Q(next_visit_due__gte=today, next_visit_due__lte=last)),
            # The console's and the API's rule (schedule.needs_helper_q): registered, no
            # current helper.
            needs_helper=Count("pk", filter=needs_helper_q()),
        )
        counts["open_items"] = Item.objects.filter(scope).filter(open_item_q()).count()
    else:
        counts = _counts_from_rollups(areas, today, last)
    first = _lines(
        active.filter(next_visit_due__lte=last)
        .select_related("area__parent")
        .only(*LINE_FIELDS)
        .order_by("next_visit_due", "pk")[:LISTED],
        today,
    )
    return CareToday(
        overdue=counts["overdue"],
        due_week=counts["due_week"],
        needs_helper=counts["needs_helper"],
        open_items=counts["open_items"],
        first=first,
        area=areas[0] if len(paths) == 1 else None,
    )


def _counts_from_rollups(areas: list[Area], today: dt.date, last: dt.date) -> dict[str, int]:
    """The same four counts from the care rollups (care.figures): the due dates still pending
    before today and this week, the stocks in care and with a helper, the items still open by
    the day they were opened (none is opened ahead of today). The rollups count every active
    recipient and every open pairing: a helper who left counts until the daily job ends their
    pairings (pairings_of_leavers_end), and an unregistered recipient counts as needing one."""
    ever = today - dt.timedelta(days=EVER_DAYS)
    past = read.area_sums(CARE, areas, ever, today - dt.timedelta(days=1))
    coming = read.area_sums(CARE, areas, today, last, stocks=False)

    def total(sums: dict[int, dict[str, int]], name: str) -> int:
        return sum(sums[a.pk][name] for a in areas)

    return {
        "overdue": total(past, "visits_pending"),
        "due_week": total(coming, "visits_pending"),
        "needs_helper": total(past, "recipients") - total(past, "paired"),
        "open_items": total(past, "items_open") + total(coming, "items_open"),
    }


def _helped_ids(actor: Any) -> list[int]:
    """The recipients the actor helps now: paired themselves, or through a unit they serve in
    (an open membership or a role). One query, a UNION so that each part reads its own index
    (the pairings by helper, by unit): an OR over 200,000 recipients was a scan of them all."""
    open_pairings = Pairing.objects.filter(ended_on__isnull=True)
    members = Membership.objects.filter(person=actor, left_on__isnull=True).values("unit_id")
    roles = RoleAssignment.objects.filter(person=actor).values("unit_id")
    found = (
        open_pairings.filter(helper=actor)
        .values_list("recipient_id", flat=True)
        .union(
            open_pairings.filter(unit_id__in=members).values_list("recipient_id", flat=True),
            open_pairings.filter(unit_id__in=roles).values_list("recipient_id", flat=True),
        )
    )
    return sorted(found)


def helper_today(*, actor: Any, today: dt.date | None = None) -> HelperToday | None:
    """None for anyone who helps no household now."""
    if not getattr(actor, "is_authenticated", False):
        return None
    today = today or timezone.localdate()
    last = week_end(today)
    helped = _helped_ids(actor)
    if not helped:
        return None
    # A helper sees a household only once it consented to registration (access.py). A helper
    # has a handful of households: all are read, with their open items counted, in one query.
    registered = [v for v in range(1 << len(Purpose)) if v & purpose_bit(Purpose.REGISTRATION)]
    rows = list(
        Recipient.objects.filter(pk__in=helped, status=Status.ACTIVE, consents__in=registered)
        .select_related("area__parent")
        .only(*LINE_FIELDS)
        .annotate(open_items=Count("items", filter=open_item_q("items__")))
        .order_by("next_visit_due", "pk")
    )
    if not rows:
        return None
    dues = [r.next_visit_due for r in rows if r.next_visit_due is not None]
    counts = {
        "households": len(rows),
        "overdue": sum(1 for d in dues if d < today),
        "due_week": sum(1 for d in dues if today <= d <= last),
        "open_items": sum(r.open_items for r in rows),
    }
    first = _lines(
        [r for r in rows if r.next_visit_due is not None and r.next_visit_due <= last][:LISTED], today
    )
    return HelperToday(
        overdue=counts["overdue"],
        due_week=counts["due_week"],
        open_items=counts["open_items"],
        households=counts["households"],
        first=first,
    )
