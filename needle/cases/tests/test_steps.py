"""The hotline's steps beside dispatch-to-closure, through their services: the direct answer,
the resident's withdrawal and additions, holds with the clock stopped, extensions, and a
called-in unit's answer. Each with the persona who may and one who may not, the state it may
not start from, and its timeline entry, audit event and notification."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from needle import testing as t
from needle.cases import services as s
from needle.cases.deadlines import colour_for
from needle.cases.models import Case, CaseEvent, Channel, EventKind, Extension, Service, State
from needle.cases.selectors import public_cases, public_updates, timeline_for
from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.notify.models import Notification


def audited(case: Case, action: str) -> AuditEvent:
    return AuditEvent.objects.get(object_id=str(case.pk), action=f"cases.case.{action}")


def told(person: Any, verb: str) -> Notification:
    return Notification.objects.get(recipient=person, verb=verb)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, format="PNG")
    return out.getvalue()


def working(world: t.World, catalog: dict[str, Any], *, hold: bool = True) -> Case:
    """A road case (routed by rule to district A's environment department) in progress; the
    catalog lets its service be put on hold unless `hold` is false."""
    Service.objects.filter(pk=catalog["road"].pk).update(suspendable=hold)
    handler = world.people["handler"]
    case = t.submit(world, Service.objects.get(pk=catalog["road"].pk))
    case = s.case_accept(actor=handler, case=case)
    return s.case_start(actor=handler, case=case)


def held_since(case: Case, hours: float) -> Case:
    """Put the case's hold back in time (as if held for `hours` already)."""
    Case.objects.filter(pk=case.pk).update(suspended_at=timezone.now() - dt.timedelta(hours=hours))
    case.refresh_from_db()
    return case


# The direct answer ------------------------------------------------------------------------------


def test_a_dispatcher_answers_a_question_from_the_queue(world, catalog):
    case = t.submit(world, catalog["noise"], attributes={"when": "day"})
    case = s.case_answer(
        actor=world.people["dispatcher"], case=case, answer="夜间施工需经审批，可拨打城管热线。"
    )
    assert case.state == State.ANSWERED and case.lead_unit is None
    assert case.accepted_at == case.resolved_at == case.closed_at is not None
    event = case.events.get(kind=EventKind.ANSWERED)
    assert event.public and event.note.startswith("夜间施工") and event.from_state == State.SUBMITTED
    assert audited(case, "answered").changes["new"]["state"] == State.ANSWERED
    note = told(world.people["resident"], "case.answered")
    assert "夜间施工" in note.text and note.link == f"/track/{case.tracking_token}/"


@pytest.mark.parametrize("persona", ["handler", "supervisor", "outsider"])
def test_only_dispatchers_and_intake_staff_answer(world, catalog, persona):
    case = t.submit(world, catalog["noise"], attributes={"when": "day"})
    with pytest.raises(PermissionDenied) as refused:
        s.case_answer(actor=world.people[persona], case=case, answer="答复")
    assert refused.value.status == 403
    # Community staff take calls for their community, and may answer them.
    assert s.case_answer(actor=world.people["staff"], case=case, answer="答复").state == State.ANSWERED


def test_a_case_with_a_unit_is_not_answered_directly(world, catalog):
    case = t.submit(world, catalog["road"])  # routed by rule
    with pytest.raises(Conflict) as refused:
        s.case_answer(actor=world.people["dispatcher"], case=case, answer="答复")
    assert refused.value.status == 409 and refused.value.extra["state"] == State.DISPATCHED
    with pytest.raises(ValidationFailed) as empty:
        s.case_answer(actor=world.people["dispatcher"], case=t.submit(world, catalog["private"]), answer=" ")
    assert "answer" in empty.value.fields


def test_a_call_answered_at_intake_goes_to_no_unit(world, catalog):
    case = t.submit(
        world, catalog["road"], reporter="staff", channel=Channel.PHONE, answer="已告知修路计划：下周施工。"
    )
    assert case.state == State.ANSWERED and case.lead_unit is None
    # The routing rule of the service is not applied: nothing to send anywhere.
    assert list(case.events.values_list("kind", flat=True)) == ["submitted", "answered"]
    with pytest.raises(ValidationFailed) as web:
        t.submit(world, catalog["road"], answer="我自己答复")
    assert "answer" in web.value.fields
    assert Case.objects.count() == 1


# Withdrawal and additions ---------------------------------------------------------------------------


def test_the_reporter_withdraws_an_open_request(world, catalog):
    case = t.submit(world, catalog["road"])
    case = s.case_withdraw(actor=world.people["resident"], case=case, reason="已经修好了")
    assert case.state == State.WITHDRAWN and case.closed_at is not None
    event = case.events.get(kind=EventKind.WITHDRAWN)
    assert event.public and event.note == "已经修好了" and event.code == ""
    assert audited(case, "withdrawn").changes["new"]["by_resident"] is True
    told(world.people["handler"], "case.withdrawn")
    # Taken back, it leaves the public surfaces.
    assert not public_cases().filter(pk=case.pk).exists()
    assert not public_updates().filter(case=case).exists()


def test_the_tracking_link_withdraws_and_a_wrong_link_says_nothing(world, catalog):
    case = t.submit(world, catalog["road"], reporter=None)
    with pytest.raises(NotFound):
        s.case_withdraw(actor=None, case=case, tracking_token="not-the-token")
    case = s.case_withdraw(actor=None, case=case, tracking_token=case.tracking_token)
    assert case.state == State.WITHDRAWN and case.events.get(kind=EventKind.WITHDRAWN).actor is None


def test_a_dispatcher_records_a_withdrawal_asked_on_the_phone(world, catalog):
    case = t.submit(world, catalog["road"])
    for persona in ("handler", "supervisor", "outsider"):
        with pytest.raises(PermissionDenied):
            s.case_withdraw(actor=world.people[persona], case=case)
    case = s.case_withdraw(actor=world.people["dispatcher"], case=case, reason="来电要求撤回")
    assert case.events.get(kind=EventKind.WITHDRAWN).code == "on_behalf"
    assert audited(case, "withdrawn").changes["new"]["by_resident"] is False
    told(world.people["resident"], "case.withdrawn")


def test_nothing_is_merged_into_a_withdrawn_request(world, catalog):
    withdrawn = s.case_withdraw(actor=world.people["resident"], case=t.submit(world, catalog["road"]))
    duplicate = t.submit(world, catalog["road"], reporter="member")
    with pytest.raises(Conflict) as refused:
        s.case_merge(actor=world.people["dispatcher"], case=duplicate, parent=withdrawn)
    assert refused.value.extra["state"] == State.WITHDRAWN


def test_a_resolved_request_is_not_withdrawn(world, catalog):
    case = working(world, catalog)
    case = s.case_resolve(actor=world.people["handler"], case=case, note="已修好")
    with pytest.raises(Conflict) as refused:
        s.case_withdraw(actor=world.people["resident"], case=case)
    assert refused.value.extra["state"] == State.RESOLVED


def test_the_reporter_adds_information_and_photos(world, catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = t.submit(world, catalog["road"])
    event = s.case_add_info(
        actor=None, case=case, note="晚上更危险", photos=[png()], tracking_token=case.tracking_token
    )
    assert event.kind == EventKind.INFO_ADDED and event.public and event.photos.count() == 1
    assert audited(case, "info_added").changes["new"] == {"characters": 5, "photos": 1}
    told(world.people["handler"], "case.info_added")
    # The resident's words: on their own timeline and for staff, never on Open311.
    assert [e.note for e in timeline_for(actor=None, case=case).entries if e.kind == "info_added"] == [
        "晚上更危险"
    ]
    assert not public_updates().filter(kind=EventKind.INFO_ADDED).exists()


def test_a_merged_duplicates_reporter_does_not_read_the_parents_additions(world, catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    parent = t.submit(world, catalog["road"])
    s.case_add_info(actor=world.people["resident"], case=parent, note="我家门牌号是12号", photos=[png()])
    duplicate = t.submit(world, catalog["road"], reporter="member")
    s.case_merge(actor=world.people["dispatcher"], case=duplicate, parent=parent)
    entries = timeline_for(actor=None, case=parent, tracked=duplicate).entries
    added = [e for e in entries if e.kind == EventKind.INFO_ADDED]
    assert added and added[0].note == "" and added[0].photos == []


@pytest.mark.parametrize("persona", ["handler", "dispatcher", "outsider"])
def test_only_the_resident_adds_to_their_request(world, catalog, persona):
    case = t.submit(world, catalog["road"])
    with pytest.raises(NotFound):
        s.case_add_info(actor=world.people[persona], case=case, note="补充")


def test_additions_need_an_open_request_and_some_content_and_have_a_limit(world, catalog, monkeypatch):
    resident = world.people["resident"]
    case = t.submit(world, catalog["road"])
    with pytest.raises(ValidationFailed) as empty:
        s.case_add_info(actor=resident, case=case, note="  ")
    assert "note" in empty.value.fields
    monkeypatch.setattr("needle.cases.services.resident.MAX_ADDITIONS", 2)
    s.case_add_info(actor=resident, case=case, note="一")
    s.case_add_info(actor=resident, case=case, note="二")
    with pytest.raises(Conflict):
        s.case_add_info(actor=resident, case=case, note="三")
    rejected = s.case_reject(
        actor=world.people["dispatcher"], case=t.submit(world, catalog["road"]), reason="重复"
    )
    with pytest.raises(Conflict) as refused:
        s.case_add_info(actor=resident, case=rejected, note="补充")
    assert refused.value.status == 409


# On hold: the clock stopped ------------------------------------------------------------------------


def test_the_lead_unit_puts_a_case_on_hold_and_the_resident_is_told(world, catalog):
    case = s.case_suspend(
        actor=world.people["handler"], case=working(world, catalog), reason="等待供暖季结束"
    )
    assert case.state == State.SUSPENDED and case.suspended_at is not None
    event = case.events.get(kind=EventKind.SUSPENDED)
    assert event.public and event.note == "等待供暖季结束" and event.from_state == State.IN_PROGRESS
    audited(case, "suspended")
    assert "等待供暖季结束" in told(world.people["resident"], "case.suspended").text


@pytest.mark.parametrize("persona", ["dispatcher", "supervisor", "staff"])
def test_only_the_lead_unit_puts_a_case_on_hold(world, catalog, persona):
    with pytest.raises(PermissionDenied):
        s.case_suspend(actor=world.people[persona], case=working(world, catalog), reason="等待")


def test_a_hold_needs_a_reason_and_a_case_being_worked_on(world, catalog):
    handler = world.people["handler"]
    with pytest.raises(ValidationFailed) as empty:
        s.case_suspend(actor=handler, case=working(world, catalog), reason="")
    assert "reason" in empty.value.fields
    Service.objects.filter(pk=catalog["road"].pk).update(suspendable=True)
    with pytest.raises(Conflict) as refused:
        s.case_suspend(actor=handler, case=t.submit(world, catalog["road"]), reason="等待")
    assert refused.value.extra["state"] == State.DISPATCHED


def test_the_clock_stops_on_hold_and_the_deadline_moves_on_by_the_time_held(world, catalog):
    handler = world.people["handler"]
    case = s.case_suspend(actor=handler, case=working(world, catalog), reason="等待")
    due = case.resolve_due_at
    # Long past the deadline the colour job leaves a case on hold alone.
    assert s.deadlines_mark(now=timezone.now() + dt.timedelta(days=30)) == 0
    case.refresh_from_db()
    assert case.colour == "" and not case.events.filter(kind=EventKind.COLOUR).exists()
    case = s.case_resume(actor=handler, case=held_since(case, 10))
    assert case.state == State.IN_PROGRESS and case.suspended_at is None
    assert 10 * 3600 <= case.paused_seconds < 10 * 3600 + 60
    assert case.resolve_due_at - due == dt.timedelta(seconds=case.paused_seconds)
    event = case.events.get(kind=EventKind.RESUMED)
    assert event.code == "resumed" and event.params["paused"] == case.paused_seconds
    assert audited(case, "resumed").changes["new"]["held_seconds"] == case.paused_seconds
    # The handler who resumed is not told of it; the resident is.
    assert not Notification.objects.filter(recipient=handler, verb="case.resumed").exists()
    told(world.people["resident"], "case.resumed")


def test_colours_count_only_the_time_the_clock_ran():
    submitted = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    held = 3 * 86400
    due = submitted + dt.timedelta(days=7, seconds=held)  # a 7-day case, held 3 days
    at = submitted + dt.timedelta(days=8)  # 5 days of clock: 71% of the window
    assert colour_for(now=at, submitted_at=submitted, resolve_due_at=due, paused_seconds=held) == ""
    at = submitted + dt.timedelta(days=8, hours=6)  # 5.25 days of clock: 75%
    assert colour_for(now=at, submitted_at=submitted, resolve_due_at=due, paused_seconds=held) == "blue"
    at = due + dt.timedelta(days=3.5)  # half the 7-day window late
    assert colour_for(now=at, submitted_at=submitted, resolve_due_at=due, paused_seconds=held) == "red"


def test_a_dispatcher_or_supervisor_may_end_a_hold_others_may_not(world, catalog):
    handler = world.people["handler"]
    case = s.case_suspend(actor=handler, case=working(world, catalog), reason="等待")
    for persona in ("staff", "outsider", "other_supervisor"):
        with pytest.raises(PermissionDenied):
            s.case_resume(actor=world.people[persona], case=case)
    s.case_resume(actor=world.people["supervisor"], case=case, note="不应再等待")
    told(handler, "case.resumed")
    with pytest.raises(Conflict):
        s.case_resume(actor=world.people["dispatcher"], case=case)


def test_withdrawing_a_case_on_hold_ends_the_hold(world, catalog):
    case = s.case_suspend(actor=world.people["handler"], case=working(world, catalog), reason="等待")
    case = s.case_withdraw(actor=world.people["resident"], case=held_since(case, 2))
    assert case.state == State.WITHDRAWN and case.suspended_at is None and case.paused_seconds >= 7200


# Extensions --------------------------------------------------------------------------------------


def ask(world: t.World, case: Case, days: int = 5) -> Extension:
    return s.case_extension_request(
        actor=world.people["handler"],
        case=case,
        due=case.resolve_due_at + dt.timedelta(days=days),
        reason="需第三方检测",
    )


def test_the_lead_unit_asks_for_more_time_and_the_dispatchers_are_told(world, catalog):
    case = working(world, catalog)
    extension = ask(world, case)
    assert extension.status == Extension.Status.PENDING and extension.old_due == case.resolve_due_at
    event = case.events.get(kind=EventKind.EXTENSION_ASKED)
    assert not event.public and event.code == "extension_asked" and event.note == "需第三方检测"
    audited(case, "extension_requested")
    told(world.people["dispatcher"], "case.extension_requested")
    assert not Notification.objects.filter(
        verb="case.extension_requested", recipient=world.people["supervisor"]
    )
    with pytest.raises(Conflict):
        ask(world, case)


def test_only_the_lead_unit_asks_and_for_a_later_deadline(world, catalog):
    case = working(world, catalog)
    with pytest.raises(PermissionDenied):
        s.case_extension_request(
            actor=world.people["dispatcher"],
            case=case,
            due=case.resolve_due_at + dt.timedelta(days=1),
            reason="x",
        )
    with pytest.raises(ValidationFailed) as early:
        s.case_extension_request(
            actor=world.people["handler"],
            case=case,
            due=case.resolve_due_at - dt.timedelta(hours=1),
            reason="",
        )
    assert set(early.value.fields) == {"due", "reason"}
    with pytest.raises(Conflict):
        ask(world, t.submit(world, catalog["road"]))  # dispatched: not yet the unit's


def test_a_dispatcher_grants_the_extension_and_the_case_is_recoloured(world, catalog):
    case = working(world, catalog)
    extension = ask(world, case, days=10)
    Case.objects.filter(pk=case.pk).update(colour="yellow")
    case.refresh_from_db()
    for persona in ("handler", "supervisor", "other_supervisor"):
        with pytest.raises(PermissionDenied):
            s.case_extension_decide(actor=world.people[persona], case=case, grant=True)
    extension = s.case_extension_decide(actor=world.people["dispatcher"], case=case, grant=True, note="同意")
    case.refresh_from_db()
    assert extension.status == Extension.Status.GRANTED and extension.decided_by == world.people["dispatcher"]
    assert case.resolve_due_at == extension.requested_due == extension.granted_due
    assert case.colour == "" and case.events.filter(kind=EventKind.COLOUR, params={"colour": ""}).exists()
    event = case.events.get(kind=EventKind.EXTENSION_GRANTED)
    assert event.public and event.params["due"] == extension.granted_due.isoformat()
    audited(case, "extension_granted")
    told(world.people["handler"], "case.extension_decided")
    with pytest.raises(Conflict):  # nothing waits any more
        s.case_extension_decide(actor=world.people["dispatcher"], case=case, grant=True)


def test_a_refusal_says_why_and_leaves_the_deadline(world, catalog):
    case = working(world, catalog)
    due = case.resolve_due_at
    ask(world, case)
    with pytest.raises(ValidationFailed) as silent:
        s.case_extension_decide(actor=world.people["dispatcher"], case=case, grant=False)
    assert "note" in silent.value.fields
    extension = s.case_extension_decide(
        actor=world.people["dispatcher"], case=case, grant=False, note="可先行处置"
    )
    case.refresh_from_db()
    assert extension.status == Extension.Status.REFUSED and case.resolve_due_at == due
    assert not case.events.get(kind=EventKind.EXTENSION_REFUSED).public


def test_a_pending_extension_lapses_when_the_case_leaves_the_units_hands(world, catalog):
    case = working(world, catalog)
    ask(world, case)
    case = s.case_resolve(actor=world.people["handler"], case=case, note="已修好")
    assert Extension.objects.get(case=case).status == Extension.Status.LAPSED
    moved = working(world, catalog)
    ask(world, moved)
    s.case_dispatch(actor=world.people["dispatcher"], case=moved, unit=world.units["street_a1"])
    assert Extension.objects.get(case=moved).status == Extension.Status.LAPSED


def test_a_correction_of_the_service_keeps_the_time_held_and_the_extension(world, catalog):
    handler, dispatcher = world.people["handler"], world.people["dispatcher"]
    case = s.case_suspend(actor=handler, case=working(world, catalog), reason="等待")
    case = s.case_resume(actor=handler, case=held_since(case, 24))
    base = case.submitted_at + dt.timedelta(hours=catalog["road"].resolve_hours)
    assert case.resolve_due_at == base + dt.timedelta(seconds=case.paused_seconds)
    ask(world, case, days=30)
    granted = s.case_extension_decide(actor=dispatcher, case=case, grant=True).granted_due
    case = s.case_reclassify(actor=dispatcher, case=case, service=catalog["private"])
    assert case.resolve_due_at == granted
    event = case.events.get(kind=EventKind.RECLASSIFIED)
    assert event.params["old"]["code"] == "road" and event.params["new"]["name_en"] == "Family dispute"


# A called-in unit's answer -------------------------------------------------------------------------


def test_a_called_in_units_answer_is_told_to_the_lead_unit(world, catalog):
    case = working(world, catalog)
    s.case_whistle(actor=world.people["supervisor"], case=case, units=[world.units["rc_a1a"]])
    assist = case.assists.get()
    with pytest.raises(PermissionDenied):
        s.assist_respond(actor=world.people["handler"], assist=assist, note="我们来")
    s.assist_respond(actor=world.people["staff"], assist=assist, note="明早到现场")
    assert CaseEvent.objects.get(case=case, kind=EventKind.RESPONDED).note == "明早到现场"
    assert "明早到现场" in told(world.people["handler"], "case.responded").text
