"""/api/v1/center/: activities (a public list and detail; staff create them and change their
seats) and registrations (for oneself or on behalf; cancel, confirm an offer, check in)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from needle.areas.selectors import area_get
from needle.center import selectors, services
from needle.center.models import Activity, Registration, Room
from needle.center.schemas import (
    ActivityCreatedOut,
    ActivityDetailOut,
    ActivityIn,
    ActivityPageOut,
    CapacityIn,
    CheckInIn,
    FeedbackIn,
    RegistrationIn,
    RegistrationOut,
)
from needle.center.services.seats import waitlist_position
from needle.core.errors import ValidationFailed
from needle.core.pagination import page_out, paginate
from needle.core.schemas import ERRORS, Code, Day, Id, Page, PageSize
from needle.orgs.models import Unit

router = Router(tags=["center"])


def activity_out(activity: Activity) -> dict[str, Any]:
    """An activity as the API shows it; `activity` carries the counts of `activity_list`."""
    taken: int = activity.taken  # type: ignore[attr-defined]
    return {
        "id": activity.pk,
        "center": activity.center_id,
        "area": activity.area.code,
        "title": activity.title,
        "title_en": activity.title_en,
        "description": activity.description,
        "audience": activity.audience,
        "room": activity.room_id,
        "place": activity.place,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "capacity": activity.capacity,
        "registration_opens": activity.registration_opens,
        "registration_closes": activity.registration_closes,
        "min_age": activity.min_age,
        "max_age": activity.max_age,
        "series": activity.series_id,
        "confirmed": activity.confirmed,  # type: ignore[attr-defined]
        "waitlisted": activity.waitlisted,  # type: ignore[attr-defined]
        "seats_left": max(0, activity.capacity - taken),
    }


def registration_out(registration: Registration) -> dict[str, Any]:
    return {
        "id": registration.pk,
        "activity": registration.activity_id,
        "status": registration.status,
        "position": waitlist_position(registration),
        "code": registration.code,
        "offered_until": registration.offered_until,
        "rating": registration.rating,
    }


@router.get(
    "/activities", response={200: ActivityPageOut, **ERRORS}, auth=None, summary="Activities in an area"
)
def list_activities(
    request: HttpRequest,
    area: Code | None = None,
    start: Day | None = None,
    end: Day | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> Any:
    """Open to everyone, as a community's notice board: the activities in the area's subtree
    starting from the day `start` to the day `end` (local days, both included), soonest first."""
    if start and end and end < start:
        raise ValidationFailed(fields={"end": _("Must not be before the start.")})
    qs = selectors.activity_list(area=area_get(code=area) if area else None, start=start, end=end)
    result = paginate(qs.select_related("area"), page=page, page_size=page_size)
    return page_out(result, [activity_out(a) for a in result.items])


@router.post("/activities", response={201: ActivityCreatedOut, **ERRORS}, summary="Create an activity")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Any:
    """Staff of the center's community (or above). With `recurrence`, one session a week."""
    center = Unit.objects.filter(pk=payload.center).first()
    if center is None:
        raise ValidationFailed(fields={"center": _("No such unit.")})
    room = None
    if payload.room is not None:
        room = Room.objects.filter(pk=payload.room).first()
        if room is None:
            raise ValidationFailed(fields={"room": _("No such room.")})
    draft = services.ActivityDraft(
        title=payload.title,
        title_en=payload.title_en,
        description=payload.description,
        audience=payload.audience,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        room=room,
        place=payload.place,
        registration_opens=payload.registration_opens,
        registration_closes=payload.registration_closes,
        min_age=payload.min_age,
        max_age=payload.max_age,
        weeks=payload.recurrence.weeks if payload.recurrence else 1,
    )
    sessions = services.activity_create(actor=request.user, center=center, draft=draft)
    out = activity_out(selectors.access_activity(activity_id=sessions[0].pk))
    return Status(201, {**out, "sessions": [s.pk for s in sessions]})


@router.get(
    "/activities/{activity_id}",
    response={200: ActivityDetailOut, **ERRORS},
    auth=None,
    summary="One activity",
)
def get_activity(request: HttpRequest, activity_id: Id) -> Any:
    """With `counts`: its registrations by status."""
    activity = selectors.access_activity(activity_id=activity_id)
    return {**activity_out(activity), "counts": selectors.activity_counts(activity)}


