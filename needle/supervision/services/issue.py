"""Issuing a task to many target units at once, and a street passing its share down.

Targets are unit ids or {"area": CODE, "unit_type": TYPE} (every active unit of that type under
the area); all must lie within the issuer's area. A task that reaches resident committees must
carry a type admitted on the admission list of each of their districts, valid today; otherwise
it is refused (422 `task_type_not_admitted`, the refusal kept for the burden figures), unless
the caller lets it through unlisted — then each community may decline it.

The targets are written with bulk inserts and one audit event for the task, so a task to every
community of a large city (11,000 targets) takes a few queries per thousand targets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area, subtree_q
from needle.cases.deadlines import add_hours
from needle.core.audit import audit_record
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.schemas import MAX_ID
from needle.core.sql import AnyOf
from needle.core.states import allowed
from needle.orgs.models import Unit, UnitType
from needle.orgs.permissions import can_act_for_unit, require_authenticated
from needle.supervision import inputs, states
from needle.supervision.access import capacities
from needle.supervision.models import Entry, EntryStatus, Hold, Priority, Refusal, Source, Target, Task
from needle.supervision.services import links, notices
from needle.supervision.states import TARGET

MAX_TARGET_SPECS = 1000
MAX_WORKING_DAYS = 250
# The units that sign off for the level below them, the first found at the level above.
SIGNING_TYPES = (UnitType.STREET_OFFICE, UnitType.GENERAL_OFFICE)
DISTRICT_DEPTH = 3


@dataclass(frozen=True)
class Draft:
    title: str
    body: str = ""
    task_type: str = "general"
    source: str = Source.DECISION
    priority: str = Priority.NORMAL
    deadline: dt.date | None = None
    # Instead of a deadline: so many working days from today on the cases' calendar.
    working_days: int | None = None
    # A task shared between departments: the unit that leads it and those that assist.
    lead_unit: int | None = None
    assisting: tuple[int, ...] = ()
    # The think tank's result action the task carries out (its progress moves the action).
    consult_action: int | None = None


def today() -> dt.date:
    return timezone.localdate()


def district_path(path: str) -> str:
    """The district at or above a place (the first three steps of its path)."""
    parts = path.split("/")
    return "/".join(parts[:DISTRICT_DEPTH]) + "/" if len(parts) > DISTRICT_DEPTH else path


def _deadline(draft: Draft) -> dt.date:
    if draft.working_days is not None:
        days = draft.working_days
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_WORKING_DAYS:
            raise ValidationFailed(
                fields={"working_days": _("Give a whole number from 1 to %(n)d.") % {"n": MAX_WORKING_DAYS}}
            )
        due = add_hours(timezone.now(), days * 24, working_days=True)
        return timezone.localtime(due).date()
    if draft.deadline is None:
        raise ValidationFailed(fields={"deadline": _("This field is required.")})
    return inputs.future_day(draft.deadline, field="deadline", today=today())


@dataclass(frozen=True)
class Reached:
    id: int
    area_id: int
    area_path: str
    type: str


def _resolve(issuer: Unit, specs: Sequence[Any]) -> list[Reached]:
    """The units the specs name, each once, all active and within the issuer's area."""
    if not isinstance(specs, (list, tuple)) or not specs:
        raise ValidationFailed(fields={"targets": _("Name at least one target.")})
    if len(specs) > MAX_TARGET_SPECS:
        raise ValidationFailed(fields={"targets": _("At most %(n)d entries.") % {"n": MAX_TARGET_SPECS}})
    ids: list[int] = []
    columns = ("id", "area_id", "area_path", "type")
    found: dict[int, Reached] = {}
    for spec in specs:
        if isinstance(spec, int) and not isinstance(spec, bool):
            if not 1 <= spec <= MAX_ID:
                raise ValidationFailed(
                    fields={"targets": _("No active unit has the id %(id)s.") % {"id": spec}},
                    code="unknown_target",
                )
            ids.append(spec)
            continue
        if not isinstance(spec, dict) or set(spec) != {"area", "unit_type"}:
            raise ValidationFailed(
                fields={"targets": _("Give unit ids or objects with “area” and “unit_type”.")}
            )
        unit_type = spec["unit_type"]
        if unit_type not in UnitType.values:
            raise ValidationFailed(
                fields={"targets": _("No unit type is named %(t)s.") % {"t": str(unit_type)[:40]}}
            )
        area = Area.objects.filter(code=str(spec["area"])[:20]).first()
        if area is None:
            raise ValidationFailed(
                fields={"targets": _("No area has the code %(c)s.") % {"c": str(spec["area"])[:20]}}
            )
        if not area.path.startswith(issuer.area_path):
            raise _outside()
        for row in (
            Unit.objects.filter(subtree_q(area.path, "area_path"), type=unit_type, dissolved_on__isnull=True)
            .order_by()
            .values_list(*columns)
        ):
            found[row[0]] = Reached(*row)
    if ids:
        rows = {
            row[0]: Reached(*row)
            for row in Unit.objects.filter(AnyOf("id", ids), dissolved_on__isnull=True)
            .order_by()
            .values_list(*columns)
        }
        missing = [i for i in ids if i not in rows]
        if missing:
            raise ValidationFailed(
                fields={"targets": _("No active unit has the id %(id)s.") % {"id": missing[0]}},
                code="unknown_target",
            )
        found.update(rows)
    found.pop(issuer.pk, None)
    if any(not r.area_path.startswith(issuer.area_path) for r in found.values()):
        raise _outside()
    if not found:
        raise ValidationFailed(fields={"targets": _("The targets reach no active unit.")}, code="no_targets")
    return sorted(found.values(), key=lambda r: r.id)


