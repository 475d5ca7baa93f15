"""The classifier at intake: auto-routing when sure, the queue otherwise; corrections; retraining."""

from __future__ import annotations

import pytest

from needle import testing as t
from needle.cases.models import CaseEvent, EventKind, State
from needle.cases.presenters import event_text
from needle.cases.services import case_dispatch, case_reclassify
from needle.core.models import AuditEvent
from needle.intel.models import Correction, ModelVersion, Suggestion
from needle.intel.services import corrections_collect, model_retrain_if_due, model_train, training_examples
from needle.testing import NOISE, VAGUE, closed_history, texts_of

pytestmark = pytest.mark.django_db


def test_trained_model_is_active_with_metrics_and_routing_table(trained, world):
    assert trained.active and trained.trained_on == 90
    assert 0 < trained.threshold <= 1
    assert trained.metrics["macro_f1"] > 0.8
    community = world.areas["community_a1a"].path
    assert trained.units["noise"][community] == {str(world.units["rc_a1a"].pk): 30}
    event = AuditEvent.objects.get(action="intel.model.trained")
    assert event.area_path == ""  # a model covers no one area; its file name is no area path


def test_a_confident_case_without_rule_is_routed_automatically(
    trained, world, intel_catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the intake job triages
        case = t.submit(world, intel_catalog["noise"], description=NOISE, attributes={"when": "night"})
    case.refresh_from_db()
    assert case.state == State.DISPATCHED
    assert case.lead_unit == world.units["rc_a1a"]
    event = CaseEvent.objects.get(case=case, kind=EventKind.ROUTED)
    # Why, stored as a code and its parameters and worded in each reader's language.
    assert event.code == "routed_model" and event.params["unit"] == world.units["rc_a1a"].name
    assert "Routed automatically" in event_text(code=event.code, params=event.params, note=event.note)
    assert event.actor is None
    s = Suggestion.objects.get(case=case)
    assert s.auto_routed and s.services[0][0] == "noise" and s.services[0][1] >= trained.threshold
    assert s.unit == world.units["rc_a1a"]


def test_an_unsure_case_waits_in_the_queue_with_its_suggestions(
    trained, world, intel_catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the intake job triages
        case = t.submit(world, intel_catalog["noise"], description=VAGUE, attributes={"when": "day"})
    case.refresh_from_db()
    assert case.state == State.SUBMITTED and case.lead_unit is None
    s = Suggestion.objects.get(case=case)
    assert not s.auto_routed and len(s.services) == 3


def test_text_that_disagrees_with_the_chosen_service_is_not_routed(
    trained, world, intel_catalog, django_capture_on_commit_callbacks
):
    road_text = texts_of("road", 1, seed=7)[0]
    with django_capture_on_commit_callbacks(execute=True):  # the intake job triages
        case = t.submit(world, intel_catalog["noise"], description=road_text, attributes={"when": "day"})
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert Suggestion.objects.get(case=case).services[0][0] == "road"


def test_a_rule_routes_first_and_the_classifier_only_suggests(
    trained, world, intel_catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the intake job triages
        case = t.submit(world, intel_catalog["road"], description=texts_of("road", 1, seed=3)[0])
    case.refresh_from_db()
    assert case.lead_unit == world.units["district_a_env"]
    assert CaseEvent.objects.get(case=case, kind=EventKind.ROUTED).code == "routed_rule"
    assert not Suggestion.objects.get(case=case).auto_routed


def test_no_model_means_the_queue(world, intel_catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = t.submit(world, intel_catalog["noise"], description=NOISE, attributes={"when": "night"})
    case.refresh_from_db()
    assert case.state == State.SUBMITTED and not Suggestion.objects.filter(case=case).exists()


def test_an_unreadable_model_file_never_loses_the_request(
    trained, world, intel_catalog, settings, django_capture_on_commit_callbacks
):
    (settings.INTEL_MODEL_DIR / trained.path).write_bytes(b"not a model")
    from needle.intel import classifier

    classifier._loaded.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = t.submit(world, intel_catalog["noise"], description=NOISE, attributes={"when": "night"})
    case.refresh_from_db()
    assert case.pk and case.state == State.SUBMITTED


def test_triage_waits_for_commit_and_runs_once(
    trained, world, intel_catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as jobs:
        case = t.submit(world, intel_catalog["noise"], description=NOISE, attributes={"when": "night"})
    # Until the transaction commits, the request is stored and in the queue; nothing is enqueued.
    assert case.state == State.SUBMITTED and not Suggestion.objects.filter(case=case).exists()
    assert len(jobs) == 1
    jobs[0]()
    jobs[0]()  # a second run changes nothing
    case.refresh_from_db()
    assert case.state == State.DISPATCHED
    assert Suggestion.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ROUTED).count() == 1


def test_a_case_dispatched_before_triage_is_not_routed_again(
    trained, world, intel_catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as jobs:
        case = t.submit(world, intel_catalog["noise"], description=NOISE, attributes={"when": "night"})
    case_dispatch(actor=world.people["dispatcher"], case=case, unit=world.units["street_b1"])
    jobs[0]()
    case.refresh_from_db()
    assert case.lead_unit == world.units["street_b1"]
    assert not Suggestion.objects.get(case=case).auto_routed


def test_dispatcher_corrections_are_recorded_and_used_by_training(
    trained, world, intel_catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the intake job triages
        case = t.submit(world, intel_catalog["noise"], description=VAGUE, attributes={"when": "day"})
    suggestion = Suggestion.objects.get(case=case)
    dispatcher = world.people["dispatcher"]
    case_reclassify(actor=dispatcher, case=case, service=intel_catalog["light"])
    case.refresh_from_db()
    assert case.service == intel_catalog["light"]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.RECLASSIFIED).exists()
    case_dispatch(actor=dispatcher, case=case, unit=world.units["street_b1"])
    # The periodic job reads them from the audit log; a second run adds nothing.
    expected = {("unit", str(suggestion.unit_id or ""), str(world.units["street_b1"].pk))}
    if suggestion.services[0][0] != "light":
        expected.add(("service", suggestion.services[0][0], "light"))
    if not suggestion.unit_id:
        expected = {e for e in expected if e[0] != "unit"}
    assert corrections_collect() == len(expected) > 0
    assert corrections_collect() == 0
    corrections = Correction.objects.filter(case=case)
    assert {(c.kind, c.predicted, c.actual) for c in corrections} == expected
    assert all(c.actor == dispatcher and c.model == trained for c in corrections)
    # Once closed, the corrected service is what the next training learns.
    case.state = State.CLOSED
    case.save(update_fields=["state"])
    assert any(e.text.endswith(VAGUE) and e.service == "light" for e in training_examples())


def test_routings_by_rule_or_classifier_and_choices_before_triage_correct_nothing(
    trained, world, intel_catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as jobs:
        early = t.submit(world, intel_catalog["noise"], description=NOISE, attributes={"when": "night"})
    case_dispatch(actor=world.people["dispatcher"], case=early, unit=world.units["street_b1"])
    jobs[0]()  # triaged after the dispatcher chose: the classifier had said nothing yet
    with django_capture_on_commit_callbacks(execute=True):
        auto = t.submit(world, intel_catalog["noise"], description=NOISE, attributes={"when": "night"})
        ruled = t.submit(world, intel_catalog["road"], description=texts_of("road", 1, seed=3)[0])
    assert Suggestion.objects.get(case=auto).auto_routed and Suggestion.objects.filter(case=ruled).exists()
    assert corrections_collect() == 0 and not Correction.objects.exists()


def test_the_nightly_retraining_reads_corrections_its_job_missed(
    trained, world, intel_catalog, settings, django_capture_on_commit_callbacks
):
    settings.INTEL_RETRAIN_MIN = 10**6  # not due: only the corrections are read
    with django_capture_on_commit_callbacks(execute=True):
        case = t.submit(world, intel_catalog["noise"], description=NOISE, attributes={"when": "night"})
    assert Suggestion.objects.get(case=case).unit == world.units["rc_a1a"]
    case_dispatch(actor=world.people["dispatcher"], case=case, unit=world.units["street_b1"])
    assert model_retrain_if_due() is None
    assert Correction.objects.get(case=case).actual == str(world.units["street_b1"].pk)


def test_reclassify_needs_dispatch_permission(trained, world, intel_catalog):
    from needle.core.errors import PermissionDenied

    case = t.submit(world, intel_catalog["noise"], description=VAGUE, attributes={"when": "day"})
    with pytest.raises(PermissionDenied):
        case_reclassify(actor=world.people["handler"], case=case, service=intel_catalog["light"])


def test_retraining_keeps_the_new_model_only_when_it_is_not_worse(trained, world, intel_catalog):
    again = model_train(actor=None)
    assert again.active and again.comparison["kept"]
    assert ModelVersion.objects.filter(active=True).count() == 1
    # A model trained on scrambled labels loses on the held-back cases and stays inactive.
    examples = training_examples()
    services = [e.service for e in examples]
    scrambled = [
        type(e)(e.text, services[(i * 7 + 3) % len(services)], e.area_path, e.unit_id, e.at)
        for i, e in enumerate(examples)
    ]
    # Keep the held-back (newest) fifth honest: only the older part is scrambled.
    cut = int(len(examples) * 0.8)
    worse = model_train(actor=None, examples=scrambled[:cut] + list(examples[cut:]))
    assert not worse.active and worse.comparison["kept"] is False
    assert ModelVersion.objects.get(active=True) == again


def test_training_needs_permission(world, intel_catalog, tmp_path, settings):
    from needle.core.errors import PermissionDenied

    settings.INTEL_MODEL_DIR = tmp_path
    closed_history(world, intel_catalog, per_kind=10)
    with pytest.raises(PermissionDenied):
        model_train(actor=world.people["dispatcher"])


def test_a_model_trained_on_a_labelled_file_is_registered_and_suggests(world, intel_catalog, tmp_path):
    from django.core.management import call_command

    from needle.intel import textmodel
    from needle.intel.selectors import service_guesses

    model = textmodel.train(texts_of("noise", 12) + texts_of("light", 12), ["噪音"] * 12 + ["照明"] * 12)
    textmodel.save(model, tmp_path / "cold.joblib")
    call_command("intel", "register", str(tmp_path / "cold.joblib"))
    version = ModelVersion.objects.get(active=True)
    assert version.source == ModelVersion.Source.CSV and version.trained_on == 24
    assert AuditEvent.objects.get(action="intel.model.registered").area_path == ""
    # Labels that are not service codes are suggested as they are, with nothing to pick.
    guesses = service_guesses(text=NOISE)
    assert guesses[0].label == "噪音" and guesses[0].service is None
    not_a_model = tmp_path / "bad.joblib"
    not_a_model.write_bytes(b"nonsense")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("intel", "register", str(not_a_model))
