"""The registry's API shapes, named `Care...` so that every name is unique in the project's
OpenAPI document. The values' own checks (a code that names an area, an ID number's check
character, a date not in the future) are the services' (recipient_input), which name the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from needle.core.schemas import Flag, Id


class CareRecipientIn(Schema):
    name: str = Field(default="", description="As the community knows them; the account's when empty")
    area: str = Field(description="The community's or grid's code")
    address: str = ""
    categories: list[str] = Field(default=[], max_length=7)
    risk: str = "medium"
    birth_date: str | None = Field(default=None, description="YYYY-MM-DD")
    phone: str = ""
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian: str | None = Field(default=None, description="The guardian's account (username)")
    emergency_contact: str = ""
    person: str | None = Field(default=None, description="The recipient's account (username)")
    record: Id | None = Field(default=None, description="A person's record without an account")
    household: Id | None = Field(default=None, description="An existing household to join")
    # Sensitive: sealed at rest, shown only to those allowed.
    health: str = ""
    disability: str = ""
    income: str = ""
    notes: str = ""
    id_number: str = Field(default="", description="Resident ID number, 18 characters")


class CareRecipientPatchIn(Schema):
    """What changes; a field left out keeps its value (a sensitive one too)."""

    name: str | None = None
    address: str | None = None
    categories: list[str] | None = Field(default=None, max_length=7)
    risk: str | None = None
    birth_date: str | None = None
    phone: str | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None
    guardian: str | None = None
    emergency_contact: str | None = None
    person: str | None = None
    record: Id | None = None
    health: str | None = None
    disability: str | None = None
    income: str | None = None
    notes: str | None = None
    id_number: str | None = None


class CareRecipientOut(Schema):
    id: int
    name: str
    area: str
    area_name: str
    household: int
    address: str
    categories: list[str]
    risk: str
    status: str
    ended_on: dt.date | None
    birth_date: dt.date | None
    minor: bool
    phone: str
    guardian_name: str
    guardian_phone: str
    emergency_contact: str
    person: str | None
    record: int | None
    consents: list[str]
    last_visit_on: dt.date | None
    last_call_on: dt.date | None
    next_visit_due: dt.date | None
    next_call_due: dt.date | None
    sensitive: dict[str, str] = Field(
        description='The sensitive fields holding something: the value for those allowed, "recorded" otherwise'
    )
    can_manage: bool


class CareRecipientRowOut(Schema):
    id: int
    name: str
    area: str
    categories: list[str]
    risk: str
    status: str
    next_visit_due: dt.date | None
    next_call_due: dt.date | None


class CareRecipientPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[CareRecipientRowOut]


class CareStatusIn(Schema):
    move: str = Field(description="end, moved_away, deceased or resume")
    on: str | None = Field(default=None, description="YYYY-MM-DD; today when left out")
    reason: str = ""


class CareMoveIn(Schema):
    area: str
    address: str = ""


class CareConsentIn(Schema):
    purpose: str = Field(description="registration, sharing or photos")
    given: Flag = True
    method: str = Field(description="signed_form or verbal_witnessed")
    given_by: str
    by_guardian: Flag = False
    witness: str = ""


class CareConsentOut(Schema):
    id: int
    purpose: str
    given: bool
    method: str
    given_by: str
    by_guardian: bool
    witness: str
    recorded_by: str | None
    at: dt.datetime
    consents: list[str]


class CareConsentListOut(Schema):
    items: list[CareConsentOut]


class CareExportOut(Schema):
    exported_at: dt.datetime
    reason: str
    recipient: CareRecipientOut
    consents: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    items: list[dict[str, Any]]


class CareOwnExportOut(Schema):
    exported_at: dt.datetime
    person: str
    records: list[dict[str, Any]]
