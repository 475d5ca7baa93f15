"""Pairing helpers with recipients (结对): a person (member, staff, grid worker) or a unit, one
lead among a recipient's current helpers, and the helpers who left (membership ended, moved
away, account closed), whose pairings end so that their recipients join the community's "needs
a new helper" list.

Who is a current helper is one rule, `current_q`, read by the list of recipients needing a
helper (selectors) and by the daily job that ends the pairings of those who left; so the list is
right the same day, before the job has run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.care.access import current_q, standing_q
from needle.care.inputs import text
from needle.care.models import Pairing, Recipient, Status
from needle.care.services.schedule import district_path
from needle.core.audit import audit_event, audit_record_all, audit_record_state
from needle.core.errors import Conflict, ValidationFailed
from needle.core.models import AuditEvent
from needle.core.sql import AnyOf
from needle.core.states import wrong_status
from needle.orgs.models import GridAssignment, Membership, Person, RoleAssignment, Unit
from needle.orgs.permissions import can_in_area, require, require_authenticated
from needle.volunteering.models import CheckIn, CheckInStatus

MAX_REASON = 300
LIVE_CHECKINS = (CheckInStatus.SUBMITTED, CheckInStatus.CONFIRMED, CheckInStatus.RETURNED)


def helper_places(*, helper: Person | None = None, unit: Unit | None = None) -> set[str]:
    """The area paths a helper belongs to: a unit's area; a person's home, live check-ins,
    open memberships' and roles' units, and grids."""
    if unit is not None:
        return {unit.area_path}
    assert helper is not None
    places: set[str] = set()
    if helper.home_area_id is not None:
        places.add(helper.home_area.path)  # type: ignore[union-attr]
    places |= set(
        CheckIn.objects.filter(person=helper, status__in=LIVE_CHECKINS).values_list("area_path", flat=True)
    )
    places |= set(
        Membership.objects.filter(person=helper, left_on__isnull=True).values_list(
            "unit__area_path", flat=True
        )
    )
    places |= set(RoleAssignment.objects.filter(person=helper).values_list("unit__area_path", flat=True))
    places |= set(
        GridAssignment.objects.filter(worker=helper, ended_at__isnull=True).values_list(
            "area_path", flat=True
        )
    )
    return places


def same_district(places: set[str], path: str) -> bool:
    """Whether one of `places` lies in the district of `path`, or above it (a city's unit)."""
    district = district_path(path)
    for place in places:
        if path.startswith(place):
            return True
        if district is not None and place.startswith(district):
            return True
    return False


def _is_standing(person: Person) -> bool:
    return Person.objects.filter(pk=person.pk, is_active=True).filter(standing_q(OuterRef("pk"))).exists()


LOGGED_FIELDS = ["recipient", "helper", "unit", "lead", "ended_on"]


def _log(actor: Any, pairing: Pairing, *, action: str, old: dict[str, Any] | None, **extra: Any) -> None:
    audit_record_state(actor=actor, action=action, obj=pairing, fields=LOGGED_FIELDS, old=old, **extra)


def ended_event(actor: Any, pairing: Pairing, *, action: str, ended: dt.date, **extra: Any) -> AuditEvent:
    """The audit event of an open pairing that ends on `ended` and stops leading, for the
    caller's batch of events (audit_record_all)."""
    return audit_event(
        actor=actor,
        action=action,
        obj=pairing,
        area_path=pairing.area_path,
        old={"ended_on": None, "lead": pairing.lead},
        new={"ended_on": ended, "lead": False, **extra},
    )


def _locked_recipient(recipient: Recipient) -> Recipient:
    # Every change of a recipient's pairings holds the recipient's row: two staff setting the
    # lead at once queue here, and the one-lead constraint never sees a race.
    return Recipient.objects.select_for_update().get(pk=recipient.pk)


def _require_staff(actor: Any, recipient: Recipient) -> None:
    require_authenticated(actor)
    require(can_in_area(actor, "care.manage", recipient.area_path))


@transaction.atomic
def pairing_add(
    *,
    actor: Any,
    recipient: Recipient,
    helper: Person | None = None,
    unit: Unit | None = None,
    lead: bool = False,
    reason: str = "",
) -> Pairing:
    """Pair a helper (a person or a unit) with a recipient: the community's care staff. A
    helper from another district needs a reason; the recipient's first helper leads, and a new
    lead takes the lead from the one before."""
    _require_staff(actor, recipient)
    if (helper is None) == (unit is None):
        raise ValidationFailed(fields={"helper": _("Give a helper or a unit, not both.")})
    if not isinstance(lead, bool):
        raise ValidationFailed(fields={"lead": _("Give true or false.")})
    reason = text(reason, limit=MAX_REASON, field="reason")
    recipient = _locked_recipient(recipient)
    if recipient.status != Status.ACTIVE:
        raise wrong_status(_("This person is no longer in care."), recipient.status)
    if helper is not None and not _is_standing(helper):
        raise ValidationFailed(
            fields={"helper": _("This person is not a member, staff or grid worker of any unit.")}
        )
    if unit is not None and unit.dissolved_on is not None:
        raise ValidationFailed(fields={"unit": _("The unit is dissolved.")})
    if not same_district(helper_places(helper=helper, unit=unit), recipient.area_path) and not reason:
        raise ValidationFailed(fields={"reason": _("The helper is from another district: say why.")})
    open_pairings = Pairing.objects.filter(recipient=recipient, ended_on__isnull=True)
    if open_pairings.filter(Q(helper=helper) if helper is not None else Q(unit=unit)).exists():
        raise Conflict(_("This helper is already paired with this person."), code="already_paired")
    first = not open_pairings.exists()
    if lead and not first:
        open_pairings.filter(lead=True).update(lead=False, updated_at=timezone.now())
    pairing = Pairing.objects.create(
        recipient=recipient,
        helper=helper,
        unit=unit,
        lead=lead or first,
        started_on=timezone.localdate(),
        reason=reason,
        area_path=recipient.area_path,
    )
    _log(actor, pairing, action="care.pairing.added", old=None, reason=reason)
    return pairing


def _promote(recipient: Recipient) -> Pairing | None:
    """Give the lead to the longest-standing current helper when none leads."""
    open_pairings = Pairing.objects.filter(recipient=recipient, ended_on__isnull=True)
    if open_pairings.filter(lead=True).exists():
        return None
    heir = open_pairings.filter(current_q()).order_by("started_on", "pk").first()
    if heir is not None:
        heir.lead = True
        heir.save(update_fields=["lead", "updated_at"])
    return heir


@transaction.atomic
def pairing_end(*, actor: Any, pairing: Pairing, reason: str) -> Pairing:
    """End a pairing (unpaired), with a reason: the community's care staff. When it led, the
    longest-standing other helper leads; with none left, the recipient is on the "needs a new
    helper" list at once."""
    _require_staff(actor, pairing.recipient)
    reason = text(reason, limit=200, field="reason", required=True)
    recipient = _locked_recipient(pairing.recipient)
    pairing = Pairing.objects.get(pk=pairing.pk)
    if pairing.ended_on is not None:
        raise Conflict(_("This pairing has already ended."), code="wrong_status")
    pairing.ended_on = timezone.localdate()
    pairing.end_reason = reason
    was_lead = pairing.lead
    pairing.lead = False
    pairing.save(update_fields=["ended_on", "end_reason", "lead", "updated_at"])
    _log(
        actor,
        pairing,
        action="care.pairing.ended",
        old={"ended_on": None, "lead": was_lead},
        end_reason=reason,
    )
    if was_lead:
        heir = _promote(recipient)
        if heir is not None:
            _log(actor, heir, action="care.pairing.lead", old={"lead": False})
    return pairing


@transaction.atomic
def pairing_lead(*, actor: Any, pairing: Pairing) -> Pairing:
    """Make this helper the recipient's lead (the one before stops leading)."""
    _require_staff(actor, pairing.recipient)
    recipient = _locked_recipient(pairing.recipient)
    pairing = Pairing.objects.get(pk=pairing.pk)
    if pairing.ended_on is not None:
        raise Conflict(_("This pairing has ended."), code="wrong_status")
    if pairing.lead:
        return pairing
    Pairing.objects.filter(recipient=recipient, ended_on__isnull=True, lead=True).update(
        lead=False, updated_at=timezone.now()
    )
    pairing.lead = True
    pairing.save(update_fields=["lead", "updated_at"])
    _log(actor, pairing, action="care.pairing.lead", old={"lead": False})
    return pairing


@transaction.atomic
def pairings_of_leavers_end() -> int:
    """The daily job's work: end the open pairings whose helper is no longer a helper (left
    every unit, moved away, account closed, unit dissolved), each audited, leads handed on.
    Safe to run twice: a second run finds nothing."""
    today = timezone.localdate()
    leaving = Pairing.objects.filter(ended_on__isnull=True).exclude(current_q())
    held = sorted(set(leaving.values_list("recipient_id", flat=True)))
    if not held:
        return 0
    # The recipients' rows before their pairings, in the order of their keys, as every change
    # of pairings holds them (_locked_recipient): a staff member setting the lead meanwhile
    # waits, and the lead handed on below cannot race theirs.
    list(Recipient.objects.select_for_update().filter(AnyOf("id", held)).order_by("pk").values_list("pk"))
    gone = list(
        leaving.select_for_update(of=("self",))
        .filter(AnyOf("recipient_id", held))
        .select_related("recipient")
    )
    if not gone:
        return 0
    events = []
    for pairing in gone:
        events.append(ended_event(None, pairing, action="care.pairing.helper_left", ended=today))
    Pairing.objects.filter(pk__in=[p.pk for p in gone]).update(
        ended_on=today, end_reason=_("The helper left."), lead=False, updated_at=timezone.now()
    )
    for recipient_id in {p.recipient_id for p in gone if p.lead}:
        heir = _promote(Recipient(pk=recipient_id))
        if heir is not None:
            events.append(
                audit_event(
                    actor=None, action="care.pairing.lead", obj=heir, old={"lead": False}, new={"lead": True}
                )
            )
    audit_record_all(events)
    return len(gone)
