"""The community care console's lists (the registry, who needs a helper, visits overdue, due this
week and never made, the open ledger items) and the counts a street's or a district's view
shows of its communities. Every list is filtered by `access.visible_q`, so the console shows
the same records the API and the household file would; the counts of a higher level carry no
personal data.

Each list is one query (its lead helper's name read in a subquery), limited to LIMIT rows with
the total beside it: a community's console costs a fixed number of queries, whatever its size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from needle.areas.models import Area, Level, subtree_q
from needle.care.access import Access, visible_q
from needle.care.models import Item, Pairing, Recipient, Status
from needle.care.selectors.schedule import needs_helper_for
from needle.care.states import open_item_q, week_end
from needle.core.audit import audit_record
from needle.orgs.permissions import area_scope_q, can_in_area, is_superuser, scope_paths

LIMIT = 50
# How many areas the console's door lists.
DOOR_MAX = 200


def risk_order() -> Case:
    return Case(
        When(risk="high", then=Value(0)),
        When(risk="medium", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def lead_helper() -> Subquery:
    """The name of a recipient's lead helper (or of the first current one): a person's display
    name or username, or the unit's name."""
    pairings = (
        Pairing.objects.filter(recipient=OuterRef("pk"), ended_on__isnull=True)
        .order_by("-lead", "started_on", "pk")
        .annotate(
            who=Coalesce(
                NullIf("helper__display_name", Value("")),
                "helper__username",
                "unit__name",
                output_field=CharField(),
            )
        )
        .values("who")[:1]
    )
    return Subquery(pairings, output_field=CharField())


def recipients_in(*, actor: Any, area: Area) -> QuerySet[Recipient]:
    """The recipients at or under `area` that the actor may see."""
    return Recipient.objects.filter(subtree_q(area.path, "area_path")).filter(visible_q(actor))


@dataclass
class Listing:
    rows: Sequence[Any]  # Recipient (with helper_name) or Item
    total: int

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


@dataclass
class Console:
    area: Area
    today: dt.date
    registry: Listing
    needs_helper: Listing
    overdue: Listing
    due_week: Listing
    never_visited: Listing
    items: Listing
    query: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    # Whether the reader reads the items' text (Access.reads_contents for every recipient
    # here): the care staff of the area; a supervisor above sees that items are open.
    contents: bool = False


def console_lists(*, actor: Any, area: Area, query: str = "", limit: int = LIMIT) -> Console:
    """Every list of a community's console (or of any area's, for one with a wider grant)."""
    today = timezone.localdate()
    # The same seven days as the schedule's "week" and the home page's.
    last = week_end(today)
    base = recipients_in(actor=actor, area=area)
    active = base.filter(status=Status.ACTIVE)
    # Who needs a helper is the schedule's list (registered, no current helper: one who left
    # counts as none the same day), so the console and the API cannot disagree.
    needs_helper = needs_helper_for(actor=actor, area_path=area.path)
    counts = active.aggregate(
        active=Count("pk"),
        overdue=Count("pk", filter=Q(next_visit_due__lt=today)),
        due_week=Count("pk", filter=Q(next_visit_due__gte=today, next_visit_due__lte=last)),
        never_visited=Count("pk", filter=Q(last_visit_on__isnull=True)),
    )
    counts["needs_helper"] = needs_helper.count()
    registry = base
    if query:
        registry = registry.filter(name__icontains=query)
    with_helper = active.annotate(helper_name=lead_helper())
    items = (
        Item.objects.filter(subtree_q(area.path, "area_path"))
        .filter(open_item_q())
        .filter(recipient__in=base.values("pk"))
        .select_related("recipient")
        .order_by("since", "pk")
    )
    item_rows = list(items[:limit])
    return Console(
        area=area,
        today=today,
        query=query,
        registry=Listing(
            list(
                registry.annotate(helper_name=lead_helper()).order_by(
                    Case(When(status=Status.ACTIVE, then=Value(0)), default=Value(1)), "name", "pk"
                )[:limit]
            ),
            registry.count() if query else base.count(),
        ),
        needs_helper=Listing(
            list(needs_helper.order_by(risk_order(), "created_at", "pk")[:limit]),
            counts["needs_helper"],
        ),
        overdue=Listing(
            list(with_helper.filter(next_visit_due__lt=today).order_by("next_visit_due", "pk")[:limit]),
            counts["overdue"],
        ),
        due_week=Listing(
            list(
                with_helper.filter(next_visit_due__gte=today, next_visit_due__lte=last).order_by(
                    "next_visit_due", "pk"
                )[:limit]
            ),
            counts["due_week"],
        ),
        never_visited=Listing(
            list(with_helper.filter(last_visit_on__isnull=True).order_by("created_at", "pk")[:limit]),
            counts["never_visited"],
        ),
        items=Listing(item_rows, len(item_rows) if len(item_rows) < limit else items.count()),
        counts=counts,
        contents=Access(
            staff=is_superuser(actor) or can_in_area(actor, "care.manage", area.path)
        ).reads_contents,
    )


