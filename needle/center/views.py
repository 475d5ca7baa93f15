"""The public center page of a community (this week's activities with the seats left) and a
resident's register and cancel buttons; the rooms page (the centers' rooms and hours, a request
form and one's own requests) and the staff's page of room requests to decide. Thin, over the same
selectors and services as the API."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from needle.areas.selectors import area_get
from needle.center import presenters, selectors, services
from needle.center.forms import FORM_FIELD, BookingForm
from needle.center.models import BookingStatus, Status
from needle.center.services.seats import waitlist_position
from needle.core.errors import DomainError, NotFound, ValidationFailed
from needle.orgs.permissions import can_in_area, require_anywhere

WEEK = 7
SAID = {
    Status.CONFIRMED: _("You have a seat; show your code %(code)s at the door."),
    Status.WAITLISTED: _("The activity is full: you are number %(position)s on the waitlist."),
    Status.CANCELLED: _("Your registration is cancelled."),
}
# The moves a resident makes from the page, by the name in its URL.
MOVES = {"cancel": services.registration_cancel, "confirm": services.registration_confirm}


@require_GET
def center_page(request: HttpRequest, code: str) -> HttpResponse:
    """Open to everyone: the activities of the next seven days in the area's subtree."""
    area = area_get(code=code)
    today = timezone.localdate()
    activities = list(
        selectors.activity_list(area=area, start=today, end=today + dt.timedelta(days=WEEK - 1))
        .filter(starts_at__gte=timezone.now())
        .select_related("room")
    )
    mine = selectors.my_registrations(actor=request.user, activity_ids=[a.pk for a in activities])
    return render(
        request,
        "center/center_page.html",
        {"area": area, "cards": presenters.activity_cards(activities, mine)},
    )


@login_required
@require_POST
def register(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.access_activity(activity_id=activity_id)
    year = request.POST.get("birth_year", "").strip()
    try:
        # The year of birth asked for an activity with an age range: the service checks it.
        birth_year = int(year) if year.isdigit() and len(year) <= 4 else None
        if year and birth_year is None:
            said = str(_("Give a year of birth as four digits."))
            raise ValidationFailed(said, fields={"birth_year": said})
        registration = services.registration_create(
            actor=request.user, activity=activity, birth_year=birth_year
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        position = waitlist_position(registration)
        said = str(SAID[Status(registration.status)]) % {"code": registration.code, "position": position}
        messages.success(request, said)
    return redirect(reverse("center-page", args=[activity.area.code]))


@login_required
@require_POST
def move(request: HttpRequest, registration_id: int, action: str) -> HttpResponse:
    """Cancel one's registration, or take the seat offered."""
    registration = selectors.access_registration(actor=request.user, registration_id=registration_id)
    if action not in MOVES:
        raise NotFound()
    try:
        registration = MOVES[action](actor=request.user, registration=registration)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        said = str(SAID[Status(registration.status)]) % {"code": registration.code, "position": None}
        messages.success(request, said)
    return redirect(reverse("center-page", args=[registration.activity.area.code]))


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
