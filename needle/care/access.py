"""Who may see and do what with a care recipient: the one answer every service, selector, page
and API call asks (`access_of`), and the queryset filter the lists use (`visible_q`).

- The community's care staff ("care.manage" over the recipient's place) keep the record; those
  of them with "care.view_sensitive" read every sensitive field.
- A helper (an open pairing: the person, or a person with an open membership or a role in the
  paired unit) and the grid worker of the recipient's grid see what a visit needs; with the
  consent to share, the helper also reads health, disability, income and notes — never the ID
  number, which no visit needs.
- Supervisors above ("care.view") see the registry with every sensitive field masked.
- Until the consent to registration is recorded, only the care staff see the record at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from needle.care.models import SENSITIVE, Pairing, Purpose, Recipient, purpose_bit
from needle.orgs.models import GridAssignment, Membership, Person, RoleAssignment
from needle.orgs.permissions import area_scope_q, can_in_area, is_superuser
from needle.volunteering.models import CheckIn, CheckInStatus

# What a helper with the consent to share reads.
SHARED_WITH_HELPER: frozenset[str] = frozenset({"health", "disability", "income", "notes"})


@dataclass(frozen=True)
class Access:
    staff: bool = False
    viewer: bool = False
    helper: bool = False
    grid: bool = False
    # The sensitive fields this actor may read, unmasked.
    fields: frozenset[str] = field(default_factory=frozenset)

    @property
    def sees(self) -> bool:
        return self.staff or self.viewer or self.helper or self.grid

    @property
    def reads_contents(self) -> bool:
        """Read what visits found and what the ledger holds (notes, needs, checklists,
        companions; an item's text, who acts, the confirmation): those who keep or visit the
        record. A supervisor above sees that visits and items exist, when, and their state, as
        the export gives them."""
        return self.staff or self.helper or self.grid

    @property
    def may_visit(self) -> bool:
        """Log a visit or a call, and add what it found to the ledger."""
        return self.staff or self.helper or self.grid


NO_ACCESS = Access()


def helper_unit_ids(actor: Any) -> set[int]:
    """The units through which the actor helps: open memberships and role assignments."""
    units = set(
        Membership.objects.filter(person=actor, left_on__isnull=True).values_list("unit_id", flat=True)
    )
    units |= set(RoleAssignment.objects.filter(person=actor).values_list("unit_id", flat=True))
    return units


def helper_and_grid(actor: Any, recipient: Recipient) -> tuple[bool, bool]:
    """Does the actor help the recipient now (an open pairing of theirs or of one of their
    units: open memberships, roles), and do they hold the grid the recipient lives in? One
    query, its text fixed: a file is read at every visit, and building this as a queryset cost
    three times what the database takes to answer it."""
    if not getattr(actor, "pk", None):
        return False, False
    with connection.cursor() as cursor:
        cursor.execute(
            HELPER_AND_GRID_SQL,
            {"recipient": recipient.pk, "person": actor.pk, "grid": recipient.area_id},
        )
        row = cursor.fetchone()
    helper = bool(row[0])
    if helper:
        # The fixed text answers "paired"; whether the helper is still one (`current_q`: one who
        # left stops reading the same day, not when the nightly job ends the pairing) is the
        # one rule, asked only of those paired.
        helper = (
            Pairing.objects.filter(recipient=recipient, ended_on__isnull=True)
            .filter(Q(helper=actor) | Q(unit_id__in=helper_unit_ids(actor)))
            .filter(current_q())
            .exists()
        )
    return helper, bool(row[1])


HELPER_AND_GRID_SQL = """
SELECT
  EXISTS (
    SELECT 1 FROM care_pairing p
    WHERE p.recipient_id = %(recipient)s AND p.ended_on IS NULL AND (
      p.helper_id = %(person)s
      OR p.unit_id IN (
        SELECT m.unit_id FROM orgs_membership m
        WHERE m.person_id = %(person)s AND m.left_on IS NULL
      )
      OR p.unit_id IN (SELECT r.unit_id FROM orgs_roleassignment r WHERE r.person_id = %(person)s)
    )
  ),
  EXISTS (
    SELECT 1 FROM orgs_gridassignment g
    WHERE g.worker_id = %(person)s AND g.grid_id = %(grid)s AND g.ended_at IS NULL
  )
"""


def is_helper(actor: Any, recipient: Recipient) -> bool:
    return helper_and_grid(actor, recipient)[0]


def is_grid_worker(actor: Any, recipient: Recipient) -> bool:
    return helper_and_grid(actor, recipient)[1]


def access_of(actor: Any, recipient: Recipient) -> Access:
    if not getattr(actor, "is_authenticated", False):
        return NO_ACCESS
    path = recipient.area_path
    staff = is_superuser(actor) or can_in_area(actor, "care.manage", path)
    sensitive = staff and (is_superuser(actor) or can_in_area(actor, "care.view_sensitive", path))
    if not recipient.consented(Purpose.REGISTRATION):
        return (
            Access(staff=True, fields=frozenset(SENSITIVE) if sensitive else frozenset())
            if staff
            else NO_ACCESS
        )
    viewer = can_in_area(actor, "care.view", path)
    helper, grid = helper_and_grid(actor, recipient)
    fields: frozenset[str] = frozenset()
    if sensitive:
        fields = frozenset(SENSITIVE)
    elif helper and recipient.consented(Purpose.SHARING):
        fields = SHARED_WITH_HELPER
    return Access(staff=staff, viewer=viewer, helper=helper, grid=grid, fields=fields)


def helper_q(actor: Any, prefix: str = "") -> Q:
    """Recipients the actor helps now (an open pairing of theirs or of one of their units)."""
    pairings = (
        Pairing.objects.filter(recipient=OuterRef(f"{prefix}pk"), ended_on__isnull=True)
        .filter(Q(helper=actor) | Q(unit_id__in=helper_unit_ids(actor)))
        .filter(current_q())
    )
    return Q(Exists(pairings))


def visible_q(actor: Any) -> Q:
    """The recipients the actor may see at all, as a filter on Recipient."""
    if is_superuser(actor):
        return Q()
    registered = _has_bit("consents", purpose_bit(Purpose.REGISTRATION))
    staff = area_scope_q(actor, "care.manage", "area_path")
    viewer = area_scope_q(actor, "care.view", "area_path")
    grids = list(
        GridAssignment.objects.filter(worker=actor, ended_at__isnull=True).values_list("grid_id", flat=True)
    )
    others = (viewer if viewer is not None else Q()) | helper_q(actor) | Q(area_id__in=grids)
    return (staff if staff is not None else Q()) | (registered & others)


def _has_bit(column: str, bit: int) -> Q:
    """consents & bit != 0 as a filter both databases run: the purposes are few, so the values
    with the bit set are listed."""
    values = [v for v in range(1 << len(Purpose)) if v & bit]
    return Q(**{f"{column}__in": values})


def is_minor(recipient: Recipient, today: dt.date | None = None) -> bool:
    if recipient.birth_date is None:
        return False
    today = today or timezone.localdate()
    born = recipient.birth_date
    return today < adult_on(born)


def adult_on(born: dt.date) -> dt.date:
    """The eighteenth birthday (1 March for someone born on 29 February)."""
    if born.month == 2 and born.day == 29:
        return dt.date(born.year + 18, 3, 1)
    return born.replace(year=born.year + 18)


def standing_q(person_ref: Any) -> Q:
    """The person still belongs somewhere: an open membership, a role, or a grid of theirs."""
    return Q(
        Exists(Membership.objects.filter(person=person_ref, left_on__isnull=True))
        | Exists(RoleAssignment.objects.filter(person=person_ref))
        | Exists(GridAssignment.objects.filter(worker=person_ref, ended_at__isnull=True))
    )


def current_q(*, recipient: tuple[Any, Any] | None = None, helpers: Any = None) -> Q:
    """A filter on Pairing: its helper is still a helper. A unit while it is not dissolved; a
    person while their account is open, they still belong to a unit (or hold a role or a grid),
    and they have not moved away from the recipient's community since the pairing began (their
    check-in there moved to another community).

    For a query over many recipients, the same rule read faster: `recipient` names the
    recipient's area id and its parent's from outside (an outer query that has the recipient
    already, so the pairings need no join to it), and `helpers` (a subquery of person ids holding
    every helper the pairings name) reads each helper's standing once instead of per pairing."""
    helper = OuterRef("helper_id")
    area, parent = recipient or (OuterRef("recipient__area_id"), OuterRef("recipient__area__parent_id"))
    moved = CheckIn.objects.filter(
        person=helper, status=CheckInStatus.MOVED, ended_at__gte=OuterRef("created_at")
    )
    moved = (
        moved.filter(Q(community_id=area) | Q(community_id=parent))
        .exclude(moved_to__community_id=area)
        .exclude(moved_to__community_id=parent)
    )
    if helpers is None:
        standing = Q(helper__isnull=False, helper__is_active=True) & standing_q(helper)
    else:
        people = Person.objects.filter(pk__in=helpers, is_active=True).filter(standing_q(OuterRef("pk")))
        standing = Q(helper_id__in=people.values("pk"))
    person = standing & ~Exists(moved)
    unit = Q(unit__isnull=False, unit__dissolved_on__isnull=True)
    return person | unit


