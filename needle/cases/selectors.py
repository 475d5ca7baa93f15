"""Reads of cases that depend on who asks, and the three rates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Count, Expression, F, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from needle.areas.models import Area, subtree_q
from needle.cases.catalog import active_service, remembered
from needle.cases.models import (
    DISPATCHABLE,
    OPEN_STATES,
    Assist,
    Callback,
    Case,
    CaseEvent,
    Category,
    Colour,
    EventKind,
    Photo,
    Service,
    State,
)
from needle.core.errors import NotFound, ValidationFailed
from needle.orgs.models import Unit
from needle.orgs.permissions import (
    area_scope_q,
    can_act_for_unit,
    can_for_unit,
    can_in_area,
    granting_unit_ids,
    has_perm_anywhere,
    is_superuser,
    require,
    require_authenticated,
    scope_paths,
)

# Up to this many units located in an actor's areas are written into a case list's query.
SCOPE_UNIT_LIST = 500
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
    "details_hidden", "hide_name", "contact_name", "service__name", "service__name_en", "area__name",
)  # fmt: skip


class InSubquery(Expression):
    """`column IN (subquery)` that an index can serve inside an OR. PostgreSQL runs an
    `IN (SELECT ...)` under an OR as a filter on every candidate row (and a join column under
    an OR the same way), so a scoped list of a million cases scanned a whole index; written
    `column = ANY(ARRAY(SELECT ...))` the subquery runs once and each arm of the OR is an
    index scan, the arms combined in a BitmapOr. Other databases get the plain IN."""

    conditional = True

    def __init__(self, column: str, queryset: QuerySet[Any]) -> None:
        super().__init__(output_field=BooleanField())
        self.column: Any = F(column)
        self.subquery: Any = Subquery(queryset)

    def get_source_expressions(self) -> list[Any]:
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.column, self.subquery = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        column, column_params = compiler.compile(self.column)
        subquery, subquery_params = compiler.compile(self.subquery)
        template = "%s = ANY(ARRAY%s)" if connection.vendor == "postgresql" else "%s IN %s"
        return template % (column, subquery), (*column_params, *subquery_params)


# A text search counts up to this many matches (the inbox, the API): every match of a common
# word costs reading the text of a dozen cases, and the count would otherwise cost several
# times the page.
SEARCH_COUNT_CAP = 250


def text_q(text: str) -> Q:
    """Cases whose number is `text`, or whose title or description contains it."""
    text = text.strip()
    return Q(number=text) | Q(title__contains=text) | Q(description__contains=text)


def case_scope_q(actor: Any, perm: str = "cases.view") -> Q | None:
    """Cases the actor may see: located in their areas, led or assisted by their units (or
    units in their areas), or reported by them. None means everything. Every arm is a
    condition on the case's own columns, so that each can use an index (see InSubquery)."""
    if is_superuser(actor):
        return None
    q = area_scope_q(actor, perm, "area_path") or Q()
    paths = scope_paths(actor, perm)
    if paths:
        in_areas = Q()
        for path in paths:
            in_areas |= subtree_q(path, "area_path")
        unit_ids = Unit.objects.filter(in_areas).order_by().values_list("pk", flat=True)
        ids = list(unit_ids[: SCOPE_UNIT_LIST + 1])
        # A list of constants lets the planner estimate how many cases these units lead (an
        # array it cannot see into looks like a quarter of the table, and a deep page then
        # walks the whole time index); past a few hundred units, leave the list to the database.
        if len(ids) <= SCOPE_UNIT_LIST:
            q |= Q(lead_unit_id__in=ids)
        else:
            q |= Q(InSubquery("lead_unit_id", unit_ids))
    units = granting_unit_ids(actor, perm)
    if units:
        assisted = Assist.objects.filter(unit_id__in=units).values("case_id")
        q |= Q(lead_unit_id__in=units) | Q(InSubquery("pk", assisted))
    if getattr(actor, "pk", None):
        q |= Q(reporter_id=actor.pk)
    return q


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


