"""Pages of residents' requests (接诉即办): intake, tracking, the public list, the unit inbox, the
dispatch queue, the case page with its moves, phone intake and the rates. Thin: parse, call a
selector or service, render."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needle.areas import selectors as area_selectors
from needle.cases import presenters, selectors, services
from needle.cases.forms import (
    ACTION_FORMS,
    OPEN,
    BulkForm,
    CallbackForm,
    CaseFilterForm,
    DispatchForm,
    IntakeForm,
    RatesForm,
    intake_field,
)
from needle.cases.models import OPEN_STATES, Case, Channel, Photo, State
from needle.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from needle.core.pagination import Page, count_page, paginate, seek_paginate
from needle.core.views import refusal, show_error
from needle.orgs import selectors as org_selectors
from needle.orgs.permissions import has_perm_anywhere

SEARCH_LIMIT = 20
PUBLIC_PAGE = 20


# Shared helpers -------------------------------------------------------------------------------------


def _fail(request: HttpRequest, exc: DomainError, form: Any = None) -> int:
    """Show a domain error on the page; return the status the page answers with."""
    if isinstance(exc, Conflict) or form is None:
        messages.error(request, exc.message)
        for text in exc.fields.values():
            messages.error(request, text)
    else:
        show_error(request, exc, form)
    return 409 if isinstance(exc, Conflict) else 403 if exc.status == 403 else 400


# The pager's own parameters: page number and the positions it starts from.
PAGER_PARAMS = frozenset({"page", "after", "before"})


def _query_without_page(request: HttpRequest) -> str:
    """The list's other parameters, for the pager's links ("a=1&b=2&")."""
    pairs = [(k, v) for k, values in request.GET.lists() if k not in PAGER_PARAMS for v in values]
    return urlencode(pairs) + "&" if pairs else ""


# The inbox's open cases are counted up to this many (COUNT_CAP for other lists): a unit's
# whole open list, read by the open-case indexes.
OPEN_COUNT_CAP = 5000


def _seek_page(
    request: HttpRequest,
    qs: Any,
    page_size: int | None = None,
    fields: tuple[str, ...] = (),
    cap: int | None = None,
    sort_deep: bool = False,
    count: bool = True,
) -> Page[Any]:
    """A page of a case list, newest first, without counting past `cap` (COUNT_CAP; see
    needle.core.pagination.seek_paginate, also for `sort_deep` and `count`)."""
    return seek_paginate(
        qs,
        keys=selectors.CASE_ORDER,
        page=request.GET.get("page"),
        page_size=page_size,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        fields=fields,
        cap=cap,
        sort_deep=sort_deep,
        count=count,
    )


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


def _photo_response(photo: Photo) -> HttpResponseBase:
    try:
        handle = photo.image.open("rb")
    except OSError:
        raise NotFound() from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# Intake (residents, and staff on the phone) ----------------------------------------------------------


def _intake_form(request: HttpRequest, *, staff: bool) -> IntakeForm:
    posted = request.method == "POST"
    return IntakeForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        services=list(selectors.intake_services(public_only=not staff)),
        staff=staff,
    )


def _submit(request: HttpRequest, form: IntakeForm, *, channel: str) -> tuple[Case | None, int]:
    """Submit a valid form through case_submit: (the case, 200) or (None, the error status)."""
    if not form.is_valid():
        return None, 400
    data = form.cleaned_data
    intake = services.Intake(
        service=data["service"],
        description=data["description"],
        area=data["area"],
        lat=data["lat"],
        lng=data["lng"],
        address=data["address"],
        attributes=form.attributes(),
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
        contact_email=data["contact_email"],
        hide_name=data["hide_name"],
        consent=data["consent"],
        channel=channel,
        idempotency_key=data["idempotency_key"] or None,
        photos=form.photo_bytes(),
    )
    try:
        return services.case_submit(actor=request.user, intake=intake), 200
    except DomainError as exc:
        renamed = ValidationFailed(exc.message, fields={intake_field(k): v for k, v in exc.fields.items()})
        show_error(request, renamed, form)
        return None, 403 if exc.status == 403 else 400


def _intake_context(form: IntakeForm, *, staff: bool) -> dict[str, Any]:
    return {"form": form, "staff": staff, "map_area": settings.NEEDLE_MAP_AREA}


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """A resident raises a request, signed in or not. The hidden idempotency key makes a double
    submit return the first case."""
    form = _intake_form(request, staff=False)
    status = 200
    if request.method == "POST":
        case, status = _submit(request, form, channel=Channel.WEB)
        if case is not None:
            return redirect("case-thanks", token=case.tracking_token)
    return render(request, "cases/report.html", _intake_context(form, staff=False), status=status)


@require_GET
def report_thanks(request: HttpRequest, token: str) -> HttpResponse:
    try:
        case = selectors.case_by_token(token=token)
    except NotFound:
        return render(request, "404.html", status=404)
    link = request.build_absolute_uri(reverse("case-track", args=[token]))
    return render(request, "cases/thanks.html", {"case": case, "link": link})


@login_required
@require_http_methods(["GET", "POST"])
def staff_intake(request: HttpRequest) -> HttpResponse:
    """Staff take a request on the phone on a caller's behalf (channel "phone")."""
    if not has_perm_anywhere(request.user, "cases.intake"):
        return render(request, "403.html", status=403)
    form = _intake_form(request, staff=True)
    status = 200
    if request.method == "POST":
        case, status = _submit(request, form, channel=Channel.PHONE)
        if case is not None:
            messages.success(request, _("Request %(number)s is registered.") % {"number": case.number})
            return redirect("case-detail", number=case.number)
    return render(request, "cases/staff_intake.html", _intake_context(form, staff=True), status=status)


