from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from needle.core.schemas import Day, Id
from needle.orgs.presenters import action_label


class RoleOut(Schema):
    unit_id: int
    unit_name: str
    area_code: str
    role: str


class MeOut(Schema):
    username: str
    display_name: str
    phone: str
    email: str
    email_confirmed: bool
    language: str
    is_superuser: bool
    roles: list[RoleOut]


class ProfileIn(Schema):
    display_name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(
        None, max_length=254, description="a new address is mailed a link to confirm it"
    )
    language: str | None = Field(None, max_length=10)


class PasswordIn(Schema):
    old_password: str = Field(..., max_length=4096)
    new_password: str = Field(..., max_length=4096)


class PasswordOut(Schema):
    changed: bool


class UnitOut(Schema):
    id: int
    code: str
    name: str
    type: str
    type_name: str
    area_code: str
    area_name: str
    parent_id: int | None
    founded_on: dt.date
    dissolved_on: dt.date | None

    @staticmethod
    def resolve_type_name(obj: Any) -> str:
        return str(obj.get_type_display())

    @staticmethod
    def resolve_area_code(obj: Any) -> str:
        return str(obj.area.code)

    @staticmethod
    def resolve_area_name(obj: Any) -> str:
        return str(obj.area.name)


class UnitPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[UnitOut]


class UnitIn(Schema):
    code: str = Field(..., max_length=40)
    name: str = Field(..., max_length=150)
    type: str = Field(..., max_length=30)
    area_code: str = Field(..., max_length=20)
    parent_id: Id | None = None
    founded_on: Day | None = None


class MemberOut(Schema):
    username: str
    display_name: str
    phone: str
    kind: str
    joined_on: dt.date


class MembershipIn(Schema):
    username: str = Field(..., max_length=150)
    kind: str = Field(..., max_length=20)
    joined_on: Day | None = None


class CountRow(Schema):
    key: str
    label: str
    count: int


class OrgStatsOut(Schema):
    area_code: str
    area_name: str
    start: dt.date
    end: dt.date
    units_total: int
    units_founded: int
    units_dissolved: int
    units_net_change: int
    members_total: int
    members_joined: int
    members_left: int
    members_net_change: int
    units_by_type: list[CountRow]
    units_by_level: list[CountRow]


class TokenIn(Schema):
    name: str = Field(..., max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class IssuedTokenOut(TokenOut):
    secret: str


class AuditEventOut(Schema):
    id: int
    created_at: dt.datetime
    actor: str | None
    action: str
    action_label: str = Field(description="the action in words, in the language of the request")
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    request_id: str
    ip: str | None

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.username if obj.actor_id else None

    @staticmethod
    def resolve_action_label(obj: Any) -> str:
        return action_label(obj.action)


class AuditPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[AuditEventOut]


class StaffIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=4096)
    role: str = Field(..., max_length=20)
    display_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=20)


class StaffOut(Schema):
    username: str
    display_name: str
    role: str
    unit_id: int


class GridIn(Schema):
    name: str = Field(..., max_length=100)


class GridWorkerIn(Schema):
    username: str = Field(..., max_length=150)


class GridWorkerOut(Schema):
    id: int
    grid_code: str
    username: str
    display_name: str
