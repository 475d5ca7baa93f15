"""What the public sees of a case: one presenter for the public list, the public page of a
case and the likely duplicates shown to residents, so that none of them can show more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from needle.cases.models import Case, State

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