def _staff_catalog(request: HttpRequest) -> bool:
    return request.GET.get("staff") == "1" and has_perm_anywhere(request.user, "cases.intake")


@require_GET
def service_search(request: HttpRequest) -> HttpResponse:
    """htmx: services whose name or keywords hold the typed words, grouped by category."""
    text = (request.GET.get("service_q") or request.GET.get("q") or "").strip()[:100]
    found = (
        list(selectors.intake_services(text=text, public_only=not _staff_catalog(request))[:30])
        if text
        else []
    )
    return render(request, "cases/_service_picks.html", {"services": found, "text": text})


@require_GET
def service_questions(request: HttpRequest) -> HttpResponse:
    """htmx: the chosen service's questions."""
    code = request.GET.get("service", "")
    try:
        service = selectors.service_get(code=code, public_only=not _staff_catalog(request)) if code else None
    except NotFound:
        service = None
    form = IntakeForm(services=[service] if service else [], initial={"service": code})
    return render(request, "cases/_questions.html", {"form": form})


@require_GET
def area_search(request: HttpRequest) -> HttpResponse:
    """htmx: areas whose name holds the text (or whose code starts with it), for the intake forms.
    Anonymous residents use it too: the area tree is public reference geography."""
    text = (request.GET.get("area") or request.GET.get("q") or "").strip()[:50]
    try:
        found = list(area_selectors.area_search(text=text).select_related("parent")[:SEARCH_LIMIT])
    except ValidationFailed:
        found = []
    return render(request, "cases/_area_picks.html", {"areas": found, "text": text})


@require_GET
def boundaries(request: HttpRequest, code: str) -> HttpResponse:
    """GeoJSON for the intake and public maps, which anonymous visitors see too."""
    try:
        area = area_selectors.area_get(code=code)
    except NotFound as exc:
        return JsonResponse(exc.as_dict(), status=404)
    response = JsonResponse(
        {"type": "FeatureCollection", "features": area_selectors.boundary_features(area=area)}
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


# Tracking (the resident's private link) ---------------------------------------------------------


def _track_context(case: Case, form: CallbackForm) -> dict[str, Any]:
    # A merged case follows its parent; the parent's own reporter data is never shown.
    followed = case.parent if case.state == State.MERGED and case.parent is not None else case
    # The link is the resident's key, whoever opens it: they read what the resident may.
    timeline = selectors.timeline_for(actor=None, case=followed, tracked=case)
    return {
        "case": case,
        "followed": followed,
        "events": timeline.entries,
        "own_photos": case.photos.filter(event__isnull=True),
        "can_rate": case.state == State.RESOLVED,
        "form": form,
        "token": case.tracking_token,
    }


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, token: str) -> HttpResponse:
    """No sign-in: the token is the key. Shows the state, the public timeline and, once
    resolved, "Is it solved? Rate 1–5"."""
    try:
        case = selectors.case_by_token(token=token)
    except NotFound:
        return render(request, "404.html", status=404)
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


