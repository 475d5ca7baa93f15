"""Which cases an actor may see, and reading one case (or one of its parts) as they may."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from needle.areas.models import subtree_q
from needle.cases.models import RESIDENT_KINDS, Assist, Case, Photo
from needle.core.errors import NotFound
from needle.core.locks import mark_locked
from needle.orgs.models import Unit
from needle.orgs.permissions import (
    Actor,
    area_scope_q,
    can_act_for_unit,
    can_for_unit,
    can_in_area,
    granting_unit_ids,
    is_superuser,
    scope_paths,
)

# Up to this many units located in an actor's areas are written into a case list's query.
SCOPE_UNIT_LIST = 500


class InSubquery(Expression):
    """`column IN (subquery)` that an index can serve inside an OR. PostgreSQL runs an
    `IN (SELECT ...)` under an OR as a filter on every candidate row (and a join column under
    an OR the same way), so a scoped list of a million cases scanned a whole index; written
    `column = ANY(ARRAY(SELECT ...))` the subquery runs once and each arm of the OR is an
    index scan, the arms combined in a BitmapOr. Other databases get the plain IN."""

    conditional = True

    def __init__(self, column: str, queryset: QuerySet[Any]) -> None:
        super().__init__(output_field=BooleanField())
        self.column: Any = F(column)
        self.subquery: Any = Subquery(queryset)

    def get_source_expressions(self) -> list[Any]:
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.column, self.subquery = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        column, column_params = compiler.compile(self.column)
        subquery, subquery_params = compiler.compile(self.subquery)
        template = "%s = ANY(ARRAY%s)" if connection.vendor == "postgresql" else "%s IN %s"
        return template % (column, subquery), (*column_params, *subquery_params)


def case_scope_q(actor: Actor, perm: str = "cases.view", *, within: str | None = None) -> Q | None:
    """Cases the actor may see: located in their areas, led or assisted by their units (or
    units in their areas), or reported by them. None means everything. Every arm is a
    condition on the case's own columns, so that each can use an index (see InSubquery).
    `within` is the area path a caller's list is already restricted to: when the actor's areas
    hold that subtree, every case there is visible and no condition is needed (the arms for
    units and assists would only make the database weigh subqueries it cannot use)."""
    if is_superuser(actor):
        return None
    paths = scope_paths(actor, perm)
    if within is not None and any(within.startswith(path) for path in paths):
        return None
    q = area_scope_q(actor, perm, "area_path") or Q()
    if paths:
        in_areas = Q()
        for path in paths:
            in_areas |= subtree_q(path, "area_path")
        unit_ids = Unit.objects.filter(in_areas).order_by().values_list("pk", flat=True)
        ids = list(unit_ids[: SCOPE_UNIT_LIST + 1])
        # A list of constants lets the planner estimate how many cases these units lead (an
        # array it cannot see into looks like a quarter of the table, and a deep page then
        # walks the whole time index); past a few hundred units, leave the list to the database.
        if len(ids) <= SCOPE_UNIT_LIST:
            q |= Q(lead_unit_id__in=ids)
            assisting = Assist.objects.filter(unit_id__in=ids)
        else:
            q |= Q(InSubquery("lead_unit_id", unit_ids))
            assisting = Assist.objects.filter(unit_id__in=unit_ids)
        # may_view opens a case that a unit in the actor's areas assists: list it too.
        q |= Q(InSubquery("pk", assisting.values("case_id")))
    units = granting_unit_ids(actor, perm)
    if units:
        assisted = Assist.objects.filter(unit_id__in=units).values("case_id")
        q |= Q(lead_unit_id__in=units) | Q(InSubquery("pk", assisted))
    if getattr(actor, "pk", None):
        q |= Q(reporter_id=actor.pk)
    return q


def may_view(actor: Actor | None, case: Case) -> bool:
    if actor is not None and actor.pk and case.reporter_id == actor.pk:
        return True
    return may_view_as_staff(actor, case)


def may_view_as_staff(actor: Actor | None, case: Case) -> bool:
    """may_view() through a role (over the case's place, or a unit working on it), not as its
    reporter: what shows the internal side of a case (internal entries, staff names)."""
    if can_in_area(actor, "cases.view", case.area_path):
        return True
    units = [case.lead_unit] if case.lead_unit_id else []
    units += [a.unit for a in case.assists.select_related("unit")]
    return any(can_for_unit(actor, "cases.view", u) for u in units if u is not None)


def access_case(*, actor: Actor | None, number: str, for_write: bool = False) -> Case:
    """The case if the actor may see it; 404 otherwise (not even its existence leaks). For a
    write (inside the caller's transaction.atomic()), the row is locked in the same read and
    marked so, and the move's service decides on this very object instead of reading it again
    (needle/core/locks.py)."""
    # Numbers are unique: no ORDER BY (Django resolving one against six joined tables' columns
    # cost more than the query).
    found = (
        Case.objects.select_related("service", "service__category", "area", "lead_unit", "reporter", "parent")
        .defer("area__boundary")  # no case page or action draws it; it can outweigh the case
        .filter(number=number)
    )
    if for_write:
        found = found.select_for_update(of=("self",))
    case = next(iter(found.order_by()[:1]), None)
    if case is None or not may_view(actor, case):
        raise NotFound(_("No case has the number %(number)s.") % {"number": number})
    if for_write:
        mark_locked(case)
    return case


def case_by_token(*, token: str) -> Case:
    case = (
        Case.objects.select_related("service", "area", "lead_unit", "parent")
        .defer("area__boundary")
        .filter(tracking_token=token)
        .first()
    )
    if case is None:
        raise NotFound(_("This tracking link is not valid."))
    return case


def case_photo(*, case: Case, photo_id: int) -> Photo:
    """One photo of a case the caller already has access to."""
    photo = Photo.objects.filter(case=case, pk=photo_id).first()
    if photo is None:
        raise NotFound(_("No such photo."))
    return photo


def tracking_photo(*, case: Case, photo_id: int) -> Photo:
    """A photo the tracking page may show: the resident's own, one on a public timeline entry,
    or one on a public entry of the case this one was merged into (but not its reporter's)."""
    q = Q(case=case) & (Q(event__isnull=True) | Q(event__public=True))
    if case.parent_id:
        q |= Q(case_id=case.parent_id, event__public=True) & ~Q(event__kind__in=RESIDENT_KINDS)
    photo = Photo.objects.filter(q, pk=photo_id).first()
    if photo is None:
        raise NotFound(_("No such photo."))
    return photo


def assist_for(*, actor: Actor, case: Case) -> Assist:
    """The actor's unit's open call-in or assistance on this case."""
    for assist in case.assists.select_related("unit").filter(responded_at__isnull=True):
        if can_act_for_unit(actor, "cases.handle", assist.unit):
            return assist
    raise NotFound(_("Your unit has no open call-in on this case."))
