"""/api/v1/notifications and /api/v1/me/notification-settings: the caller's own."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from ninja import Router

from needle.core.pagination import page_out, paginate
from needle.core.schemas import ERRORS, Page, PageSize
from needle.notify.models import Preference
from needle.notify.schemas import MarkedOut, NotificationPageOut, PreferenceIn, PreferenceOut
from needle.notify.selectors import notifications_for, preference_of
from needle.notify.services import notifications_mark_read, preference_set
from needle.orgs.models import Person

router = Router(tags=["notifications"])


def _preference(pref: Preference) -> PreferenceOut:
    return PreferenceOut(
        channel=pref.channel,
        cadence=pref.cadence,
        quiet_start=pref.quiet_start,
        quiet_end=pref.quiet_end,
        wechat_linked=bool(pref.wechat_openid),
    )


@router.get("/notifications", response={200: NotificationPageOut, **ERRORS}, summary="My notifications")
def list_notifications(request: HttpRequest, page: Page = 1, page_size: PageSize = 50) -> Any:
    """Newest first, each in the language the request asks for (Accept-Language, the language
    cookie, or the deployment's)."""
    result = paginate(notifications_for(actor=request.user), page=page, page_size=page_size)
    return page_out(result)


@router.post("/notifications/read", response={200: MarkedOut, **ERRORS}, summary="Mark all read")
def mark_read(request: HttpRequest) -> Any:
    return {"marked": notifications_mark_read(actor=request.user)}


@router.get(
    "/me/notification-settings",
    response={200: PreferenceOut, **ERRORS},
    summary="How I hear of notifications",
)
def get_preference(request: HttpRequest) -> Any:
    person = cast(Person, request.user)
    return _preference(preference_of(actor=person, person=person))


@router.put(
    "/me/notification-settings", response={200: PreferenceOut, **ERRORS}, summary="Change how I hear of them"
)
def set_preference(request: HttpRequest, payload: PreferenceIn) -> Any:
    person = cast(Person, request.user)
    return _preference(preference_set(actor=person, person=person, **payload.dict()))
