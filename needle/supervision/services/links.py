"""What a task is linked to beyond its targets: the lead and assisting units of a task shared
between departments, and the think tank's result action it carries out. Checked when the task is
issued (services.issue), so the links a task holds were allowed by whoever made them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from needle.consult.access import may_manage
from needle.consult.models import Action
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.schemas import MAX_ID
from needle.orgs.models import Unit
from needle.supervision.models import Task

MAX_ASSISTING = 20


def _ids(value: Any, field: str) -> list[int]:
    if not isinstance(value, (list, tuple)):
        raise ValidationFailed(fields={field: _("Give a list of unit ids.")})
    if len(value) > MAX_ASSISTING:
        raise ValidationFailed(fields={field: _("At most %(n)d entries.") % {"n": MAX_ASSISTING}})
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_ID:
            raise ValidationFailed(fields={field: _("Give a list of unit ids.")})
        out.append(v)
    return sorted(set(out))


def coordination(issuer: Unit, lead: Any, assisting: Sequence[Any]) -> tuple[Unit | None, list[Unit]]:
    """The lead unit (by default none: the issuer answers) and the assisting units, all active
    and within the issuer's area; the lead is not among the assisting units."""
    lead_unit = None
    if lead is not None:
        (lead_id,) = _ids([lead], "lead_unit")
        lead_unit = Unit.objects.filter(pk=lead_id, dissolved_on__isnull=True).first()
        if lead_unit is None:
            raise ValidationFailed(fields={"lead_unit": _("No active unit has this id.")})
        if not lead_unit.area_path.startswith(issuer.area_path):
            raise ValidationFailed(fields={"lead_unit": _("The unit lies outside the issuer's area.")})
    wanted = _ids(list(assisting or []), "assisting")
    units = list(Unit.objects.filter(pk__in=wanted, dissolved_on__isnull=True).order_by("pk"))
    if len(units) != len(wanted):
        raise ValidationFailed(fields={"assisting": _("No active unit has one of these ids.")})
    if any(not u.area_path.startswith(issuer.area_path) for u in units):
        raise ValidationFailed(fields={"assisting": _("A unit lies outside the issuer's area.")})
    if lead_unit is not None and lead_unit.pk in wanted:
        raise ValidationFailed(fields={"assisting": _("The lead unit is not also an assisting unit.")})
    return lead_unit, units


def consult_action(actor: Any, value: Any) -> Action | None:
    """The think tank's action a new task carries out: one its maker may follow through (manages
    the result's area), not already followed by a request, a project or another task."""
    if value is None:
        return None
    (pk,) = _ids([value], "consult_action")
    action = Action.objects.select_related("result").filter(pk=pk).first()
    if action is None:
        raise ValidationFailed(fields={"consult_action": _("No think tank action has this id.")})
    if not may_manage(actor, action.result.area_path):
        raise PermissionDenied()
    if action.case_id is not None or action.project_id is not None or action.children.exists():
        raise ValidationFailed(
            fields={"consult_action": _("This action follows other work already.")}, code="action_followed"
        )
    if Task.objects.filter(consult_action=action).exists():
        raise Conflict(_("A task carries out this action already."), extra={"consult_action": pk})
    return action
