"""The schedule's reads: who is due a visit (this week, overdue by how much, never visited) for a
community, a street, a district or one helper; the Primero-style dashboard (overdue, due within
seven days, never visited, by helper); the recipients needing a new helper; the visit policies.

Every list is a range on the recipients' indexed area path (or a helper's indexed pairings) with
the due date's index behind it, counted in one query per figure block."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import subtree_q
from needle.care.access import access_of, current_q, helper_q, visible_q
from needle.care.models import DEFAULTS, Pairing, Policy, Purpose, Recipient, Risk, Status, purpose_bit
from needle.care.states import week_end
from needle.core.errors import ValidationFailed
from needle.orgs.models import Person, Unit
from needle.orgs.permissions import (
    can_in_area,
    has_perm_anywhere,
    is_superuser,
    require,
    require_authenticated,
)

DUE_CHOICES = ("overdue", "week", "never")
MAX_HELPER_ROWS = 200


def days_overdue(recipient: Recipient, today: dt.date | None = None) -> int:
    """How many days the visit is late (0 when not late, or nothing due)."""
    if recipient.next_visit_due is None:
        return 0
    return max(((today or timezone.localdate()) - recipient.next_visit_due).days, 0)


def _may_read_area(actor: Any, area_path: str) -> bool:
    return can_in_area(actor, "care.manage", area_path) or can_in_area(actor, "care.view", area_path)


def _due_q(due: str | None, today: dt.date) -> Q:
    if due is None:
        return Q()
    if due == "overdue":
        return Q(next_visit_due__lt=today)
    if due == "week":
        return Q(next_visit_due__gte=today, next_visit_due__lte=week_end(today))
    if due == "never":
        return Q(last_visit_on__isnull=True)
    raise ValidationFailed(fields={"due": _("Choose overdue, week or never.")})


def schedule_for(
    *, actor: Any, area_path: str | None = None, helper: Person | None = None, due: str | None = None
) -> QuerySet[Recipient]:
    """The active recipients the actor may see, at or under `area_path` and/or paired with
    `helper`, filtered by `due` (overdue, due this week, never visited), soonest due first.
    A helper reads their own list; a place's list needs the care staff's or a supervisor's
    grant over it; another helper's list, a care grant somewhere."""
    require_authenticated(actor)
    today = timezone.localdate()
    rows = Recipient.objects.filter(status=Status.ACTIVE).filter(_due_q(due, today))
    if area_path is not None:
        if helper is None or helper.pk != actor.pk:
            require(_may_read_area(actor, area_path))
        rows = rows.filter(subtree_q(area_path, "area_path"))
    if helper is not None:
        if helper.pk != actor.pk:
            require(has_perm_anywhere(actor, "care.manage") or has_perm_anywhere(actor, "care.view"))
        rows = rows.filter(helper_q(helper))
    elif area_path is None:
        require(has_perm_anywhere(actor, "care.manage") or has_perm_anywhere(actor, "care.view"))
    if not is_superuser(actor):
        rows = rows.filter(visible_q(actor))
    return rows.select_related("area").order_by("next_visit_due", "pk")


@dataclass(frozen=True)
class HelperRow:
    helper_id: int | None
    unit_id: int | None
    name: str
    recipients: int
    overdue: int
    week: int
    never: int


def _counts(today: dt.date, prefix: str = "") -> tuple[Count, Count, Count]:
    """Overdue, due within seven days, never visited."""
    due = f"{prefix}next_visit_due"
    return (
        Count("pk", filter=Q(**{f"{due}__lt": today})),
        Count("pk", filter=Q(**{f"{due}__gte": today, f"{due}__lte": week_end(today)})),
        Count("pk", filter=Q(**{f"{prefix}last_visit_on__isnull": True})),
    )


def _registered_scope(actor: Any, area_path: str, prefix: str = "") -> Q:
    """The care staff count every active recipient of the place; a supervisor those registered
    (with the consent to registration), as they see them."""
    if can_in_area(actor, "care.manage", area_path):
        return Q()
    return _registered_q(prefix)


def _registered_q(prefix: str = "") -> Q:
    # consents & bit as a list of the values holding the bit: both databases read it.
    bit = purpose_bit(Purpose.REGISTRATION)
    return Q(**{f"{prefix}consents__in": [v for v in range(1 << len(Purpose)) if v & bit]})


