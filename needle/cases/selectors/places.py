"""Where cases lie on a map: the labelled points of areas the tree holds no geometry for (at
their cases' pins), an area's map layer for the report and public maps, and the grids a case
may be placed in."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.cache import cache
from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from needle.areas.models import Area, Level, subtree_q
from needle.areas.selectors import boundary_features, child_labels, label_of
from needle.cases.models import Case
from needle.cases.selectors.lists import public_q
from needle.orgs.permissions import Actor, can_in_area

# A label is drawn at the mean of its area's pins, rounded to about 100 m: a label needs no
# more. One pin is enough: the anonymous maps count public cases only, whose pins the public
# list shows already (a hidden case's rounded to the same 100 m), and staff see their cases.
LABEL_MIN_PINS = 1
LABEL_DECIMALS = 3
# The pins of the last year place the labels; the answer is kept this long.
LABEL_WINDOW = dt.timedelta(days=365)
LABEL_CACHE_SECONDS = 3600


def label_points(*, areas: list[Area], public_only: bool) -> dict[str, tuple[float, float]]:
    """(lat, lng) by code for the areas that have pinned cases in the last year: the mean of
    those pins, rounded to LABEL_DECIMALS. `public_only` counts only the cases anyone may see
    (the anonymous maps). One grouped query per parent (the areas of one map are siblings:
    one query, two through a placeholder), kept in the cache for an hour."""
    if not areas:
        return {}
    paths = sorted(a.path for a in areas)
    key = "cases.labels:" + hashlib.sha256(f"{public_only}|{'|'.join(paths)}".encode()).hexdigest()
    found: dict[str, tuple[float, float]] | None = cache.get(key)
    if found is None:
        found = {}
        by_path = {a.path: a.code for a in areas}
        # Siblings' paths have one length: one query per parent (and length).
        groups: dict[tuple[str, int], list[str]] = {}
        for p in paths:
            groups.setdefault((p[: p.rstrip("/").rfind("/") + 1], len(p)), []).append(p)
        for (parent, length), group in sorted(groups.items()):
            qs: QuerySet[Case] = Case.objects.filter(
                subtree_q(parent, "area_path"),
                submitted_at__gte=timezone.now() - LABEL_WINDOW,
                lat__isnull=False,
                lng__isnull=False,
            )
            if public_only:
                qs = qs.filter(public_q())
            rows = (
                qs.annotate(branch=Substr("area_path", 1, length))
                .filter(branch__in=group)
                .values("branch")
                .annotate(n=Count("id"), lat=Avg("lat"), lng=Avg("lng"))
                .order_by()
            )
            for r in rows:
                if r["n"] >= LABEL_MIN_PINS:
                    found[by_path[r["branch"]]] = (
                        round(r["lat"], LABEL_DECIMALS),
                        round(r["lng"], LABEL_DECIMALS),
                    )
        cache.set(key, found, LABEL_CACHE_SECONDS)
    return found


def map_layer(*, area: Area, public_only: bool = True) -> dict[str, Any]:
    """GeoJSON for a map of `area` (the report form's, the public list's): the outlines of the
    nearest generation below it that has them (else its own), and its children whose outline
    is not drawn as labelled points: at the point the tree holds, else at their cases' pins
    (children with neither are left out)."""
    features = boundary_features(area=area)
    drawn = {f["properties"]["code"] for f in features}
    labels, unplaced = child_labels(area=area, drawn=drawn)
    points = label_points(areas=unplaced, public_only=public_only)
    labels += [label_of(a, *points[a.code]) for a in unplaced if a.code in points]
    labels.sort(key=lambda x: x["code"])
    return {"type": "FeatureCollection", "features": features, "labels": labels}


def grid_choices(*, actor: Actor, case: Case) -> list[Area]:
    """The grids `actor` may place the case in (`case_place_in_grid` decides again): the live
    grids of the case's community (the case's area or the area above its grid), each where
    the actor holds `cases.intake` or `cases.dispatch`; none when the case lies above a
    community."""
    area = case.area
    community = area if area.level == Level.COMMUNITY else area.parent if area.level == Level.GRID else None
    if community is None:
        return []
    grids = Area.objects.filter(parent=community, level=Level.GRID, retired=False).order_by("code")
    return [
        g
        for g in grids
        if g.pk != area.pk
        and (can_in_area(actor, "cases.intake", g) or can_in_area(actor, "cases.dispatch", g))
    ]
