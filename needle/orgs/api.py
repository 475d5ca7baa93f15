"""/api/v1/me, /units, /orgs/stats, /tokens, /audit, and an area's grids and grid workers
(/areas/{code}/grids, /areas/{code}/workers: they need a grant, so they live with the
permissions; the tree's reads are areas' router)."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from needle.areas.schemas import AreaListItem
from needle.areas.selectors import area_get
from needle.core.errors import NotFound, ValidationFailed
from needle.core.pagination import page_out, paginate
from needle.core.schemas import ERRORS, Code, Day, ErrorOut, Id, Page, PageSize, Term
from needle.orgs import selectors, services
from needle.orgs.models import Membership, Person
from needle.orgs.schemas import (
    AuditPageOut,
    CountRow,
    GridIn,
    GridWorkerIn,
    GridWorkerOut,
    IssuedTokenOut,
    MemberOut,
    MembershipIn,
    MeOut,
    OrgStatsOut,
    PasswordIn,
    PasswordOut,
    ProfileIn,
    RoleOut,
    StaffIn,
    StaffOut,
    TokenIn,
    TokenOut,
    UnitIn,
    UnitOut,
    UnitPageOut,
)

router = Router()


def _me(person: Any) -> MeOut:
    return MeOut(
        username=person.username,
        display_name=person.display_name,
        phone=person.phone,
        email=person.email,
        email_confirmed=person.email_confirmed,
        language=person.language,
        is_superuser=person.is_superuser,
        roles=[
            RoleOut(unit_id=r.unit_id, unit_name=r.unit.name, area_code=r.unit.area.code, role=r.role)
            for r in selectors.my_roles(actor=person)
        ],
    )


@router.get("/me", response={200: MeOut, **ERRORS}, tags=["people"], summary="The caller")
def me(request: HttpRequest) -> Any:
    return _me(request.user)


@router.patch("/me", response={200: MeOut, **ERRORS}, tags=["people"], summary="Change my profile")
def update_me(request: HttpRequest, payload: ProfileIn) -> Any:
    services.person_update_profile(actor=request.user, person=request.user, **payload.dict())  # type: ignore[arg-type]
    return _me(request.user)


@router.post(
    "/me/password",
    response={200: PasswordOut, **ERRORS, 429: ErrorOut},
    tags=["people"],
    summary="Change my password",
)
def change_password(request: HttpRequest, payload: PasswordIn) -> Any:
    """Needs the current password; wrong ones count as failed sign-ins of the account (429 once
    locked). The caller's API tokens keep working; other browser sessions end."""
    person = cast(Person, request.user)
    services.person_change_password(
        actor=person, person=person, old_password=payload.old_password, new_password=payload.new_password
    )
    return {"changed": True}


@router.get("/units", response={200: UnitPageOut, **ERRORS}, tags=["units"], summary="Units in scope")
def list_units(
    request: HttpRequest,
    search: Term = "",
    type: Code = "",
    area: Code | None = None,
    include_dissolved: bool = False,
    page: Page = 1,
    page_size: PageSize = 50,
) -> Any:
    filters = selectors.UnitFilters(
        text=search,
        type=type,
        area=area_get(code=area) if area else None,
        include_dissolved=include_dissolved,
    )
    result = paginate(
        selectors.unit_list_for(actor=request.user, filters=filters), page=page, page_size=page_size
    )
    return page_out(result)


@router.post("/units", response={201: UnitOut, **ERRORS}, tags=["units"], summary="Found a unit")
def create_unit(request: HttpRequest, payload: UnitIn) -> Any:
    parent = (
        selectors.access_unit(actor=request.user, unit_id=payload.parent_id) if payload.parent_id else None
    )
    unit = services.unit_create(
        actor=request.user,
        code=payload.code,
        name=payload.name,
        type=payload.type,
        area=area_get(code=payload.area_code),
        parent=parent,
        founded_on=payload.founded_on,
    )
    return Status(201, unit)


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS}, tags=["units"], summary="One unit")
def get_unit(request: HttpRequest, unit_id: Id) -> Any:
    return selectors.access_unit(actor=request.user, unit_id=unit_id)


def _member_out(m: Membership, phones: dict[int, str]) -> MemberOut:
    """A membership as the API shows it, with the phone as unit_phones lets the caller see it."""
    return MemberOut(
        username=m.person.username,
        display_name=str(m.person),
        phone=phones[m.person.pk],
        kind=m.kind,
        joined_on=m.joined_on,
    )


@router.get(
    "/units/{unit_id}/members",
    response={200: list[MemberOut], **ERRORS},
    tags=["units"],
    summary="Members",
)
def unit_members(request: HttpRequest, unit_id: Id) -> Any:
    unit = selectors.access_unit(actor=request.user, unit_id=unit_id)
    members = list(selectors.unit_members(actor=request.user, unit=unit))
    phones = selectors.unit_phones(actor=request.user, unit=unit, people=[m.person for m in members])
    return [_member_out(m, phones) for m in members]


@router.post(
    "/units/{unit_id}/members",
    response={201: MemberOut, **ERRORS},
    tags=["units"],
    summary="Add a member",
)
def add_member(request: HttpRequest, unit_id: Id, payload: MembershipIn) -> Any:
    unit = selectors.access_unit(actor=request.user, unit_id=unit_id)
    person = selectors.access_person(actor=request.user, username=payload.username)
    m = services.membership_add(
        actor=request.user, person=person, unit=unit, kind=payload.kind, joined_on=payload.joined_on
    )
    phones = selectors.unit_phones(actor=request.user, unit=unit, people=[person])
    return Status(201, _member_out(m, phones))