def case_list_for(*, actor: Any, filters: CaseFilters) -> QuerySet[Case]:
    require_authenticated(actor)
    qs = Case.objects.select_related("service", "area", "lead_unit")
    scope = case_scope_q(actor)
    if scope is not None:
        qs = qs.filter(scope)
    if filters.state:
        if filters.state not in State.values:
            raise ValidationFailed(fields={"state": _("Unknown state.")})
        qs = qs.filter(state=filters.state)
    if filters.colour:
        if filters.colour not in Colour.values:
            raise ValidationFailed(fields={"colour": _("Unknown colour.")})
        qs = qs.filter(colour=filters.colour)
    if filters.service:
        qs = qs.filter(service__code=filters.service)
    if filters.area is not None:
        qs = qs.filter(subtree_q(filters.area.path, "area_path"))
    if filters.unit is not None:
        assisted = Assist.objects.filter(unit=filters.unit).values("case_id")
        qs = qs.filter(Q(lead_unit=filters.unit) | Q(InSubquery("pk", assisted)))
    if filters.text:
        qs = qs.filter(text_q(filters.text))
    if filters.mine:
        qs = qs.filter(reporter_id=actor.pk)
    if filters.queue:
        qs = qs.filter(state__in=[State.SUBMITTED, State.RETURNED])
    if filters.overdue:
        qs = qs.filter(state__in=OPEN_STATES, colour__in=[Colour.YELLOW, Colour.RED])
    return qs.order_by(*CASE_ORDER)


def may_view(actor: Any, case: Case) -> bool:
    if getattr(actor, "pk", None) and case.reporter_id == actor.pk:
        return True
    return may_view_as_staff(actor, case)


def may_view_as_staff(actor: Any, case: Case) -> bool:
    """may_view() through a role (over the case's place, or a unit working on it), not as its
    reporter: what shows the internal side of a case (internal entries, staff names)."""
    if can_in_area(actor, "cases.view", case.area_path):
        return True
    units = [case.lead_unit] if case.lead_unit_id else []
    units += [a.unit for a in case.assists.select_related("unit")]
    return any(can_for_unit(actor, "cases.view", u) for u in units if u is not None)


def access_case(*, actor: Any, number: str) -> Case:
    """The case if the actor may see it; 404 otherwise (not even its existence leaks)."""
    # Numbers are unique: no ORDER BY (Django resolving one against six joined tables' columns
    # cost more than the query).
    found = (
        Case.objects.select_related("service", "service__category", "area", "lead_unit", "reporter", "parent")
        .defer("area__boundary")  # no case page or action draws it; it can outweigh the case
        .filter(number=number)
    )
    case = next(iter(found.order_by()[:1]), None)
    if case is None or not may_view(actor, case):
        raise NotFound(_("No case has the number %(number)s.") % {"number": number})
    return case


def case_by_token(*, token: str) -> Case:
    case = (
        Case.objects.select_related("service", "area", "lead_unit", "parent")
        .defer("area__boundary")
        .filter(tracking_token=token)
        .first()
    )
    if case is None:
        raise NotFound(_("This tracking link is not valid."))
    return case


def may_see_contact(actor: Any, case: Case) -> bool:
    if getattr(actor, "pk", None) and actor.pk == case.reporter_id:
        return True
    if can_in_area(actor, "cases.view_contact", case.area_path):
        return True
    return case.lead_unit is not None and can_for_unit(actor, "cases.view_contact", case.lead_unit)


@dataclass(frozen=True)
class Entry:
    """One timeline entry as the one asking may see it."""

    at: dt.datetime
    kind: str
    kind_label: str
    from_state: str
    to_state: str
    unit_name: str
    # Who wrote it: staff names are for staff only.
    actor: Any
    note: str
    public: bool
    photos: list[Photo]


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    # Internal entries and staff names included.
    internal: bool


# The resident's own words on a case's timeline: a merged duplicate's reporter reads the
# parent's progress, never what its reporter said.
RESIDENT_KINDS = frozenset({EventKind.CALLBACK, EventKind.SUBMITTED, EventKind.REPEATED})


def timeline_for(*, actor: Any, case: Case, tracked: Case | None = None) -> Timeline:
    """The case's timeline as the actor may see it: staff who may view the case see every
    entry with its author; anyone else (its reporter too) sees the public entries, without
    staff names. `tracked` is the case whose private link is being read when that is not
    `case` (a duplicate merged into it): the link's holder reads no one else's words."""
    internal = actor is not None and may_view_as_staff(actor, case)
    qs = CaseEvent.objects.filter(case=case).select_related("unit").prefetch_related("photos")
    qs = qs.select_related("actor") if internal else qs.filter(public=True)
    foreign = tracked is not None and tracked.pk != case.pk
    kinds = dict(EventKind.choices)
    entries = [
        Entry(
            at=e.at,
            kind=e.kind,
            kind_label=str(kinds.get(e.kind, e.kind)),
            from_state=e.from_state,
            to_state=e.to_state,
            unit_name=e.unit.name if e.unit else "",
            actor=e.actor if internal else None,
            note="" if foreign and e.kind in RESIDENT_KINDS else e.note,
            public=e.public,
            photos=list(e.photos.all()),
        )
        for e in qs
    ]
    return Timeline(entries=entries, internal=internal)