def days_overdue(recipient: Recipient, today: dt.date) -> int:
    due = recipient.next_visit_due
    return (today - due).days if due is not None and due < today else 0


@dataclass(frozen=True)
class AreaCounts:
    """One community's counts on a street's or a district's view: numbers, no person."""

    area: Area
    active: int = 0
    high_risk: int = 0
    needs_helper: int = 0
    overdue: int = 0
    never_visited: int = 0
    open_items: int = 0


def counts_level(area: Area) -> int:
    """The level a view of `area` counts by: a street's and a district's communities; a city's
    or a province's next level (a city's thousands of communities are read district by
    district)."""
    return int(Level.COMMUNITY) if area.level >= Level.DISTRICT else area.level + 1


def community_counts(*, actor: Any, area: Area) -> list[AreaCounts]:
    """The communities under a street or a district (the areas of the next level under a city or
    a province) with their counts, a grid's recipients counted in its community. A few queries
    whatever the number of areas. The caller checks that `actor` may read care at `area`
    ("care.view"): counts carry no personal data, so they count every record, like the
    operations center's figures; who needs a helper is the schedule's list as `actor` reads it."""
    today = timezone.localdate()
    communities = list(
        Area.objects.filter(subtree_q(area.path), level=counts_level(area), retired=False).order_by("path")
    )
    by_path = {c.path: c for c in communities}
    rows = (
        Recipient.objects.filter(subtree_q(area.path, "area_path"), status=Status.ACTIVE)
        .values("area_path")
        .annotate(
            active=Count("pk"),
            high_risk=Count("pk", filter=Q(risk="high")),
            overdue=Count("pk", filter=Q(next_visit_due__lt=today)),
            never_visited=Count("pk", filter=Q(last_visit_on__isnull=True)),
        )
    )
    totals: dict[str, dict[str, int]] = {path: {} for path in by_path}
    _add_to_communities(totals, rows, by_path, ("active", "high_risk", "overdue", "never_visited"))
    needs = (
        needs_helper_for(actor=actor, area_path=area.path)
        .order_by()
        .values("area_path")
        .annotate(needs_helper=Count("pk"))
    )
    _add_to_communities(totals, needs, by_path, ("needs_helper",))
    items = (
        Item.objects.filter(subtree_q(area.path, "area_path"))
        .filter(open_item_q())
        .values("area_path")
        .annotate(open_items=Count("pk"))
    )
    _add_to_communities(totals, items, by_path, ("open_items",))
    return [AreaCounts(area=by_path[path], **totals[path]) for path in by_path]


def _add_to_communities(
    totals: dict[str, dict[str, int]],
    rows: Iterable[Mapping[str, Any]],
    by_path: dict[str, Area],
    keys: tuple[str, ...],
) -> None:
    """Adds each row's counts under `keys` to the community holding the row's area_path (a grid's
    rows to its community); rows outside every community are left out."""
    for row in rows:
        home = _community_of(row["area_path"], by_path)
        if home is not None:
            for key in keys:
                totals[home][key] = totals[home].get(key, 0) + row[key]


def _community_of(path: str, by_path: dict[str, Area]) -> str | None:
    """The community whose subtree holds `path` (the path itself, or its grid's parent)."""
    parts = path.strip("/").split("/")
    for end in range(len(parts), 0, -1):
        candidate = "/".join(parts[:end]) + "/"
        if candidate in by_path:
            return candidate
    return None


def door_areas(*, actor: Any) -> list[Area]:
    """The areas whose care pages the actor may open: the communities they keep the registry of
    ("care.manage"), and the higher areas they read ("care.view"), widest first."""
    if is_superuser(actor):
        return list(
            Area.objects.filter(level=Level.COMMUNITY, retired=False).order_by("path")[: DOOR_MAX + 1]
        )
    manage = area_scope_q(actor, "care.manage")
    view = area_scope_q(actor, "care.view")
    found: dict[int, Area] = {}
    if manage is not None:
        for a in Area.objects.filter(manage, level=Level.COMMUNITY, retired=False).order_by("path")[
            : DOOR_MAX + 1
        ]:
            found[a.pk] = a
    if view is not None:
        # The granting areas themselves: a street supervisor's street, a district's auditor's
        # district (a grant held at a community opens that community).
        paths = scope_paths(actor, "care.view")
        for a in Area.objects.filter(path__in=paths).order_by("path"):
            found.setdefault(a.pk, a)
    return sorted(found.values(), key=lambda a: (a.level, a.path))[: DOOR_MAX + 1]


def household_file_viewed(*, actor: Any, recipient: Recipient, access: Access) -> None:
    """The household file shown with its contacts (phone, address, birth date, guardian): to the
    care staff, a helper or the grid worker, audited as viewed like the API's card. The
    sensitive fields stay closed until the reader asks (records.recipient_read audits that)."""
    if access.staff or access.helper or access.grid:
        audit_record(actor=actor, action="care.recipient.contact_viewed", obj=recipient, new={"why": ""})
