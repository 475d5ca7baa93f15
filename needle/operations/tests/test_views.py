from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needle import testing as t
from needle.areas.models import Area
from needle.cases.models import Case
from needle.rollups.refresh import rollups_refresh
from needle.testing import give_districts_boundaries


@pytest.fixture
def rolled(busy: dict[str, Case]) -> dict[str, Case]:
    rollups_refresh()
    return busy


def test_dashboard_defaults_to_the_widest_area(world: t.World, rolled: Any, client_for: Any) -> None:
    r = client_for("city_admin").get("/operations/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "重庆市" in body and 'id="chart-trend"' in body and "渝中区" in body
    # Drill links go to the districts: the world's city is the placeholder 市辖区.
    assert "/operations/area/500103000000/" in body and "/operations/area/500100000000/" not in body


def test_dashboard_query_count_is_bounded(world: t.World, rolled: Any, client_for: Any) -> None:
    client = client_for("city_admin")
    for code in ("500100000000", "500103000000", "500103001000", "500103001001"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/operations/area/{code}/").status_code == 200
        # 21, plus one per source with a section of its own (the center, appointments, room
        # use, volunteering's members and lists, care, the think tank, supervision), plus one for
        # the hot topics of the area, plus three for the ranking of issuing units by their burden
        # (tasks received, declined, refused).
        assert len(ctx.captured_queries) <= 33, (code, len(ctx.captured_queries))


def test_street_supervisor_only_sees_the_street(world: t.World, rolled: Any, client_for: Any) -> None:
    client = client_for("supervisor")
    r = client.get("/operations/")
    assert r.status_code == 200 and "七星岗街道" in r.content.decode()
    assert client.get("/operations/area/500103001001/").status_code == 200
    assert client.get("/operations/area/500103000000/").status_code == 404
    assert client.get("/operations/area/500106001000/").status_code == 404
    assert client.get(f"/operations/unit/{world.units['street_b1'].pk}/").status_code == 404
    # Breadcrumbs above the street are not offered.
    body = client.get("/operations/area/500103001001/").content.decode()
    assert "/operations/area/500103000000/" not in body


def test_unit_dashboard(world: t.World, rolled: Any, client_for: Any) -> None:
    r = client_for("city_admin").get(f"/operations/unit/{world.units['district_a_go'].pk}/")
    assert r.status_code == 200
    assert "渝中区生态环境局" in r.content.decode()


def test_bad_period_is_reported_not_a_500(world: t.World, rolled: Any, client_for: Any) -> None:
    r = client_for("city_admin").get(
        "/operations/", {"start": "nonsense", "indicator": "bogus", "grain": "year"}
    )
    assert r.status_code == 200
    assert "YYYY-MM-DD" in r.content.decode()


def test_sign_in_needed(world: t.World, client: Any) -> None:
    r = client.get("/operations/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_map_data_colours_children_and_points_below_street(
    world: t.World, rolled: Any, client_for: Any
) -> None:
    give_districts_boundaries(world)
    client = client_for("city_admin")
    city = client.get("/operations/area/500100000000/map.json").json()
    assert {f["properties"]["code"] for f in city["features"]} == {"500103000000", "500106000000"}
    assert all(f["properties"]["figures"] is not None for f in city["features"])
    assert city["points"] == []
    Case.objects.update(lat=29.55, lng=106.55)
    street = client.get("/operations/area/500103001000/map.json").json()
    assert street["points"] and street["points"][0] == [29.55, 106.55]
    assert client_for("supervisor").get("/operations/area/500100000000/map.json").status_code == 404


def test_children_without_an_outline_are_points_a_click_opens(
    world: t.World, rolled: Any, client_for: Any
) -> None:
    give_districts_boundaries(world)
    # Streets have no geometry: street A1 sits at its cases' pins, A2 (no pinned case) nowhere,
    # and community A1a at the point the tree gives it.
    Case.objects.filter(area_path__startswith=world.areas["street_a1"].path).update(lat=29.5512, lng=106.5487)
    district = client_for("city_admin").get("/operations/area/500103000000/map.json").json()
    assert [(m["code"], m["lat"], m["lng"], m["url"]) for m in district["markers"]] == [
        ("500103001000", 29.551, 106.549, "/operations/area/500103001000/")
    ]
    assert district["markers"][0]["figures"]["received"] > 0
    Area.objects.filter(pk=world.areas["community_a1a"].pk).update(centroid_lat=29.56, centroid_lng=106.57)
    street = client_for("city_admin").get("/operations/area/500103001000/map.json").json()
    first = street["markers"][0]
    assert (first["name"], first["lat"]) == ("华一坡社区居委会", 29.56)


def test_subscribe_and_stop(world: t.World, rolled: Any, client_for: Any) -> None:
    from needle.core.models import AuditEvent
    from needle.operations.models import ReportSubscription

    client = client_for("supervisor")
    r = client.post("/operations/area/500103001000/subscribe/", {"frequency": "weekly"})
    assert r.status_code == 302
    sub = ReportSubscription.objects.get()
    assert AuditEvent.objects.filter(action="operations.subscription.created").exists()
    # Not for an area outside the supervisor's street.
    assert client.post("/operations/area/500103000000/subscribe/", {"frequency": "weekly"}).status_code == 404
    # Someone else cannot stop it.
    assert client_for("staff").post(f"/operations/subscriptions/{sub.pk}/stop/").status_code == 404
    assert "七星岗街道" in client.get("/operations/subscriptions/").content.decode()
    assert client.post(f"/operations/subscriptions/{sub.pk}/stop/").status_code == 302
    assert not ReportSubscription.objects.exists()
    assert AuditEvent.objects.filter(action="operations.subscription.deleted").exists()