def public_q() -> Q:
    """What anyone may see: cases of public services, not rejected."""
    return Q(service__public=True) & ~Q(state=State.REJECTED)


def public_cases() -> QuerySet[Case]:
    """public_q()'s cases, newest first."""
    return Case.objects.filter(public_q()).select_related("service", "area").order_by(*CASE_ORDER)


def catalog() -> QuerySet[Category]:
    from django.db.models import Prefetch

    return Category.objects.prefetch_related(
        Prefetch("services", queryset=Service.objects.filter(active=True).prefetch_related("attributes"))
    )


def service_get(*, code: str, public_only: bool = False) -> Service:
    """An active service with its category and questions (shared by the process: read-only)."""
    service = active_service(code, public_only=public_only)
    if service is None:
        raise NotFound(_("No service has the code %(code)s.") % {"code": code})
    return service


# The three rates -----------------------------------------------------------------------------


@dataclass
class Rates:
    start: dt.date
    end: dt.date
    response_due: int
    responded_on_time: int
    callbacks: int
    solved: int
    rated: int
    satisfied: int
    resolved: int
    resolved_on_time: int
    received: int

    @staticmethod
    def _ratio(n: int, d: int) -> float | None:
        return round(n / d, 4) if d else None

    @property
    def response_rate(self) -> float | None:
        return self._ratio(self.responded_on_time, self.response_due)

    @property
    def resolution_rate(self) -> float | None:
        return self._ratio(self.solved, self.callbacks)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._ratio(self.satisfied, self.rated)

    @property
    def on_time_rate(self) -> float | None:
        return self._ratio(self.resolved_on_time, self.resolved)


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in the deployment's time zone."""
    if start > end:
        raise ValidationFailed(fields={"start": _("The start must not be after the end.")})
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def rates_for(
    *, actor: Any, start: dt.date, end: dt.date, area: Area | None = None, unit: Unit | None = None
) -> Rates:
    """Response, resolution, satisfaction and on-time rates for a unit or an area subtree,
    exactly as DESIGN.md defines them."""
    require_authenticated(actor)
    if area is None and unit is None:
        raise ValidationFailed(fields={"area": _("Give an area or a unit.")})
    if area is not None and not can_in_area(actor, "cases.view", area):
        raise NotFound(_("You have no figures for this area."))
    if unit is not None and not can_for_unit(actor, "cases.view", unit):
        raise NotFound(_("No such unit."))
    lo, hi = period_bounds(start, end)
    cases = Case.objects.all()
    callbacks = Callback.objects.all()
    if area is not None:
        cases = cases.filter(subtree_q(area.path, "area_path"))
        callbacks = callbacks.filter(subtree_q(area.path, "case__area_path"))
    if unit is not None:
        cases = cases.filter(lead_unit=unit)
        callbacks = callbacks.filter(lead_unit=unit)
    c = cases.aggregate(
        response_due=Count("id", filter=Q(accept_due_at__gte=lo, accept_due_at__lt=hi)),
        responded=Count(
            "id", filter=Q(accept_due_at__gte=lo, accept_due_at__lt=hi, accepted_at__lte=F("accept_due_at"))
        ),
        resolved=Count("id", filter=Q(resolved_at__gte=lo, resolved_at__lt=hi)),
        resolved_on_time=Count(
            "id", filter=Q(resolved_at__gte=lo, resolved_at__lt=hi, resolved_at__lte=F("resolve_due_at"))
        ),
        received=Count("id", filter=Q(submitted_at__gte=lo, submitted_at__lt=hi)),
    )
    b = callbacks.filter(at__gte=lo, at__lt=hi).aggregate(
        total=Count("id"),
        solved=Count("id", filter=Q(solved=True)),
        rated=Count("id", filter=Q(rating__isnull=False)),
        satisfied=Count("id", filter=Q(rating__gte=4)),
    )
    return Rates(
        start=start,
        end=end,
        response_due=c["response_due"],
        responded_on_time=c["responded"],
        callbacks=b["total"],
        solved=b["solved"],
        rated=b["rated"],
        satisfied=b["satisfied"],
        resolved=c["resolved"],
        resolved_on_time=c["resolved_on_time"],
        received=c["received"],
    )


