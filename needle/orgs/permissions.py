"""The one place that answers "may this actor do this to that object".

A role assignment grants its role's permissions over the unit itself and over everything
located in the unit's home-area subtree. An actor's grants are read once (one query) and kept
on the actor object for the rest of the request, so every later check is a string-prefix test
without queries. Selectors turn the same grants into a queryset filter.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from needle.areas.models import PATH_END, Area
from needle.core.errors import NotAuthenticated, NotFound, PermissionDenied
from needle.orgs.models import Person, Role, RoleAssignment, Unit

# Who acts: a person, or a visitor who has not signed in (what request.user holds).
Actor = Person | AnonymousUser

R = Role
ALL_ROLES = frozenset(Role)

# permission -> the roles that hold it. Names are "<app>.<verb>_<thing>".
PERMISSIONS: dict[str, frozenset[Role]] = {
    "areas.manage_grids": frozenset({R.ADMIN, R.COORDINATOR}),
    "areas.manage": frozenset({R.ADMIN}),
    "orgs.view_units": ALL_ROLES,
    "orgs.manage_units": frozenset({R.ADMIN}),
    "orgs.view_people": frozenset({R.ADMIN, R.COORDINATOR, R.SUPERVISOR, R.DISPATCHER, R.HANDLER, R.AUDITOR}),
    "orgs.view_phone": frozenset({R.ADMIN, R.COORDINATOR, R.DISPATCHER}),
    "orgs.manage_people": frozenset({R.ADMIN}),
    # People without an account: kept by the staff who register them at a counter.
    "orgs.manage_records": frozenset({R.ADMIN, R.COORDINATOR}),
    "orgs.view_stats": frozenset({R.ADMIN, R.SUPERVISOR, R.VIEWER, R.COORDINATOR, R.AUDITOR}),
    "core.view_audit": frozenset({R.ADMIN, R.AUDITOR}),
    "cases.view": frozenset(
        {R.ADMIN, R.DISPATCHER, R.HANDLER, R.SUPERVISOR, R.COORDINATOR, R.VIEWER, R.AUDITOR, R.VISITOR}
    ),
    "cases.view_contact": frozenset({R.ADMIN, R.DISPATCHER, R.HANDLER, R.COORDINATOR}),
    "cases.intake": frozenset({R.ADMIN, R.DISPATCHER, R.COORDINATOR, R.VISITOR}),
    "cases.dispatch": frozenset({R.ADMIN, R.DISPATCHER}),
    "cases.handle": frozenset({R.ADMIN, R.HANDLER, R.COORDINATOR}),
    "cases.callback": frozenset({R.ADMIN, R.DISPATCHER, R.COORDINATOR}),
    "cases.supervise": frozenset({R.ADMIN, R.SUPERVISOR}),
    "cases.moderate": frozenset({R.ADMIN, R.DISPATCHER}),
    "cases.manage_catalog": frozenset({R.ADMIN}),
    "center.view": frozenset({R.ADMIN, R.COORDINATOR, R.SUPERVISOR, R.VIEWER, R.AUDITOR}),
    "center.manage": frozenset({R.ADMIN, R.COORDINATOR}),
    # Members serving where they live: community staff confirm check-ins, run the lists and
    # verify hours; a workplace's coordinator reads its own members' check-ins, hours and cards.
    "volunteering.view": frozenset({R.ADMIN, R.COORDINATOR, R.SUPERVISOR, R.VIEWER, R.AUDITOR, R.VISITOR}),
    "volunteering.manage": frozenset({R.ADMIN, R.COORDINATOR}),
    "volunteering.raise_needs": frozenset({R.ADMIN, R.COORDINATOR, R.VISITOR}),
    "volunteering.view_members": frozenset({R.ADMIN, R.COORDINATOR, R.SUPERVISOR, R.AUDITOR}),
    # Care for vulnerable households: the community's care staff keep the registry and read the
    # sensitive fields; supervisors above see the registry masked and the figures.
    "care.view": frozenset({R.ADMIN, R.COORDINATOR, R.SUPERVISOR, R.VIEWER, R.AUDITOR}),
    "care.manage": frozenset({R.ADMIN, R.COORDINATOR}),
    "care.view_sensitive": frozenset({R.ADMIN, R.COORDINATOR}),
    # The think tank: community staff open topics, moderate, answer and follow results through;
    # the answering unit's handlers answer its topics; supervisors and auditors read (hidden
    # suggestions too, with the reason).
    "consult.view": frozenset({R.ADMIN, R.COORDINATOR, R.SUPERVISOR, R.VIEWER, R.AUDITOR}),
    "consult.manage": frozenset({R.ADMIN, R.COORDINATOR}),
    "consult.answer": frozenset({R.ADMIN, R.COORDINATOR, R.HANDLER}),
    "intel.view_hotspots": frozenset(
        {R.ADMIN, R.DISPATCHER, R.SUPERVISOR, R.COORDINATOR, R.VIEWER, R.AUDITOR}
    ),
    "intel.task": frozenset({R.ADMIN, R.SUPERVISOR}),
    "intel.train": frozenset({R.ADMIN}),
    # Supervised tasks: the staff of an issuing unit (a general office's supervisors, a
    # department's handlers) issue tasks and decide extensions; a target unit's staff report;
    # the level above signs off; a general office decides its districts' admission lists;
    # analysts and auditors read boards and the burden within their areas.
    "supervision.view": frozenset(
        {R.ADMIN, R.SUPERVISOR, R.HANDLER, R.COORDINATOR, R.DISPATCHER, R.VIEWER, R.AUDITOR}
    ),
    "supervision.issue": frozenset({R.ADMIN, R.SUPERVISOR, R.HANDLER}),
    "supervision.work": frozenset({R.ADMIN, R.SUPERVISOR, R.HANDLER, R.COORDINATOR}),
    "supervision.sign_off": frozenset({R.ADMIN, R.SUPERVISOR}),
    "supervision.apply_admission": frozenset({R.ADMIN, R.SUPERVISOR, R.HANDLER}),
    "supervision.decide_admission": frozenset({R.ADMIN, R.SUPERVISOR}),
    "supervision.view_burden": frozenset({R.ADMIN, R.SUPERVISOR, R.COORDINATOR, R.VIEWER, R.AUDITOR}),
}


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    area_path: str


def _require_known(perm: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[perm]
    except KeyError:
        raise ValueError(f"unknown permission {perm!r}") from None


def grants_of(actor: Any) -> tuple[Grant, ...]:
    """The actor's role grants, loaded once per actor object."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ()
    cached = getattr(actor, "_needle_grants", None)
    if cached is None:
        cached = tuple(
            Grant(role=role, unit_id=unit_id, area_path=path)
            for role, unit_id, path in RoleAssignment.objects.filter(
                person_id=actor.pk, unit__dissolved_on__isnull=True
            ).values_list("role", "unit_id", "unit__area_path")
        )
        actor._needle_grants = cached
    return cached


