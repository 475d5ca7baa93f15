"""Consultation on drafts (征求意见): the district's general office asks its streets (or
communities) for their opinion; each write is tried by the right persona and the wrong ones
(general office staff, department handler, street supervisor, community staff, outsider)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from needle.core.audit import AuditEvent
from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.notify.models import Notification
from needle.orgs.models import UnitType
from needle.supervision import tasks
from needle.supervision.models import Consultation, ConsultationReply, ConsultationState, Refusal, Target
from needle.supervision.selectors.consultation import (
    access_consultation,
    consultation_inbox,
    consultation_view,
    consultations_issued,
)
from needle.supervision.selectors.tasks import supervision_today
from needle.supervision.services import consultation as svc
from needle.supervision.services import notices
from needle.testing import World

TODAY = timezone.localdate()
URL = "/api/v1/supervision/consultations"


def open_(w: World, persona: str = "office", issuer: str = "district_a_go", **kw: Any) -> Consultation:
    return svc.consultation_open(
        actor=w.people[persona],
        issuer=w.units[issuer],
        title=kw.pop("title", "Draft rules on community meeting rooms"),
        body=kw.pop("body", "Article 1. Rooms are open to residents every day."),
        deadline=kw.pop("deadline", TODAY + dt.timedelta(days=10)),
        targets=kw.pop(
            "targets", [{"area": w.areas["district_a"].code, "unit_type": UnitType.STREET_OFFICE}]
        ),
    )


def body(w: World, **kw: Any) -> dict[str, Any]:
    return {
        "issuer": w.units["district_a_go"].pk,
        "title": "Draft rules",
        "body": "Article 1.",
        "deadline": (TODAY + dt.timedelta(days=10)).isoformat(),
        "targets": [{"area": w.areas["district_a"].code, "unit_type": UnitType.STREET_OFFICE}],
        **kw,
    }


def reply(w: World, c: Consultation, persona: str = "supervisor", **kw: Any) -> ConsultationReply:
    return svc.consultation_reply(
        actor=w.people[persona], consultation_id=c.pk, stance=kw.pop("stance", "agree"), **kw
    )


# Opening ------------------------------------------------------------------------------------


def test_open_asks_every_street_once_and_tells_them_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        c = open_(world)
    assert c.targets_count == 2 and c.state == ConsultationState.OPEN
    units = set(ConsultationReply.objects.filter(consultation=c).values_list("unit_id", flat=True))
    assert units == {world.units["street_a1"].pk, world.units["street_a2"].pk}
    assert set(ConsultationReply.objects.filter(consultation=c).values_list("stance", flat=True)) == {""}
    assert (
        AuditEvent.objects.filter(action="supervision.consultation.opened", object_id=str(c.pk)).count() == 1
    )
    # The job after commit told both streets (tests run jobs at once); a second run tells nobody.
    assert not ConsultationReply.objects.filter(consultation=c, notified_at__isnull=True).exists()
    assert notices.notify_consulted(c.pk) == 0
    told = Notification.objects.filter(verb="supervision.consultation.opened")
    assert told.filter(recipient=world.people["supervisor"]).count() == 1
    assert not told.filter(recipient=world.people["office"]).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("office", 201), ("handler", 403), ("supervisor", 403), ("staff", 403), ("outsider", 403)],
)
def test_open_by_persona(world: World, api_for: Any, persona: str, status: int) -> None:
    r = api_for(persona).post(URL, body(world))
    assert r.status_code == status, r.content
    if status == 201:
        assert r.json()["targets_count"] == 2
        assert Consultation.objects.get(pk=r.json()["id"]).issuer == world.units["district_a_go"]
    else:
        assert not Consultation.objects.exists()


def test_a_department_asks_as_itself(world: World) -> None:
    c = open_(world, persona="handler", issuer="district_a_env", targets=[world.units["street_a1"].pk])
    assert c.targets_count == 1


def test_a_target_outside_the_issuers_area_is_refused(world: World, api_for: Any) -> None:
    r = api_for("office").post(URL, body(world, targets=[world.units["street_b1"].pk]))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "target_outside_area" and "targets" in r.json()["error"]["fields"]
    with pytest.raises(ValidationFailed) as e:
        open_(world, targets=[{"area": world.areas["district_b"].code, "unit_type": UnitType.STREET_OFFICE}])
    assert e.value.code == "target_outside_area"
    assert not Consultation.objects.exists()


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("deadline", {"deadline": (TODAY - dt.timedelta(days=1)).isoformat()}),
        ("title", {"title": ""}),
        ("title", {"title": "x" * 201}),
        ("body", {"body": "  "}),
        ("targets", {"targets": []}),
        ("targets", {"targets": [999999]}),
    ],
)
def test_bad_input_names_the_field(world: World, api_for: Any, field: str, change: dict[str, Any]) -> None:
    r = api_for("office").post(URL, body(world, **change))
    assert r.status_code == 422
    assert field in r.json()["error"]["fields"]


# Replying -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("supervisor", 200), ("office", 403), ("handler", 403), ("staff", 404), ("outsider", 404)],
)
def test_reply_by_persona(world: World, api_for: Any, persona: str, status: int) -> None:
    c = open_(world)
    r = api_for(persona).post(f"{URL}/{c.pk}/replies", {"stance": "agree"})
    assert r.status_code == status, r.content
    answered = ConsultationReply.objects.filter(consultation=c).exclude(stance="")
    if status == 200:
        assert r.json()["unit"] == world.units["street_a1"].pk and r.json()["stance"] == "agree"
        assert answered.get().answered_by == world.people["supervisor"]
    else:
        assert not answered.exists()


def test_community_staff_answer_when_their_community_is_asked(world: World, api_for: Any) -> None:
    c = open_(
        world, targets=[{"area": world.areas["district_a"].code, "unit_type": UnitType.RESIDENT_COMMITTEE}]
    )
    r = api_for("staff").post(
        f"{URL}/{c.pk}/replies", {"stance": "disagree", "text": "Rooms close at 21:00."}
    )
    assert r.status_code == 200 and r.json()["unit"] == world.units["rc_a1a"].pk
    # The street was not asked this time, and a consultation of the district is not its to read.
    assert api_for("supervisor").post(f"{URL}/{c.pk}/replies", {"stance": "agree"}).status_code == 404


def test_disagree_or_changes_without_text_names_text(world: World, api_for: Any) -> None:
    c = open_(world)
    for stance in ("disagree", "agree_with_changes"):
        r = api_for("supervisor").post(f"{URL}/{c.pk}/replies", {"stance": stance, "text": "  "})
        assert r.status_code == 422
        assert list(r.json()["error"]["fields"]) == ["text"]
    r = api_for("supervisor").post(f"{URL}/{c.pk}/replies", {"stance": "maybe"})
    assert r.status_code == 422 and "stance" in r.json()["error"]["fields"]
    assert not ConsultationReply.objects.filter(consultation=c).exclude(stance="").exists()


def test_an_answer_changes_until_the_deadline(world: World) -> None:
    c = open_(world)
    reply(world, c, stance="agree")
    changed = reply(world, c, stance="agree_with_changes", text="Article 1: weekdays only.")
    assert ConsultationReply.objects.filter(consultation=c, unit=world.units["street_a1"]).get() == changed
    assert changed.stance == "agree_with_changes" and changed.text == "Article 1: weekdays only."
    events = AuditEvent.objects.filter(action="supervision.consultation.replied", object_id=str(c.pk))
    assert events.count() == 2
    assert events.order_by("id").last().changes["old"]["stance"] == "agree"  # type: ignore[union-attr]


def test_reply_after_the_deadline_is_refused(world: World, api_for: Any) -> None:
    c = open_(world)
    reply(world, c)
    Consultation.objects.filter(pk=c.pk).update(deadline=TODAY - dt.timedelta(days=1))
    r = api_for("supervisor").post(f"{URL}/{c.pk}/replies", {"stance": "disagree", "text": "Too late?"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "deadline_passed"
    assert ConsultationReply.objects.get(consultation=c, unit=world.units["street_a1"]).stance == "agree"


def test_reply_on_the_deadline_day_is_taken(world: World) -> None:
    c = open_(world)
    Consultation.objects.filter(pk=c.pk).update(deadline=TODAY)
    assert reply(world, c).stance == "agree"


def test_reply_after_closure_is_refused(world: World) -> None:
    c = open_(world)
    svc.consultation_close(actor=world.people["office"], consultation_id=c.pk)
    with pytest.raises(Conflict):
        reply(world, c)


# Reminders before the deadline --------------------------------------------------------------


def asked_long_ago(w: World, due_in_days: int, **kw: Any) -> Consultation:
    """A consultation of district A's resident committees (each with its own staff), opened two
    days ago and due in `due_in_days`."""
    kw.setdefault("targets", [{"area": w.areas["district_a"].code, "unit_type": UnitType.RESIDENT_COMMITTEE}])
    c = open_(w, deadline=TODAY + dt.timedelta(days=10), **kw)
    Consultation.objects.filter(pk=c.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2), deadline=TODAY + dt.timedelta(days=due_in_days)
    )
    return c


@pytest.mark.parametrize("due_in_days", [1, 0])
def test_the_units_yet_to_answer_a_consultation_due_soon_are_reminded_once(
    world: World, due_in_days: int
) -> None:
    c = asked_long_ago(world, due_in_days)
    reply(world, c, "staff", stance="agree")
    assert tasks.remind_consulted.call_local() == 2
    reminded = ConsultationReply.objects.filter(consultation=c, reminded_at__isnull=False)
    assert set(reminded.values_list("unit_id", flat=True)) == {
        world.units["rc_a1b"].pk,
        world.units["rc_a2a"].pk,
    }
    told = Notification.objects.filter(verb="supervision.consultation.reminded")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["staff_a1b", "staff_a2a"]
    assert told.first().link == f"/supervision/consultations/{c.pk}/"  # type: ignore[union-attr]
    events = AuditEvent.objects.filter(action="supervision.consultation.reminded", object_id=str(c.pk))
    assert [e.changes["new"]["units"] for e in events] == [2]
    # A second run reminds nobody, nor does an answer given after the reminder change that.
    reply(world, c, "staff_a1b", stance="agree")
    assert notices.consultation_remind() == 0
    assert told.count() == 2 and events.count() == 1


def test_no_reminder_once_answered_closed_far_off_past_or_just_opened(world: World) -> None:
    answered = asked_long_ago(world, 1, targets=[world.units["rc_a1a"].pk])
    reply(world, answered, "staff", stance="agree")
    closed = asked_long_ago(world, 1)
    svc.consultation_close(actor=world.people["office"], consultation_id=closed.pk)
    asked_long_ago(world, 2)
    asked_long_ago(world, -1)
    # Opened today and due tomorrow: the opening notice has just named the deadline.
    open_(world, deadline=TODAY + dt.timedelta(days=1))
    assert notices.consultation_remind() == 0
    assert not ConsultationReply.objects.filter(reminded_at__isnull=False).exists()
    assert not Notification.objects.filter(verb="supervision.consultation.reminded").exists()
    assert not AuditEvent.objects.filter(action="supervision.consultation.reminded").exists()


# Closing and the task from the draft --------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("office", 200), ("handler", 403), ("supervisor", 403), ("staff", 404), ("outsider", 404)],
)
def test_close_by_persona(world: World, api_for: Any, persona: str, status: int) -> None:
    c = open_(world)
    r = api_for(persona).post(f"{URL}/{c.pk}/close")
    assert r.status_code == status, r.content
    c.refresh_from_db()
    assert c.state == (ConsultationState.CLOSED if status == 200 else ConsultationState.OPEN)
    if status == 200:
        assert r.json()["state"] == "closed"
        assert api_for(persona).post(f"{URL}/{c.pk}/close").status_code == 409


def test_a_task_from_the_closed_draft(world: World, api_for: Any) -> None:
    c = open_(world)
    deadline = (TODAY + dt.timedelta(days=30)).isoformat()
    assert api_for("office").post(f"{URL}/{c.pk}/task", {"deadline": deadline}).status_code == 409
    svc.consultation_close(actor=world.people["office"], consultation_id=c.pk)
    for persona, status in (("handler", 403), ("supervisor", 403), ("staff", 404), ("outsider", 404)):
        assert api_for(persona).post(f"{URL}/{c.pk}/task", {"deadline": deadline}).status_code == status
    r = api_for("office").post(f"{URL}/{c.pk}/task", {"deadline": deadline})
    assert r.status_code == 201 and r.json()["targets_count"] == 2
    c.refresh_from_db()
    assert c.task is not None and c.task.title == c.title and c.task.body == c.body
    assert set(Target.objects.filter(task=c.task).values_list("unit_id", flat=True)) == {
        world.units["street_a1"].pk,
        world.units["street_a2"].pk,
    }
    assert api_for("office").post(f"{URL}/{c.pk}/task", {"deadline": deadline}).status_code == 409


def test_a_task_to_communities_still_needs_the_admission_list(world: World) -> None:
    c = open_(world, targets=[world.units["rc_a1a"].pk])
    svc.consultation_close(actor=world.people["office"], consultation_id=c.pk)
    with pytest.raises(ValidationFailed) as e:
        svc.task_from_consultation(
            actor=world.people["office"],
            consultation_id=c.pk,
            deadline=TODAY + dt.timedelta(days=30),
            task_type="unlisted_kind",
        )
    assert e.value.code == "task_type_not_admitted"
    assert Consultation.objects.get(pk=c.pk).task is None
    # The refusal counts against the issuer, as any refused task does.
    assert Refusal.objects.filter(issuer=world.units["district_a_go"], task_type="unlisted_kind").count() == 1


# Reading ------------------------------------------------------------------------------------


def test_anonymous_sees_nothing(world: World) -> None:
    c = open_(world)
    anonymous = Client()
    assert anonymous.get(f"{URL}/{c.pk}").status_code == 401
    assert anonymous.get(URL, {"mine": "inbox"}).status_code == 401
    assert anonymous.post(f"{URL}/{c.pk}/replies", {"stance": "agree"}, "application/json").status_code == 401
    r = anonymous.get(f"/supervision/consultations/{c.pk}/")
    assert r.status_code == 302 and c.title not in r.content.decode()
    with pytest.raises(NotFound):
        access_consultation(actor=None, consultation_id=c.pk)


def test_who_sees_what(world: World, api_for: Any) -> None:
    c = open_(world)
    reply(world, c, stance="disagree", text="No rooms to spare.")
    issuer = api_for("office").get(f"{URL}/{c.pk}").json()
    assert issuer["all_replies"] is True
    assert [r["unit"] for r in issuer["replies"]] == [world.units["street_a1"].pk]
    assert [r["unit"] for r in issuer["waiting"]] == [world.units["street_a2"].pk]
    assert issuer["counts"] == {"agree": 0, "agree_with_changes": 0, "disagree": 1, "waiting": 1}
    # A unit asked sees the draft and its own answer, not the other units'.
    street = api_for("supervisor").get(f"{URL}/{c.pk}").json()
    assert street["all_replies"] is False and street["body"] == c.body
    assert [r["unit"] for r in street["replies"]] == [world.units["street_a1"].pk] and street["waiting"] == []
    # A reader over the district (the analyst) sees all; others nothing.
    assert api_for("analyst").get(f"{URL}/{c.pk}").json()["all_replies"] is True
    for persona in ("staff", "outsider", "other_supervisor"):
        assert api_for(persona).get(f"{URL}/{c.pk}").status_code == 404


def test_counts_equal_direct_counts(world: World) -> None:
    c = open_(
        world,
        targets=[
            {"area": world.areas["district_a"].code, "unit_type": UnitType.RESIDENT_COMMITTEE},
            {"area": world.areas["district_a"].code, "unit_type": UnitType.STREET_OFFICE},
        ],
    )
    reply(world, c, "supervisor", stance="agree")
    reply(world, c, "staff", stance="agree_with_changes", text="Add weekends.")
    reply(world, c, "staff_a1b", stance="disagree", text="No.")
    reply(world, c, "staff_a1b", stance="agree")
    held = access_consultation(actor=world.people["office"], consultation_id=c.pk)[1]
    view = consultation_view(actor=world.people["office"], consultation=c, held=held)
    rows = ConsultationReply.objects.filter(consultation=c)
    assert view.counts == {
        "agree": rows.filter(stance="agree").count(),
        "agree_with_changes": rows.filter(stance="agree_with_changes").count(),
        "disagree": rows.filter(stance="disagree").count(),
        "waiting": rows.filter(stance="").count(),
    }
    assert view.counts == {"agree": 2, "agree_with_changes": 1, "disagree": 0, "waiting": 2}
    assert sum(view.counts.values()) == c.targets_count == 5
    assert len(view.answered) == 3 and len(view.waiting) == 2
    (_c, issued_counts), *_rest = consultations_issued(actor=world.people["office"])
    assert issued_counts == view.counts


def test_inbox_and_issued_lists(world: World, api_for: Any) -> None:
    c = open_(world)
    assert [r.consultation_id for r in consultation_inbox(actor=world.people["supervisor"])] == [c.pk]
    inbox = api_for("supervisor").get(URL, mine="inbox").json()["results"]
    assert [(r["id"], r["unit"]) for r in inbox] == [(c.pk, world.units["street_a1"].pk)]
    assert api_for("office").get(URL, mine="inbox").json()["results"] == []
    issued = api_for("office").get(URL, mine="issued").json()["results"]
    assert [r["id"] for r in issued] == [c.pk] and issued[0]["counts"]["waiting"] == 2
    assert api_for("supervisor").get(URL, mine="issued").json()["results"] == []
    assert api_for("office").get(URL, mine="everything").status_code == 422
    today = supervision_today(actor=world.people["supervisor"])
    assert today is not None and today.opinions == 1
    reply(world, c)
    assert consultation_inbox(actor=world.people["supervisor"]) == []
    today = supervision_today(actor=world.people["supervisor"])
    assert today is not None and today.opinions == 0


# Pages --------------------------------------------------------------------------------------


def test_the_issuers_form(world: World, client_for: Any) -> None:
    assert client_for("office").get("/supervision/consultations/new/").status_code == 200
    for persona in ("staff", "outsider"):
        assert client_for(persona).get("/supervision/consultations/new/").status_code == 403
    form = {
        "issuer": str(world.units["district_a_go"].pk),
        "title": "Draft on meeting rooms",
        "body": "Article 1.",
        "deadline": (TODAY + dt.timedelta(days=5)).isoformat(),
        "unit_type": UnitType.STREET_OFFICE,
        "area": world.areas["district_a"].code,
    }
    r = client_for("office").post(
        "/supervision/consultations/new/", {**form, "area": world.areas["district_b"].code}
    )
    assert r.status_code == 422 and not Consultation.objects.exists()
    r = client_for("handler").post("/supervision/consultations/new/", form)
    assert r.status_code == 422 and not Consultation.objects.exists()
    r = client_for("office").post("/supervision/consultations/new/", form)
    c = Consultation.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/supervision/consultations/{c.pk}/"
    assert c.targets_count == 2


def test_the_consultation_page_and_answer_form(world: World, client_for: Any) -> None:
    c = open_(world)
    url = f"/supervision/consultations/{c.pk}/"
    street = client_for("supervisor")
    page = street.get(url).content.decode()
    assert 'id="answer"' in page and 'id="answers"' not in page and 'id="decide"' not in page
    assert street.post(f"{url}reply/", {"stance": "disagree", "text": ""}).status_code == 302
    assert not ConsultationReply.objects.filter(consultation=c).exclude(stance="").exists()
    assert street.post(f"{url}reply/", {"stance": "disagree", "text": "Too strict."}).status_code == 302
    assert ConsultationReply.objects.get(consultation=c, unit=world.units["street_a1"]).stance == "disagree"
    assert street.post(f"{url}close/").status_code == 403
    office = client_for("office")
    page = office.get(url).content.decode()
    assert 'id="answers"' in page and "Too strict." in page and "解放碑街道办事处" in page
    assert 'id="answer"' not in page and 'id="decide"' in page
    assert office.post(f"{url}reply/", {"stance": "agree"}).status_code == 403
    assert office.post(f"{url}close/").status_code == 302
    assert Consultation.objects.get(pk=c.pk).state == ConsultationState.CLOSED
    # Closed: the street's answer stays, the form is gone, a late answer is a message.
    assert 'name="stance"' not in street.get(url).content.decode()
    assert street.post(f"{url}reply/", {"stance": "agree"}).status_code == 302
    assert ConsultationReply.objects.get(consultation=c, unit=world.units["street_a1"]).stance == "disagree"
    deadline = (TODAY + dt.timedelta(days=20)).isoformat()
    r = office.post(f"{url}task/", {"deadline": deadline, "task_type": "general"})
    c.refresh_from_db()
    assert c.task is not None and r["Location"] == f"/supervision/tasks/{c.task.pk}/"
    for persona, status in (("staff", 404), ("outsider", 404), ("handler", 200)):
        assert client_for(persona).get(url).status_code == status
    assert office.post(f"{url}nonsense/").status_code == 404


def test_my_tasks_and_home_list_opinions_asked(world: World, client_for: Any) -> None:
    c = open_(world)
    page = client_for("supervisor").get("/supervision/").content.decode()
    assert 'id="opinions"' in page and f"/supervision/consultations/{c.pk}/" in page
    page = client_for("office").get("/supervision/").content.decode()
    assert 'id="consultations-issued"' in page and f"/supervision/consultations/{c.pk}/" in page
    home = client_for("supervisor").get("/").content.decode()
    assert "/supervision/#opinions" in home


def test_services_check_permission(world: World) -> None:
    c = open_(world)
    with pytest.raises(PermissionDenied):
        open_(world, persona="supervisor")
    with pytest.raises(PermissionDenied):
        svc.consultation_close(actor=world.people["supervisor"], consultation_id=c.pk)
    with pytest.raises(NotFound):
        reply(world, c, "outsider")