def dispatch_target_units(*, actor: Any) -> QuerySet[Unit]:
    """Units the actor may send cases to: live units located in the actor's dispatch areas."""
    qs = Unit.objects.filter(dissolved_on__isnull=True)
    scope = area_scope_q(actor, "cases.dispatch", "area_path")
    return qs.filter(scope) if scope is not None else qs


def whistle_target_units(*, case: Case) -> QuerySet[Unit]:
    """Units a street may call in on a case: live units whose home area contains the case's
    place (the district's departments, the city's), or lies within it."""
    area = case.area
    ancestors = [*area.ancestor_paths, area.path]
    return Unit.objects.filter(dissolved_on__isnull=True).filter(
        Q(area_path__in=ancestors) | subtree_q(area.path, "area_path")
    )


def dispatch_targets(*, actor: Any, case: Case) -> QuerySet[Unit]:
    """Units a dispatcher may send this case to (dispatch_target_units, which case_dispatch
    checks, ordered for the picker)."""
    require(can_in_area(actor, "cases.dispatch", case.area_path))
    return dispatch_target_units(actor=actor).select_related("area").order_by("area_path", "type", "name")


def whistle_targets(*, case: Case) -> QuerySet[Unit]:
    """Units a street may call in on a case (whistle_target_units, which case_whistle checks)."""
    return whistle_target_units(case=case).order_by("area_path", "name")


def move_unit(*, unit_id: int) -> Unit:
    """The unit a move names by id; whether the move may reach it is the move's service's rule."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise ValidationFailed(fields={"unit": _("No such unit.")})
    return unit


def move_units(*, unit_ids: Sequence[int]) -> list[Unit]:
    """The units a move names by id (as move_unit)."""
    units = list(Unit.objects.filter(pk__in=set(unit_ids)))
    if len(units) != len(set(unit_ids)):
        raise ValidationFailed(fields={"units": _("No such unit.")})
    return units


# Pages: intake, queues, case actions, photos (appended for needle/cases/views.py) ----------


def intake_services(*, text: str = "", public_only: bool = True) -> QuerySet[Service]:
    """Active services for an intake form in catalog order; each word of `text` must appear in
    the name (either language), the keywords, the code or the category's name."""
    qs = Service.objects.filter(active=True).select_related("category")
    if public_only:
        qs = qs.filter(public=True)
    for word in text.split()[:5]:
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(name_en__icontains=word)
            | Q(keywords__icontains=word)
            | Q(code__iexact=word)
            | Q(category__name__icontains=word)
            | Q(category__name_en__icontains=word)
        )
    return qs.order_by("category__order", "category__code", "code")


def public_case_get(*, number: str) -> Case:
    """One case of the public list, read as the list reads it (see presenters.public_case)."""
    case = public_cases().only(*PUBLIC_FIELDS).filter(number=number).order_by().first()
    if case is None:
        raise NotFound(_("No public request has the number %(number)s.") % {"number": number})
    return case


# "My requests" lists at most this many of the requests one follows.
FOLLOWED_SHOWN = 50


def followed_cases(*, actor: Any) -> QuerySet[Case]:
    """The public cases the actor follows, newest first, read as the public list reads them:
    a follower is a stranger to the reporter (see presenters.public_case)."""
    require_authenticated(actor)
    return public_cases().filter(followers=actor).only(*PUBLIC_FIELDS)[:FOLLOWED_SHOWN]


def public_case_list(*, filters: CaseFilters) -> QuerySet[Case]:
    """public_cases() narrowed by service code, area subtree and state."""
    qs = public_cases()
    if filters.state:
        if filters.state not in State.values or filters.state == State.REJECTED:
            raise ValidationFailed(fields={"state": _("Unknown state.")})
        qs = qs.filter(state=filters.state)
    if filters.service:
        qs = qs.filter(service__code=filters.service)
    if filters.area is not None:
        qs = qs.filter(subtree_q(filters.area.path, "area_path"))
    return qs.only(*PUBLIC_FIELDS)


