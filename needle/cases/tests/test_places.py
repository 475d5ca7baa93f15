"""Cases on the map: a pin inside a grid's outline places the case in the grid; staff place a
case in a grid of its community (who may, what is refused, what is written); the labelled
points of areas without geometry; the small map of a pinned case."""

from __future__ import annotations

import pytest
from django.test import Client

from needle import testing as t
from needle.areas.models import Area
from needle.areas.services import grid_add
from needle.cases import selectors
from needle.cases import services as s
from needle.cases.models import Case, CaseEvent, EventKind
from needle.cases.services import Intake, case_submit
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.testing import give_districts_boundaries, give_grid_boundary

IN_GRID = (29.55, 106.55)
OUTSIDE_THE_GRID = (29.53, 106.53)  # in district A, in no grid


def pinned(world: t.World, catalog: dict, point: tuple[float, float], area: str | None = None) -> Case:
    intake = Intake(
        service=catalog["road"],
        description="小区门口的路面塌了一个坑。",
        area=world.areas[area] if area else None,
        lat=point[0],
        lng=point[1],
    )
    return case_submit(actor=world.people["resident"], intake=intake)


@pytest.fixture
def outlined(world: t.World) -> t.World:
    give_districts_boundaries(world)
    give_grid_boundary(world)
    return world


def test_a_pin_inside_a_grid_places_the_case_in_the_grid(outlined, catalog):
    world = outlined
    case = pinned(world, catalog, IN_GRID)
    assert case.area == world.areas["grid_a1a"] and case.area_path == world.areas["grid_a1a"].path
    # Outside every grid the deepest outline is the district's.
    assert pinned(world, catalog, OUTSIDE_THE_GRID).area == world.areas["district_a"]


def test_a_pin_inside_a_grid_of_the_chosen_community_refines_it(outlined, catalog):
    world = outlined
    assert pinned(world, catalog, IN_GRID, area="community_a1a").area == world.areas["grid_a1a"]
    assert pinned(world, catalog, OUTSIDE_THE_GRID, area="community_a1a").area == world.areas["community_a1a"]
    # The resident's choice stands when the pin lies elsewhere.
    assert pinned(world, catalog, IN_GRID, area="community_b1a").area == world.areas["community_b1a"]


@pytest.fixture
def grids(world: t.World) -> dict[str, Area]:
    """Community A1a has two grids (第1网格 from the world, 第2网格); A1b one."""
    return {
        "first": world.areas["grid_a1a"],
        "second": grid_add(community=world.areas["community_a1a"], name="第2网格"),
        "elsewhere": grid_add(community=world.areas["community_a1b"], name="第1网格"),
    }


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("staff", True),  # the community's coordinator (cases.intake)
        ("dispatcher", True),
        ("city_admin", True),
        ("handler", False),
        ("supervisor", False),
        ("other_supervisor", False),
        ("resident", False),
        ("outsider", False),
    ],
)
def test_who_may_place_a_case_in_a_grid(world, catalog, grids, persona, allowed):
    case = t.submit(world, catalog["road"])
    if allowed:
        placed = s.case_place_in_grid(actor=world.people[persona], case=case, grid=grids["first"])
        assert placed.area == grids["first"]
    else:
        with pytest.raises(PermissionDenied):
            s.case_place_in_grid(actor=world.people[persona], case=case, grid=grids["first"])
    assert Case.objects.get(pk=case.pk).area == (grids["first"] if allowed else world.areas["community_a1a"])


def test_placing_is_audited_and_noted_on_the_internal_timeline(world, catalog, grids):
    case = t.submit(world, catalog["road"])
    version = case.version
    case = s.case_place_in_grid(actor=world.people["staff"], case=case, grid=grids["second"], version=version)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.area, stored.area_path, stored.version) == (
        grids["second"],
        grids["second"].path,
        version + 1,
    )
    event = CaseEvent.objects.get(case=case, kind=EventKind.PLACED)
    assert (event.public, event.note, event.actor) == (
        False,
        "华一坡社区居委会 → 第2网格",
        world.people["staff"],
    )
    audit = AuditEvent.objects.get(action="cases.case.placed", object_id=str(case.pk))
    assert audit.changes == {"old": {"area": "500103001001"}, "new": {"area": grids["second"].code}}
    assert audit.area_path == grids["second"].path
    # From one grid of the community to another.
    moved = s.case_place_in_grid(actor=world.people["staff"], case=stored, grid=grids["first"])
    assert moved.area == grids["first"]


def test_only_a_live_grid_of_the_cases_community_is_taken(world, catalog, grids):
    staff = world.people["staff"]
    case = t.submit(world, catalog["road"])
    for wrong in (grids["elsewhere"], world.areas["community_a1a"], world.areas["street_a1"]):
        with pytest.raises(ValidationFailed) as err:
            s.case_place_in_grid(actor=world.people["city_admin"], case=case, grid=wrong)
        assert "grid" in err.value.fields
    Area.objects.filter(pk=grids["second"].pk).update(retired=True)
    with pytest.raises(ValidationFailed):
        s.case_place_in_grid(actor=staff, case=case, grid=Area.objects.get(pk=grids["second"].pk))
    # A case placed only in its district has no community to choose a grid from.
    above = t.submit(world, catalog["road"], area="district_a")
    with pytest.raises(ValidationFailed):
        s.case_place_in_grid(actor=world.people["dispatcher"], case=above, grid=grids["first"])
    assert Case.objects.get(pk=case.pk).area == world.areas["community_a1a"]


