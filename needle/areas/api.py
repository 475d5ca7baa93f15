"""GET /api/v1/areas/...: the tree for any signed-in caller. Grids and their workers, which
need a grant, are orgs' operations under the same paths."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from needle.areas import selectors
from needle.areas.models import Area
from needle.areas.schemas import (
    AreaListItem,
    AreaOut,
    AreaPageOut,
    AreaRef,
    BoundaryOut,
    NearOut,
    PlaceOut,
)
from needle.core.pagination import page_out, paginate
from needle.core.schemas import ERRORS, NOT_BOOL, Code, Page, PageSize

router = Router(tags=["areas"])


def _items(areas: list[Area]) -> list[AreaListItem]:
    counts = selectors.children_counts(areas=areas)
    parent_codes = dict(
        Area.objects.filter(pk__in={a.parent_id for a in areas if a.parent_id}).values_list("pk", "code")
    )
    return [
        AreaListItem(
            code=a.code,
            name=a.name,
            level=a.level,
            parent_code=parent_codes.get(a.parent_id) if a.parent_id else None,
            children_count=counts.get(a.pk, 0),
        )
        for a in areas
    ]


@router.get("", response={200: AreaPageOut, **ERRORS}, summary="Search areas, or list the roots")
def list_areas(
    request: HttpRequest,
    search: Annotated[str, Field(min_length=1, max_length=100)] | None = None,
    level: Annotated[int, Field(ge=1, le=6), NOT_BOOL] | None = None,
    within: Code | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> Any:
    """With `search` (a part of a name or code, not empty), matching areas; without, the roots."""
    scope = selectors.area_get(code=within) if within else None
    qs = (
        selectors.area_search(text=search, level=level, within=scope)
        if search is not None
        else selectors.area_roots()
    )
    result = paginate(qs, page=page, page_size=page_size)
    return page_out(result, _items(result.items))


@router.get(
    "/at",
    response={200: PlaceOut, **ERRORS},
    auth=None,
    summary="The areas a point lies in (grid, community, street, district)",
)
def area_at_point(
    request: HttpRequest,
    lat: Annotated[float, Field(ge=-90, le=90)],
    lng: Annotated[float, Field(ge=-180, le=180)],
) -> Any:
    """The deepest area whose boundary holds the WGS-84 point, with its chain from the top
    below the placeholders (`code` and `chain` empty outside every outline), and up to three
    areas below it that have a point but no outline, within 1.5 km, nearest first. Open to
    anyone: the report form reads a pin back with it."""
    place = selectors.place_at(lat=lat, lng=lng)
    return PlaceOut(
        code=place.area.code if place.area else None,
        chain=[AreaRef(code=a.code, name=a.name, level=a.level) for a in place.chain],
        near=[
            NearOut(code=n.area.code, name=n.area.name, level=n.area.level, metres=round(n.metres))
            for n in place.near
        ],
    )


@router.get("/{code}", response={200: AreaOut, **ERRORS}, summary="One area with its ancestors")
def get_area(request: HttpRequest, code: Code) -> Any:
    area = selectors.area_get(code=code)
    ancestors = selectors.area_ancestors(area=area)
    return AreaOut(
        code=area.code,
        name=area.name,
        level=area.level,
        level_name=str(area.get_level_display()),
        parent_code=ancestors[-1].code if ancestors else None,
        ancestors=[AreaRef(code=a.code, name=a.name, level=a.level) for a in ancestors],
        children_count=selectors.children_counts(areas=[area]).get(area.pk, 0),
        descendants_count=area.descendants,
        retired=area.retired,
        centroid=[area.centroid_lat, area.centroid_lng] if area.has_centroid else None,  # type: ignore[list-item]
    )


@router.get("/{code}/children", response={200: AreaPageOut, **ERRORS}, summary="An area's children")
def area_children(request: HttpRequest, code: Code, page: Page = 1, page_size: PageSize = 50) -> Any:
    area = selectors.area_get(code=code)
    result = paginate(selectors.area_children(area=area), page=page, page_size=page_size)
    return page_out(result, _items(result.items))


@router.get(
    "/{code}/boundaries",
    response={200: BoundaryOut, **ERRORS},
    summary="GeoJSON of the area's children that have boundaries (or the area itself)",
)
def area_boundaries(request: HttpRequest, code: Code) -> Any:
    area = selectors.area_get(code=code)
    return {"type": "FeatureCollection", "features": selectors.boundary_features(area=area)}
