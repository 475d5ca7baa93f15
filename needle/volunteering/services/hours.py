"""The ledger of service hours: members report, community staff verify or reject, coordinators
log a shift's hours at once; a correction never edits a line but reverses it (and adds the right
hours). Points are fixed at verification by the PointRule rows then in force; with no rule at all
an hour earns one point. Targets and the signature on a quarterly service card live here too."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.areas.models import Area
from needle.cases.uploads import clean_image, photo_files_removed_on_error, store_photo
from needle.core.audit import audit_record
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.stored_files import StoredFile
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.models import Person, RoleAssignment, Unit
from needle.orgs.permissions import require, require_authenticated
from needle.volunteering.models import (
    CardSignoff,
    CheckIn,
    Claim,
    ClaimStatus,
    HourEntry,
    HourStatus,
    PointRule,
    PointRuleKind,
    ServiceKind,
    Shift,
    Target,
)
from needle.volunteering.quarters import (
    is_staff_for,
    require_ended,
    standing_checkin,
)
from needle.volunteering.states import HOUR_MOVES

MAX_BACK_DAYS = 90
DAY_HOURS = Decimal(24)
# Without any PointRule in force, one verified hour earns one point.
DEFAULT_POINTS_PER_HOUR = Decimal(1)
TWO = Decimal("0.01")


def _hours(value: Any, *, allow_zero: bool = False) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(fields={"hours": _("Give a number of hours.")}) from None
    if not hours.is_finite() or hours != hours.quantize(TWO):
        raise ValidationFailed(fields={"hours": _("Give hours with at most two decimals.")})
    if hours < 0 or (hours == 0 and not allow_zero) or hours > DAY_HOURS:
        raise ValidationFailed(fields={"hours": _("Give more than 0 and at most 24 hours.")})
    return hours.quantize(TWO)


def _text(field: str, value: Any, limit: int, *, required: bool) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(fields={field: _("Give a text.")})
    if "\x00" in text:
        raise ValidationFailed(fields={field: _("This text contains a character that is not allowed.")})
    if required and not text:
        raise ValidationFailed(fields={field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationFailed(fields={field: _("At most %(n)d characters.") % {"n": limit}})
    return text


def _day_total(person: Person, date: dt.date) -> Decimal:
    total = HourEntry.objects.filter(
        person=person, date=date, status__in=[HourStatus.REPORTED, HourStatus.VERIFIED]
    ).aggregate(s=Sum("hours"))["s"]
    return total or Decimal(0)


def _check_day(person: Person, date: dt.date, hours: Decimal) -> None:
    if _day_total(person, date) + hours > DAY_HOURS:
        raise ValidationFailed(fields={"hours": _("More than 24 hours on one day.")})


def _tell(person: Person, verb: str, text: str, **params: Any) -> None:
    notify(recipients=[person], verb=verb, message=Message(text, params), link=reverse("home"))


@photo_files_removed_on_error
@transaction.atomic
def hours_report(
    *,
    actor: Any,
    date: dt.date,
    hours: Any,
    description: str,
    kind: str = "",
    shift: Shift | None = None,
    evidence_note: str = "",
    evidence: bytes | None = None,
) -> HourEntry:
    """A member reports hours for their standing check-in's community; staff verify them.
    `evidence` is a photo's raw bytes, cleaned of its metadata by the cases' image pipeline."""
    person = require_authenticated(actor)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one report at a time per member
    checkin = standing_checkin(person)
    if checkin is None:
        raise Conflict(_("Check in with a community before reporting hours."), code="no_checkin")
    if not isinstance(date, dt.date):
        raise ValidationFailed(fields={"date": _("Give a date.")})
    today = timezone.localdate()
    if date > today:
        raise ValidationFailed(fields={"date": _("The date is in the future.")})
    if date < today - dt.timedelta(days=MAX_BACK_DAYS):
        raise ValidationFailed(
            fields={"date": _("Hours can be reported up to %(n)d days back.") % {"n": MAX_BACK_DAYS}}
        )
    amount = _hours(hours)
    text = _text("description", description, 500, required=True)
    note = _text("evidence_note", evidence_note, 300, required=False)
    if kind and kind not in ServiceKind.values:
        raise ValidationFailed(fields={"kind": _("No such kind of service.")})
    if shift is not None and shift.project.community_id != checkin.community_id:
        raise ValidationFailed(fields={"shift": _("This shift is in another community.")})
    _check_day(person, date, amount)
    entry = HourEntry(
        person=person,
        community=checkin.community,
        area_path=checkin.area_path,
        workplace=checkin.workplace,
        date=date,
        hours=amount,
        description=text,
        kind=kind,
        shift=shift,
        evidence_note=note,
        status=HourStatus.REPORTED,
        reported_by=person,
    )
    if evidence:
        image = clean_image(evidence, field="evidence")
        store_photo(
            StoredFile(entry, entry.evidence), f"{person.pk}-{secrets.token_hex(6)}.{image.extension}", image
        )
    else:
        entry.save()
    audit_record(actor=person, action="volunteering.hours.reported", obj=entry, area_path=entry.area_path)
    return entry


def _points(entry: HourEntry) -> Decimal:
    rules = list(PointRule.objects.filter(active=True))
    if not rules:
        return (entry.hours * DEFAULT_POINTS_PER_HOUR).quantize(TWO)
    total = Decimal(0)
    for rule in rules:
        if rule.kind == PointRuleKind.PER_HOUR or (
            rule.kind == PointRuleKind.KIND_PER_HOUR and entry.kind and rule.service_kind == entry.kind
        ):
            total += rule.points * entry.hours
        elif rule.kind == PointRuleKind.URGENT_BONUS and entry.urgent:
            total += rule.points
    return total.quantize(TWO, rounding=ROUND_HALF_UP)


def _served(entry: HourEntry) -> None:
    checkin = standing_checkin(entry.person)
    if checkin is not None and (checkin.last_served_on is None or checkin.last_served_on < entry.date):
        CheckIn.objects.filter(pk=checkin.pk).update(last_served_on=entry.date, updated_at=timezone.now())


def _decide(actor: Any, entry: HourEntry, name: str) -> tuple[Person, HourEntry]:
    person = require_authenticated(actor)
    if entry.person_id == person.pk:
        raise PermissionDenied(_("Nobody verifies their own hours."), code="own_hours")
    require(is_staff_for(person, entry), visible=False)
    locked = HourEntry.objects.select_for_update().select_related("person").get(pk=entry.pk)
    if locked.status not in HOUR_MOVES[name].sources:
        raise Conflict(_("These hours were already decided."))
    return person, locked


def _announce_decision(person: Person, entry: HourEntry, action: str, text: str, **params: Any) -> None:
    """Audits a decision on reported hours and tells their member, both under `action`."""
    audit_record(actor=person, action=action, obj=entry, area_path=entry.area_path)
    _tell(entry.person, action, text, hours=str(entry.hours), date=entry.date.isoformat(), **params)


@transaction.atomic
def hours_verify(*, actor: Any, entry: HourEntry) -> HourEntry:
    person, entry = _decide(actor, entry, "verify")
    entry.status = HourStatus.VERIFIED
    entry.verified_by, entry.verified_at = person, timezone.now()
    entry.points = _points(entry)
    entry.save(update_fields=["status", "verified_by", "verified_at", "points", "updated_at"])
    _served(entry)
    _announce_decision(
        person,
        entry,
        "volunteering.hours.verified",
        gettext_noop("Your %(hours)s hours of %(date)s were verified."),
    )
    return entry


@transaction.atomic
def hours_reject(*, actor: Any, entry: HourEntry, reason: str) -> HourEntry:
    text = _text("reason", reason, 300, required=True)
    person, entry = _decide(actor, entry, "reject")
    entry.status, entry.reason = HourStatus.REJECTED, text
    entry.save(update_fields=["status", "reason", "updated_at"])
    _announce_decision(
        person,
        entry,
        "volunteering.hours.rejected",
        gettext_noop("Your %(hours)s hours of %(date)s were not accepted: %(reason)s"),
        reason=text,
    )
    return entry


@transaction.atomic
def hours_log_for_shift(*, actor: Any, shift: Shift, hours: Any, description: str) -> list[HourEntry]:
    """Verified hours for every attendee of a shift at once; its claims are marked done. The
    actor's own claim is skipped (nobody verifies their own hours), and so is a member who
    already has hours logged for this shift: a second submission adds nothing."""
    person = require_authenticated(actor)
    shift = Shift.objects.select_related("project__community").get(pk=shift.pk)
    community = shift.project.community
    require(is_staff_for(person, community), visible=False)
    amount = _hours(hours)
    text = _text("description", description, 500, required=True)
    day = timezone.localdate(shift.starts_at) if shift.starts_at else (shift.due_on or timezone.localdate())
    if day > timezone.localdate():
        raise ValidationFailed(fields={"date": _("The shift has not happened yet.")})
    claims = list(
        Claim.objects.select_for_update()
        .filter(
            shift=shift,
            person__isnull=False,
            status__in=[ClaimStatus.CLAIMED, ClaimStatus.ACCEPTED, ClaimStatus.DONE],
        )
        .select_related("person")
    )
    logged = set(
        HourEntry.objects.filter(shift=shift, reverses__isnull=True)
        .exclude(status=HourStatus.REJECTED)
        .values_list("person_id", flat=True)
    )
    entries = []
    for claim in claims:
        member = claim.person
        if member is None or member.pk == person.pk or member.pk in logged:
            continue
        _check_day(member, day, amount)
        checkin = standing_checkin(member)
        entry = HourEntry(
            person=member,
            community=community,
            area_path=community.path,
            workplace=checkin.workplace if checkin else None,
            date=day,
            hours=amount,
            description=text,
            shift=shift,
            status=HourStatus.VERIFIED,
            reported_by=person,
            verified_by=person,
            verified_at=timezone.now(),
        )
        entry.points = _points(entry)
        entry.save()
        _served(entry)
        if claim.status != ClaimStatus.DONE:
            Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.DONE, updated_at=timezone.now())
        audit_record(actor=person, action="volunteering.hours.logged", obj=entry, area_path=entry.area_path)
        entries.append(entry)
    return entries


@transaction.atomic
def hours_correct(*, actor: Any, entry: HourEntry, hours: Any, reason: str) -> list[HourEntry]:
    """A verified line is reversed (its opposite hours and points) and, with hours > 0, the
    corrected hours are entered anew; a line is corrected once."""
    amount = _hours(hours, allow_zero=True)
    text = _text("reason", reason, 300, required=True)
    person = require_authenticated(actor)
    require(is_staff_for(person, entry), visible=False)
    entry = HourEntry.objects.select_for_update().select_related("person", "community").get(pk=entry.pk)
    if entry.person_id == person.pk:
        raise PermissionDenied(_("Nobody verifies their own hours."), code="own_hours")
    if entry.status != HourStatus.VERIFIED or entry.hours < 0:
        raise Conflict(_("Only verified hours can be corrected."))
    if HourEntry.objects.filter(reverses=entry).exists():
        raise Conflict(_("These hours were already corrected."))
    now = timezone.now()
    common = {
        "person": entry.person,
        "community": entry.community,
        "area_path": entry.area_path,
        "workplace": entry.workplace,
        "date": entry.date,
        "description": entry.description,
        "kind": entry.kind,
        "shift": entry.shift,
        "urgent": entry.urgent,
        "status": HourStatus.VERIFIED,
        "reported_by": person,
        "verified_by": person,
        "verified_at": now,
        "reason": text,
    }
    out = [HourEntry.objects.create(reverses=entry, hours=-entry.hours, points=-entry.points, **common)]
    if amount > 0:
        new = HourEntry(hours=amount, **common)
        new.points = _points(new)
        new.save()
        out.append(new)
    audit_record(actor=person, action="volunteering.hours.corrected", obj=entry, area_path=entry.area_path)
    return out


@transaction.atomic
def target_set(*, actor: Any, community: Area, quarter_hours: Any, year_hours: Any) -> Target:
    person = require_authenticated(actor)
    require(is_staff_for(person, community))
    values = {}
    for field, value in (("quarter_hours", quarter_hours), ("year_hours", year_hours)):
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise ValidationFailed(fields={field: _("Give a number of hours.")}) from None
        if not number.is_finite() or not 0 <= number <= 2000:
            raise ValidationFailed(fields={field: _("Give from 0 to 2000 hours.")})
        values[field] = number.quantize(TWO)
    target, _created = Target.objects.update_or_create(community=community, defaults=values)
    audit_record(actor=person, action="volunteering.target.set", obj=target, area_path=community.path)
    return target


def _unit_coordinators(unit: Unit) -> list[Person]:
    ids = RoleAssignment.objects.filter(unit=unit).values_list("person_id", flat=True)
    return list(Person.objects.filter(pk__in=list(ids)))


def _signoff_one(
    person: Person, actor: Person, community: Area, quarter: str, start: dt.date, end: dt.date
) -> CardSignoff:
    hours = HourEntry.objects.filter(
        person=person, community=community, status=HourStatus.VERIFIED, date__gte=start, date__lte=end
    ).aggregate(s=Sum("hours"))["s"] or Decimal(0)
    signoff, created = CardSignoff.objects.get_or_create(
        person=person,
        community=community,
        quarter=quarter,
        defaults={"signed_by": actor, "signed_at": timezone.now(), "hours": hours},
    )
    if not created:
        raise Conflict(_("This card is already signed."), code="already_signed")
    audit_record(actor=actor, action="volunteering.card.signed", obj=signoff, area_path=community.path)
    checkin = standing_checkin(person)
    workplace = checkin.workplace if checkin else None
    if workplace is not None:
        link = f"/api/v1/volunteering/members/{person.pk}/card.pdf?quarter={quarter}"
        notify(
            recipients=_unit_coordinators(workplace),
            verb="volunteering.card.signed",
            message=Message(
                gettext_noop("%(name)s's service card for %(quarter)s was signed: %(hours)s hours."),
                {"name": person.get_full_name() or person.username, "quarter": quarter, "hours": str(hours)},
            ),
            link=link,
        )
    return signoff


@transaction.atomic
def card_signoff(*, actor: Any, person: Person, community: Area, quarter: str) -> CardSignoff:
    me = require_authenticated(actor)
    require(is_staff_for(me, community))
    if person.pk == me.pk:
        raise PermissionDenied(_("Nobody signs their own service card."), code="own_card")
    start, end = require_ended(quarter)
    return _signoff_one(person, me, community, quarter, start, end)


@transaction.atomic
def cards_signoff_all(*, actor: Any, community: Area, quarter: str) -> list[CardSignoff]:
    """Signs every unsigned card of the community's members with verified hours that quarter."""
    me = require_authenticated(actor)
    require(is_staff_for(me, community))
    start, end = require_ended(quarter)
    signed = set(
        CardSignoff.objects.filter(community=community, quarter=quarter).values_list("person_id", flat=True)
    )
    ids = (
        HourEntry.objects.filter(
            community=community, status=HourStatus.VERIFIED, date__gte=start, date__lte=end
        )
        .exclude(person_id__in=signed)
        .exclude(person_id=me.pk)
        .values_list("person_id", flat=True)
        .distinct()
    )
    return [
        _signoff_one(p, me, community, quarter, start, end) for p in Person.objects.filter(pk__in=list(ids))
    ]
