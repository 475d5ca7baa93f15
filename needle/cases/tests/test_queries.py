"""How many queries the busiest pages and the API list make, and that the number does not grow
with the rows they show (the N+1 guard): a few rows, then many, the same count.

The counts are the same on SQLite and PostgreSQL: every query here is a plain read or the one
audit insert, and neither database needs an extra statement for either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from needle import testing as t
from needle.cases import services as s
from needle.cases.models import Case

ELSEWHERE = ["community_a1b", "community_a2a", "community_b1a", "grid_a1a"] * 2  # 8 more rows


def queries(get: Callable[[str], Any], url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def notes(world: t.World, case: Case, n: int, *, public: bool) -> None:
    for i in range(n):
        s.case_note(actor=world.people["handler"], case=case, note=f"进展{i}", public=public)


def duplicates(world: t.World, catalog: dict[str, Any], case: Case, n: int) -> None:
    for _ in range(n):
        s.case_merge(actor=world.people["dispatcher"], case=t.submit(world, catalog["road"]), parent=case)


def test_the_case_page_for_its_handler(world, catalog, client_for):
    case = t.submit(world, catalog["road"])
    handler = world.people["handler"]
    s.case_accept(actor=handler, case=case)
    client = client_for("handler")
    url = f"/cases/{case.number}/"
    notes(world, case, 2, public=False)
    duplicates(world, catalog, case, 1)
    s.case_assist(actor=handler, case=case, unit=world.units["street_a1"])
    # Session, person, case, the person's grants, the contact read's audit event, the service's
    # questions, unread notifications, assists, merged cases, intake photos, timeline, its photos.
    assert queries(client.get, url) == 12
    notes(world, case, 8, public=False)
    duplicates(world, catalog, case, 4)
    s.case_assist(actor=handler, case=case, unit=world.units["rc_a1a"])
    assert queries(client.get, url) == 12


def test_the_dispatchers_queue(world, catalog, client_for):
    client = client_for("dispatcher")
    client.get("/queue/")  # the filter's services are remembered from the first request on
    for _ in range(2):
        t.submit(world, catalog["noise"], attributes={"when": "day"})
    # Session, person, grants, the filter's services, count, page, unread notifications.
    assert queries(client.get, "/queue/") == 7
    for area in ELSEWHERE:
        t.submit(world, catalog["noise"], area=area, reporter=None, attributes={"when": "night"})
    body = client.get("/queue/").content.decode()
    assert body.count('name="dispatch-version"') == 10
    assert queries(client.get, "/queue/") == 7


def test_the_tracking_page(world, catalog, client):
    case = t.submit(world, catalog["road"])
    s.case_accept(actor=world.people["handler"], case=case)
    url = f"/track/{case.tracking_token}/"
    notes(world, case, 2, public=True)
    # Case, intake photos, public timeline, its photos.
    assert queries(client.get, url) == 4
    notes(world, case, 8, public=True)
    assert queries(client.get, url) == 4


def test_the_api_case_list(world, catalog, api_for):
    api = api_for("dispatcher")
    api.get("/api/v1/cases")  # a token's first use records when it was used
    for _ in range(2):
        t.submit(world, catalog["road"])
    # Token, grants, the units in the caller's areas, count, page.
    assert queries(api.get, "/api/v1/cases") == 5
    for area in ELSEWHERE:
        t.submit(world, catalog["noise"], area=area, attributes={"when": "day"})
    assert api.get("/api/v1/cases").json()["count"] == 10
    assert queries(api.get, "/api/v1/cases") == 5