@router.get(
    "/orgs/stats",
    response={200: OrgStatsOut, **ERRORS},
    tags=["units"],
    summary="Organization figures",
)
def org_stats(
    request: HttpRequest,
    area: Code | None = None,
    start: Day | None = None,
    end: Day | None = None,
) -> Any:
    """Over [start, end] (start on or before end; by default this year up to today)."""
    node = area_get(code=area) if area else selectors.stats_default_area(actor=request.user)
    if node is None:
        raise NotFound()
    s = selectors.org_stats_for(actor=request.user, area=node, start=start, end=end)
    return OrgStatsOut(
        area_code=s.area.code,
        area_name=s.area.name,
        start=s.start,
        end=s.end,
        units_total=s.units_total,
        units_founded=s.units_founded,
        units_dissolved=s.units_dissolved,
        units_net_change=s.units_net_change,
        members_total=s.members_total,
        members_joined=s.members_joined,
        members_left=s.members_left,
        members_net_change=s.members_net_change,
        units_by_type=[CountRow(key=r["type"], label=r["label"], count=r["count"]) for r in s.units_by_type],
        units_by_level=[
            CountRow(key=str(r["level"]), label=r["label"], count=r["count"]) for r in s.units_by_level
        ],
    )


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, tags=["people"], summary="My API tokens")
def list_tokens(request: HttpRequest) -> Any:
    return selectors.token_list_for(actor=request.user)


@router.post("/tokens", response={201: IssuedTokenOut, **ERRORS}, tags=["people"], summary="New API token")
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    issued = services.token_create(actor=request.user, person=cast(Person, request.user), name=payload.name)
    token = issued.token
    return Status(
        201,
        IssuedTokenOut(
            id=token.pk,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=None,
            revoked_at=None,
            secret=issued.secret,
        ),
    )


@router.delete("/tokens/{token_id}", response={200: TokenOut, **ERRORS}, tags=["people"], summary="Revoke")
def revoke_token(request: HttpRequest, token_id: Id) -> Any:
    token = selectors.access_token(actor=request.user, token_id=token_id)
    return services.token_revoke(actor=request.user, token=token)


@router.get("/audit", response={200: AuditPageOut, **ERRORS}, tags=["audit"], summary="Search the audit log")
def search_audit(
    request: HttpRequest,
    action: Term = "",
    actor: Term = "",
    object_type: Term = "",
    object_id: Term = "",
    start: Day | None = None,
    end: Day | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> Any:
    """Events from `start` to `end` (start on or before end)."""
    if start and end and start > end:
        raise ValidationFailed(fields={"start": "start must not be after end"})
    filters = selectors.AuditFilters(
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        start=start,
        end=end,
    )
    result = paginate(
        selectors.audit_list_for(actor=request.user, filters=filters),
        page=page,
        page_size=page_size,
    )
    return page_out(result)


@router.post(
    "/units/{unit_id}/staff",
    response={201: StaffOut, **ERRORS},
    tags=["units"],
    summary="Create a staff account",
)
def create_staff(request: HttpRequest, unit_id: Id, payload: StaffIn) -> Any:
    """Administrators create staff accounts (residents sign up themselves) with a role here."""
    unit = selectors.access_unit(actor=request.user, unit_id=unit_id)
    person = services.person_create_staff(
        actor=request.user,
        unit=unit,
        username=payload.username,
        password=payload.password,
        role=payload.role,
        display_name=payload.display_name,
        phone=payload.phone,
    )
    return Status(
        201,
        StaffOut(
            username=person.username, display_name=person.display_name, role=payload.role, unit_id=unit.pk
        ),
    )


@router.post(
    "/areas/{code}/grids", response={201: AreaListItem, **ERRORS}, tags=["areas"], summary="Create a grid"
)
def create_grid(request: HttpRequest, code: Code, payload: GridIn) -> Any:
    community = area_get(code=code)
    grid = services.grid_create(actor=request.user, community=community, name=payload.name)
    return Status(
        201,
        AreaListItem(
            code=grid.code, name=grid.name, level=grid.level, parent_code=community.code, children_count=0
        ),
    )


@router.get(
    "/areas/{code}/workers",
    response={200: list[GridWorkerOut], **ERRORS},
    tags=["areas"],
    summary="Grid workers",
)
def list_grid_workers(request: HttpRequest, code: Code) -> Any:
    grid = area_get(code=code)
    return [
        GridWorkerOut(id=a.pk, grid_code=grid.code, username=a.worker.username, display_name=str(a.worker))
        for a in selectors.grid_workers(actor=request.user, grid=grid)
    ]


@router.post(
    "/areas/{code}/workers",
    response={201: GridWorkerOut, **ERRORS},
    tags=["areas"],
    summary="Assign a grid worker",
)
def assign_grid_worker(request: HttpRequest, code: Code, payload: GridWorkerIn) -> Any:
    grid = area_get(code=code)
    worker = selectors.access_person(actor=request.user, username=payload.username)
    a = services.grid_assign_worker(actor=request.user, grid=grid, worker=worker)
    return Status(
        201, GridWorkerOut(id=a.pk, grid_code=grid.code, username=worker.username, display_name=str(worker))
    )
