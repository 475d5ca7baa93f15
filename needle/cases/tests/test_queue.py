"""The dispatchers' queue: most urgent first, each card's colour and age, pages, and dispatching
several cards at once (the service, the page and the API)."""

from __future__ import annotations

import re

import pytest

from needle import testing as t
from needle.cases import selectors
from needle.cases import services as s
from needle.cases.models import Case, Colour, State
from needle.core.errors import PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.orgs.models import Role, RoleAssignment


@pytest.fixture(autouse=True)
def pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


def noise(world, catalog, **kw):
    return t.submit(world, catalog["noise"], attributes={"when": "day"}, **kw)


def card(body: str, number: str) -> str:
    """The queue card of one case."""
    found = re.search(rf'<article [^>]*id="card-{number}".*?</article>', body, re.S)
    assert found, number
    return found.group(0)


# The queue's order, colours and pages ---------------------------------------------------------------


def test_the_most_overdue_case_leads_and_every_card_shows_its_colour_and_age(world, catalog, client_for):
    later = t.submit(world, catalog["private"])  # resolve within 72 hours
    soon = noise(world, catalog)  # resolve within 2 hours
    late = t.shift(noise(world, catalog), 3)  # its deadline passed 3 days ago
    s.deadlines_mark()
    late.refresh_from_db()
    assert late.colour == Colour.RED
    body = client_for("dispatcher").get("/queue/").content.decode()
    assert body.index(f'id="card-{late.number}"') < body.index(f'id="card-{soon.number}"')
    assert body.index(f'id="card-{soon.number}"') < body.index(f'id="card-{later.number}"')
    red = card(body, late.number)
    assert "colour-red" in red and "seriously overdue" in red
    assert "raised 3\xa0days ago" in red and "overdue by 2\xa0days" in red
    assert "due in" in card(body, later.number)
    # The counts above the cards: how many wait, how many are late.
    counts = re.search(r'<div class="counts" id="queue-counts">.*?</div>', body, re.S).group(0)
    assert re.search(r"<b>3</b><span>wait for a unit", counts)
    assert re.search(r"<b>1</b><span>seriously overdue", counts)


def test_the_queue_sorts_filters_and_pages(world, catalog, client_for, settings):
    client = client_for("dispatcher")
    cases = [noise(world, catalog) for _ in range(selectors.QUEUE_PAGE_SIZE + 2)]
    first = client.get("/queue/").content.decode()
    assert first.count('name="bulk-numbers"') == selectors.QUEUE_PAGE_SIZE
    assert 'rel="next"' in first and "22 requests wait" in first
    second = client.get("/queue/", {"page": 2}).content.decode()
    assert second.count('name="bulk-numbers"') == 2
    newest = client.get("/queue/", {"sort": "newest"}).content.decode()
    assert newest.index(cases[-1].number) < newest.index(cases[-2].number)
    oldest = client.get("/queue/", {"sort": "oldest"}).content.decode()
    assert oldest.index(cases[0].number) < oldest.index(cases[1].number)
    Case.objects.filter(pk=cases[5].pk).update(colour=Colour.YELLOW)
    yellow = client.get("/queue/", {"colour": "yellow"}).content.decode()
    assert yellow.count('name="bulk-numbers"') == 1 and cases[5].number in yellow
    assert client.get("/queue/", {"sort": "sideways"}).status_code == 400
    with pytest.raises(ValidationFailed):
        selectors.dispatch_queue(actor=world.people["dispatcher"], filters=selectors.CaseFilters(), sort="x")


# Dispatching several cases at once: the service -----------------------------------------------------


def test_a_dispatcher_sends_several_cases_to_one_unit(world, catalog):
    dispatcher = world.people["dispatcher"]
    unit = world.units["rc_a1a"]
    a, b = noise(world, catalog), noise(world, catalog)
    results = s.case_dispatch_many(
        actor=dispatcher, numbers=[a.number, b.number, a.number], unit=unit, note="先核实"
    )
    assert [(r.number, r.error) for r in results] == [(a.number, None), (b.number, None)]
    for case in (a, b):
        case.refresh_from_db()
        assert (case.state, case.lead_unit_id) == (State.DISPATCHED, unit.pk)
        event = AuditEvent.objects.get(action="cases.case.dispatched", object_id=str(case.pk))
        assert event.actor == dispatcher and event.changes["new"]["lead_unit"] == unit.pk


def test_a_case_that_cannot_go_is_refused_alone(world, catalog):
    dispatcher = world.people["dispatcher"]
    unit = world.units["rc_a1a"]
    waiting, taken = noise(world, catalog), noise(world, catalog)
    s.case_dispatch(actor=dispatcher, case=taken, unit=world.units["district_a_env"])
    results = s.case_dispatch_many(
        actor=dispatcher, numbers=[taken.number, "20990101999999", waiting.number], unit=unit
    )
    outcome = {r.number: (r.error.status if r.error else 200) for r in results}
    assert outcome == {taken.number: 409, "20990101999999": 404, waiting.number: 200}
    taken.refresh_from_db()
    waiting.refresh_from_db()
    assert taken.lead_unit == world.units["district_a_env"]  # untouched: dispatched already
    assert waiting.lead_unit == unit


