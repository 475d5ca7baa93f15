"""What residents see: the private tracking page, the public list and its pages, and their own
requests."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needle.cases import presenters, selectors, services
from needle.cases.forms import AddInfoForm, CallbackForm, CaseFilterForm, WithdrawForm
from needle.cases.models import Case, State
from needle.cases.views.common import _fail, _photo_response, _query_without_page, _seek_page
from needle.core.errors import DomainError, NotFound
from needle.core.pagination import paginate

PUBLIC_PAGE = 20


# Tracking (the resident's private link) ---------------------------------------------------------


# What the holder of the link may do besides answering the callback, with the form of each.
TRACK_ACTIONS: dict[str, type[Any]] = {"add_info": AddInfoForm, "withdraw": WithdrawForm}


def _track_context(case: Case, form: CallbackForm, bound: tuple[str, Any] | None = None) -> dict[str, Any]:
    # A merged case follows its parent; the parent's own reporter data is never shown.
    followed = case.parent if case.state == State.MERGED and case.parent is not None else case
    # The link is the resident's key, whoever opens it: they read what the resident may.
    timeline = selectors.timeline_for(actor=None, case=followed, tracked=case)
    allowed = selectors.case_actions(actor=None, case=case, as_reporter=True)
    forms = {
        name: bound[1]
        if bound is not None and bound[0] == name
        else cls(prefix=name, initial={"version": case.version})
        for name, cls in TRACK_ACTIONS.items()
        if name in allowed
    }
    return {
        "case": case,
        "followed": followed,
        "events": timeline.entries,
        "own_photos": case.photos.filter(event__isnull=True),
        "can_rate": case.state == State.RESOLVED,
        "form": form,
        "info_form": forms.get("add_info"),
        "withdraw_form": forms.get("withdraw"),
        "token": case.tracking_token,
    }


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, token: str) -> HttpResponse:
    """No sign-in: the token is the key. Shows the state, the public timeline and, once
    resolved, "Is it solved? Rate 1–5"."""
    case = selectors.case_by_token(token=token)
    form = CallbackForm(
        request.POST if request.method == "POST" else None,
        prefix="callback",
        initial={"version": case.version},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.case_callback(
                    actor=request.user,
                    case=case,
                    solved=data["solved"],
                    rating=data["rating"],
                    comment=data["comment"],
                    tracking_token=token,
                    version=data["version"],
                )
            except DomainError as exc:
                status = _fail(request, exc, form)
                case = selectors.case_by_token(token=token)
            else:
                messages.success(
                    request,
                    _("Thank you. The case is closed.")
                    if data["solved"]
                    else _("Thank you. The case goes back to the unit to finish the work."),
                )
                return redirect("case-track", token=token)
    return render(request, "cases/track.html", _track_context(case, form), status=status)


# A tracking token as intake makes it (secrets.token_urlsafe), alone or at the end of its link.
TRACKING_LINK = re.compile(r"(?:^|/track/)([A-Za-z0-9_-]{16,64})/?$")


@require_GET
def track_find(request: HttpRequest) -> HttpResponse:
    """The landing page's "follow your request": the private link (or its token) pasted by
    the resident opens their tracking page."""
    found = TRACKING_LINK.search((request.GET.get("link") or "").strip()[:300])
    if found is None:
        messages.error(
            request, _("Paste the whole private link you were given when you reported the problem.")
        )
        return redirect(reverse("home") + "#follow")
    return redirect("case-track", token=found.group(1))


@require_POST
def track_act(request: HttpRequest, token: str, action: str) -> HttpResponse:
    """The holder of the link adds information and photos, or withdraws the request. The
    token is the key, as for the callback; the services check the state again."""
    if action not in TRACK_ACTIONS:
        raise NotFound()
    case = selectors.case_by_token(token=token)
    form = TRACK_ACTIONS[action](request.POST, request.FILES, prefix=action)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "add_info":
                services.case_add_info(
                    actor=request.user,
                    case=case,
                    note=data["note"],
                    photos=data["photos"],
                    tracking_token=token,
                )
                done = _("Thank you. What you added is passed on to the unit handling your request.")
            else:
                services.case_withdraw(
                    actor=request.user,
                    case=case,
                    reason=data["reason"],
                    tracking_token=token,
                    version=data["version"],
                )
                done = _("Your request is withdrawn. Thank you for telling us.")
        except DomainError as exc:
            status = _fail(request, exc, form)
            case = selectors.case_by_token(token=token)
        else:
            messages.success(request, done)
            return redirect("case-track", token=token)
    callback = CallbackForm(prefix="callback", initial={"version": case.version})
    return render(request, "cases/track.html", _track_context(case, callback, (action, form)), status=status)


@require_GET
def track_photo(request: HttpRequest, token: str, photo_id: int) -> HttpResponseBase:
    case = selectors.case_by_token(token=token)
    return _photo_response(selectors.tracking_photo(case=case, photo_id=photo_id))


# The public list -----------------------------------------------------------------------------------


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    """Requests anyone may see, on a map and in a list; personal details stay hidden."""
    form = CaseFilterForm(
        request.GET or None,
        services=selectors.filter_services(public_only=True),  # type: ignore[arg-type]
        states=[c for c in State.choices if c[0] not in (State.REJECTED, State.WITHDRAWN)],
    )
    filters = selectors.CaseFilters()
    page = None
    status = 200
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        filters.state = data.get("state", "")
        filters.service = data.get("service", "")
        filters.area = data.get("area")
        try:
            page = _seek_page(request, selectors.public_case_list(filters=filters), PUBLIC_PAGE)
            page.items = [presenters.public_case(c) for c in page.items]
        except DomainError as exc:
            status = _fail(request, exc, form)
    else:
        status = 400
    points = [
        {
            "lat": c.lat,
            "lng": c.lng,
            "number": c.number,
            "text": c.text[:80],
            "state": c.state_label,
        }
        for c in (page.items if page else [])
        if c.lat is not None and c.lng is not None
    ]
    context = {
        "form": form,
        "page": page,
        "points": points,
        "map_area": settings.NEEDLE_MAP_AREA,
        "extra": _query_without_page(request),
    }
    return render(request, "cases/public_list.html", context, status=status)


@require_GET
def public_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One request of the public list, showing what the list shows and nothing more: where
    residents who follow a request are sent (the reporter's own page is behind their link)."""
    case = presenters.public_case(selectors.public_case_get(number=number))
    return render(request, "cases/public_detail.html", {"c": case})


@login_required
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    """The requests the signed-in resident raised, each with its private tracking page, and
    the ones they follow, each with its public page."""
    filters = selectors.CaseFilters(mine=True)
    page = paginate(
        selectors.case_list_for(actor=request.user, filters=filters), page=request.GET.get("page")
    )
    followed = [presenters.public_case(c) for c in selectors.followed_cases(actor=request.user)]
    return render(request, "cases/my_cases.html", {"page": page, "followed": followed})