def dashboard_for(*, actor: Any, area_path: str) -> dict[str, Any]:
    """The place's figures: active recipients, overdue, due within seven days, never visited,
    needing a helper, and a row per helper (person or unit) with the same counts of their
    recipients, most overdue first."""
    require_authenticated(actor)
    require(_may_read_area(actor, area_path))
    today = timezone.localdate()
    base = Recipient.objects.filter(subtree_q(area_path, "area_path"), status=Status.ACTIVE).filter(
        _registered_scope(actor, area_path)
    )
    overdue, week, never = _counts(today)
    totals = base.aggregate(total=Count("pk"), overdue=overdue, week=week, never=never)
    overdue, week, never = _counts(today, "recipient__")
    # An open pairing keeps its recipient's place (moving a recipient moves them): the same range
    # on both sides lets the database read both by index and hash them together, instead of
    # reading every recipient to join a district's pairings.
    pairings = (
        Pairing.objects.filter(subtree_q(area_path, "area_path"), ended_on__isnull=True)
        .filter(subtree_q(area_path, "recipient__area_path"), recipient__status=Status.ACTIVE)
        .filter(_registered_scope(actor, area_path, "recipient__"))
        .values("helper_id", "unit_id")
        .annotate(recipients=Count("pk"), overdue=overdue, week=week, never=never)
        .order_by("-overdue", "-recipients", "helper_id", "unit_id")[:MAX_HELPER_ROWS]
    )
    rows = list(pairings)
    people = {
        pk: shown or username
        for pk, shown, username in Person.objects.filter(
            pk__in={r["helper_id"] for r in rows if r["helper_id"]}
        ).values_list("pk", "display_name", "username")
    }
    units = dict(
        Unit.objects.filter(pk__in={r["unit_id"] for r in rows if r["unit_id"]}).values_list("pk", "name")
    )
    by_helper = [
        HelperRow(
            helper_id=r["helper_id"],
            unit_id=r["unit_id"],
            name=(people.get(r["helper_id"]) or "") if r["helper_id"] else units.get(r["unit_id"], ""),
            recipients=r["recipients"],
            overdue=r["overdue"],
            week=r["week"],
            never=r["never"],
        )
        for r in rows
    ]
    return {
        "total": totals["total"],
        "overdue": totals["overdue"],
        "week": totals["week"],
        "never": totals["never"],
        "needs_helper": needs_helper_for(actor=actor, area_path=area_path).count(),
        "by_helper": by_helper,
    }


def needs_helper_q(area_path: str | None = None) -> Q:
    """A filter on Recipient: registered (until the consent to registration no helper may see
    the record) and without a current helper. The home page counts by it too.

    With the place's `area_path`, the same rule read faster over a whole district: an open
    pairing keeps its recipient's place, so bounded to the same range the pairings are read once
    and hashed (not looked up recipient by recipient), each helper's standing read once, and the
    recipient's community named from the outer query rather than joined again."""
    if area_path is None:
        helped = Pairing.objects.filter(recipient=OuterRef("pk"), ended_on__isnull=True).filter(current_q())
    else:
        open_here = Pairing.objects.filter(subtree_q(area_path, "area_path"), ended_on__isnull=True)
        helped = open_here.filter(recipient=OuterRef("pk")).filter(
            current_q(
                recipient=(OuterRef(OuterRef("area_id")), OuterRef(OuterRef("area__parent_id"))),
                helpers=open_here.filter(helper__isnull=False).values("helper_id"),
            )
        )
    return _registered_q() & ~Q(Exists(helped))


def needs_helper_for(*, actor: Any, area_path: str) -> QuerySet[Recipient]:
    """The place's active, registered recipients with no current helper: never paired, unpaired, or whose
    every helper left (membership ended, moved away, account closed) — the same day, whether or
    not the daily job has ended those pairings yet. Longest-waiting first."""
    require_authenticated(actor)
    require(_may_read_area(actor, area_path))
    rows = Recipient.objects.filter(subtree_q(area_path, "area_path"), status=Status.ACTIVE).filter(
        needs_helper_q(area_path)
    )
    return rows.select_related("area").order_by("created_at", "pk")


def pairings_for(*, actor: Any, recipient: Recipient) -> list[Pairing]:
    """A recipient's helpers, current first (the lead at the top), then the ended ones: to
    whoever may see the recipient."""
    require_authenticated(actor)
    require(access_of(actor, recipient).sees, visible=False)
    rows = Pairing.objects.filter(recipient=recipient).select_related("helper", "unit")
    return sorted(rows, key=lambda p: (p.ended_on is not None, not p.lead, p.started_on, p.pk))


@dataclass(frozen=True)
class PolicyRow:
    district: str | None  # the district's code; None: the deployment's
    risk: str
    category: str
    visit_days: int
    call_days: int | None
    default: bool  # the built-in default, no row stored


def policies_for(*, actor: Any, district_path: str | None = None) -> list[PolicyRow]:
    """The visit policies in force: the built-in defaults, the deployment's rows and, with
    `district_path`, that district's rows (which win). Readable by anyone with a care grant."""
    require_authenticated(actor)
    require(
        is_superuser(actor)
        or has_perm_anywhere(actor, "care.manage")
        or has_perm_anywhere(actor, "care.view")
    )
    rows = [PolicyRow(None, str(r), "", v, c, True) for r, (v, c) in DEFAULTS.items()]
    stored = Policy.objects.filter(
        Q(area__isnull=True) | (Q(area__path=district_path) if district_path else Q(pk__in=[]))
    ).select_related("area")
    rows += [
        PolicyRow(p.area.code if p.area else None, p.risk, p.category, p.visit_days, p.call_days, False)
        for p in stored.order_by("area_id", "risk", "category")
    ]
    order = {r: i for i, r in enumerate(Risk.values)}
    return sorted(rows, key=lambda r: (r.default is False, r.district or "", order[r.risk], r.category))
