"""Who may do what with a consultation: the one answer its services, selectors, pages and API ask.

- `issuer`: an issuing role in the issuing unit itself (open, close, issue a task from it);
- `consulted`: a working role in one of the units asked (answer for that unit);
- a reader: either of those, or "supervision.view" over the issuer's place. Units asked see the
  draft and their own answers; the issuer and the readers above see every unit's answer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from needle.orgs.models import Unit
from needle.orgs.permissions import can_act_for_unit, can_in_area, granting_unit_ids, is_superuser
from needle.supervision.access import visible_row
from needle.supervision.models import Consultation, ConsultationReply
from needle.supervision.states import CONSULTED, ISSUER


def answering_units(actor: Any, consultation: Consultation) -> list[int]:
    """The units asked in which the actor holds a working role (every unit asked, for a superuser)."""
    replies = ConsultationReply.objects.filter(consultation=consultation)
    if not is_superuser(actor):
        replies = replies.filter(unit_id__in=granting_unit_ids(actor, "supervision.work"))
    return list(replies.order_by("id").values_list("unit_id", flat=True))


def consultation_capacities(actor: Any, consultation: Consultation) -> set[str]:
    """The capacities of states.CONSULTATION_MOVES the actor holds here."""
    held = set()
    if can_act_for_unit(actor, "supervision.issue", Unit(pk=consultation.issuer_id)):
        held.add(ISSUER)
    if answering_units(actor, consultation):
        held.add(CONSULTED)
    return held


def may_see_all(actor: Any, consultation: Consultation, held: set[str]) -> bool:
    """Every unit's answer: the issuer's staff and the readers over the issuer's place."""
    return ISSUER in held or can_in_area(actor, "supervision.view", consultation.area_path)


def may_view_consultation(actor: Any, consultation: Consultation, held: set[str]) -> bool:
    return bool(held) or may_see_all(actor, consultation, held)


def visible_consultation(
    actor: Any, rows: QuerySet[Consultation], consultation_id: int
) -> tuple[Consultation, set[str]]:
    return visible_row(
        actor, rows, consultation_id, held_by=consultation_capacities, may_view=may_view_consultation
    )