def dispatch_queue(*, actor: Any, filters: CaseFilters) -> QuerySet[Case]:
    """Submitted and returned cases located in the actor's dispatch areas, oldest first."""
    require_authenticated(actor)
    require(has_perm_anywhere(actor, "cases.dispatch"))
    qs = Case.objects.filter(state__in=[State.SUBMITTED, State.RETURNED]).select_related("service", "area")
    scope = area_scope_q(actor, "cases.dispatch", "area_path")
    if scope is not None:
        qs = qs.filter(scope)
    if filters.service:
        qs = qs.filter(service__code=filters.service)
    if filters.area is not None:
        qs = qs.filter(subtree_q(filters.area.path, "area_path"))
    if filters.text:
        qs = qs.filter(text_q(filters.text))
    return qs.order_by("submitted_at", "id")


def inbox_units(*, actor: Any) -> list[Unit]:
    """The live units whose role assignments let the actor see cases."""
    ids = granting_unit_ids(actor, "cases.view")
    return list(Unit.objects.filter(pk__in=ids, dissolved_on__isnull=True).order_by("name"))


CASE_ACTIONS = (
    "dispatch",
    "accept",
    "return",
    "start",
    "resolve",
    "callback",
    "reopen",
    "merge",
    "reject",
    "urge",
    "whistle",
    "hide",
)


def case_actions(*, actor: Any, case: Case) -> frozenset[str]:
    """The moves the actor may make on the case in its current state. Pages use it to choose
    the forms they show; the services decide again on every POST."""
    state, path = case.state, case.area_path
    handle = case.lead_unit is not None and can_act_for_unit(actor, "cases.handle", case.lead_unit)
    dispatch = can_in_area(actor, "cases.dispatch", path)
    supervise = can_in_area(actor, "cases.supervise", path)
    callback = can_in_area(actor, "cases.callback", path)
    allowed = {
        "dispatch": dispatch and state in DISPATCHABLE,
        "accept": handle and state in {State.DISPATCHED, State.REOPENED},
        "return": handle and state == State.DISPATCHED,
        "start": handle and state == State.ACCEPTED,
        "resolve": handle and state in {State.ACCEPTED, State.IN_PROGRESS},
        "callback": callback and state == State.RESOLVED,
        "reopen": (callback or supervise) and state in {State.RESOLVED, State.CLOSED},
        "merge": dispatch and state in OPEN_STATES,
        "reject": dispatch and state in {State.SUBMITTED, State.RETURNED, State.DISPATCHED},
        "urge": supervise and state in OPEN_STATES,
        "whistle": (supervise or handle) and state in OPEN_STATES - {State.SUBMITTED, State.RETURNED},
        "hide": can_in_area(actor, "cases.moderate", path),
    }
    return frozenset(name for name, ok in allowed.items() if ok)


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str
    full: bool


def _mask_name(name: str) -> str:
    return name[:1] + "*" * min(len(name) - 1, 3) if name else ""


def _mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else ""


def masked_contact(case: Case) -> Contact:
    """The reporter's contact details masked, as lists show them to everyone: a whole number is
    read one case at a time, through case_contact."""
    from needle.orgs.models import mask_phone

    return Contact(
        name=_mask_name(case.contact_name),
        phone=mask_phone(case.contact_phone),
        email=_mask_email(case.contact_email),
        full=False,
    )


def case_contact(*, actor: Any, case: Case) -> Contact:
    """The reporter's contact details: whole for those who may see them (a staff read is
    audited), masked for everyone else."""
    from needle.core.audit import audit_record

    if not may_see_contact(actor, case):
        return masked_contact(case)
    if getattr(actor, "pk", None) != case.reporter_id and (case.contact_phone or case.contact_email):
        audit_record(actor=actor, action="cases.case.contact_viewed", obj=case)
    return Contact(name=case.contact_name, phone=case.contact_phone, email=case.contact_email, full=True)


def case_photo(*, case: Case, photo_id: int) -> Photo:
    """One photo of a case the caller already has access to."""
    photo = Photo.objects.filter(case=case, pk=photo_id).first()
    if photo is None:
        raise NotFound(_("No such photo."))
    return photo


