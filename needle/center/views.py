"""The public center page of a community (this week's activities with the seats left, its
convenience services with their next open slots) and a resident's register, book and cancel
buttons; my activities and the calendar feeds; the rooms page (the centers' rooms and hours, a
request form and one's own requests) and the staff's page of room requests to decide. Thin, over
the same selectors and services as the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from needle.areas.selectors import area_get
from needle.center import presenters, selectors, services
from needle.center.forms import FORM_FIELD, BookingForm
from needle.center.models import STANDING, AppointmentStatus, BookingStatus, Registration, Status
from needle.center.services.seats import waitlist_position
from needle.core.errors import DomainError, NotFound, ValidationFailed
from needle.core.photos import photo_response
from needle.core.redirects import redirect_to_next
from needle.core.refusals import refusal_as_message
from needle.orgs.models import Person
from needle.orgs.permissions import can_in_area, require_anywhere
from needle.orgs.selectors import access_family_member, my_family
from needle.orgs.services import family_member_add

WEEK = 7
# A public page or feed of a wide area (a district, the city) lists the soonest this many: a
# subscriber wants their community's, and an unbounded list is an easy way to load the server.
PAGE_MAX = 60
FEED_MAX = 1000
# Feed horizon: a subscribed calendar shows the month behind and a quarter ahead.
FEED_BEFORE = dt.timedelta(days=31)
FEED_AFTER = dt.timedelta(days=92)
SAID = {
    Status.CONFIRMED: _("You have a seat; show your code %(code)s at the door."),
    Status.WAITLISTED: _("The activity is full: you are number %(position)s on the waitlist."),
    Status.CANCELLED: _("Your registration is cancelled."),
}
# The open slots a service shows on the page, at most: the next few are what a caller asks for.
OPEN_SLOTS = 8
BOOKED = _("Your appointment is booked; show your code %(code)s at the center.")
# The moves a resident makes from the page, by the name in its URL.
MOVES: dict[str, Callable[..., Registration]] = {
    "cancel": services.registration_cancel,
    "confirm": services.registration_confirm,
}


@require_GET
def center_page(request: HttpRequest, code: str) -> HttpResponse:
    """Open to everyone: the activities of the next seven days in the area's subtree."""
    area = area_get(code=code)
    today = timezone.localdate()
    activities = list(
        selectors.activity_list(area=area, start=today, end=today + dt.timedelta(days=WEEK - 1))
        .filter(starts_at__gte=timezone.now())
        .select_related("room", "series")[:PAGE_MAX]
    )
    mine = selectors.my_registrations(actor=request.user, activity_ids=[a.pk for a in activities])
    services_ = list(selectors.service_list(area=area))
    now = timezone.now()
    week = selectors.slots_of(services_, today, today + dt.timedelta(days=WEEK - 1))
    open_slots = {
        pk: [x for x in slots if x.starts_at > now and x.left][:OPEN_SLOTS] for pk, slots in week.items()
    }
    booked = selectors.my_appointments(actor=request.user, service_ids=[s.pk for s in services_])
    return render(
        request,
        "center/center_page.html",
        {
            "area": area,
            "cards": presenters.activity_cards(
                activities, mine, selectors.photos_of([a.pk for a in activities])
            ),
            "staff": can_in_area(request.user, "center.view", area.path),
            "family": list(my_family(actor=request.user)),
            "now": now,
            "capped": len(activities) == PAGE_MAX,
            "services": presenters.service_cards(services_, open_slots, booked),
        },
    )


