"""A case as an Open311 service request, an event as a service request update: public facts
only, and the status each state shows as."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from needle.cases import selectors
from needle.cases.models import OPEN_STATES, STAFF_NOTE_KINDS, Case, CaseEvent, EventKind, Service, State
from needle.cases.presenters import event_text
from needle.core.i18n import bilingual

STATUS = {state: ("open" if state in OPEN_STATES else "closed") for state in State}
EXTENDED_STATUS = {
    State.SUBMITTED: "open",
    State.RETURNED: "open",
    State.DISPATCHED: "investigating",
    State.REOPENED: "investigating",
    State.ACCEPTED: "action_scheduled",
    State.IN_PROGRESS: "in_progress",
    State.RESOLVED: "fixed",
    State.CLOSED: "closed",
    State.MERGED: "duplicate",
    State.REJECTED: "no_further_action",
    State.SUSPENDED: "action_scheduled",
    State.WITHDRAWN: "closed",
    State.ANSWERED: "closed",
}
# Statuses a client may name, with the open/closed status each implies. FixMyStreet's
# other closing statuses are understood in updates even though we never report them.
CLIENT_STATUSES = {
    "open": "open",
    "investigating": "open",
    "action_scheduled": "open",
    "in_progress": "open",
    "closed": "closed",
    "fixed": "closed",
    "duplicate": "closed",
    "not_councils_responsibility": "closed",
    "no_further_action": "closed",
    "internal_referral": "closed",
}

# What request_rows reads: a page of up to 1,000 requests loads no other column (each
# timestamp costs a parse, and an area's boundary can be large).
LIST_FIELDS = (
    "number", "state", "details_hidden", "lat", "lng", "address", "description", "public_description",
    "submitted_at", "updated_at", "resolved_at", "closed_at", "resolve_due_at",
    "service__code", "service__name", "service__name_en", "service__accept_hours",
    "service__resolve_hours", "service__working_days", "area__code", "area__name", "lead_unit__name",
)  # fmt: skip


def _w3c(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _keywords(service: Service) -> str | None:
    """The service's keywords and then its synonyms in both languages (Open311's "synonyms of
    the service_name and group"), once each."""
    found = [w for w in re.split(r"[\s,，、;；]+", service.keywords) if w]
    found += selectors.synonym_words(service.synonyms) + selectors.synonym_words(service.synonyms_en)
    return ",".join(dict.fromkeys(found)) or None


def service_notice(service: Service) -> str:
    return _notice(service.accept_hours, service.resolve_hours, service.working_days)


@functools.lru_cache(maxsize=512)
def _notice_text(accept: int, resolve: int, working_days: bool, language: str | None) -> str:
    return _notice(accept, resolve, working_days)


def _notice(accept: int, resolve: int, working_days: bool) -> str:
    values = {"accept": accept, "resolve": resolve}
    if working_days:
        return (
            _(
                "Requests of this kind are accepted within %(accept)d working hours "
                "and resolved within %(resolve)d working hours."
            )
            % values
        )
    return (
        _("Requests of this kind are accepted within %(accept)d hours and resolved within %(resolve)d hours.")
        % values
    )


def _received_notice(case: Case) -> str:
    def local(value: dt.datetime | None) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"

    notice = _(
        "Request %(number)s received: it will be accepted by %(accept)s and resolved by %(resolve)s."
    ) % {
        "number": case.number,
        "accept": local(case.accept_due_at),
        "resolve": local(case.resolve_due_at),
    }
    if case.lead_unit is not None:
        notice += " " + _("It has been sent to %(unit)s.") % {"unit": case.lead_unit.name}
    return notice


def _status(state: str, extensions: bool) -> str:
    return EXTENDED_STATUS[State(state)] if extensions else STATUS[State(state)]


