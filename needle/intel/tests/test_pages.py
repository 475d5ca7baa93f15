"""The classifier on the pages: the intake form's suggestions, the queue line, the case panel,
the dispatcher's correction, the model versions, and the REST API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from needle import testing as t
from needle.cases.models import State
from needle.cases.selectors import service_search
from needle.intel.models import Correction
from needle.intel.services import corrections_collect
from needle.testing import NOISE, VAGUE

pytestmark = pytest.mark.django_db


def test_intake_suggestions_show_the_top_services(trained, client, world):
    r = client.post("/intel/suggest/", {"description": NOISE})
    body = r.content.decode()
    assert r.status_code == 200
    assert 'data-pick-service="noise"' in body and body.count("data-pick-service=") == 3


def test_the_report_form_asks_for_suggestions(client):
    body = client.get("/report/").content.decode()
    assert 'id="intel-suggest"' in body and "/intel/suggest/" in body


def test_queue_and_case_page_show_what_the_classifier_says(trained, world, intel_catalog, client_for):
    case = t.submit(world, intel_catalog["noise"], description=VAGUE, attributes={"when": "day"})
    dispatcher = client_for("dispatcher")
    queue = dispatcher.get("/queue/").content.decode()
    assert f"/intel/cases/{case.number}/?compact=1" in queue
    line = dispatcher.get(f"/intel/cases/{case.number}/?compact=1").content.decode()
    assert 'class="intel-line' in line and "%" in line
    panel = dispatcher.get(f"/intel/cases/{case.number}/").content.decode()
    assert 'id="intel-panel"' in panel and f"/intel/cases/{case.number}/reclassify/" in panel
    # A supervisor of another street cannot see the case at all: it is hidden, not refused.
    assert client_for("other_supervisor").get(f"/intel/cases/{case.number}/").status_code == 404


def test_the_dispatcher_corrects_the_service_on_the_page(
    trained, world, intel_catalog, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the intake job triages
        case = t.submit(world, intel_catalog["noise"], description=VAGUE, attributes={"when": "day"})
    dispatcher = client_for("dispatcher")
    r = dispatcher.post(
        f"/intel/cases/{case.number}/reclassify/",
        {"service": intel_catalog["light"].pk, "version": case.version},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.service == intel_catalog["light"] and case.state == State.SUBMITTED
    predicted_light = case.suggestion.services[0][0] == "light"
    corrections_collect()
    assert Correction.objects.filter(case=case, kind="service").exists() is not predicted_light
    stale = dispatcher.post(
        f"/intel/cases/{case.number}/reclassify/", {"service": intel_catalog["road"].pk, "version": 1}
    )
    assert stale.status_code == 302
    case.refresh_from_db()
    assert case.service == intel_catalog["light"]  # the stale version was refused


def test_models_page_lists_versions(trained, client_for):
    body = client_for("city_admin").get("/intel/models/").content.decode()
    assert trained.version in body
    assert client_for("resident").get("/intel/models/").status_code == 403


def test_api_suggestion_and_auto_routing(
    trained, world, intel_catalog, api_for, django_capture_on_commit_callbacks
):
    api = api_for("resident")

    def file(description, when):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(
                "/api/v1/cases",
                {
                    "service_code": "noise",
                    "description": description,
                    "area_code": world.areas["community_a1a"].code,
                    "attributes": {"when": when},
                },
            )

    sure = file(NOISE, "night")
    # Triage follows intake in a job: the answer says "submitted", the case is then routed.
    assert sure.status_code == 201, sure.content
    assert sure.json()["state"] == "submitted"
    routed = api.get(f"/api/v1/cases/{sure.json()['number']}").json()
    assert routed["state"] == "dispatched" and routed["lead_unit_id"] == world.units["rc_a1a"].pk
    unsure = file(VAGUE, "day")
    assert unsure.status_code == 201 and unsure.json()["state"] == "submitted"
    dispatcher = api_for("dispatcher")
    s = dispatcher.get(f"/api/v1/intel/cases/{sure.json()['number']}/suggestion").json()
    assert (
        s["auto_routed"]
        and s["services"][0]["service_code"] == "noise"
        and s["unit_id"] == world.units["rc_a1a"].pk
    )
    fixed = dispatcher.post(
        f"/api/v1/intel/cases/{unsure.json()['number']}/reclassify", {"service_code": "light"}
    )
    assert fixed.status_code == 200
    assert (
        dispatcher.post(
            f"/api/v1/intel/cases/{unsure.json()['number']}/reclassify", {"service_code": "light"}
        ).status_code
        == 409
    )
    # The resident sees their own case but may not correct its service.
    assert (
        api.post(
            f"/api/v1/intel/cases/{unsure.json()['number']}/reclassify", {"service_code": "road"}
        ).status_code
        == 403
    )


def test_suggestions_are_rationed_per_client(client, settings):
    settings.INTEL_SUGGEST_PER_MINUTE = 3
    answers = [client.post("/intel/suggest/", {"description": "路灯坏了"}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    r = client.get("/api/v1/intel/suggest", {"text": "路灯坏了"})
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "too_many_requests" and r.json()["error"]["retry_after"] > 0
    # Another client (another address) has its own budget.
    assert client.post("/intel/suggest/", {"description": "路灯"}, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_the_service_search_weighs_what_the_classifier_says(trained, client):
    """NOISE names no word of the catalog: the classifier alone finds its service, on the
    report form's search and in the API's catalog alike."""
    hits = service_search(actor=AnonymousUser(), text=NOISE)
    assert hits[0].service.code == "noise" and hits[0].matched == ""
    body = client.get("/report/services/", {"service_q": NOISE}).content.decode()
    assert body.index('value="noise"') < body.index("</ol>")
    assert client.get("/api/v1/catalog", {"search": NOISE}).json()[0]["code"] == "noise"
    # A word of the catalog still counts: the light service's name wins over the guesses.
    assert service_search(actor=AnonymousUser(), text="路灯不亮")[0].service.code == "light"
