"""Staff lists: the unit inbox with its bulk moves, and the dispatch queue with its unit pickers
and its dispatch of several cards at once."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from needle.cases import selectors, services
from needle.cases.forms import (
    OPEN,
    BulkDispatchForm,
    BulkForm,
    CaseFilterForm,
    DispatchForm,
    QueueFilterForm,
)
from needle.cases.models import OPEN_STATES
from needle.cases.views.common import SEARCH_LIMIT, _fail, _query_without_page, _seek_page
from needle.core.errors import DomainError, PermissionDenied
from needle.core.i18n import labelled
from needle.core.pagination import count_page, paginate
from needle.core.views import show_form_errors
from needle.orgs.permissions import require_anywhere

# The inbox's open cases are counted up to this many (COUNT_CAP for other lists): a unit's
# whole open list, read by the open-case indexes.
OPEN_COUNT_CAP = 5000


def _back(request: HttpRequest, name: str) -> HttpResponse:
    """Back to the list the bulk move was posted from, with its filters and page."""
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse(name) + (f"?{query}" if query else ""))


# The unit inbox -------------------------------------------------------------------------------------


def _bulk(request: HttpRequest) -> HttpResponse | None:
    """Accept or urge the chosen cases, each through its service; errors are reported per case."""
    form = BulkForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
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
            messages.error(request, labelled(number, exc.message))
        else:
            done.append(number)
    if done:
        text = _("Accepted: %(numbers)s.") if action == "accept" else _("Urged: %(numbers)s.")
        messages.success(request, text % {"numbers": ", ".join(done)})
    return _back(request, "case-inbox")


@login_required
@require_anywhere("cases.view")
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """The cases of the actor's units and areas, with filters and bulk accept / urge."""
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


def _dispatch_chosen(request: HttpRequest) -> HttpResponse | None:
    """Send the chosen cards to one unit (case_dispatch_many); each refusal is reported with
    its case's number, the others go."""
    form = BulkDispatchForm(request.POST, prefix="bulk")
    if not form.is_valid():
        show_form_errors(request, form)
        return None
    data = form.cleaned_data
    try:
        unit = selectors.move_unit(unit_id=data["unit"])
        results = services.case_dispatch_many(
            actor=request.user, numbers=data["numbers"], unit=unit, note=data["note"]
        )
    except DomainError as exc:
        _fail(request, exc)
        return None
    sent = [r.number for r in results if r.case is not None]
    for r in results:
        if r.error is not None:
            messages.error(request, f"{r.number}: {r.error.message}")
    if sent:
        text = _("Sent to %(unit)s: %(numbers)s.") % {"unit": unit.name, "numbers": ", ".join(sent)}
        messages.success(request, text)
    return _back(request, "case-queue")


@login_required
@require_anywhere("cases.dispatch")
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    """Submitted and returned cases in the dispatcher's areas as cards with their deadline
    colour and age, most urgent first, a page at a time; each card dispatches alone, or the
    chosen ones go to one unit together."""
    status = 200
    if request.method == "POST":
        done = _dispatch_chosen(request)
        if done is not None:
            return done
        status = 400
    sorts = [(key, label) for key, (label, _order) in selectors.QUEUE_SORTS.items()]
    form = QueueFilterForm(
        request.GET or None,
        services=selectors.filter_services(public_only=False),
        sorts=sorts,
    )
    page = summary = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        filters = selectors.CaseFilters(
            service=data.get("service", ""),
            colour=data.get("colour", ""),
            area=data.get("area"),
            text=data.get("q", ""),
        )
        try:
            cases = selectors.dispatch_queue(
                actor=request.user, filters=filters, sort=data.get("sort") or sorts[0][0]
            )
            summary = selectors.queue_summary(cases)
            page = paginate(
                cases,
                page=request.GET.get("page"),
                page_size=selectors.QUEUE_PAGE_SIZE,
                count=summary.waiting,
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
    context = {
        "form": form,
        "page": page,
        "summary": summary,
        "rows": rows,
        "bulk": BulkDispatchForm(prefix="bulk"),
        "extra": _query_without_page(request),
    }
    return render(request, "cases/queue.html", context, status=status)


@login_required
@require_anywhere("cases.dispatch")
@require_GET
def queue_unit_search(request: HttpRequest) -> HttpResponse:
    """htmx: units to send the queue's chosen cards to, matching the typed name (the units
    case_dispatch_many may reach; only the first matches are sent)."""
    text = (request.GET.get("q") or "").strip()[:50]
    units = selectors.dispatch_target_units(actor=request.user).select_related("area")
    found = (
        list(units.filter(name__contains=text).order_by("area_path", "type", "name")[:SEARCH_LIMIT])
        if text
        else []
    )
    return render(
        request,
        "cases/_unit_picks.html",
        {"units": found, "text": text, "purpose": "dispatch", "field": "bulk-unit"},
    )


@login_required
@require_GET
def unit_search(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: units to dispatch a case to, or to call in on it, matching the typed name. There
    may be tens of thousands of units, so only the first matches are sent."""
    purpose = "whistle" if request.GET.get("purpose") == "whistle" else "dispatch"
    text = (request.GET.get("q") or "").strip()[:50]
    case = selectors.access_case(actor=request.user, number=number)
    if purpose == "dispatch":
        units = selectors.dispatch_targets(actor=request.user, case=case)
    elif "whistle" in selectors.case_actions(actor=request.user, case=case):
        units = selectors.whistle_targets(case=case)
    else:
        raise PermissionDenied()
    found = list(units.filter(name__contains=text)[:SEARCH_LIMIT]) if text else []
    return render(
        request, "cases/_unit_picks.html", {"units": found, "text": text, "purpose": purpose, "case": case}
    )
