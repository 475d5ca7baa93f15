"""The helper's phone page: my households with how due each is, and a visit form that works
without a network (a service worker keeps the page and its files; the visits wait in the
phone's IndexedDB and go in one sync request when the network is back). Conflicts are shown
with both values per field for the helper to choose."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from needle.care.models import CHECKS, VisitKind
from needle.care.selectors.visits import my_households

TOPICS: dict[str, Any] = {
    "health": _("Health"),
    "food": _("Food"),
    "safety": _("Safety"),
    "housing": _("Housing"),
    "school": _("School"),
    "work": _("Work"),
}
assert set(TOPICS) == set(CHECKS)

FIELDS: dict[str, Any] = {
    "recipient": _("Person"),
    "kind": _("Kind"),
    "visited_at": _("When"),
    "companions": _("Who went"),
    "checklist": _("How the person is"),
    "notes": _("Notes"),
    "needs": _("Needs found"),
}

# The page and the files the service worker keeps for offline use; its cache's name changes
# with this, so a new release replaces the old files.
OFFLINE_VERSION = "1"
ASSETS = (
    "care/helper.js",
    "care/helper.css",
    "needle/needle.css",
    "needle/favicon.svg",
    "vendor/htmx/htmx.min.js",
)


def _strings() -> dict[str, Any]:
    """The words the page's script shows, translated here."""
    return {
        "queued": _("Waiting to send"),
        "sending": _("Sending…"),
        "stored": _("Stored"),
        "repeat": _("Already stored"),
        "conflict": _("Changed on the server: choose what to keep"),
        "error": _("Not stored"),
        "resolved": _("Resolved"),
        "online": _("Online"),
        "offline": _("Offline: visits are kept on this phone and sent when the network is back"),
        "saved": _("Saved on this phone"),
        "sync_failed": _("Could not send now; the visits stay on this phone."),
        "changed_again": _("It changed again on the server; it will be shown again after the next sync."),
        "server": _("On the server"),
        "device": _("On this phone"),
        "keep": _("Keep the chosen values"),
        "choose_person": _("Choose the person visited."),
        "ok": _("all right"),
        "not_ok": _("a problem"),
        "nothing": _("(empty)"),
        "fields": {k: str(v) for k, v in FIELDS.items()},
        "kinds": {k: str(v) for k, v in VisitKind.choices},
        "topics": {k: str(v) for k, v in TOPICS.items()},
    }


@login_required
@require_GET
def helper_page(request: HttpRequest) -> HttpResponse:
    """My households and the visit form, on a phone first."""
    return render(
        request,
        "care/helper.html",
        {
            "cards": my_households(actor=request.user),
            "kinds": VisitKind.choices,
            "topics": [(t, TOPICS[t]) for t in CHECKS],
            "strings": _strings(),
            # The visits' API: /sync and /<id>/resolve hang on it.
            "visits_url": reverse("api:care-visits"),
            "sw_url": reverse("care-sw"),
        },
    )


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker at /care/sw.js, so that its scope covers /care/helper/."""
    response = render(
        request,
        "care/helper_sw.js",
        {
            "cache": f"needle-care-{OFFLINE_VERSION}",
            "page": reverse("care-helper"),
            "assets": [static(a) for a in ASSETS],
        },
        content_type="application/javascript; charset=utf-8",
    )
    return response
