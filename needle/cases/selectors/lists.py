"""The lists of cases (inbox, public list, followed cases) and of services, as the one
asking may see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from needle.areas.models import Area, subtree_q
from needle.cases.catalog import active_service, remembered
from needle.cases.models import OPEN_STATES, Assist, Case, Category, Colour, Service, State
from needle.cases.selectors.access import InSubquery, case_scope_q
from needle.core.errors import NotFound, ValidationFailed
from needle.core.i18n import bilingual
from needle.orgs.models import Unit
from needle.orgs.permissions import (
    Actor,
    granting_unit_ids,
    require_authenticated,
)

# Every case list's order, newest first; the pager's positions are written in these keys.
CASE_ORDER = ("-submitted_at", "-id")
# What a row of the inbox (cases/_case_rows.html) and of the public list shows: a page of
# either loads no other column (an area's boundary alone can be larger than the page).
INBOX_FIELDS = (
    "id", "number", "title", "state", "colour", "submitted_at", "resolve_due_at",
    "service__name", "service__name_en", "area__name", "lead_unit__name",
)  # fmt: skip
PUBLIC_FIELDS = (
    "number", "state", "submitted_at", "lat", "lng", "title", "description", "public_description",
    "details_hidden", "show_name", "contact_name", "service__name", "service__name_en", "area__name",
)  # fmt: skip


# A text search counts up to this many matches (the inbox, the API): every match of a common
# word costs reading the text of a dozen cases, and the count would otherwise cost several
# times the page.
SEARCH_COUNT_CAP = 250


def text_q(text: str) -> Q:
    """Cases whose number is `text`, or whose title or description contains it."""
    text = text.strip()
    return Q(number=text) | Q(title__contains=text) | Q(description__contains=text)


@dataclass
class CaseFilters:
    state: str = ""
    colour: str = ""
    service: str = ""
    area: Area | None = None
    unit: Unit | None = None
    text: str = ""
    mine: bool = False
    queue: bool = False
    overdue: bool = False


def narrowed(qs: QuerySet[Case], filters: CaseFilters) -> QuerySet[Case]:
    """`qs` narrowed by what the staff's lists (the inbox, the dispatchers' queue) both offer:
    service code, deadline colour, area subtree and text."""
    if filters.service:
        qs = qs.filter(service__code=filters.service)
    if filters.colour:
        if filters.colour not in Colour.values:
            raise ValidationFailed(fields={"colour": _("Unknown colour.")})
        qs = qs.filter(colour=filters.colour)
    if filters.area is not None:
        qs = qs.filter(subtree_q(filters.area.path, "area_path"))
    if filters.text:
        qs = qs.filter(text_q(filters.text))
    return qs


def case_list_for(*, actor: Actor, filters: CaseFilters) -> QuerySet[Case]:
    require_authenticated(actor)
    qs = Case.objects.select_related("service", "area", "lead_unit")
    scope = case_scope_q(actor, within=filters.area.path if filters.area is not None else None)
    if scope is not None:
        qs = qs.filter(scope)
    if filters.state:
        if filters.state not in State.values:
            raise ValidationFailed(fields={"state": _("Unknown state.")})
        qs = qs.filter(state=filters.state)
    qs = narrowed(qs, filters)
    if filters.unit is not None:
        assisted = Assist.objects.filter(unit=filters.unit).values("case_id")
        qs = qs.filter(Q(lead_unit=filters.unit) | Q(InSubquery("pk", assisted)))
    if filters.mine:
        qs = qs.filter(reporter_id=actor.pk)
    if filters.queue:
        qs = qs.filter(state__in=[State.SUBMITTED, State.RETURNED])
    if filters.overdue:
        qs = qs.filter(state__in=OPEN_STATES, colour__in=[Colour.YELLOW, Colour.RED])
    return qs.order_by(*CASE_ORDER)


# A rejected request, and one its reporter took back, are never shown to the public.
NEVER_PUBLIC = (State.REJECTED, State.WITHDRAWN)


def public_q(prefix: str = "") -> Q:
    """What anyone may see: cases marked public, of public services, neither rejected nor
    withdrawn by their reporter (`prefix` reaches the case through a relation, "case__" for its
    timeline entries). The one rule of the public list and pages, Open311, the suggestions of
    similar requests and following; is_public() is the same rule for one case in hand."""
    return Q(**{f"{prefix}public": True, f"{prefix}service__public": True}) & ~Q(
        **{f"{prefix}state__in": NEVER_PUBLIC}
    )


def is_public(case: Case) -> bool:
    """public_q() for one loaded case (with its service)."""
    return case.public and case.service.public and case.state not in NEVER_PUBLIC


def public_cases() -> QuerySet[Case]:
    """public_q()'s cases, newest first."""
    return Case.objects.filter(public_q()).select_related("service", "area").order_by(*CASE_ORDER)


def catalog() -> QuerySet[Category]:
    return Category.objects.prefetch_related(
        Prefetch("services", queryset=Service.objects.filter(active=True).prefetch_related("attributes"))
    )


