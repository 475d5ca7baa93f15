"""An area's page with what the actor may do there, and the grids: creating them, assigning
their workers, on the page and through the API (same paths as the tree's: /areas/{code}/)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needle.areas.models import Area
from needle.testing import AreaFactory


def test_tree_pages_need_sign_in(world, client):
    response = client.get("/areas/500103001000/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_area_page_shows_breadcrumbs_and_children(world, client_for):
    html = client_for("resident").get("/areas/500103001000/").content.decode()
    for ancestor in ("重庆市", "市辖区", "渝中区"):
        assert ancestor in html
    assert "华一坡社区居委会" in html and "领事巷社区居委会" in html
    assert "小龙坎街道" not in html


def test_unknown_area_is_a_404_page(world, client_for):
    assert client_for("resident").get("/areas/000000000000/").status_code == 404


def test_tree_page_queries_do_not_grow_with_children(world, client_for):
    client = client_for("city_admin")
    street = world.areas["street_a1"]
    client.get(f"/areas/{street.code}/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(f"/areas/{street.code}/")
    for i in range(25):
        AreaFactory(code=f"500103001{i + 100:03d}", name=f"新社区{i}", level=5, parent=street)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/areas/{street.code}/").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries) <= 12


@pytest.mark.parametrize(
    "persona, allowed", [("staff", True), ("supervisor", False), ("resident", False), ("outsider", False)]
)
def test_grid_form_on_the_community_page(world, client_for, persona, allowed):
    client = client_for(persona)
    page = client.get("/areas/500103001001/").content.decode()
    assert ('action="/areas/500103001001/grids/"' in page) is allowed
    response = client.post("/areas/500103001001/grids/", {"name": "第9网格"})
    assert Area.objects.filter(name="第9网格").exists() is allowed
    assert response.status_code == (302 if allowed else 403)


def test_grid_page_lists_workers_and_assigns(world, client_for):
    client = client_for("staff")
    response = client.post("/areas/500103001001-001/workers/", {"username": "staff"})
    assert response.status_code == 302
    assert "@staff" in client.get("/areas/500103001001-001/").content.decode()
    response = client.post("/areas/500103001001-001/workers/", {"username": "nobody"}, follow=True)
    assert "No such person" in response.content.decode() or "没有" in response.content.decode()


def test_grid_creation_and_workers_through_the_api(world, api_for):
    staff = api_for("staff")
    response = staff.post("/api/v1/areas/500103001001/grids", {"name": "第2网格"})
    assert response.status_code == 201 and response.json()["code"] == "500103001001-002"
    response = staff.post("/api/v1/areas/500103001001/grids", {"name": ""})
    assert response.status_code == 422 and "name" in response.json()["error"]["fields"]
    response = staff.post("/api/v1/areas/500103001001-002/workers", {"username": "staff"})
    assert response.status_code == 201
    workers = staff.get("/api/v1/areas/500103001001-002/workers").json()
    assert [w["username"] for w in workers] == ["staff"]
    assert api_for("resident").post("/api/v1/areas/500103001001/grids", {"name": "x"}).status_code == 403