def targets_resolve(issuer: Unit, specs: Sequence[Any]) -> list[Reached]:
    """The units that targets given as a task's reach (a consultation asks units the same way)."""
    return _resolve(issuer, specs)


def _outside() -> ValidationFailed:
    return ValidationFailed(
        _("Every target must lie within the issuer's area."),
        fields={"targets": _("A target lies outside the issuer's area.")},
        code="target_outside_area",
    )


def _signers(issuer: Unit, reached: list[Reached]) -> dict[str, int]:
    """parent area path -> the unit that signs off for targets there: a street office or a
    general office at the level above the target, unless that level is the issuer's or
    above it (then the issuer)."""
    parents = {r.area_path[: r.area_path.rstrip("/").rfind("/") + 1] for r in reached}
    below = [p for p in parents if p.startswith(issuer.area_path) and p != issuer.area_path]
    out = dict.fromkeys(parents, issuer.pk)
    rank: dict[str, int] = {str(t): i for i, t in enumerate(SIGNING_TYPES)}
    best: dict[str, tuple[int, int]] = {}
    for pk, path, type_ in (
        Unit.objects.filter(AnyOf("area_path", below), type__in=SIGNING_TYPES, dissolved_on__isnull=True)
        .order_by()
        .values_list("id", "area_path", "type")
    ):
        candidate = (rank[type_], pk)
        if path not in best or candidate < best[path]:
            best[path] = candidate
    for path, (_rank, pk) in best.items():
        out[path] = pk
    return out


def _admission(issuer: Unit, task_type: str, reached: list[Reached], *, on: dt.date) -> dict[str, Decimal]:
    """district path -> estimated hours per community, for the districts whose list admits the
    type today; raises (after keeping the refusal) when any district of the communities does not."""
    districts = {district_path(r.area_path) for r in reached if r.type == UnitType.RESIDENT_COMMITTEE}
    if not districts:
        return {}
    return dict(
        Entry.objects.filter(
            AnyOf("area_path", sorted(districts)),
            task_type=task_type,
            status=EntryStatus.ADMITTED,
            valid_from__lte=on,
            valid_until__gte=on,
        ).values_list("area_path", "hours")
    )


def _refuse(
    actor: Any, issuer: Unit, task_type: str, refused: list[str], communities: int
) -> ValidationFailed:
    with transaction.atomic():
        for path in refused:
            Refusal.objects.create(
                issuer=issuer, task_type=task_type, area_path=path, communities=communities
            )
        audit_record(
            actor=actor,
            action="supervision.task.refused",
            obj=issuer,
            new={"task_type": task_type, "districts": refused, "communities": communities},
        )
    names = ", ".join(Area.objects.filter(path__in=refused).order_by("path").values_list("name", flat=True))
    message = _("The task type %(type)s is not admitted on the admission list of %(districts)s.") % {
        "type": task_type,
        "districts": names,
    }
    return ValidationFailed(
        message, fields={"task_type": message}, code="task_type_not_admitted", extra={"task_type": task_type}
    )