def test_a_case_outside_the_dispatchers_areas_is_refused_and_kept_secret(world, catalog):
    street = t.PersonFactory.create(username="street_dispatcher")
    RoleAssignment.objects.create(person=street, unit=world.units["street_a1"], role=Role.DISPATCHER)
    mine, far = noise(world, catalog), noise(world, catalog, area="community_b1a")
    results = s.case_dispatch_many(
        actor=street, numbers=[far.number, mine.number], unit=world.units["rc_a1a"]
    )
    assert [(r.number, r.error.status if r.error else 200) for r in results] == [
        (far.number, 404),
        (mine.number, 200),
    ]
    far.refresh_from_db()
    assert far.state == State.SUBMITTED


def test_the_wrong_persona_or_unit_refuses_the_whole_call(world, catalog):
    case = noise(world, catalog)
    with pytest.raises(PermissionDenied):  # a handler dispatches nowhere
        s.case_dispatch_many(actor=world.people["handler"], numbers=[case.number], unit=world.units["rc_a1a"])
    street = t.PersonFactory.create(username="street_dispatcher")
    RoleAssignment.objects.create(person=street, unit=world.units["street_a1"], role=Role.DISPATCHER)
    with pytest.raises(PermissionDenied):  # a unit of another street
        s.case_dispatch_many(actor=street, numbers=[case.number], unit=world.units["rc_b1a"])
    with pytest.raises(ValidationFailed):
        s.case_dispatch_many(actor=world.people["dispatcher"], numbers=[" "], unit=world.units["rc_a1a"])
    with pytest.raises(ValidationFailed):
        s.case_dispatch_many(
            actor=world.people["dispatcher"], numbers=[str(n) for n in range(101)], unit=world.units["rc_a1a"]
        )
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not AuditEvent.objects.filter(action="cases.case.dispatched").exists()


# ... from the page ------------------------------------------------------------------------------------


def test_the_queue_page_dispatches_the_chosen_cards(world, catalog, client_for):
    client = client_for("dispatcher")
    unit = world.units["rc_a1a"]
    a, b, left = noise(world, catalog), noise(world, catalog), noise(world, catalog)
    taken = noise(world, catalog)
    s.case_dispatch(actor=world.people["dispatcher"], case=taken, unit=world.units["district_a_env"])
    picks = client.get("/queue/units/", {"q": "华一坡"}).content.decode()
    assert f'name="bulk-unit" value="{unit.pk}"' in picks
    response = client.post(
        "/queue/?sort=oldest",
        {"bulk-numbers": [a.number, b.number, taken.number], "bulk-unit": unit.pk, "bulk-note": "请核实"},
    )
    assert response.status_code == 302 and response["Location"] == "/queue/?sort=oldest"
    body = client.get(response["Location"]).content.decode()
    assert f"Sent to {unit.name}: {a.number}, {b.number}." in body
    assert f"{taken.number}: The case no longer waits for a unit: it is dispatched." in body
    assert left.number in body and f'id="card-{a.number}"' not in body
    assert Case.objects.filter(lead_unit=unit, state=State.DISPATCHED).count() == 2


def test_the_queue_page_refuses_a_bad_choice(world, catalog, client_for):
    case = noise(world, catalog)
    client = client_for("dispatcher")
    response = client.post("/queue/", {"bulk-numbers": [case.number]})  # no unit
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(
        "/queue/", {"bulk-numbers": [case.number], "bulk-unit": world.units["rc_a1a"].pk + 999}
    )
    assert response.status_code == 400 and "No such unit." in response.content.decode()
    assert client_for("handler").post("/queue/", {"bulk-numbers": [case.number]}).status_code == 403
    assert client_for("handler").get("/queue/units/", {"q": "华"}).status_code == 403
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


# ... and from the API ---------------------------------------------------------------------------------


def test_the_api_dispatches_several_cases_and_lists_the_refused(world, catalog, api_for):
    unit = world.units["rc_a1a"]
    a, taken = noise(world, catalog), noise(world, catalog)
    s.case_dispatch(actor=world.people["dispatcher"], case=taken, unit=world.units["district_a_env"])
    api = api_for("dispatcher")
    response = api.post("/api/v1/cases/dispatch", {"numbers": [a.number, taken.number], "unit_id": unit.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [d["number"] for d in body["dispatched"]] == [a.number]
    assert body["dispatched"][0]["lead_unit_id"] == unit.pk and body["dispatched"][0]["state"] == "dispatched"
    assert body["refused"] == [
        {
            "number": taken.number,
            "status": 409,
            "code": "conflict",
            "message": "The case no longer waits for a unit: it is dispatched.",
        }
    ]


def test_the_api_refuses_the_wrong_persona_and_bad_input(world, catalog, api_for):
    case = noise(world, catalog)
    unit = world.units["rc_a1a"]
    body = {"numbers": [case.number], "unit_id": unit.pk}
    assert api_for("handler").post("/api/v1/cases/dispatch", body).status_code == 403
    api = api_for("dispatcher")
    assert api.post("/api/v1/cases/dispatch", {"numbers": [], "unit_id": unit.pk}).status_code == 422
    assert api.post("/api/v1/cases/dispatch", {"numbers": [case.number]}).status_code == 422
    assert api.post("/api/v1/cases/dispatch", {**body, "unit_id": 999999}).status_code == 422
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    schema = api.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/cases/dispatch"]["post"]
    assert {"200", "403", "422"} <= set(operation["responses"])
