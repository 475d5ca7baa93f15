"""Raising a request: the resident's report form, staff intake on the phone, and the pickers
both forms load (services, their questions, areas, boundaries)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needle.areas import selectors as area_selectors
from needle.cases import selectors, services
from needle.cases.forms import IntakeForm, intake_field
from needle.cases.models import Case, Channel, State
from needle.cases.views.common import SEARCH_LIMIT
from needle.core.errors import DomainError, NotFound, ValidationFailed
from needle.core.throttle import spend
from needle.core.views import show_error
from needle.orgs.permissions import require_anywhere


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
        show_name=data["show_name"],
        consent=data["consent"],
        channel=channel,
        idempotency_key=data["idempotency_key"] or None,
        photos=form.photo_bytes(),
        answer=data.get("answer", "").strip(),
    )
    try:
        return services.case_submit(actor=request.user, intake=intake), 200
    except DomainError as exc:
        renamed = ValidationFailed(exc.message, fields={intake_field(k): v for k, v in exc.fields.items()})
        show_error(request, renamed, form)
        return None, 403 if exc.status == 403 else 400


# The search results a form shows; the category list below them holds every service.
PICKS_SHOWN = 10


def _search_text(request: HttpRequest) -> str:
    return (request.GET.get("service_q") or request.GET.get("q") or "").strip()[: selectors.SEARCH_TEXT]


def _picks(request: HttpRequest, *, staff: bool) -> dict[str, Any]:
    """The service search's best matches for the words typed, for the live search and for the
    form's own "Find" button (browsers without JavaScript reload the form with them)."""
    text = _search_text(request)
    hits = selectors.service_search(actor=request.user, text=text, staff=staff) if text else []
    return {"service_q": text, "hits": hits[:PICKS_SHOWN]}


def _intake_context(request: HttpRequest, form: IntakeForm, *, staff: bool) -> dict[str, Any]:
    picks = _picks(request, staff=staff) if request.method == "GET" else {}
    return {"form": form, "staff": staff, "map_area": settings.NEEDLE_MAP_AREA, **picks}


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
    return render(request, "cases/report.html", _intake_context(request, form, staff=False), status=status)


@require_GET
def report_thanks(request: HttpRequest, token: str) -> HttpResponse:
    case = selectors.case_by_token(token=token)
    link = request.build_absolute_uri(reverse("case-track", args=[token]))
    return render(request, "cases/thanks.html", {"case": case, "link": link})


@login_required
@require_anywhere("cases.intake")
@require_http_methods(["GET", "POST"])
def staff_intake(request: HttpRequest) -> HttpResponse:
    """Staff take a request on the phone on a caller's behalf (channel "phone")."""
    form = _intake_form(request, staff=True)
    status = 200
    if request.method == "POST":
        case, status = _submit(request, form, channel=Channel.PHONE)
        if case is not None:
            done = (
                _("Request %(number)s is registered as answered.") if case.state == State.ANSWERED else None
            )
            messages.success(
                request, (done or _("Request %(number)s is registered.")) % {"number": case.number}
            )
            return redirect("case-detail", number=case.number)
    return render(
        request, "cases/staff_intake.html", _intake_context(request, form, staff=True), status=status
    )


@login_required
@require_anywhere("cases.intake")
@require_POST
def caller_history(request: HttpRequest) -> HttpResponse:
    """htmx: the caller's earlier requests, by the phone typed on the intake form (sent in the
    body, not the address: a phone number has no place in logs). Audited, scoped, limited."""
    spend(request, "caller-history", selectors.CALLER_LOOKUPS_PER_MINUTE)
    phone = (request.POST.get("contact_phone") or request.POST.get("phone") or "").strip()[:20]
    context: dict[str, Any] = {"phone": phone, "cases": [], "error": ""}
    if phone:
        try:
            context["cases"] = selectors.caller_cases(actor=request.user, phone=phone)
        except ValidationFailed as exc:
            context["error"] = next(iter(exc.fields.values()), exc.message)
    return render(request, "cases/_caller_history.html", context)


def _staff_catalog(request: HttpRequest) -> bool:
    return request.GET.get("staff") == "1" and selectors.may_use_staff_catalog(request.user)


@require_GET
def service_search(request: HttpRequest) -> HttpResponse:
    """htmx: the services that best match the typed words, best first."""
    return render(request, "cases/_service_picks.html", _picks(request, staff=_staff_catalog(request)))


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
    """GeoJSON for the intake and public maps, which anonymous visitors see too: the outlines
    below the area and its children as labelled points (`selectors.map_layer`)."""
    try:
        area = area_selectors.area_get(code=code)
    except NotFound as exc:
        return JsonResponse(exc.as_dict(), status=404)
    response = JsonResponse(selectors.map_layer(area=area, public_only=True))
    response["Cache-Control"] = "public, max-age=3600"
    return response
