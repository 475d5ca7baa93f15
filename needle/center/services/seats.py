"""The seats of one activity: how many are taken, who is next in line, and telling people
what happened to their registration.

The callers hold the activity's row lock (select_for_update: a row lock on PostgreSQL; SQLite's
IMMEDIATE transactions serialize writers), so counting the seats and giving one away is one
step that no other registration can interleave with: the last seat goes to exactly one person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from needle.center.models import SEATED, Activity, Registration, Status
from needle.center.states import MOVES
from needle.core.audit import audit_record
from needle.core.states import target
from needle.notify.messages import Message
from needle.notify.services import notify, sms_to_phone

# How long a freed seat is kept for the person it is offered to, at most; close to the start,
# half the time that is left, so that an unanswered offer can still pass to the next in line.
OFFER_HOURS = 24


def seats_taken(activity: Activity) -> int:
    return Registration.objects.filter(activity=activity, status__in=SEATED).count()


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting."""
    if registration.status != Status.WAITLISTED or registration.queue_number is None:
        return None
    ahead = Registration.objects.filter(
        activity_id=registration.activity_id,
        status=Status.WAITLISTED,
        queue_number__lt=registration.queue_number,
    ).count()
    return ahead + 1


def offer_deadline(now: dt.datetime, starts_at: dt.datetime) -> dt.datetime:
    return now + min(dt.timedelta(hours=OFFER_HOURS), (starts_at - now) / 2)


def tell(registration: Registration, verb: str, message: Message) -> None:
    """The registrant hears of the move: in Needle (and their chosen channels) with an account,
    by a text message to the phone on their record without one."""
    if registration.person_id is not None:
        notify(recipients=[registration.person], verb=verb, message=message, link=reverse("center-mine"))
        return
    record = registration.record
    # A family member's place is looked after by the one who registered them: they confirm an
    # offer, so they hear of every move in Needle too.
    if record is not None and record.family_of is not None:
        notify(recipients=[record.family_of], verb=verb, message=message, link=reverse("center-mine"))
    if record is not None and record.phone:
        sms_to_phone(phone=record.phone, verb=verb, message=message)


def _params(registration: Registration, activity: Activity) -> dict[str, Any]:
    start = timezone.localtime(activity.starts_at)
    return {"title": activity.title, "start": start.strftime("%Y-%m-%d %H:%M"), "code": registration.code}


def offer_free_seats(activity: Activity) -> list[Registration]:
    """Offer each free seat to the first waiting person, in arrival order (the caller holds the
    activity's lock). No offer once the activity has started."""
    now = timezone.now()
    if activity.starts_at <= now:
        return []
    free = activity.capacity - seats_taken(activity)
    if free <= 0:
        return []
    offered = list(
        Registration.objects.select_related("person", "record")
        .filter(activity=activity, status__in=MOVES["offer"].sources)
        .order_by("queue_number")[:free]
    )
    until = offer_deadline(now, activity.starts_at)
    for registration in offered:
        registration.status = target(MOVES, "offer")
        registration.offered_until = until
        registration.save(update_fields=["status", "offered_until", "updated_at"])
        audit_record(
            actor=None,
            action="center.registration.offered",
            obj=registration,
            area_path=activity.area_path,
            old={"status": Status.WAITLISTED},
            new={"status": Status.OFFERED, "offered_until": until},
        )
        params = _params(registration, activity)
        params["until"] = timezone.localtime(until).strftime("%Y-%m-%d %H:%M")
        tell(
            registration,
            "center.registration.offered",
            Message(
                gettext_noop(
                    "A seat is free for %(title)s on %(start)s: confirm by %(until)s to take it "
                    "(registration %(code)s)."
                ),
                params,
            ),
        )
    return offered


def tell_lapsed(registration: Registration, activity: Activity) -> None:
    """The registrant hears that the seat offered passed to the next in line."""
    text = gettext_noop(
        "The seat offered to you for %(title)s on %(start)s was not taken in time and passed to the next in line."
    )
    tell(registration, "center.registration.lapsed", Message(text, _params(registration, activity)))


def tell_status(registration: Registration, activity: Activity) -> None:
    """The registrant hears where their registration stands now."""
    params = _params(registration, activity)
    texts = {
        Status.CONFIRMED: gettext_noop(
            "Your seat for %(title)s on %(start)s is confirmed; your code is %(code)s."
        ),
        Status.WAITLISTED: gettext_noop(
            "%(title)s on %(start)s is full: you are on the waitlist (registration %(code)s)."
        ),
        Status.CANCELLED: gettext_noop("Your registration %(code)s for %(title)s on %(start)s is cancelled."),
        Status.ATTENDED: gettext_noop("Welcome to %(title)s: you are checked in."),
        Status.NO_SHOW: gettext_noop("You were marked absent from %(title)s on %(start)s."),
    }
    text = texts.get(Status(registration.status))
    if text:
        tell(registration, f"center.registration.{registration.status}", Message(text, params))