def _create(
    *,
    actor: Any,
    issuer: Unit,
    draft: Draft,
    specs: Sequence[Any],
    parent: Target | None,
    deliver_unlisted: bool,
) -> Task:
    title = inputs.text(draft.title, limit=inputs.TITLE, field="title", required=True)
    body = inputs.text(draft.body, limit=inputs.BODY, field="body")
    task_type = inputs.code(draft.task_type, field="task_type")
    if draft.source not in Source.values:
        raise ValidationFailed(
            fields={"source": _("Choose one of: %(c)s.") % {"c": ", ".join(Source.values)}}
        )
    if draft.priority not in Priority.values:
        raise ValidationFailed(
            fields={"priority": _("Choose one of: %(c)s.") % {"c": ", ".join(Priority.values)}}
        )
    deadline = _deadline(draft)
    if parent is not None and deadline > max(parent.deadline, today()):
        raise ValidationFailed(fields={"deadline": _("Give a day no later than the street's own deadline.")})
    on = today()
    lead, assisting = links.coordination(issuer, draft.lead_unit, draft.assisting)
    action = links.consult_action(actor, draft.consult_action)
    reached = _resolve(issuer, specs)
    hours = _admission(issuer, task_type, reached, on=on)
    community_districts = {
        district_path(r.area_path) for r in reached if r.type == UnitType.RESIDENT_COMMITTEE
    }
    refused = sorted(community_districts - set(hours))
    # Where the deployment allows it, an unlisted task waits for the general office instead.
    held = bool(refused) and not deliver_unlisted and parent is None and hold_unlisted()
    if refused and not deliver_unlisted and not held:
        communities = sum(1 for r in reached if r.type == UnitType.RESIDENT_COMMITTEE)
        raise _refuse(actor, issuer, task_type, refused, communities)
    signers = _signers(issuer, reached)
    with transaction.atomic():
        task = Task.objects.create(
            issuer=issuer,
            area_path=issuer.area_path,
            title=title,
            body=body,
            source=draft.source,
            priority=draft.priority,
            task_type=task_type,
            issued_on=on,
            deadline=deadline,
            parent_target=parent,
            targets_count=len(reached),
            created_by=actor,
            lead_unit=lead,
            consult_action=action,
            hold=Hold.HELD if held else Hold.NONE,
        )
        if assisting:
            task.assisting.set(assisting)
        rows = []
        for r in reached:
            community = r.type == UnitType.RESIDENT_COMMITTEE
            district = district_path(r.area_path)
            rows.append(
                Target(
                    task=task,
                    unit_id=r.id,
                    area_id=r.area_id,
                    area_path=r.area_path,
                    signer_id=signers[r.area_path[: r.area_path.rstrip("/").rfind("/") + 1]],
                    deadline=deadline,
                    listed=not community or district in hours,
                    hours=hours.get(district, Decimal(0)) if community else Decimal(0),
                )
            )
        Target.objects.bulk_create(rows, batch_size=2000)
        audit_record(
            actor=actor,
            action="supervision.task.issued",
            obj=task,
            area_path=issuer.area_path,
            new={
                "issuer": issuer.pk,
                "task_type": task_type,
                "deadline": deadline,
                "targets": len(reached),
                "unlisted": len(refused),
                "parent_target": parent.pk if parent else None,
                "lead_unit": lead.pk if lead else None,
                "assisting": [u.pk for u in assisting],
                "consult_action": action.pk if action else None,
                "held": held,
            },
        )
        if not held:
            notices.after_issue(task)
    return task


def hold_unlisted() -> bool:
    """Whether this deployment holds an unlisted task to communities for the general office's
    approval rather than refusing it (NEEDLE_SUPERVISION_HOLD_UNLISTED, off by default)."""
    return settings.NEEDLE_SUPERVISION_HOLD_UNLISTED


def task_issue(
    *, actor: Any, issuer: Unit, draft: Draft, targets: Sequence[Any], deliver_unlisted: bool = False
) -> Task:
    """Issue a task from `issuer` to `targets`. Refuses (422, kept) a type the admission list does
    not admit for resident committees, unless `deliver_unlisted` (they may decline it then).
    Writes the task, its targets and one audit event."""
    actor = require_authenticated(actor)
    if not can_act_for_unit(actor, "supervision.issue", issuer):
        raise PermissionDenied()
    if not issuer.active:
        raise ValidationFailed(fields={"issuer": _("This unit has been dissolved.")})
    return _create(
        actor=actor, issuer=issuer, draft=draft, specs=targets, parent=None, deliver_unlisted=deliver_unlisted
    )


def target_split(
    *, actor: Any, target: Target, draft: Draft | None = None, targets: Sequence[Any] | None = None
) -> Task:
    """A street passes its share down: a child task from the street to its communities (by
    default every active resident committee under it), the same type, and by default the same
    title, body and deadline. The street's progress is the mean of its children's from then on."""
    actor = require_authenticated(actor)
    with transaction.atomic():
        locked = Target.objects.select_for_update().select_related("task", "unit").get(pk=target.pk)
        held = capacities(actor, locked)
        if not held:
            raise PermissionDenied()
        if locked.unit.type != UnitType.STREET_OFFICE:
            raise ValidationFailed(_("Only a street office passes its share down."), code="not_a_street")
        if locked.split:
            raise Conflict(_("This share has been passed down already."), extra={"state": locked.status})
        if not allowed(states.TARGET_MOVES, "split", locked.status, held):
            if TARGET not in held:
                raise PermissionDenied()
            raise Conflict(_("The task cannot be passed down in this state."), extra={"state": locked.status})
        task = locked.task
        draft = draft or Draft(
            title=task.title,
            body=task.body,
            task_type=task.task_type,
            source=task.source,
            priority=task.priority,
            deadline=max(locked.deadline, today()),
        )
        specs = (
            targets
            if targets is not None
            else [{"area": locked.unit.area.code, "unit_type": UnitType.RESIDENT_COMMITTEE}]
        )
        child = _create(
            actor=actor, issuer=locked.unit, draft=draft, specs=specs, parent=locked, deliver_unlisted=False
        )
        locked.split = True
        if locked.status in (states.S.ISSUED, states.S.ACCEPTED):
            locked.status = states.S.REPORTING
        locked.save(update_fields=["split", "status", "updated_at"])
        audit_record(
            actor=actor,
            action="supervision.target.split",
            obj=locked,
            new={"child_task": child.pk, "targets": child.targets_count},
        )
    return child