@require_GET
def track_photo(request: HttpRequest, token: str, photo_id: int) -> HttpResponseBase:
    try:
        case = selectors.case_by_token(token=token)
        return _photo_response(selectors.tracking_photo(case=case, photo_id=photo_id))
    except NotFound:
        return render(request, "404.html", status=404)


# The public list -----------------------------------------------------------------------------------


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    """Requests anyone may see, on a map and in a list; personal details stay hidden."""
    form = CaseFilterForm(
        request.GET or None,
        services=selectors.filter_services(public_only=True),  # type: ignore[arg-type]
        states=[c for c in State.choices if c[0] != State.REJECTED],
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
    try:
        case = presenters.public_case(selectors.public_case_get(number=number))
    except NotFound:
        return render(request, "404.html", status=404)
    return render(request, "cases/public_detail.html", {"c": case})


# The unit inbox -------------------------------------------------------------------------------------


def _bulk(request: HttpRequest) -> HttpResponse | None:
    """Accept or urge the chosen cases, each through its service; errors are reported per case."""
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))
        return None
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    done: list[str] = []
    for number in form.cleaned_data["numbers"]:
        try:
            with transaction.atomic():
                case = selectors.access_case(actor=request.user, number=number, for_write=True)
                if action == "accept":
                    services.case_accept(actor=request.user, case=case)
                else:
                    services.case_urge(actor=request.user, case=case, note=note)
        except DomainError as exc:
            messages.error(request, f"{number}: {exc.message}")
        else:
            done.append(number)
    if done:
        text = _("Accepted: %(numbers)s.") if action == "accept" else _("Urged: %(numbers)s.")
        messages.success(request, text % {"numbers": ", ".join(done)})
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("case-inbox") + (f"?{query}" if query else ""))


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """The cases of the actor's units and areas, with filters and bulk accept / urge."""
    if not has_perm_anywhere(request.user, "cases.view"):
        return render(request, "403.html", status=403)
    status = 200
    if request.method == "POST":
        done = _bulk(request)
        if done is not None:
            return done
        status = 400
    # A request that does not name a state (the first visit, or ?page=2 from the pager) means
    # the open cases; "any state" is an explicit empty choice.
    params = request.GET.copy()
    params.setdefault("state", OPEN)
    form = CaseFilterForm(
        params,
        services=selectors.filter_services(public_only=False),  # type: ignore[arg-type]
        units=selectors.inbox_units(actor=request.user),
        open_choice=True,
    )
    page = None
    if form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        state = data.get("state", "")
        filters = selectors.CaseFilters(
            state="" if state == OPEN else state,
            colour=data.get("colour", ""),
            service=data.get("service", ""),
            area=data.get("area"),
            unit=data.get("unit"),
            text=data.get("q", ""),
        )
        try:
            cases = selectors.inbox_list(actor=request.user, filters=filters, open_only=state == OPEN)
            # Open cases are a few per cent of all, fewer the older: a unit's are counted
            # whole and its deep pages sorted (see seek_paginate).
            open_list = state == OPEN or state in OPEN_STATES
            searching = bool(filters.text.strip())
            cap = selectors.SEARCH_COUNT_CAP if searching else OPEN_COUNT_CAP if open_list else None
            if searching and request.GET.get("count_only"):
                # The pager's count, asked for after the page (below): a common word over a
                # district costs more to count than to show.
                counted = count_page(cases, page=request.GET.get("page"), cap=cap)
                return render(request, "_pager_count.html", {"page": counted})
            page = _seek_page(
                request,
                cases,
                fields=selectors.INBOX_FIELDS,
                cap=cap,
                sort_deep=open_list,
                count=not searching,
            )
            page.items = selectors.inbox_rows(page.items)
        except DomainError as exc:
            status = _fail(request, exc, form)
    else:
        status = 400
    context = {"form": form, "page": page, "extra": _query_without_page(request)}
    return render(request, "cases/inbox.html", context, status=status)


