"""Units' pairings with a community for a year (单位报到) and members' commitments for the year
(承诺).

A pairing is submitted, resubmitted or withdrawn for the unit by whoever holds an ADMIN or
COORDINATOR role in that very unit (`can_act_for_unit` with "volunteering.manage"), since it
commits the unit's resources; the community's staff confirm or return it (PAIRING_MOVES)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.areas.models import Area, Level
from needle.core.audit import audit_record, audit_record_state, snapshot
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.states import target, wrong_status
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.models import Unit
from needle.orgs.permissions import (
    can_act_for_unit,
    can_in_area,
    is_superuser,
    require,
    require_authenticated,
)
from needle.volunteering.models import (
    STANDING_CHECKIN,
    CheckIn,
    CheckInStatus,
    Commitment,
    ResourceKind,
    Review,
    UnitCheckIn,
    UnitCommitment,
)
from needle.volunteering.services.checkins import MAX_NOTE, text_field
from needle.volunteering.states import PAIRING_MOVES, STAFF, UNIT

MAX_COMMITMENT = 500
MAX_COMMITMENTS = 30
MAX_QUANTITY = Decimal("9999999999")


@dataclass(frozen=True)
class Pledge:
    """One commitment of a unit: what, how much, in what measure (元, days, m²)."""

    kind: str
    description: str
    quantity: Any
    measure: str = ""


def _pledges(items: Sequence[Any]) -> list[UnitCommitment]:
    if not items:
        raise ValidationFailed(fields={"commitments": _("Commit at least one resource.")})
    if len(items) > MAX_COMMITMENTS:
        raise ValidationFailed(
            fields={"commitments": _("At most %(n)d commitments.") % {"n": MAX_COMMITMENTS}}
        )
    rows = []
    for i, item in enumerate(items):
        kind, description, quantity, measure = (
            item
            if not isinstance(item, Pledge)
            else (item.kind, item.description, item.quantity, item.measure)
        )
        where = f"commitments[{i}]"
        if kind not in ResourceKind.values:
            raise ValidationFailed(fields={f"{where}.kind": _("Unknown kind of resource.")})
        try:
            amount = Decimal(str(quantity))
        except (InvalidOperation, ValueError):
            amount = Decimal(0)
        if isinstance(quantity, bool) or not amount.is_finite() or not 0 < amount <= MAX_QUANTITY:
            raise ValidationFailed(fields={f"{where}.quantity": _("Give a quantity above zero.")})
        rows.append(
            UnitCommitment(
                kind=kind,
                description=text_field(description, limit=300, field=f"{where}.description", required=True),
                quantity=amount.quantize(Decimal("0.01")),
                measure=text_field(measure, limit=30, field=f"{where}.measure"),
            )
        )
    return rows


def _year(year: Any, field: str = "year") -> int:
    this = timezone.localdate().year
    if isinstance(year, bool) or not isinstance(year, int) or not this - 1 <= year <= this + 1:
        raise ValidationFailed(fields={field: _("Give this year, the last or the next.")})
    return year


def _pairing_capacities(actor: Any, pairing: UnitCheckIn) -> set[str]:
    held = set()
    if can_act_for_unit(actor, "volunteering.manage", pairing.unit):
        held.add(UNIT)
    # A unit's own people never confirm its pairing, though their role may reach the community.
    if can_in_area(actor, "volunteering.manage", pairing.community.path) and (
        is_superuser(actor) or UNIT not in held
    ):
        held.add(STAFF)
    return held


def _pairing_audit(
    actor: Any, pairing: UnitCheckIn, action: str, old: dict[str, Any] | None, **new: Any
) -> None:
    fields = ["status", "unit", "community", "year", "note"]
    audit_record_state(
        actor=actor, action=f"volunteering.pairing.{action}", obj=pairing, fields=fields, old=old, **new
    )


@transaction.atomic
def pairing_submit(
    *, actor: Any, unit: Unit, community: Area, year: int, commitments: Sequence[Any]
) -> UnitCheckIn:
    """A unit pairs with a community for a year with its commitments (submitted for the
    community's staff to confirm): by an admin or coordinator of that very unit."""
    require_authenticated(actor)
    require(can_act_for_unit(actor, "volunteering.manage", unit))
    if community.level != Level.COMMUNITY or community.retired:
        raise ValidationFailed(
            fields={"community": _("Choose a community (not a street, a district or a grid).")}
        )
    year = _year(year)
    rows = _pledges(commitments)
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    live = UnitCheckIn.objects.filter(unit=unit, community=community, year=year).exclude(
        status=CheckInStatus.WITHDRAWN
    )
    if live.exists():
        raise Conflict(
            _("This unit is already paired with this community for that year."), code="pairing_exists"
        )
    pairing = UnitCheckIn.objects.create(
        unit=unit,
        community=community,
        area_path=community.path,
        year=year,
        status=CheckInStatus.SUBMITTED,
        submitted_by=actor,
    )
    for row in rows:
        row.pairing = pairing
    UnitCommitment.objects.bulk_create(rows)
    _pairing_audit(actor, pairing, "submitted", None, commitments=len(rows))
    return pairing


def _pairing_move(actor: Any, pairing: UnitCheckIn, name: str) -> tuple[UnitCheckIn, str]:
    require_authenticated(actor)
    pairing = (
        UnitCheckIn.objects.select_for_update(of=("self",))
        .select_related("unit", "community", "submitted_by")
        .get(pk=pairing.pk)
    )
    rule = PAIRING_MOVES[name]
    require(bool(_pairing_capacities(actor, pairing) & rule.capacities))
    if pairing.status not in rule.sources:
        raise wrong_status(
            _("This pairing is %(status)s.") % {"status": CheckInStatus(pairing.status).label}, pairing.status
        )
    old = pairing.status
    pairing.status = target(PAIRING_MOVES, name)
    return pairing, old


def _tell_unit(pairing: UnitCheckIn, text: str) -> None:
    notify(
        recipients=[pairing.submitted_by],
        verb="volunteering.pairing",
        message=Message(
            text, {"community": pairing.community.name, "unit": pairing.unit.name, "note": pairing.note}
        ),
        link=reverse("volunteering-pairings", args=[pairing.community.code]),
    )


@transaction.atomic
def pairing_confirm(*, actor: Any, pairing: UnitCheckIn) -> UnitCheckIn:
    """The community's staff confirm the pairing; whoever submitted it hears of it."""
    pairing, old = _pairing_move(actor, pairing, "confirm")
    pairing.decided_by, pairing.confirmed_at, pairing.note = actor, timezone.now(), ""
    pairing.save()
    _pairing_audit(actor, pairing, "confirmed", {"status": old})
    _tell_unit(pairing, gettext_noop("%(community)s confirmed the pairing of %(unit)s."))
    return pairing


@transaction.atomic
def pairing_return(*, actor: Any, pairing: UnitCheckIn, note: str) -> UnitCheckIn:
    """Staff ask the unit for corrections."""
    note = text_field(note, limit=MAX_NOTE, field="note", required=True)
    pairing, old = _pairing_move(actor, pairing, "return")
    pairing.decided_by, pairing.note = actor, note
    pairing.save()
    _pairing_audit(actor, pairing, "returned", {"status": old})
    _tell_unit(
        pairing, gettext_noop("%(community)s asks for corrections to the pairing of %(unit)s: %(note)s")
    )
    return pairing


@transaction.atomic
def pairing_resubmit(
    *, actor: Any, pairing: UnitCheckIn, commitments: Sequence[Any] | None = None
) -> UnitCheckIn:
    """The unit sends the pairing again, its commitments replaced when given."""
    rows = _pledges(commitments) if commitments is not None else None
    pairing, old = _pairing_move(actor, pairing, "resubmit")
    pairing.note = ""
    pairing.save()
    if rows is not None:
        pairing.commitments.all().delete()
        for row in rows:
            row.pairing = pairing
        UnitCommitment.objects.bulk_create(rows)
    _pairing_audit(actor, pairing, "resubmitted", {"status": old})
    return pairing


@transaction.atomic
def pairing_withdraw(*, actor: Any, pairing: UnitCheckIn) -> UnitCheckIn:
    pairing, old = _pairing_move(actor, pairing, "withdraw")
    pairing.save()
    _pairing_audit(actor, pairing, "withdrawn", {"status": old})
    return pairing


# Commitments ---------------------------------------------------------------------------------


@transaction.atomic
def commitment_add(*, actor: Any, year: int, text: str, public: bool = False) -> Commitment:
    """A member with a standing check-in promises something for the year, to its community."""
    person = require_authenticated(actor)
    checkin = (
        CheckIn.objects.filter(person=person, status__in=STANDING_CHECKIN).select_related("community").first()
    )
    if checkin is None:
        raise PermissionDenied(_("Check in with your community before making a commitment."))
    this = timezone.localdate().year
    if isinstance(year, bool) or not isinstance(year, int) or not this <= year <= this + 1:
        raise ValidationFailed(fields={"year": _("Give this year or the next.")})
    if not isinstance(public, bool):
        raise ValidationFailed(fields={"public": _("Give yes or no.")})
    commitment = Commitment.objects.create(
        person=person,
        community=checkin.community,
        area_path=checkin.community.path,
        year=year,
        text=text_field(text, limit=MAX_COMMITMENT, field="text", required=True),
        public=public,
    )
    audit_record(
        actor=actor,
        action="volunteering.commitment.added",
        obj=commitment,
        area_path=commitment.area_path,
        new=snapshot(commitment, ["year", "text", "public"]),
    )
    return commitment


def review_opens(year: int) -> dt.date:
    """A year's commitments are reviewed from its December on."""
    return dt.date(year, 12, 1)


@transaction.atomic
def commitment_review(*, actor: Any, commitment: Commitment, review: str, note: str = "") -> Commitment:
    """The community's staff review a commitment at the year's end: kept, partly, not kept."""
    require_authenticated(actor)
    commitment = Commitment.objects.select_for_update().select_related("community").get(pk=commitment.pk)
    require(can_in_area(actor, "volunteering.manage", commitment.community.path))
    if review not in Review.values:
        raise ValidationFailed(fields={"review": _("Choose kept, partly or not kept.")})
    note = text_field(note, limit=MAX_NOTE, field="note")
    if timezone.localdate() < review_opens(commitment.year):
        raise Conflict(
            _("Commitments for %(year)s are reviewed from December on.") % {"year": commitment.year},
            code="too_early",
        )
    old = snapshot(commitment, ["review", "review_note"])
    commitment.review, commitment.review_note = review, note
    commitment.reviewed_by, commitment.reviewed_at = actor, timezone.now()
    commitment.save()
    audit_record(
        actor=actor,
        action="volunteering.commitment.reviewed",
        obj=commitment,
        area_path=commitment.area_path,
        old=old,
        new=snapshot(commitment, ["review", "review_note"]),
    )
    return commitment
