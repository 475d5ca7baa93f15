"""Everyone's home page: the landing page of a visitor, and each person's work of the day, with
only the links they can use."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from needle import testing as t
from needle.cases import services as cs
from needle.cases.models import Case, Colour
from needle.orgs.models import Person, Role, RoleAssignment
from needle.orgs.services import grid_assign_worker
from needle.rollups.refresh import rollups_refresh

STAFF_PAGES = ("/inbox/", "/queue/", "/intake/", "/operations/", "/units/", "/areas/", "/audit/", "/stats/")


@pytest.fixture(autouse=True)
def pages_in_english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def signed_in(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def home(client: Client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def section(body: str, name: str) -> str:
    found = re.search(rf'<section class="card" id="{name}">.*?</section>', body, re.S)
    assert found, name
    return found.group(0)


def count(block: str, label: str) -> int:
    found = re.search(rf"<b>(\d+)</b><span>{label}</span>", block)
    assert found, label
    return int(found.group(1))


def links(body: str) -> set[str]:
    return set(re.findall(r'href="(/[^"?#]*)', body))


def noise(world: t.World, catalog: dict[str, Any], **kw: Any) -> Case:
    return t.submit(world, catalog["noise"], attributes={"when": "day"}, **kw)


def test_a_visitor_lands_on_a_public_page_not_the_login_form(world: t.World, catalog: Any) -> None:
    case = t.submit(world, catalog["road"], contact_phone="13812345678", contact_name="王小明")
    body = home(Client())
    assert 'href="/report/"' in body and 'action="/track/"' in body
    public = section(body, "public")
    assert case.number in public
    assert "13812345678" not in body and case.tracking_token not in body
    assert not links(body) & set(STAFF_PAGES)
    assert 'href="/login/"' in body


def test_a_pasted_private_link_opens_the_tracking_page(world: t.World, catalog: Any) -> None:
    case = t.submit(world, catalog["road"])
    client = Client()
    link = f"https://needle.example/track/{case.tracking_token}/"
    for pasted in (link, case.tracking_token, f"  {link}  "):
        response = client.get("/track/", {"link": pasted})
        assert response.status_code == 302 and response["Location"] == f"/track/{case.tracking_token}/"
    assert client.get(f"/track/{case.tracking_token}/").status_code == 200
    response = client.get("/track/", {"link": "my request from Tuesday"})
    assert response.status_code == 302 and response["Location"] == "/#follow"
    assert "Paste the whole private link" in home(client)


def test_a_handler_sees_what_to_accept_and_what_is_late(
    world: t.World, catalog: Any, client_for: Any
) -> None:
    fresh = t.submit(world, catalog["road"])  # routed to the handler's department by rule
    late = t.submit(world, catalog["road"])
    cs.case_accept(actor=world.people["handler"], case=late)
    Case.objects.filter(pk=late.pk).update(colour=Colour.RED)
    body = home(client_for("handler"))
    unit = section(body, "today-unit")
    assert count(unit, "to accept") == 1 and count(unit, "seriously overdue") == 1
    assert count(unit, "open in all") == 2
    assert fresh.number in unit and late.number in unit
    assert f"unit={world.units['district_a_env'].pk}&amp;state=dispatched" in unit
    for absent in ("today-queue", "today-supervision", "today-grid"):
        assert f'id="{absent}"' not in body
    assert 'href="/queue/"' not in body and 'href="/inbox/"' in body


def test_a_dispatcher_sees_the_queue_and_its_late_cards(
    world: t.World, catalog: Any, client_for: Any
) -> None:
    waiting = noise(world, catalog)
    late = noise(world, catalog)
    Case.objects.filter(pk=late.pk).update(colour=Colour.RED)
    queue = section(home(client_for("dispatcher")), "today-queue")
    assert count(queue, "wait for a unit") == 2 and count(queue, "seriously overdue") == 1
    assert late.number in queue and waiting.number not in queue  # only the late ones are listed
    assert 'href="/queue/?colour=red"' in queue


def test_a_supervisor_sees_red_and_yellow_cases_and_answered_urges(
    world: t.World, catalog: Any, client_for: Any
) -> None:
    red, yellow, answered = (noise(world, catalog) for _ in range(3))
    far = noise(world, catalog, area="community_b1a")  # another street's
    Case.objects.filter(pk__in=[red.pk, far.pk]).update(colour=Colour.RED)
    Case.objects.filter(pk=yellow.pk).update(colour=Colour.YELLOW)
    supervisor = world.people["supervisor"]
    for case in (red, answered):
        cs.case_dispatch(actor=world.people["dispatcher"], case=case, unit=world.units["rc_a1a"])
        cs.case_urge(actor=supervisor, case=case, note="请尽快处理")
    cs.case_accept(actor=world.people["staff"], case=answered)  # the unit answers one urge
    late = section(home(client_for("supervisor")), "today-supervision")
    assert count(late, "seriously overdue") == 1 and count(late, "overdue") == 1
    assert red.number in late and yellow.number in late and far.number not in late
    assert "1 of 2 answered" in late
    lines = re.findall(
        r'<li class="case-line"><a href="/cases/(\d+)/">\d+</a> <span class="tag [^"]+">([^<]+)', late
    )
    assert lines == [(answered.number, "answered"), (red.number, "no answer yet")]


def test_a_grid_worker_sees_the_grids_cases(world: t.World, catalog: Any, client_for: Any) -> None:
    worker = t.PersonFactory.create(username="gridworker")
    RoleAssignment.objects.create(person=worker, unit=world.units["rc_a1a"], role=Role.VISITOR)
    grid = world.areas["grid_a1a"]
    grid_assign_worker(actor=world.people["staff"], grid=grid, worker=worker)
    inside = noise(world, catalog, area="grid_a1a")
    outside = noise(world, catalog, area="community_a1a")
    body = home(signed_in(worker))
    mine = section(body, "today-grid")
    assert count(mine, "open") == 1 and inside.number in mine and outside.number not in mine
    assert f'href="/areas/{grid.code}/"' in mine
    assert 'id="today-unit"' not in body  # a visitor role handles nothing


def test_a_resident_sees_their_requests_and_no_staff_links(
    world: t.World, catalog: Any, client_for: Any
) -> None:
    own = t.submit(world, catalog["road"])
    neighbour = t.submit(world, catalog["road"], reporter="outsider")
    body = home(client_for("resident"))
    mine = section(body, "today-mine")
    assert count(mine, "open") == 1
    assert f'href="/track/{own.tracking_token}/"' in mine  # their own private page
    nearby = section(body, "today-nearby")
    assert neighbour.number in nearby and neighbour.tracking_token not in body
    assert not links(body) & set(STAFF_PAGES)
    assert "today-queue" not in body and "today-unit" not in body


def test_a_party_member_is_not_told_they_have_no_role(world: t.World, client_for: Any) -> None:
    body = home(client_for("member"))
    assert "no role" not in body.lower()
    you = section(body, "you")
    assert "华一坡社区党委" in you and 'href="/units/' not in you  # a member may not open the unit
    assert not links(body) & set(STAFF_PAGES)


def test_an_analyst_sees_the_dashboards_figures(world: t.World, busy: Any, client_for: Any) -> None:
    analyst = t.PersonFactory.create(username="analyst")
    RoleAssignment.objects.create(person=analyst, unit=world.units["city_go"], role=Role.VIEWER)
    rollups_refresh()
    body = home(signed_in(analyst))
    figures = section(body, "today-figures")
    assert "Response rate" in figures and "Backlog" in figures and 'href="/operations/"' in figures
    assert "today-queue" not in body and "today-unit" not in body


def test_the_home_reads_a_bounded_number_of_queries(
    world: t.World, catalog: Any, busy: Any, client_for: Any
) -> None:
    rollups_refresh()
    client = client_for("city_admin")
    client.get("/")  # what is remembered per process (the catalog) is read once

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            home(client)
        return len(ctx.captured_queries)

    few = queries()
    for _ in range(6):
        noise(world, catalog)
        Case.objects.filter(pk=t.submit(world, catalog["road"]).pk).update(colour=Colour.RED)
    assert queries() == few
    # A city administrator does every kind of work: session, person, grants; the unit's counts
    # and first cases (with its units); the queue's counts and late cards; the late cases of the
    # areas and the urges; grids; their own requests (counts, latest); the dashboard's figures;
    # hot topics; roles, memberships; unread notifications; the center's sessions today, offers
    # lapsing, the week's waitlist, the room requests to decide and the area its calendar opens on;
    # volunteering's check-ins and hours waiting, the week's short shifts (first ones, count), the
    # area the console opens on, and their own coming shifts; care's visits due and overdue with
    # the households needing a helper (one grouped read), the open items, the first households,
    # the area the console opens on, and the households they help themselves; the think tank's
    # answers due, overdue and hidden suggestions (one grouped read), the first answers due and
    # the meetings to minute (one count); supervision's counts of tasks to do, to sign off and
    # extensions and held tasks to decide (one read) and the drafts awaiting their units' opinion
    # (one count).
    assert few <= 46, few


def test_the_menu_marks_the_page_you_are_on(world: t.World, client_for: Any) -> None:
    body = client_for("dispatcher").get("/queue/").content.decode()
    assert '<a href="/queue/" class="nav-work" aria-current="page">' in body
    assert '<a href="/inbox/" class="nav-work">' in body


def test_people_from_every_persona_get_a_home(world: t.World, client_for: Any) -> None:
    for person in Person.objects.all():
        assert signed_in(person).get("/").status_code == 200, person.username
