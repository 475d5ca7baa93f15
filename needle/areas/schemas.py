from __future__ import annotations

from typing import Any

from ninja import Schema


class AreaRef(Schema):
    code: str
    name: str
    level: int


class AreaOut(Schema):
    code: str
    name: str
    level: int
    level_name: str
    parent_code: str | None
    ancestors: list[AreaRef]
    children_count: int
    descendants_count: int
    retired: bool
    centroid: list[float] | None


class AreaListItem(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None
    children_count: int


class AreaPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[AreaListItem]


class BoundaryOut(Schema):
    type: str
    features: list[dict[str, Any]]


class NearOut(Schema):
    code: str
    name: str
    level: int
    metres: int


class PlaceOut(Schema):
    """Where a point lies (public reference geography)."""

    code: str | None
    chain: list[AreaRef]
    near: list[NearOut]
