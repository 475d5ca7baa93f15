"""Which units a move may reach is the service's rule: the page and the API, given the same
persona and input, get the same outcome and the same message."""

import html

import pytest
from django.test import Client

from needle.cases import services as s
from needle.cases.models import Case, State
from needle.core.errors import PermissionDenied, ValidationFailed
from needle.orgs.models import Person, Role, RoleAssignment
from needle.testing import ApiClient, submit


@pytest.fixture(autouse=True)
def pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def a_dispatcher_who_views_b(world):
    """Dispatches in district A; also sees district B's cases (a viewer on its street)."""
    person = Person.objects.create_user(username="dispatcher_ab", password="secret-pass-123")
    RoleAssignment.objects.create(person=person, unit=world.units["district_a_go"], role=Role.DISPATCHER)
    RoleAssignment.objects.create(person=person, unit=world.units["street_b1"], role=Role.VIEWER)
    return person


def on_page(response):
    return html.unescape(response.content.decode())


def both(world, person, case, action, form, body):
    """POST one move through the page and through the API as the same person."""
    page = Client()
    page.force_login(person)
    version = Case.objects.get(pk=case.pk).version
    form = {f"{action}-{k}": v for k, v in {**form, "version": version}.items()}
    via_page = page.post(f"/cases/{case.number}/{action}/", form)
    via_api = ApiClient(person).post(f"/api/v1/cases/{case.number}/{action}", body)
    return via_page, via_api


def test_a_dispatcher_cannot_send_a_case_to_a_unit_outside_their_dispatch_areas(
    world, catalog, a_dispatcher_who_views_b
):
    case = submit(world, catalog["noise"], attributes={"when": "night"})
    outside = world.units["rc_b1a"]
    with pytest.raises(PermissionDenied):
        s.case_dispatch(actor=a_dispatcher_who_views_b, case=case, unit=outside)
    via_page, via_api = both(
        world, a_dispatcher_who_views_b, case, "dispatch", {"unit": outside.pk}, {"unit_id": outside.pk}
    )
    message = "This unit is outside the areas you dispatch to."
    assert via_page.status_code == via_api.status_code == 403
    assert message in on_page(via_page)
    assert via_api.json()["error"]["fields"] == {"unit": message}
    case.refresh_from_db()
    assert case.state == State.SUBMITTED and case.lead_unit is None


def test_a_unit_in_the_dispatch_areas_is_reached_from_the_page_and_the_api(
    world, catalog, a_dispatcher_who_views_b
):
    first = submit(world, catalog["noise"], attributes={"when": "night"})
    second = submit(world, catalog["noise"], attributes={"when": "night"})
    inside = world.units["rc_a1a"]
    page = Client()
    page.force_login(a_dispatcher_who_views_b)
    via_page = page.post(
        f"/cases/{first.number}/dispatch/", {"dispatch-unit": inside.pk, "dispatch-version": first.version}
    )
    via_api = ApiClient(a_dispatcher_who_views_b).post(
        f"/api/v1/cases/{second.number}/dispatch", {"unit_id": inside.pk}
    )
    assert via_page.status_code == 302 and via_api.status_code == 200
    assert {c.lead_unit for c in Case.objects.filter(pk__in=[first.pk, second.pk])} == {inside}


def test_a_unit_that_does_not_exist_is_named_the_same_way(world, catalog):
    case = submit(world, catalog["noise"], attributes={"when": "night"})
    via_page, via_api = both(
        world, world.people["dispatcher"], case, "dispatch", {"unit": 999999}, {"unit_id": 999999}
    )
    assert via_page.status_code == 400 and via_api.status_code == 422
    assert "No such unit." in on_page(via_page) and via_api.json()["error"]["fields"] == {
        "unit": "No such unit."
    }


def test_a_street_calls_in_only_units_that_serve_the_case_place(world, catalog):
    case = submit(world, catalog["road"])  # routed to district A's environment department
    supervisor = world.people["supervisor"]
    with pytest.raises(ValidationFailed) as refused:
        s.case_whistle(actor=supervisor, case=case, units=[world.units["rc_b1a"]])
    message = "Call in units that serve this case's place."
    assert refused.value.fields == {"units": message}
    outside = world.units["rc_b1a"].pk
    via_page, via_api = both(
        world,
        supervisor,
        case,
        "whistle",
        {"units": [outside], "hours": 4},
        {"unit_ids": [outside], "hours": 4},
    )
    # A page answers a refused form with 400, the API with 422: the same refusal, one message.
    assert (via_page.status_code, via_api.status_code) == (400, 422)
    assert message in on_page(via_page)
    assert via_api.json()["error"]["fields"] == {"units": message}
    assert not case.assists.exists()
    inside = world.units["district_a_go"].pk
    via_page, via_api = both(
        world,
        supervisor,
        case,
        "whistle",
        {"units": [inside], "hours": 4},
        {"unit_ids": [inside], "hours": 4},
    )
    assert via_page.status_code == 302 and via_api.status_code == 200
    assert list(case.assists.values_list("unit_id", flat=True)) == [inside]
