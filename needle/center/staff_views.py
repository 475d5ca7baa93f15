"""The center's staff console: the week and month calendar, an activity's page (registrations,
waitlist and offers; registering on behalf; seats), the printable attendance sheet and the
check-in screen at the door. Thin: the same selectors and services as the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from needle.cases.uploads import MAX_BYTES as MAX_PHOTO_BYTES
from needle.center import presenters, selectors, services
from needle.center.models import Registration, Status
from needle.center.states import MOVES, STAFF
from needle.center.views import registration_move
from needle.core import periods
from needle.core.errors import DomainError, NotFound, ValidationFailed
from needle.core.redirects import redirect_to_next
from needle.core.refusals import refusal_as_message
from needle.core.views import refusal_message
from needle.orgs.models import ConsentMethod
from needle.orgs.permissions import can_in_area, require

WEEK = 7

# The moves staff make from a registration's row, by the name in the URL.
STAFF_MOVES: dict[str, Callable[..., Registration]] = {
    "check_in": services.registration_check_in,
    "no_show": services.registration_mark_no_show,
    "cancel": services.registration_cancel,
    "confirm": services.registration_confirm,
}
# The states each staff move may start from, for the pages' buttons (the lifecycle's table).
STAFF_BUTTONS = {name: sorted(m.sources) for name, m in MOVES.items() if STAFF in m.capacities}


def _day(raw: str | None) -> dt.date:
    """The day asked for, or today: a day that is not a date, or outside the calendar Needle
    keeps to (whose weeks would overflow), shows this week."""
    try:
        day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()
    return day if periods.EARLIEST <= day <= periods.LATEST else timezone.localdate()


@login_required
@require_GET
def calendar(request: HttpRequest, code: str) -> HttpResponse:
    """The centers of an area, a week (rooms × days) or a month at a time."""
    area = selectors.console_area(actor=request.user, code=code)
    day = _day(request.GET.get("day"))
    month = request.GET.get("view") == "month"
    if month:
        first = day.replace(day=1)
        weeks_start = first - dt.timedelta(days=first.weekday())
        start, end = weeks_start, weeks_start + dt.timedelta(days=41)
        previous, following = (first - dt.timedelta(days=1)).replace(day=1), first + dt.timedelta(days=32)
    else:
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=WEEK - 1)
        previous, following = start - dt.timedelta(days=WEEK), start + dt.timedelta(days=WEEK)
    activities = list(selectors.activity_list(area=area, start=start, end=end).select_related("room"))
    cards = presenters.activity_cards(activities, {})
    context: dict[str, Any] = {
        "area": area,
        "month": month,
        "day": day,
        "previous": previous.replace(day=1) if month else previous,
        "following": following.replace(day=1) if month else following,
        "manage": can_in_area(request.user, "center.manage", area.path),
    }
    if month:
        context["weeks"] = presenters.month_weeks(cards, day.replace(day=1))
    else:
        days = [start + dt.timedelta(days=i) for i in range(WEEK)]
        rooms = selectors.rooms_in(area=area)
        bookings = selectors.approved_bookings(rooms=rooms, start=start, end=end)
        context["days"] = days
        context["rows"] = presenters.week_rows(cards, bookings, rooms, days)
    return render(request, "center/staff_calendar.html", context)


def _activity_for_staff(request: HttpRequest, activity_id: int) -> Any:
    activity = selectors.access_activity(activity_id=activity_id)
    require(can_in_area(request.user, "center.view", activity.area_path))
    return activity


@login_required
@require_GET
def activity_page(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity_for_staff(request, activity_id)
    rows = presenters.registrant_rows(selectors.activity_registrants(actor=request.user, activity=activity))
    card = presenters.activity_cards([activity], {})[0]
    rated = [r.registration for r in rows if r.registration.rating is not None]
    return render(
        request,
        "center/staff_activity.html",
        {
            "rated": rated,
            "photos": selectors.photos_of([activity.pk]).get(activity.pk, []),
            "average": sum(r.rating or 0 for r in rated) / len(rated) if rated else None,
            "activity": activity,
            "card": card,
            "tally": [(s, Status(s).label, n) for s, n in selectors.activity_counts(activity).items()],
            "rows": rows,
            "manage": can_in_area(request.user, "center.manage", activity.area_path),
            "moves": STAFF_BUTTONS,
            "started": activity.starts_at <= timezone.now(),
            "consent_methods": ConsentMethod.choices,
        },
    )


def _on_behalf(request: HttpRequest) -> services.OnBehalf:
    """The form's person without an account; the service checks every field."""
    raw_age = request.POST.get("age", "").strip()
    age = None
    if raw_age:
        try:
            age = int(raw_age[:4])
        except ValueError:
            said = _("Give an age from 0 to 120.")
            raise ValidationFailed(said, fields={"on_behalf.age": said}) from None
    method = request.POST.get("consent_method", ConsentMethod.VERBAL_WITNESSED)
    return services.OnBehalf(
        name=request.POST.get("name", ""),
        phone=request.POST.get("phone", ""),
        age=age,
        consent=request.POST.get("consent") == "on",
        consent_method=method if method in ConsentMethod.values else ConsentMethod.VERBAL_WITNESSED,
    )


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page the form was on (the activity page or the check-in screen)."""
    return redirect_to_next(request, under="/center/", fallback=fallback)


@login_required
@require_POST
def register_on_behalf(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Staff register a person without an account (or, at the door, let a walk-in in)."""
    activity = selectors.access_activity(activity_id=activity_id, counted=False)
    back = reverse("center-staff-activity", args=[activity.pk])
    walk_in = request.POST.get("walk_in") == "1"
    with refusal_as_message(request):
        person = _on_behalf(request)
        if walk_in:
            registration = services.registration_walk_in(
                actor=request.user, activity=activity, on_behalf=person
            )
        else:
            registration = services.registration_create(
                actor=request.user, activity=activity, on_behalf=person
            )
        messages.success(
            request,
            _("%(name)s: %(status)s, code %(code)s.")
            % {
                "name": person.name.strip(),
                "status": Status(registration.status).label,
                "code": registration.code,
            },
        )
    return _back(request, back)


