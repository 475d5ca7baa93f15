from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.cases.figures import COUNTERS
from needle.cases.models import Case
from needle.operations.schemas import IndicatorsOut
from needle.rollups.refresh import rollups_refresh
from needle.testing import raw_counts

URL = "/api/v1/operations/indicators"


@pytest.fixture
def rolled(busy: dict[str, Case]) -> dict[str, Case]:
    rollups_refresh()
    return busy


def test_city_figures_equal_direct_counts_and_the_sum_of_children(
    world: t.World, rolled: Any, api_for: Any
) -> None:
    r = api_for("city_admin").get(URL, area=world.areas["city"].code)
    assert r.status_code == 200, r.content
    body = r.json()
    today = timezone.localdate()
    want = raw_counts(start=today - dt.timedelta(days=29), end=today, area=world.areas["city"])
    assert {c: body["node"]["figures"][c] for c in COUNTERS} == want
    for part in ("children", "by_service"):
        assert {c: sum(x["figures"][c] for x in body[part]) for c in COUNTERS} == want
    assert {x["key"] for x in body["children"]} == {"500103000000", "500106000000"}
    assert body["node"]["figures"]["response_rate"] is not None
    # Written as JSON by hand: it must still be exactly what the schema documents.
    assert IndicatorsOut.model_validate_json(r.content, strict=True).node.key == world.areas["city"].code
    # The lead units are ranked when asked for; they hold the same cases.
    assert body["units"] == []
    ranked = api_for("city_admin").get(URL, area=world.areas["city"].code, units="true").json()
    assert ranked["units"] and {c: sum(x["figures"][c] for x in ranked["units"]) for c in COUNTERS} == want


def test_unit_figures_and_child_units(world: t.World, rolled: Any, api_for: Any) -> None:
    unit = world.units["district_a_go"]
    r = api_for("city_admin").get(URL, unit=str(unit.pk))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["node"]["kind"] == "unit"
    kids = {x["name"] for x in body["children"]}
    assert {"渝中区生态环境局", "七星岗街道办事处"} <= kids
    total = body["node"]["figures"]["received"]
    assert total == sum(x["figures"]["received"] for x in body["children"]) > 0


def test_street_supervisor_sees_only_the_street(world: t.World, rolled: Any, api_for: Any) -> None:
    api = api_for("supervisor")
    assert api.get(URL, area=world.areas["street_a1"].code).status_code == 200
    assert api.get(URL, area=world.areas["community_a1a"].code).status_code == 200
    for other in ("district_a", "street_a2", "city"):
        r = api.get(URL, area=world.areas[other].code)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert api.get(URL, unit=str(world.units["street_b1"].pk)).status_code == 404
    default = api.get(URL).json()
    assert default["node"]["key"] == world.areas["street_a1"].code
    assert api_for("outsider").get(URL).status_code == 422


def test_anonymous_is_refused(world: t.World, client: Any) -> None:
    assert client.get(URL).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "yesterday"}, "start"),
        ({"end": "2026-13-01"}, "end"),
        ({"start": "2026-05-02", "end": "2026-05-01"}, "start"),
        ({"start": "2010-01-01", "end": "2026-01-01"}, "start"),
        ({"unit": "abc"}, "unit"),
        ({"unit": "1", "area": "500100000000"}, "unit"),
    ],
)
def test_bad_parameters_name_the_field(
    world: t.World, api_for: Any, params: dict[str, str], field: str
) -> None:
    r = api_for("city_admin").get(URL, **params)
    assert r.status_code == 422, r.content
    assert field in r.json()["error"]["fields"]


def test_unknown_area_is_404(world: t.World, api_for: Any) -> None:
    r = api_for("city_admin").get(URL, area="nope")
    assert r.status_code == 404