def test_the_same_grid_or_a_stale_version_is_a_conflict(world, catalog, grids):
    staff = world.people["staff"]
    case = s.case_place_in_grid(actor=staff, case=t.submit(world, catalog["road"]), grid=grids["first"])
    with pytest.raises(Conflict):
        s.case_place_in_grid(actor=staff, case=case, grid=grids["first"])
    with pytest.raises(Conflict) as err:
        s.case_place_in_grid(actor=staff, case=case, grid=grids["second"], version=case.version - 1)
    assert err.value.extra["version"] == case.version


def test_the_api_places_a_case_in_a_grid(world, catalog, grids, api_for):
    case = t.submit(world, catalog["road"])
    url = f"/api/v1/cases/{case.number}/grid"
    assert api_for("handler").post(url, {"grid": grids["first"].code}).status_code == 403
    assert api_for("outsider").post(url, {"grid": grids["first"].code}).status_code == 404
    unknown = api_for("staff").post(url, {"grid": "500103001001-999"})
    assert unknown.status_code == 422 and "grid" in unknown.json()["error"]["fields"]
    assert api_for("staff").post(url, {"grid": grids["elsewhere"].code}).status_code == 422
    done = api_for("staff").post(url, {"grid": grids["first"].code, "version": case.version})
    assert done.status_code == 200 and done.json()["area_code"] == grids["first"].code
    assert (
        api_for("staff").post(url, {"grid": grids["second"].code, "version": case.version}).status_code == 409
    )


def test_the_case_page_offers_the_grids_to_those_who_may_place(world, catalog, grids, client_for):
    case = t.submit(world, catalog["road"])
    url = f"/cases/{case.number}/grid/"
    form = client_for("staff").get(url)
    assert form.status_code == 200
    body = form.content.decode()
    assert f'value="{grids["first"].code}"' in body and f'value="{grids["second"].code}"' in body
    assert grids["elsewhere"].code not in body
    # The handler sees the case but may not place it: no form.
    assert client_for("handler").get(url).content.decode().strip() == ""
    assert client_for("outsider").get(url).status_code == 404


def test_the_case_page_places_the_case_or_says_why_not(world, catalog, grids, client_for):
    case = t.submit(world, catalog["road"])
    url = f"/cases/{case.number}/grid/"
    staff = client_for("staff")
    refused = staff.post(url, {"grid": grids["elsewhere"].code, "version": case.version}, follow=True)
    assert (
        refused.status_code == 200
        and t.zh("Choose a live grid of the case's community.") in refused.content.decode()
    )
    assert Case.objects.get(pk=case.pk).area == world.areas["community_a1a"]
    assert client_for("handler").post(url, {"grid": grids["first"].code}).status_code == 403
    done = staff.post(url, {"grid": grids["first"].code, "version": case.version})
    assert done.status_code == 302 and done["Location"] == f"/cases/{case.number}/"
    assert Case.objects.get(pk=case.pk).area == grids["first"]
    page = staff.get(f"/cases/{case.number}/").content.decode()
    assert "渝中区 › 七星岗街道 › 华一坡社区居委会 › 第1网格" in page


def test_a_pinned_case_has_a_small_map_on_its_page_and_its_tracking_page(outlined, catalog, client_for):
    world = outlined
    case = pinned(world, catalog, IN_GRID)
    page = client_for("handler").get(f"/cases/{case.number}/").content.decode()
    assert 'id="case-minimap"' in page and 'data-lat="29.550000" data-lng="106.550000"' in page
    assert f'data-layer="/report/boundaries/{case.area.code}/"' in page
    assert 'id="map-config"' in page
    track = Client().get(f"/track/{case.tracking_token}/").content.decode()
    assert 'id="case-minimap"' in track
    unpinned = t.submit(world, catalog["road"])
    assert 'id="case-minimap"' not in client_for("handler").get(f"/cases/{unpinned.number}/").content.decode()


def test_areas_without_geometry_are_labelled_at_their_cases_pins(world, catalog):
    street = world.areas["street_a1"]
    # A1a has a point in the tree; A1b only its cases' pins (one private, left off the public map).
    Area.objects.filter(pk=world.areas["community_a1a"].pk).update(centroid_lat=29.55, centroid_lng=106.55)
    for lat, lng in ((29.5611, 106.5712), (29.5631, 106.5736)):
        pinned(world, catalog, (lat, lng), area="community_a1b")
    private = Intake(
        service=catalog["private"],
        description="家里的事",
        area=world.areas["community_a1b"],
        lat=29.60,
        lng=106.60,
    )
    case_submit(actor=world.people["resident"], intake=private)
    layer = selectors.map_layer(area=street, public_only=True)
    assert layer["labels"] == [
        {"code": "500103001001", "name": "华一坡社区居委会", "level": 5, "lat": 29.55, "lng": 106.55},
        {"code": "500103001002", "name": "领事巷社区居委会", "level": 5, "lat": 29.562, "lng": 106.572},
    ]
    staff_points = selectors.label_points(areas=[world.areas["community_a1b"]], public_only=False)
    assert staff_points == {"500103001002": (29.575, 106.582)}  # the private pin counts for staff


def test_the_report_maps_layer_is_open_to_anyone(world, catalog):
    give_districts_boundaries(world)
    Area.objects.filter(pk=world.areas["street_a1"].pk).update(centroid_lat=29.56, centroid_lng=106.56)
    district = Client().get("/report/boundaries/500103000000/").json()
    # District A has no outline below it: its own, and its streets as labels (A2 has no pin).
    assert [f["properties"]["code"] for f in district["features"]] == ["500103000000"]
    assert [(x["name"], x["lat"]) for x in district["labels"]] == [("七星岗街道", 29.56)]
    city = Client().get("/report/boundaries/500100000000/").json()
    assert len(city["features"]) == 2 and city["labels"] == []