def accesses(actor: Any, recipients: Iterable[Recipient]) -> dict[int, Access]:
    """`access_of` for many recipients in a few queries (what a sync of hundreds needs); the
    same rules, kept equal to it by test_visits.py."""
    rows = list(recipients)
    if not getattr(actor, "is_authenticated", False) or not rows:
        return {r.pk: NO_ACCESS for r in rows}
    units = helper_unit_ids(actor)
    helped = set(
        Pairing.objects.filter(recipient_id__in=[r.pk for r in rows], ended_on__isnull=True)
        .filter(Q(helper=actor) | Q(unit_id__in=units))
        .filter(current_q())
        .values_list("recipient_id", flat=True)
    )
    grids = set(
        GridAssignment.objects.filter(worker=actor, ended_at__isnull=True).values_list("grid_id", flat=True)
    )
    superuser = is_superuser(actor)
    found: dict[int, Access] = {}
    for r in rows:
        staff = superuser or can_in_area(actor, "care.manage", r.area_path)
        sensitive = staff and (superuser or can_in_area(actor, "care.view_sensitive", r.area_path))
        if not r.consented(Purpose.REGISTRATION):
            found[r.pk] = (
                Access(staff=True, fields=frozenset(SENSITIVE) if sensitive else frozenset())
                if staff
                else NO_ACCESS
            )
            continue
        helper = r.pk in helped
        fields: frozenset[str] = frozenset()
        if sensitive:
            fields = frozenset(SENSITIVE)
        elif helper and r.consented(Purpose.SHARING):
            fields = SHARED_WITH_HELPER
        found[r.pk] = Access(
            staff=staff,
            viewer=can_in_area(actor, "care.view", r.area_path),
            helper=helper,
            grid=r.area_id in grids,
            fields=fields,
        )
    return found