@login_required
@require_POST
def staff_move(request: HttpRequest, registration_id: int, action: str) -> HttpResponse:
    registration = registration_move(
        request, registration_id, action, STAFF_MOVES, lambda r: f"{r.code}: {Status(r.status).label}"
    )
    return _back(request, reverse("center-staff-activity", args=[registration.activity_id]))


@login_required
@require_POST
def check_in_by_code(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The code a person shows or says at the door (or a scanner types from their QR code)."""
    back = reverse("center-check-in", args=[activity_id])
    code = request.POST.get("code", "")
    try:
        registration = selectors.registration_by_code(actor=request.user, code=code)
        if registration.activity_id != activity_id:
            raise ValidationFailed(fields={"code": _("This code is for another activity.")})
        registration = services.registration_check_in(actor=request.user, registration=registration)
    except NotFound:
        messages.error(request, _("No registration has the code %(code)s.") % {"code": code.strip()[:20]})
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
    else:
        messages.success(request, _("%(code)s is checked in.") % {"code": registration.code})
    return redirect(back)


@login_required
@require_POST
def set_capacity(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.access_activity(activity_id=activity_id)
    raw = request.POST.get("capacity", "").strip()
    with refusal_as_message(request):
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
            said = _("Give the number of seats as a whole number.")
            raise ValidationFailed(said, fields={"capacity": said})
        services.activity_set_capacity(actor=request.user, activity=activity, capacity=int(raw))
        messages.success(request, _("The activity has %(n)s seats.") % {"n": int(raw)})
    return redirect(reverse("center-staff-activity", args=[activity.pk]))


@login_required
@require_POST
def mark_absentees(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.access_activity(activity_id=activity_id)
    with refusal_as_message(request):
        n = services.activity_mark_absentees(actor=request.user, activity=activity)
        messages.success(request, _("%(n)s marked absent.") % {"n": n})
    return _back(request, reverse("center-staff-activity", args=[activity.pk]))


@login_required
@require_GET
def attendance_sheet(request: HttpRequest, activity_id: int) -> HttpResponse:
    """A page to print: who holds a seat, with a column to tick and one to sign."""
    activity = _activity_for_staff(request, activity_id)
    seated = [
        r
        for r in selectors.activity_registrants(actor=request.user, activity=activity)
        if r.status in (Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW)
    ]
    return render(
        request,
        "center/staff_sheet.html",
        {
            "activity": activity,
            "card": presenters.activity_cards([activity], {})[0],
            "rows": presenters.registrant_rows(seated),
            "blank": range(max(0, min(10, activity.capacity - len(seated)))),
        },
    )


@login_required
@require_GET
def check_in_screen(request: HttpRequest, activity_id: int) -> HttpResponse:
    """For a tablet at the door: a code, or a name to search; walk-ins while seats are free."""
    activity = _activity_for_staff(request, activity_id)
    query = request.GET.get("q", "")
    found = (
        selectors.activity_registrants(actor=request.user, activity=activity, query=query) if query else []
    )
    counts = selectors.activity_counts(activity)
    return render(
        request,
        "center/staff_check_in.html",
        {
            "activity": activity,
            "manage": can_in_area(request.user, "center.manage", activity.area_path),
            "card": presenters.activity_cards([activity], {})[0],
            "counts": counts,
            "query": query,
            "found": presenters.registrant_rows(found),
            "expected": counts[Status.CONFIRMED] + counts[Status.ATTENDED],
            "started": activity.starts_at <= timezone.now(),
            "consent_methods": ConsentMethod.choices,
            "moves": STAFF_BUTTONS,
        },
    )


@login_required
@require_POST
def add_photo(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.access_activity(activity_id=activity_id, counted=False)
    upload = request.FILES.get("image")
    with refusal_as_message(request):
        if upload is None:
            said = _("Choose a photo.")
            raise ValidationFailed(said, fields={"photo": said})
        # Read one byte more than any photo may have: the service refuses what is too big.
        raw = upload.read(MAX_PHOTO_BYTES + 1)
        services.activity_photo_add(
            actor=request.user, activity=activity, raw=raw, caption=request.POST.get("caption", "")
        )
        messages.success(request, _("The photo is added."))
    return redirect(reverse("center-staff-activity", args=[activity.pk]))


@login_required
@require_POST
def remove_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = selectors.access_photo(photo_id=photo_id)
    with refusal_as_message(request):
        services.activity_photo_remove(actor=request.user, photo=photo)
        messages.success(request, _("The photo is removed."))
    return redirect(reverse("center-staff-activity", args=[photo.activity_id]))