@login_required
@require_POST
def register(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.access_activity(activity_id=activity_id, counted=False)
    with refusal_as_message(request):
        registration = services.registration_create(actor=request.user, activity=activity, **_whom(request))
        position = waitlist_position(registration)
        said = str(SAID[Status(registration.status)]) % {"code": registration.code, "position": position}
        if registration.record is not None:
            said = f"{registration.record.name}: {said}"
        messages.success(request, said)
    return redirect(reverse("center-page", args=[activity.area.code]))


def _whom(request: HttpRequest) -> dict[str, Any]:
    """The page's "for whom" (oneself, or a family member one looks after) and the year of
    birth asked for an activity with an age range: the service checks both."""
    member = request.POST.get("for", "").strip()
    birth_year = _birth_year(request)
    if member and not (member.isascii() and member.isdigit() and len(member) <= 12):
        raise NotFound()
    family_member = access_family_member(actor=request.user, record_id=int(member)) if member else None
    return {"birth_year": birth_year, "family_member": family_member}


def _birth_year(request: HttpRequest) -> int | None:
    """The posted year of birth, None when not given; refused (naming the field) unless digits."""
    year = request.POST.get("birth_year", "").strip()
    birth_year = int(year) if year.isascii() and year.isdigit() and len(year) <= 4 else None
    if year and birth_year is None:
        said = str(_("Give a year of birth as four digits."))
        raise ValidationFailed(said, fields={"birth_year": said})
    return birth_year


@login_required
@require_POST
def register_series(request: HttpRequest, series_id: int) -> HttpResponse:
    """A seat in every coming session of a course taken whole."""
    series = selectors.access_series(series_id=series_id)
    with refusal_as_message(request):
        made = services.series_register(actor=request.user, series=series, **_whom(request))
        messages.success(
            request,
            _("Registered for %(n)s sessions; your codes are on My activities.") % {"n": len(made)},
        )
    return redirect_to_next(request, under="/center/", fallback=reverse("center-mine"))


@login_required
@require_POST
def family_add(request: HttpRequest) -> HttpResponse:
    """Record a family member one looks after (name, year of birth), to register them."""
    year = request.POST.get("birth_year", "").strip()
    with refusal_as_message(request):
        if not (year.isascii() and year.isdigit() and len(year) == 4):
            said = str(_("Give a year of birth as four digits."))
            raise ValidationFailed(said, fields={"birth_year": said})
        record = family_member_add(
            actor=request.user,
            name=request.POST.get("name", ""),
            birth_year=int(year),
            phone=request.POST.get("phone", ""),
        )
        messages.success(request, _("%(name)s is in your family list.") % {"name": record.name})
    return redirect(reverse("center-mine"))


def registration_move(
    request: HttpRequest,
    registration_id: int,
    action: str,
    moves: dict[str, Callable[..., Registration]],
    said: Callable[[Registration], str],
) -> Registration:
    """Make the move the URL names (one of `moves`, else 404) on a registration the reader may
    see: `said` of the result as the page's message, or the refusal. Returns the registration
    as it now is, for the redirect."""
    registration = selectors.access_registration(actor=request.user, registration_id=registration_id)
    if action not in moves:
        raise NotFound()
    with refusal_as_message(request):
        registration = moves[action](actor=request.user, registration=registration)
        messages.success(request, said(registration))
    return registration


@login_required
@require_POST
def move(request: HttpRequest, registration_id: int, action: str) -> HttpResponse:
    """Cancel one's registration, or take the seat offered."""
    registration = registration_move(
        request,
        registration_id,
        action,
        MOVES,
        lambda r: str(SAID[Status(r.status)]) % {"code": r.code, "position": None},
    )
    if request.POST.get("next") == reverse("center-mine"):
        return redirect(reverse("center-mine"))
    return redirect(reverse("center-page", args=[registration.activity.area.code]))


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def center_ics(request: HttpRequest, code: str) -> HttpResponse:
    """The public activities of an area's centers as a calendar to subscribe to."""
    area = area_get(code=code)
    today = timezone.localdate()
    activities = list(
        selectors.activity_list(
            area=area, start=today - FEED_BEFORE, end=today + FEED_AFTER, counted=False
        ).select_related("room")[:FEED_MAX]
    )
    return _ics(presenters.ics(area.name, activities), f"center-{area.code}.ics")


@require_GET
def my_ics(request: HttpRequest, token: str) -> HttpResponse:
    """A person's own sessions, at an address only they know (a phone's calendar cannot sign in)."""
    person_id = presenters.person_from_feed_token(token)
    person = Person.objects.filter(pk=person_id, is_active=True).first() if person_id else None
    if person is None:
        raise NotFound()
    registrations = selectors.my_registration_list(actor=person, since=timezone.now() - FEED_BEFORE).filter(
        status__in=STANDING
    )
    statuses = {r.activity_id: r.status for r in registrations}
    activities = [r.activity for r in registrations]
    return _ics(presenters.ics(str(_("My activities")), activities, statuses), "my-activities.ics")


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """My registrations: coming ones with their code and QR code, and the last month's."""
    now = timezone.now()
    rows = list(selectors.my_registration_list(actor=request.user, since=now - FEED_BEFORE))
    coming = [r for r in rows if r.activity.ends_at >= now]
    past = [r for r in rows if r.activity.ends_at < now][::-1]
    counted = selectors.activity_list().filter(pk__in={r.activity_id for r in rows}).select_related("room")
    cards = {c.activity.pk: c for c in presenters.activity_cards(list(counted), {})}
    feed = request.build_absolute_uri(
        reverse("center-my-ics", args=[presenters.person_feed_token(int(request.user.pk or 0))])
    )
    return render(
        request,
        "center/mine.html",
        {
            "coming": [(r, cards[r.activity_id], presenters.qr_svg(r.code)) for r in coming],
            "past": [(r, cards[r.activity_id]) for r in past],
            "feed": feed,
            "family": list(my_family(actor=request.user)),
        },
    )


def _slot_moment(value: str) -> dt.datetime:
    """The slot a resident picked from the page (its start, as the page wrote it)."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        said = str(_("Choose a time from the list."))
        raise ValidationFailed(said, fields={"starts_at": said})
    return moment


@login_required
@require_POST
def give_feedback(request: HttpRequest, registration_id: int) -> HttpResponse:
    """A rating (1–5) and a comment, from my activities."""
    registration = selectors.access_registration(actor=request.user, registration_id=registration_id)
    raw = request.POST.get("rating", "")
    with refusal_as_message(request):
        if raw not in {"1", "2", "3", "4", "5"}:
            said = str(_("Give a rating from 1 to 5."))
            raise ValidationFailed(said, fields={"rating": said})
        services.registration_feedback(
            actor=request.user,
            registration=registration,
            rating=int(raw),
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("Thank you for your feedback."))
    return redirect(reverse("center-mine"))


@login_required
@require_POST
def book(request: HttpRequest, service_id: int) -> HttpResponse:
    service = selectors.access_service(service_id=service_id)
    with refusal_as_message(request):
        birth_year = _birth_year(request)
        appointment = services.appointment_book(
            actor=request.user,
            service=service,
            starts_at=_slot_moment(request.POST.get("starts_at", "")),
            birth_year=birth_year,
        )
        messages.success(request, str(BOOKED) % {"code": appointment.code})
    return redirect(reverse("center-page", args=[service.area.code]))


@login_required
@require_POST
def cancel_appointment(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.access_appointment(actor=request.user, appointment_id=appointment_id)
    with refusal_as_message(request):
        appointment = services.appointment_cancel(actor=request.user, appointment=appointment)
        if appointment.status == AppointmentStatus.CANCELLED:
            messages.success(request, str(_("Your appointment is cancelled.")))
    return redirect(reverse("center-page", args=[appointment.service.area.code]))


# Rooms -----------------------------------------------------------------------------------------

BOOKING_SAID = {
    BookingStatus.REQUESTED: _("Your request is sent; the center's staff will decide on it."),
    BookingStatus.APPROVED: _("The booking is approved; the requester is told."),
    BookingStatus.DECLINED: _("The booking is declined; the requester is told why."),
    BookingStatus.CANCELLED: _("The booking is cancelled."),
}


@login_required
def rooms_page(request: HttpRequest, code: str) -> HttpResponse:
    """The rooms of the centers in the area, with their hours; a request form; one's requests."""
    area = area_get(code=code)
    centers = selectors.centers_in(area)
    ids = [c.pk for c in centers]
    rooms = selectors.rooms_of(center_ids=ids)
    form = BookingForm(request.POST or None, rooms=rooms)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.moments()
        data = form.cleaned_data
        try:
            services.booking_request(
                actor=request.user,
                room=data["room"],
                group=data["group"],
                purpose=data["purpose"],
                attendees=data["attendees"],
                starts_at=starts_at,
                ends_at=ends_at,
            )
        except ValidationFailed as exc:
            for field, said in exc.fields.items():
                name = FORM_FIELD.get(field, field)
                form.add_error(name if name in form.fields else None, said)
        else:
            messages.success(request, str(BOOKING_SAID[BookingStatus.REQUESTED]))
            return redirect(reverse("center-rooms", args=[code]))
    today = timezone.localdate()
    return render(
        request,
        "center/rooms_page.html",
        {
            "area": area,
            "centers": presenters.center_rooms(centers, rooms, today),
            "form": form,
            "mine": selectors.my_bookings(actor=request.user, center_ids=ids),
        },
        status=422 if form.errors else 200,
    )


@require_anywhere("center.view")
@require_GET
def room_requests(request: HttpRequest, code: str) -> HttpResponse:
    """The room requests waiting in the area: staff approve or decline, supervisors watch."""
    area = area_get(code=code)
    waiting = selectors.bookings_waiting(actor=request.user, area=area)
    rows = [(b, can_in_area(request.user, "center.manage", b.room.center.area_path)) for b in waiting]
    return render(
        request,
        "center/room_requests.html",
        {"area": area, "rows": rows},
    )


# The moves on a booking from the pages, by the name in its URL.
BOOKING_MOVES = {"approve", "decline", "cancel"}


@login_required
@require_POST
def booking_move(request: HttpRequest, booking_id: int, action: str) -> HttpResponse:
    """Approve, decline with a reason, or cancel; back to the page it was made from."""
    booking = selectors.access_booking(actor=request.user, booking_id=booking_id)
    if action not in BOOKING_MOVES:
        raise NotFound()
    reason = request.POST.get("reason", "")
    try:
        if action == "approve":
            booking = services.booking_approve(actor=request.user, booking=booking)
        elif action == "decline":
            booking = services.booking_decline(actor=request.user, booking=booking, reason=reason)
        else:
            booking = services.booking_cancel(actor=request.user, booking=booking, reason=reason)
    except DomainError as exc:
        messages.error(request, " ".join([exc.message, *exc.fields.values()]))
    else:
        messages.success(request, str(BOOKING_SAID[BookingStatus(booking.status)]))
    page = "center-room-requests" if request.POST.get("back") == "requests" else "center-rooms"
    # The page's own area (a street's page lists its communities' rooms), else the center's.
    code = request.POST.get("code", "")
    try:
        code = area_get(code=code).code
    except NotFound:
        code = booking.room.center.area.code
    return redirect(reverse(page, args=[code]))


@require_GET
def photo(request: HttpRequest, photo_id: int) -> HttpResponseBase:
    """An activity's photo, public as the activity is; stored without its metadata."""
    return photo_response(selectors.access_photo(photo_id=photo_id), public=True)