def forget_grants(actor: Any) -> None:
    """Call after changing someone's roles when the same object is used again."""
    if hasattr(actor, "_needle_grants"):
        del actor._needle_grants


def is_superuser(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_superuser", False))


def _grants_for(actor: Any, perm: str) -> list[Grant]:
    roles = _require_known(perm)
    return [g for g in grants_of(actor) if g.role in roles]


def scope_paths(actor: Any, perm: str) -> list[str]:
    """The smallest set of area paths whose subtrees hold everything `perm` reaches."""
    paths = sorted({g.area_path for g in _grants_for(actor, perm)})
    kept: list[str] = []
    for path in paths:
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def has_perm_anywhere(actor: Any, perm: str) -> bool:
    _require_known(perm)
    return is_superuser(actor) or bool(_grants_for(actor, perm))


P = ParamSpec("P")
Out = TypeVar("Out")


def require_anywhere(*perms: str) -> Callable[[Callable[P, Out]], Callable[P, Out]]:
    """A page for those who hold one of `perms` somewhere (the rows it lists are scoped later):
    anyone else gets the 403 page, through the middleware that renders domain errors."""
    for perm in perms:
        _require_known(perm)

    def wrap(view: Callable[P, Out]) -> Callable[P, Out]:
        @functools.wraps(view)
        def run(*args: P.args, **kwargs: P.kwargs) -> Out:
            actor = getattr(args[0], "user", None)
            if not any(has_perm_anywhere(actor, perm) for perm in perms):
                raise PermissionDenied()
            return view(*args, **kwargs)

        return run

    return wrap


def can_in_area(actor: Any, perm: str, area: Area | str) -> bool:
    """May the actor use `perm` on objects located in `area` (an Area or its path)?"""
    path = area if isinstance(area, str) else area.path
    if is_superuser(actor):
        return True
    return any(path.startswith(g.area_path) for g in _grants_for(actor, perm))


def can_for_unit(actor: Any, perm: str, unit: Unit) -> bool:
    """Units are in scope when they are the granting unit or located in its area's subtree."""
    if is_superuser(actor):
        return True
    return any(
        unit.pk == g.unit_id or unit.area_path.startswith(g.area_path) for g in _grants_for(actor, perm)
    )


def can_act_for_unit(actor: Any, perm: str, unit: Unit) -> bool:
    """Acting *as* a unit (accepting its cases, answering for it) needs a grant in that very
    unit; an area-wide grant lets one see a unit's work, not do it."""
    return is_superuser(actor) or any(g.unit_id == unit.pk for g in _grants_for(actor, perm))


def area_scope_q(actor: Any, perm: str, field: str = "path") -> Q | None:
    """A filter for objects whose area path is `field`; None means no restriction at all."""
    if is_superuser(actor):
        return None
    q = Q(pk__in=[])
    for path in scope_paths(actor, perm):
        q |= Q(**{f"{field}__gte": path, f"{field}__lt": path + PATH_END})
    return q


def granting_unit_ids(actor: Any, perm: str) -> set[int]:
    """The units whose role assignments give the actor `perm`."""
    return {g.unit_id for g in _grants_for(actor, perm)}


def unit_scope_q(actor: Any, perm: str) -> Q | None:
    """A filter on Unit: the granting units plus every unit in their areas' subtrees."""
    area_q = area_scope_q(actor, perm, "area_path")
    if area_q is None:
        return None
    own = {g.unit_id for g in _grants_for(actor, perm)}
    return area_q | Q(pk__in=own) if own else area_q


def require_authenticated(actor: Any) -> Person:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAuthenticated()
    return actor


def require(allowed: bool, *, visible: bool = True) -> None:
    """Refuse: 404 when the actor may not even know the object exists, else 403."""
    if not allowed:
        raise PermissionDenied() if visible else NotFound()


def can_view_person(actor: Any, person: Person, person_area_paths: list[str]) -> bool:
    """Self always; otherwise a people-viewing grant covering one of the person's places."""
    if getattr(actor, "pk", None) == person.pk or is_superuser(actor):
        return True
    return any(can_in_area(actor, "orgs.view_people", p) for p in person_area_paths)