def request_item(case: Case, *, extensions: bool = False) -> dict[str, Any]:
    """One service request as Open311 shows it: public facts only, never contact data. The
    same item as a list's, made by the same code from the case's values."""
    lead = case.lead_unit
    row = {
        **{name: getattr(case, name) for name in LIST_FIELDS if "__" not in name},
        "service__code": case.service.code,
        "service__name": case.service.name,
        "service__name_en": case.service.name_en,
        "service__accept_hours": case.service.accept_hours,
        "service__resolve_hours": case.service.resolve_hours,
        "service__working_days": case.service.working_days,
        "area__code": case.area.code,
        "area__name": case.area.name,
        "lead_unit__name": lead.name if lead is not None else None,
        "status_note": getattr(case, "status_note", None),
        "parent_number": getattr(case, "parent_number", None),
    }
    return request_rows([row], extensions=extensions)[0]


def request_rows(rows: list[dict[str, Any]], *, extensions: bool = False) -> list[dict[str, Any]]:
    """Open311 items for values() rows of LIST_FIELDS (with `status_note` and `parent_number`):
    no model instance per request, and what repeats (a service's name and notice, a state's
    status) worked out once. Moderated: the public text only, never the original behind it."""
    language = translation.get_language()
    zone = timezone.get_current_timezone()
    status = EXTENDED_STATUS if extensions else STATUS
    duplicate_of = _("Duplicate of %(number)s.")
    services: dict[str, tuple[str, str]] = {}

    def w3c(value: dt.datetime | None) -> str | None:
        return value.astimezone(zone).isoformat(timespec="seconds") if value else None

    items = []
    for r in rows:
        state, hidden, code = r["state"], r["details_hidden"], r["service__code"]
        service = services.get(code)
        if service is None:
            service = services[code] = (
                bilingual(r["service__name"], r["service__name_en"]),
                _notice_text(
                    r["service__accept_hours"],
                    r["service__resolve_hours"],
                    r["service__working_days"],
                    language,
                ),
            )
        lat, lng = r["lat"], r["lng"]
        if hidden:
            notes = None
            if lat is not None and lng is not None:
                lat, lng = round(lat, 3), round(lng, 3)
        elif state == State.MERGED and r["parent_number"]:
            notes = duplicate_of % {"number": r["parent_number"]}
        else:
            notes = r["status_note"] or None
        if state in (State.CLOSED, State.MERGED) and r["closed_at"]:
            updated = r["closed_at"]
        elif state == State.RESOLVED and r["resolved_at"]:
            updated = r["resolved_at"]
        else:
            updated = r["updated_at"]
        item: dict[str, Any] = {
            "service_request_id": r["number"],
            "status": status[state],
            "status_notes": notes,
            "service_name": service[0],
            "service_code": code,
            "description": (r["public_description"] or None) if hidden else r["description"],
            "agency_responsible": r["lead_unit__name"],
            "service_notice": service[1],
            "requested_datetime": w3c(r["submitted_at"]),
            "updated_datetime": w3c(updated),
            "expected_datetime": w3c(r["resolve_due_at"]),
            "address": None if hidden else (r["address"] or None),
            "address_id": None,
            "zipcode": None,
            "lat": lat,
            "long": lng,
            "media_url": None,
        }
        if extensions:
            item["extended_attributes"] = {
                "state": state,
                "area_code": r["area__code"],
                "area_name": r["area__name"],
            }
        items.append(item)
    return items


def update_item(event: CaseEvent, *, extensions: bool = False) -> dict[str, Any]:
    case = event.case
    # What staff wrote to each other shows as its step only (selectors.timeline_for's rule).
    hidden = case.details_hidden or event.kind in STAFF_NOTE_KINDS
    text = "" if hidden else event_text(code=event.code, params=event.params, note=event.note)
    return {
        "update_id": str(event.pk),
        "service_request_id": case.number,
        "status": _status(getattr(event, "state_after", case.state), extensions),
        "updated_datetime": _w3c(event.at),
        "description": text or str(EventKind(event.kind).label),
        "media_url": None,
    }
