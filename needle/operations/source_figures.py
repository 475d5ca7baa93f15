"""Any source's figures for the operations center, read from the rollup engine alone: the
indicators of an area for the API and the CSV export, and the sections of the area dashboard.

A source declared to the engine (`needle.rollups.sources`) gets these without code of its own
here; the cases' figures have their own, richer dashboard (`dashboards`)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.areas.selectors import jurisdictional_children
from needle.core.errors import ValidationFailed
from needle.operations.params import access_area, areas_without_boundary, default_area, parse_period
from needle.orgs.permissions import can_in_area
from needle.rollups import read
from needle.rollups.sources import Source, sources


def figures_values(source: Source, counts: dict[str, int]) -> dict[str, Any]:
    """A node's counters and every figure the source defines on them."""
    values = SimpleNamespace(**counts)
    return {**counts, **{f.name: f.value(values) for f in source.figures if f.name not in counts}}


def source_indicators(
    *, actor: Any, source: Source, area: str | None, unit: Any, start: Any, end: Any
) -> dict[str, Any]:
    """Any source's figures of an area subtree over [start, end] (flows) and now (stocks), of
    its previous period, of each child and by each of its keys (`breakdowns`), read from the
    engine alone: a source declared to the engine gets them without code of its own here. The
    answer has the cases' shape; their breakdowns by service and unit stay empty."""
    if unit:
        raise ValidationFailed(fields={"unit": _("These figures are by area only.")})
    start_d, end_d = parse_period(start, end)
    perm = source.permission
    node = access_area(actor=actor, code=area, perm=perm) if area else default_area(actor=actor, perm=perm)
    if node is None:
        raise ValidationFailed(fields={"area": _("Give an area.")})
    prev_end = start_d - dt.timedelta(days=1)
    prev_start = start_d - (end_d - start_d) - dt.timedelta(days=1)
    children = list(jurisdictional_children(area=node, queryset=areas_without_boundary()))
    sums = read.area_sums(source, [node, *children], start_d, end_d)
    previous = read.area_sums(source, [node], prev_start, prev_end, stocks=False)[node.pk]
    total = sums[node.pk]
    rows = [
        {"kind": "area", "key": c.code, "name": c.name, "figures": figures_values(source, sums[c.pk])}
        for c in children
    ]
    here = {n: total[n] - sum(sums[c.pk][n] for c in children) for n in source.counter_names}
    if any(here.values()):
        name = _("Directly in %(name)s") % {"name": node.name}
        rows.append({"kind": "here", "key": "", "name": name, "figures": figures_values(source, here)})
    breakdowns = {}
    for index, key in enumerate(source.keys):
        per_value = read.key_sums(source, node, index, start_d, end_d)
        names = key.names(per_value) if key.names is not None else {}
        breakdowns[key.name] = [
            {
                "kind": key.name,
                "key": str(value),
                "name": names.get(value, str(value)),
                "figures": figures_values(source, counts),
            }
            for value, counts in sorted(per_value.items())
            if any(counts.values())
        ]
    return {
        "start": start_d,
        "end": end_d,
        "node": {
            "kind": "area",
            "key": node.code,
            "name": node.name,
            "figures": figures_values(source, total),
        },
        "previous": figures_values(source, previous),
        "children": rows,
        "by_service": [],
        "units": [],
        "breakdowns": breakdowns,
    }


# The sources that have no section of their own on the area dashboard: the cases are the
# dashboard, and the organizations keep theirs (by type, at the period's end;
# dashboards.org_figures).
OWN_SECTIONS = frozenset({"cases", "orgs"})


def source_sections(*, actor: Any, area: Area, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """A section per other source that has figures for the area over [start, end] and that the
    actor may read: its label and each figure with its value, read from the engine alone."""
    out = []
    for source in sources():
        if source.name in OWN_SECTIONS or not can_in_area(actor, source.permission, area):
            continue
        counts = read.area_sums(source, [area], start, end)[area.pk]
        if not any(counts.values()):
            continue
        values = SimpleNamespace(**counts)
        figures = [
            {"label": f.label, "value": f.value(values), "ratio": f.is_ratio, "mean": f.mean}
            for f in source.figures
        ]
        out.append({"name": source.name, "label": source.label, "figures": figures})
    return out
