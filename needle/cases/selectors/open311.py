"""The reads of the Open311 server: its services, its requests, their public updates."""

from __future__ import annotations

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from needle.cases.models import Case, CaseEvent, EventKind, Service, State
from needle.cases.selectors.lists import public_cases, public_q


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
    written. Callbacks and what the resident added are left out: they carry the resident's own
    words."""
    state = (
        CaseEvent.objects.filter(case_id=OuterRef("case_id"))
        .exclude(to_state="")
        .filter(Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), id__lte=OuterRef("id")))
        .order_by("-at", "-id")
        .values("to_state")[:1]
    )
    return (
        CaseEvent.objects.filter(public_q("case__"), public=True)
        .exclude(kind__in=[EventKind.CALLBACK, EventKind.INFO_ADDED])
        .annotate(state_after=Coalesce(Subquery(state), Value(State.SUBMITTED.value)))
        .select_related("case")
        .order_by("at", "id")
    )