def tracking_photo(*, case: Case, photo_id: int) -> Photo:
    """A photo the tracking page may show: the resident's own, one on a public timeline entry,
    or one on a public entry of the case this one was merged into."""
    q = Q(case=case) & (Q(event__isnull=True) | Q(event__public=True))
    if case.parent_id:
        q |= Q(case_id=case.parent_id, event__public=True)
    photo = Photo.objects.filter(q, pk=photo_id).first()
    if photo is None:
        raise NotFound(_("No such photo."))
    return photo


# Open311 (appended for needle/cases/open311.py) ----------------------------------------------


def open311_services() -> QuerySet[Service]:
    """The services Open311 clients see: public and active, with category and questions."""
    return (
        Service.objects.filter(public=True, active=True)
        .select_related("category")
        .prefetch_related("attributes")
        .order_by("category__order", "category__code", "code")
    )


def open311_requests() -> QuerySet[Case]:
    """public_cases() for Open311: with the lead unit, the parent's number (`parent_number`)
    and the newest public note of the unit (`status_note`: progress notes, resolution and
    reopening notes; never the resident's callback)."""
    from django.db.models import OuterRef, Subquery

    from needle.cases.models import EventKind

    note = (
        CaseEvent.objects.filter(
            case_id=OuterRef("pk"),
            public=True,
            kind__in=[EventKind.NOTE, EventKind.RESOLVED, EventKind.REOPENED],
        )
        .exclude(note="")
        .order_by("-at", "-id")
        .values("note")[:1]
    )
    return (
        public_cases()
        .select_related("lead_unit")
        .annotate(status_note=Subquery(note), parent_number=F("parent__number"))
    )


def public_updates() -> QuerySet[CaseEvent]:
    """Public timeline entries of public cases, oldest first (FixMyStreet's
    servicerequestupdates), each with `state_after`: the case's state once the entry was
    written. Callbacks are left out: they carry the resident's own words."""
    from django.db.models import OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from needle.cases.models import EventKind

    state = (
        CaseEvent.objects.filter(case_id=OuterRef("case_id"))
        .exclude(to_state="")
        .filter(Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), id__lte=OuterRef("id")))
        .order_by("-at", "-id")
        .values("to_state")[:1]
    )
    return (
        CaseEvent.objects.filter(public=True, case__service__public=True)
        .exclude(case__state=State.REJECTED)
        .exclude(kind=EventKind.CALLBACK)
        .annotate(state_after=Coalesce(Subquery(state), Value(State.SUBMITTED.value)))
        .select_related("case")
        .order_by("at", "id")
    )


def assist_for(*, actor: Any, case: Case) -> Assist:
    """The actor's unit's open call-in or assistance on this case."""
    for assist in case.assists.select_related("unit").filter(responded_at__isnull=True):
        if can_act_for_unit(actor, "cases.handle", assist.unit):
            return assist
    raise NotFound(_("Your unit has no open call-in on this case."))


def inbox_list(*, actor: Any, filters: CaseFilters, open_only: bool = False) -> QuerySet[Case]:
    """case_list_for, optionally narrowed to open cases (what the inbox shows by default). The
    inbox reads a page of it as dicts of INBOX_FIELDS (a page of model instances with their
    service, area and unit cost more than its query); inbox_rows() adds what a row shows."""
    qs = case_list_for(actor=actor, filters=filters)
    return qs.filter(state__in=OPEN_STATES) if open_only else qs


def bilingual(name: str, name_en: str) -> str:
    """Bilingual.label for a values() row: the English name in English when there is one."""
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name or name_en


def inbox_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """inbox_list's rows with what cases/_case_rows.html shows worked out here: the template
    language spent more time on 50 rows' filters and tags than the page's queries took."""
    from urllib.parse import quote

    from django.urls import reverse
    from django.utils.text import Truncator

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


def answers_of(*, case: Case) -> list[tuple[str, str]]:
    """The case's answers as (question, answer) in the service's order, with list values
    shown by their names rather than their keys."""
    rows = []
    for attr in case.service.attributes.all():
        if attr.code not in case.attributes:
            continue
        value = case.attributes[attr.code]
        names = {str(v.get("key")): str(v.get("name", v.get("key"))) for v in attr.values}
        shown = (
            ", ".join(names.get(str(v), str(v)) for v in value)
            if isinstance(value, list)
            else names.get(str(value), str(value))
        )
        rows.append((attr.description or attr.code, shown))
    return rows
