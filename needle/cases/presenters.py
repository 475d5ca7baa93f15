"""What the public sees of a case: one presenter for the public list, the public page of a
case and the likely duplicates shown to residents, so that none of them can show more. And
what a timeline entry says, in the reader's language: one presenter for the case page, the
tracking page, the API and Open311."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from needle.cases.models import Case, Channel, Colour, State

# Above this many characters a public title is cut, as intake cuts a title from the text.
TITLE_CHARS = 60


@dataclass(frozen=True)
class PublicCase:
    number: str
    state: str
    service_label: str
    area_name: str
    submitted_at: dt.datetime
    title: str
    text: str
    # The reporter's name when they chose to show it (and no moderator hid the details), else "".
    raised_by: str
    lat: float | None
    lng: float | None

    @property
    def state_label(self) -> str:
        return str(State(self.state).label)


def _public(
    *,
    number: str,
    state: str,
    service_label: str,
    area_name: str,
    submitted_at: dt.datetime,
    title: str,
    description: str,
    public_description: str,
    details_hidden: bool,
    show_name: bool,
    contact_name: str,
    lat: float | None,
    lng: float | None,
) -> PublicCase:
    if details_hidden:
        # Only the moderated text; the title too, whatever it held before the moderation.
        text, title = public_description, public_description[:TITLE_CHARS]
        # About 100 m, as Open311 shows a moderated case: the exact pin can point at a home.
        if lat is not None and lng is not None:
            lat, lng = round(lat, 3), round(lng, 3)
    else:
        text = description
    return PublicCase(
        number=number,
        state=state,
        service_label=service_label,
        area_name=area_name,
        submitted_at=submitted_at,
        title=title,
        text=text,
        raised_by=contact_name if show_name and not details_hidden else "",
        lat=lat,
        lng=lng,
    )


def public_case(case: Case) -> PublicCase:
    """A case read with at least selectors.PUBLIC_FIELDS, as the public may see it."""
    return _public(
        number=case.number,
        state=case.state,
        service_label=case.service.label,
        area_name=case.area.name,
        submitted_at=case.submitted_at,
        title=case.title,
        description=case.description,
        public_description=case.public_description,
        details_hidden=case.details_hidden,
        show_name=case.show_name,
        contact_name=case.contact_name,
        lat=case.lat,
        lng=case.lng,
    )


def public_row(row: Mapping[str, Any], service_label: str) -> PublicCase:
    """public_case() for a values() row of selectors.PUBLIC_FIELDS (the service's label
    worked out by the caller, once per service)."""
    return _public(
        number=row["number"],
        state=row["state"],
        service_label=service_label,
        area_name=row["area__name"],
        submitted_at=row["submitted_at"],
        title=row["title"],
        description=row["description"],
        public_description=row["public_description"],
        details_hidden=row["details_hidden"],
        show_name=row["show_name"],
        contact_name=row["contact_name"],
        lat=row["lat"],
        lng=row["lng"],
    )


# What the system writes on a timeline ------------------------------------------------------------
#
# A timeline entry the system writes stores a code and its parameters (CaseEvent.code, .params),
# never a sentence: the sentence is made when the entry is read, in the reader's language. What
# a person wrote (a reason, a note, a resident's comment) is CaseEvent.note, shown as typed
# after the sentence. An entry without a code (written before codes existed) shows its note.


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _named(value: Any) -> str:
    """A name stored in both languages ({"name": ..., "name_en": ...}), in the reader's."""
    if not isinstance(value, Mapping):
        return str(value)
    english = (get_language() or "").startswith("en")
    return str((value.get("name_en") if english else "") or value.get("name") or value.get("name_en") or "")


def _when(value: Any) -> str:
    moment = parse_datetime(str(value)) if value else None
    if moment is None:
        return str(value or "—")
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def hours(seconds: Any) -> str:
    """Seconds as hours, to a tenth ("2.5")."""
    return f"{round(float(seconds or 0) / 3600, 1):g}"


EVENT_TEXTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "received": lambda p: _("Received via %(channel)s.") % {"channel": _label(Channel, p.get("channel"))},
    "routed_rule": lambda p: (
        _("Routed by rule: %(area)s → %(unit)s.") % {"area": p.get("area", ""), "unit": p.get("unit", "")}
    ),
    "routed_model": lambda p: (
        _(
            "Routed automatically: the text reads as %(service)s (%(p)d%% sure), and %(unit)s "
            "handled %(n)d of the %(total)d such cases here (model %(version)s)."
        )
        % {
            "service": _named(p.get("service")),
            "p": int(p.get("p", 0)),
            "unit": p.get("unit", ""),
            "n": int(p.get("n", 0)),
            "total": int(p.get("total", 0)),
            "version": p.get("version", ""),
        }
    ),
    "callback": lambda p: (
        _("Solved: %(solved)s; rating: %(rating)s.")
        % {"solved": _("yes") if p.get("solved") else _("no"), "rating": p.get("rating") or "—"}
    ),
    "merged_in": lambda p: _("%(number)s merged into this case.") % {"number": p.get("number", "")},
    "merged_into": lambda p: _("Merged into %(number)s.") % {"number": p.get("number", "")},
    "repeated": lambda p: _("Raised again as %(number)s.") % {"number": p.get("number", "")},
    "reclassified": lambda p: f"{_named(p.get('old'))} → {_named(p.get('new'))}",
    "whistled": lambda p: (
        _("Called in: %(units)s; each to respond within %(hours)d hours.")
        % {"units": ", ".join(str(u) for u in p.get("units", [])) or "—", "hours": int(p.get("hours", 0))}
    ),
    "colour": lambda p: _("Deadline: %(colour)s.") % {"colour": _label(Colour, p.get("colour", ""))},
    "extension_asked": lambda p: _("New deadline asked for: %(due)s.") % {"due": _when(p.get("due"))},
    "extension_granted": lambda p: _("The case is now due %(due)s.") % {"due": _when(p.get("due"))},
    "resumed": lambda p: (
        _("Back in progress after %(hours)s hours on hold; the case is now due %(due)s.")
        % {"hours": hours(p.get("paused")), "due": _when(p.get("due"))}
    ),
    "on_behalf": lambda p: _("Recorded by staff for the resident."),
}


def event_text(*, code: str, params: Mapping[str, Any] | None, note: str) -> str:
    """What a timeline entry says, in the active language: the system's sentence for its code,
    then what a person wrote."""
    render = EVENT_TEXTS.get(code)
    if render is None:
        return note
    said = render(params or {})
    return f"{said} {note}" if note else said
