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


SOURCES = "/api/v1/operations/sources"


def test_sources_list_the_cases_orgs_center_appointments_and_their_figures(
    world: t.World, api_for: Any, client: Any
) -> None:
    assert client.get(SOURCES).status_code == 401
    r = api_for("city_admin").get(SOURCES)
    assert r.status_code == 200, r.content
    assert [s["name"] for s in r.json()] == [
        "cases",
        "orgs",
        "center",
        "appointments",
        "rooms",
        "volunteering",
        "volunteering_lists",
        "care",
        "consult",
        "supervision",
    ]
    cases = r.json()[0]
    assert (cases["name"], cases["label"]) == ("cases", "群众诉求")
    figures = {f["name"]: f for f in cases["figures"]}
    assert list(figures) == [
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "on_time_rate",
        "received",
        "open",
        "overdue_open",
    ]
    assert figures["response_rate"]["numerator"] == ["responded_on_time"]
    assert figures["response_rate"]["denominator"] == ["response_due"]
    assert figures["response_rate"]["label"] == "响应率"
    assert figures["overdue_open"] == {
        "name": "overdue_open",
        "label": "超期",
        "numerator": ["overdue", "overdue_serious"],
        "denominator": [],
        "counts": "",
        "less": [],
    }
    english = api_for("city_admin").client.get(SOURCES, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english[0]["label"] == "Residents' requests"


def test_an_unknown_source_is_refused_with_400_naming_it(world: t.World, api_for: Any) -> None:
    r = api_for("city_admin").get(URL, area=world.areas["city"].code, source="nope")
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error["code"] == "unknown_source"
    assert "nope" in error["fields"]["source"] and "cases" in error["fields"]["source"]


def test_source_cases_is_the_default(world: t.World, rolled: Any, api_for: Any) -> None:
    api = api_for("city_admin")
    default = api.get(URL, area=world.areas["city"].code)
    named = api.get(URL, area=world.areas["city"].code, source="cases")
    assert default.status_code == named.status_code == 200
    assert default.json() == named.json()


def test_any_source_read_by_the_engine_alone_agrees_with_the_cases_dashboard(
    world: t.World, rolled: Any, api_for: Any
) -> None:
    """The generic path that serves a source without code of its own, given the cases: the
    same counts and figures as the cases' own dashboard, node, previous period and children."""
    from needle.cases.figures import SOURCE as CASES
    from needle.operations.source_figures import source_indicators

    city = world.areas["city"]
    want = api_for("city_admin").get(URL, area=city.code).json()
    got = source_indicators(
        actor=world.people["city_admin"], source=CASES, area=city.code, unit=None, start=None, end=None
    )

    def cases_contract(figures: dict[str, Any]) -> dict[str, Any]:
        # The generic answer has every figure the source defines, the backlog's overdue too.
        assert set(figures) - set(want["node"]["figures"]) == {"overdue_open"}
        return {k: v for k, v in figures.items() if k != "overdue_open"}

    assert cases_contract(got["node"]["figures"]) == want["node"]["figures"]
    assert cases_contract(got["previous"]) == want["previous"]
    by_key = {r["key"]: r["figures"] for r in want["children"]}
    assert {r["key"]: cases_contract(r["figures"]) for r in got["children"]} == by_key
