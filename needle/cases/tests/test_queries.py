"""How many queries the busiest pages and the API list make, and that the number does not grow
with the rows they show (the N+1 guard): a few rows, then many, the same count.

The counts are the same on SQLite and PostgreSQL: every query here is a plain read or the one
audit insert, and neither database needs an extra statement for either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from needle import testing as t
from needle.cases import selectors
from needle.cases import services as s
from needle.cases.models import Case, State
from needle.core.errors import Conflict

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
    # questions, unread notifications, the area's ancestors (its place in words), assists, a
    # pending extension, merged cases, intake photos, timeline, its photos.
    assert queries(client.get, url) == 14
    notes(world, case, 8, public=False)
    duplicates(world, catalog, case, 4)
    s.case_assist(actor=handler, case=case, unit=world.units["rc_a1a"])
    assert queries(client.get, url) == 14


def test_the_dispatchers_queue(world, catalog, client_for):
    client = client_for("dispatcher")
    client.get("/queue/")  # the filter's services are remembered from the first request on
    for _ in range(2):
        t.submit(world, catalog["noise"], attributes={"when": "day"})
    # Session, person, grants, the counts by deadline colour (which are the pager's count too),
    # the page, unread notifications; the filter's services are remembered.
    assert queries(client.get, "/queue/") == 6
    for area in ELSEWHERE:
        t.submit(world, catalog["noise"], area=area, reporter=None, attributes={"when": "night"})
    Case.objects.filter(area__code=world.areas["community_b1a"].code).update(colour="red")
    body = client.get("/queue/").content.decode()
    assert body.count('name="dispatch-version"') == 10
    assert body.count('name="bulk-numbers"') == 10
    assert queries(client.get, "/queue/") == 6
    assert queries(client.get, "/queue/?sort=newest&colour=red") == 6


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


def posted(post: Callable[..., Any], url: str, body: Any, status: int) -> tuple[int, int]:
    """The queries a move makes, and how many of them read the case."""
    with CaptureQueriesContext(connection) as ctx:
        response = post(url, body)
    assert response.status_code == status, (url, response.status_code)
    sql = [q["sql"] for q in ctx.captured_queries]
    return len(sql), sum(s.startswith("SELECT") and 'FROM "cases_case"' in s for s in sql)


def test_an_api_move_reads_the_case_once(world, catalog, api_for):
    api = api_for("handler")
    api.get("/api/v1/cases")  # a token's first use records when it was used
    case = t.submit(world, catalog["road"])
    # Token, the case read and locked at once, grants, the update, its timeline entry and audit
    # event, the contact read's audit event, the savepoint the test's transaction makes of the
    # operation's (two statements), and telling the reporters: the notification and its
    # recipient's notification settings, the cases merged into this one (the one other read of
    # the cases table), the followers.
    assert posted(api.post, f"/api/v1/cases/{case.number}/accept", {}, 200) == (13, 2)


def test_a_page_move_reads_the_case_once(world, catalog, client_for):
    client = client_for("handler")
    case = t.submit(world, catalog["road"])
    # Session, person, the case read and locked at once, grants, the update, its timeline entry
    # and audit event, the test's savepoint (two statements), and telling the reporters (the
    # notification and its recipient's settings, merged cases, followers).
    body = {"accept-version": case.version}
    assert posted(client.post, f"/cases/{case.number}/accept/", body, 302) == (13, 2)


def test_a_case_locked_in_a_block_that_ended_is_read_again(world, catalog):
    handler = world.people["handler"]
    case = t.submit(world, catalog["road"])
    with transaction.atomic():
        stale = selectors.access_case(actor=handler, number=case.number, for_write=True)
    Case.objects.filter(pk=case.pk).update(state=State.ACCEPTED)  # someone else moved it meanwhile
    with pytest.raises(Conflict):
        s.case_accept(actor=handler, case=stale)