# The dispatch queue ------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Submitted and returned cases in the dispatcher's areas, each with a dispatch form."""
    if not has_perm_anywhere(request.user, "cases.dispatch"):
        return render(request, "403.html", status=403)
    form = CaseFilterForm(request.GET or None, services=selectors.intake_services(public_only=False))
    page = None
    status = 200
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        filters = selectors.CaseFilters(
            service=data.get("service", ""), area=data.get("area"), text=data.get("q", "")
        )
        try:
            page = paginate(
                selectors.dispatch_queue(actor=request.user, filters=filters), page=request.GET.get("page")
            )
        except DomainError as exc:
            status = _fail(request, exc, form)
    else:
        status = 400
    rows = [
        (
            case,
            DispatchForm(
                prefix="dispatch", auto_id=f"id_{case.number}_%s", initial={"version": case.version}
            ),
        )
        for case in (page.items if page else [])
    ]
    context = {"form": form, "page": page, "rows": rows, "extra": _query_without_page(request)}
    return render(request, "cases/queue.html", context, status=status)


@login_required
@require_GET
def unit_search(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: units to dispatch a case to, or to call in on it, matching the typed name. There
    may be tens of thousands of units, so only the first matches are sent."""
    purpose = "whistle" if request.GET.get("purpose") == "whistle" else "dispatch"
    text = (request.GET.get("q") or "").strip()[:50]
    try:
        case = selectors.access_case(actor=request.user, number=number)
        if purpose == "dispatch":
            units = selectors.dispatch_targets(actor=request.user, case=case)
        elif "whistle" in selectors.case_actions(actor=request.user, case=case):
            units = selectors.whistle_targets(case=case)
        else:
            return render(request, "403.html", status=403)
    except DomainError as exc:
        return refusal(request, exc)
    found = list(units.filter(name__contains=text)[:SEARCH_LIMIT]) if text else []
    return render(
        request, "cases/_unit_picks.html", {"units": found, "text": text, "purpose": purpose, "case": case}
    )


# The case page and its moves ---------------------------------------------------------------------

PANELS: list[tuple[str, Any, Any]] = [
    ("accept", gettext_lazy("Accept (首接负责)"), gettext_lazy("Accept")),
    ("start", gettext_lazy("Start work"), gettext_lazy("Start")),
    ("resolve", gettext_lazy("Report the work done"), gettext_lazy("Resolve")),
    ("return", gettext_lazy("Return: not our unit's (退单)"), gettext_lazy("Return")),
    ("dispatch", gettext_lazy("Dispatch or transfer (派单 / 改派)"), gettext_lazy("Dispatch")),
    ("callback", gettext_lazy("Callback: the resident's answer"), gettext_lazy("Record the answer")),
    ("reopen", gettext_lazy("Reopen"), gettext_lazy("Reopen")),
    ("urge", gettext_lazy("Urge or supervise (催办 / 督办)"), gettext_lazy("Send")),
    ("whistle", gettext_lazy("Call departments in (吹哨报到)"), gettext_lazy("Call in")),
    ("merge", gettext_lazy("Merge as a duplicate"), gettext_lazy("Merge")),
    ("reject", gettext_lazy("Reject the request"), gettext_lazy("Reject")),
    ("hide", gettext_lazy("Hide personal details from the public"), gettext_lazy("Hide details")),
]


def _case_page(
    request: HttpRequest, case: Case, *, bound: tuple[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    actions = selectors.case_actions(actor=request.user, case=case)
    panels = []
    for name, title, button in PANELS:
        if name not in actions:
            continue
        if bound is not None and bound[0] == name:
            form = bound[1]
        else:
            form = ACTION_FORMS[name](prefix=name, initial={"version": case.version})
        panels.append({"name": name, "title": title, "button": button, "form": form})
    context = {
        "case": case,
        "panels": panels,
        "contact": selectors.case_contact(actor=request.user, case=case),
        "timeline": selectors.timeline_for(actor=request.user, case=case),
        "answers": selectors.answers_of(case=case),
        "intake_photos": case.photos.filter(event__isnull=True),
        "assists": case.assists.select_related("unit"),
        # The related manager reads each row's parent_id to attach this case: deferring it
        # would cost a query per duplicate.
        "merged": case.merged_cases.only("number", "parent"),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        case = selectors.access_case(actor=request.user, number=number)
    except DomainError as exc:
        return refusal(request, exc)
    return _case_page(request, case)


def _dispatch(actor: Any, case: Case, d: dict[str, Any]) -> str:
    unit = selectors.move_unit(unit_id=d["unit"])
    services.case_dispatch(actor=actor, case=case, unit=unit, note=d["note"], version=d["version"])
    return _("Case %(number)s was sent to %(unit)s.") % {"number": case.number, "unit": unit.name}


def _accept(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_accept(actor=actor, case=case, version=d["version"])
    return _("Case %(number)s is accepted.") % {"number": case.number}


def _return(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_return(actor=actor, case=case, reason=d["reason"], version=d["version"])
    return _("Case %(number)s went back to the dispatchers.") % {"number": case.number}


def _start(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_start(actor=actor, case=case, note=d["note"], version=d["version"])
    return _("Work on case %(number)s has started.") % {"number": case.number}


def _resolve(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_resolve(actor=actor, case=case, note=d["note"], photos=d["photos"], version=d["version"])
    return _("Case %(number)s is resolved; the resident will be asked whether it is solved.") % {
        "number": case.number
    }


def _callback(actor: Any, case: Case, d: dict[str, Any]) -> str:
    case = services.case_callback(
        actor=actor,
        case=case,
        solved=d["solved"],
        rating=d["rating"],
        comment=d["comment"],
        version=d["version"],
    )
    return _("The answer is recorded; the case is now %(state)s.") % {"state": case.get_state_display()}


def _reopen(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_reopen(actor=actor, case=case, reason=d["reason"], version=d["version"])
    return _("Case %(number)s is reopened.") % {"number": case.number}


def _merge(actor: Any, case: Case, d: dict[str, Any]) -> str:
    try:
        parent = selectors.access_case(actor=actor, number=d["parent"].strip())
    except NotFound as exc:
        raise ValidationFailed(fields={"parent": exc.message}) from None
    services.case_merge(actor=actor, case=case, parent=parent, version=d["version"])
    return _("Case %(number)s is merged into %(parent)s.") % {"number": case.number, "parent": parent.number}


def _reject(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_reject(actor=actor, case=case, reason=d["reason"], version=d["version"])
    return _("Case %(number)s is rejected.") % {"number": case.number}


def _urge(actor: Any, case: Case, d: dict[str, Any]) -> str:
    supervise = d["kind"] == "supervise"
    services.case_urge(actor=actor, case=case, note=d["note"], supervise=supervise)
    return (_("Case %(number)s is under supervision.") if supervise else _("Case %(number)s is urged.")) % {
        "number": case.number
    }


def _whistle(actor: Any, case: Case, d: dict[str, Any]) -> str:
    units = selectors.move_units(unit_ids=d["units"])
    made = services.case_whistle(actor=actor, case=case, units=units, hours=d["hours"], note=d["note"])
    return _("%(n)d units are called in on case %(number)s.") % {"n": len(made), "number": case.number}


def _hide(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_hide_details(actor=actor, case=case, public_description=d["public_description"])
    return _("Personal details of case %(number)s are hidden from the public.") % {"number": case.number}


MOVES: dict[str, Callable[[Any, Case, dict[str, Any]], str]] = {
    "dispatch": _dispatch,
    "accept": _accept,
    "return": _return,
    "start": _start,
    "resolve": _resolve,
    "callback": _callback,
    "reopen": _reopen,
    "merge": _merge,
    "reject": _reject,
    "urge": _urge,
    "whistle": _whistle,
    "hide": _hide,
}


@login_required
@require_POST
def case_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One move on a case through its one service. A move the state no longer allows answers
    409 with the message and the case as it is now."""
    move = MOVES.get(action)
    if move is None:
        return render(request, "404.html", status=404)
    form = ACTION_FORMS[action](request.POST, request.FILES, prefix=action)
    status = 400
    if form.is_valid():
        try:
            with transaction.atomic():
                case = selectors.access_case(actor=request.user, number=number, for_write=True)
                message = move(request.user, case, form.cleaned_data)
        except DomainError as exc:
            if exc.status in (401, 403, 404) and not exc.fields:
                return refusal(request, exc)
            status = _fail(request, exc, form)
        else:
            messages.success(request, message)
            return redirect(_safe_next(request) or reverse("case-detail", args=[case.number]))
    try:
        case = selectors.access_case(actor=request.user, number=number)
    except DomainError as exc:
        return refusal(request, exc)
    return _case_page(request, case, bound=(action, form), status=status)


@login_required
@require_GET
def case_photo(request: HttpRequest, number: str, photo_id: int) -> HttpResponseBase:
    try:
        case = selectors.access_case(actor=request.user, number=number)
        return _photo_response(selectors.case_photo(case=case, photo_id=photo_id))
    except DomainError as exc:
        return refusal(request, exc)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _rate_rows(f: selectors.Rates) -> list[tuple[str, str, int, int, str]]:
    """(name, rate, numerator, denominator, what it counts) for the four rates."""
    return [
        (
            _("Response rate"),
            _percent(f.response_rate),
            f.responded_on_time,
            f.response_due,
            _("accepted within the deadline / accept deadlines in the period"),
        ),
        (
            _("Resolution rate"),
            _percent(f.resolution_rate),
            f.solved,
            f.callbacks,
            _("answered “solved” / callbacks in the period"),
        ),
        (
            _("Satisfaction rate"),
            _percent(f.satisfaction_rate),
            f.satisfied,
            f.rated,
            _("rated 4 or 5 / callbacks with a rating"),
        ),
        (
            _("On-time rate"),
            _percent(f.on_time_rate),
            f.resolved_on_time,
            f.resolved,
            _("resolved by the deadline / resolved in the period"),
        ),
    ]


# The rates ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def rates(request: HttpRequest) -> HttpResponse:
    """Response, resolution, satisfaction and on-time rates of a unit or an area subtree."""
    if not has_perm_anywhere(request.user, "cases.view"):
        return render(request, "403.html", status=403)
    units = selectors.inbox_units(actor=request.user)
    asked = request.GET.get("unit", "")
    if asked.isdigit() and all(u.pk != int(asked) for u in units):
        with contextlib.suppress(DomainError):  # else the form refuses the choice
            units.append(org_selectors.access_unit(actor=request.user, unit_id=int(asked)))
    form = RatesForm(request.GET, units=units)
    figures = None
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        area, unit = data["area"], data["unit"]
        if area is None and unit is None:
            if not units:
                return render(request, "403.html", status=403)
            unit = units[0]
        try:
            figures = selectors.rates_for(
                actor=request.user, start=data["start"], end=data["end"], area=area, unit=unit
            )
        except DomainError as exc:
            if exc.status == 404:
                return refusal(request, exc)
            status = _fail(request, exc, form)
        subject = area.name if area is not None else unit.name if unit is not None else ""
    else:
        status = 400
        subject = ""
    rows = _rate_rows(figures) if figures is not None else []
    context = {"form": form, "figures": figures, "rows": rows, "subject": subject}
    # Area and unit pages load the figures alone into a panel.
    template = "cases/_rates_figures.html" if request.htmx else "cases/rates.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


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