@router.patch(
    "/activities/{activity_id}", response={200: ActivityDetailOut, **ERRORS}, summary="Change the seats"
)
def set_capacity(request: HttpRequest, activity_id: Id, payload: CapacityIn) -> Any:
    """Never below the seats taken; new seats are offered to the waitlist in its order."""
    activity = selectors.access_activity(activity_id=activity_id)
    services.activity_set_capacity(actor=request.user, activity=activity, capacity=payload.capacity)
    activity = selectors.access_activity(activity_id=activity_id)
    return {**activity_out(activity), "counts": selectors.activity_counts(activity)}


@router.post(
    "/activities/{activity_id}/registrations",
    response={201: RegistrationOut, **ERRORS},
    summary="Register (oneself, or on behalf)",
)
def register(request: HttpRequest, activity_id: Id, payload: RegistrationIn) -> Any:
    """An empty body registers the caller; staff give `on_behalf` for a person without an
    account. 409 when already registered."""
    activity = selectors.access_activity(activity_id=activity_id, counted=False)
    on_behalf = None
    if payload.on_behalf is not None:
        on_behalf = services.OnBehalf(**payload.on_behalf.dict())
    registration = services.registration_create(
        actor=request.user, activity=activity, on_behalf=on_behalf, birth_year=payload.birth_year
    )
    return Status(201, registration_out(registration))


@router.get(
    "/registrations/{registration_id}", response={200: RegistrationOut, **ERRORS}, summary="One registration"
)
def get_registration(request: HttpRequest, registration_id: Id) -> Any:
    return registration_out(
        selectors.access_registration(actor=request.user, registration_id=registration_id)
    )


def _step(request: HttpRequest, registration_id: int, service: Any) -> Any:
    registration = selectors.access_registration(actor=request.user, registration_id=registration_id)
    return registration_out(service(actor=request.user, registration=registration))


@router.post(
    "/registrations/{registration_id}/cancel", response={200: RegistrationOut, **ERRORS}, summary="Cancel"
)
def cancel(request: HttpRequest, registration_id: Id) -> Any:
    """A freed seat is offered to the first in line."""
    return _step(request, registration_id, services.registration_cancel)


@router.post(
    "/registrations/{registration_id}/feedback",
    response={200: RegistrationOut, **ERRORS},
    summary="Rate an activity one came to",
)
def feedback(request: HttpRequest, registration_id: Id, payload: FeedbackIn) -> Any:
    """Once, by the person registered, after they were checked in; 409 otherwise."""
    registration = selectors.access_registration(actor=request.user, registration_id=registration_id)
    done = services.registration_feedback(
        actor=request.user, registration=registration, rating=payload.rating, comment=payload.comment
    )
    return registration_out(done)


@router.post(
    "/registrations/{registration_id}/confirm",
    response={200: RegistrationOut, **ERRORS},
    summary="Take an offered seat",
)
def confirm(request: HttpRequest, registration_id: Id) -> Any:
    """409 once the offer has lapsed."""
    return _step(request, registration_id, services.registration_confirm)


@router.post(
    "/registrations/{registration_id}/check-in", response={200: RegistrationOut, **ERRORS}, summary="Check in"
)
def check_in(request: HttpRequest, registration_id: Id) -> Any:
    """Staff at the door."""
    return _step(request, registration_id, services.registration_check_in)


@router.post("/check-in", response={200: RegistrationOut, **ERRORS}, summary="Check in by code")
def check_in_by_code(request: HttpRequest, payload: CheckInIn) -> Any:
    """Staff at the door type the code the registrant shows; 404 for a code they cannot check in."""
    registration = selectors.registration_by_code(actor=request.user, code=payload.code)
    return registration_out(services.registration_check_in(actor=request.user, registration=registration))


@router.post(
    "/registrations/{registration_id}/no-show",
    response={200: RegistrationOut, **ERRORS},
    summary="Mark absent",
)
def no_show(request: HttpRequest, registration_id: Id) -> Any:
    """Staff, once the activity has started."""
    return _step(request, registration_id, services.registration_mark_no_show)