def service_get(*, code: str, public_only: bool = False) -> Service:
    """An active service with its category and questions (shared by the process: read-only)."""
    service = active_service(code, public_only=public_only)
    if service is None:
        raise NotFound(_("No service has the code %(code)s.") % {"code": code})
    return service


def intake_services(*, public_only: bool = True) -> QuerySet[Service]:
    """Active services for an intake form or a list's filter, in catalog order (the search
    over them is catalog_search.service_search)."""
    qs = Service.objects.filter(active=True).select_related("category")
    if public_only:
        qs = qs.filter(public=True)
    return qs.order_by("category__order", "category__code", "code")


def public_case_get(*, number: str) -> Case:
    """One case of the public list, read as the list reads it (see presenters.public_case)."""
    case = public_cases().only(*PUBLIC_FIELDS).filter(number=number).order_by().first()
    if case is None:
        raise NotFound(_("No public request has the number %(number)s.") % {"number": number})
    return case


# "My requests" lists at most this many of the requests one follows.
FOLLOWED_SHOWN = 50


def followed_cases(*, actor: Actor) -> QuerySet[Case]:
    """The public cases the actor follows, newest first, read as the public list reads them:
    a follower is a stranger to the reporter (see presenters.public_case)."""
    person = require_authenticated(actor)
    return public_cases().filter(followers=person).only(*PUBLIC_FIELDS)[:FOLLOWED_SHOWN]


def public_case_list(*, filters: CaseFilters) -> QuerySet[Case]:
    """public_cases() narrowed by service code, area subtree and state."""
    qs = public_cases()
    if filters.state:
        if filters.state not in State.values or filters.state in NEVER_PUBLIC:
            raise ValidationFailed(fields={"state": _("Unknown state.")})
        qs = qs.filter(state=filters.state)
    if filters.service:
        qs = qs.filter(service__code=filters.service)
    if filters.area is not None:
        qs = qs.filter(subtree_q(filters.area.path, "area_path"))
    return qs.only(*PUBLIC_FIELDS)


def inbox_units(*, actor: Actor) -> list[Unit]:
    """The live units whose role assignments let the actor see cases."""
    ids = granting_unit_ids(actor, "cases.view")
    return list(Unit.objects.filter(pk__in=ids, dissolved_on__isnull=True).order_by("name"))


def inbox_list(*, actor: Actor, filters: CaseFilters, open_only: bool = False) -> QuerySet[Case]:
    """case_list_for, optionally narrowed to open cases (what the inbox shows by default). The
    inbox reads a page of it as dicts of INBOX_FIELDS (a page of model instances with their
    service, area and unit cost more than its query); inbox_rows() adds what a row shows."""
    qs = case_list_for(actor=actor, filters=filters)
    return qs.filter(state__in=OPEN_STATES) if open_only else qs


def inbox_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """inbox_list's rows with what cases/_case_rows.html shows worked out here: the template
    language spent more time on 50 rows' filters and tags than the page's queries took."""
    link = reverse("case-detail", args=["_"])  # one reverse() for the page, not one per row
    states = {value: str(label) for value, label in State.choices}
    colours = {value: str(label) for value, label in Colour.choices}
    choose = _("Choose %(number)s")
    zone = timezone.get_current_timezone()
    out = []
    for row in rows:
        number, due = row["number"], row["resolve_due_at"]
        out.append(
            {
                **row,
                "url": link.replace("_", quote(number, safe="")),
                "choose": choose % {"number": number},
                "service_label": bilingual(row["service__name"], row["service__name_en"]),
                "title_short": Truncator(row["title"]).chars(60),
                "state_label": states.get(row["state"], row["state"]),
                "colour_label": colours.get(row["colour"], row["colour"]),
                "due": due.astimezone(zone).strftime("%Y-%m-%d %H:%M") if due else "",
            }
        )
    return out


@dataclass(frozen=True)
class Named:
    label: str


@dataclass(frozen=True)
class ServiceOption:
    """What a list's service filter (CaseFilterForm) reads of a service."""

    code: str
    label: str
    category_id: int
    category: Named


def filter_services(*, public_only: bool) -> list[ServiceOption]:
    """intake_services() for a list's filter, read with values_list (the inbox's few hundred
    services as model instances cost more than its page of cases) and remembered per process,
    language and catalog version (catalog.py)."""
    return remembered(("filter-services", public_only, get_language()), lambda: _filter_services(public_only))


def _filter_services(public_only: bool) -> list[ServiceOption]:
    rows = (
        intake_services(public_only=public_only)
        .values_list("code", "name", "name_en", "category_id", "category__name", "category__name_en")
        .iterator()
    )
    categories: dict[int, Named] = {}
    out = []
    for code, name, name_en, category_id, category_name, category_name_en in rows:
        if category_id not in categories:
            categories[category_id] = Named(bilingual(category_name, category_name_en))
        out.append(ServiceOption(code, bilingual(name, name_en), category_id, categories[category_id]))
    return out
