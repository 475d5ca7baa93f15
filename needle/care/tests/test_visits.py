"""Visits as the services take them: who may log, what is refused, repeats and conflicts, the
offline sync of many at once, choosing in a conflict, photos only with consent, and the
helper's households with the reading of sensitive fields audited."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from needle.care.access import access_of, accesses
from needle.care.models import Pairing, Purpose, Recipient, Visit, VisitPhoto, checklist_topics, purpose_bit
from needle.care.selectors.visits import my_households, visits_for
from needle.care.services.schedule import Policies, reschedule, reschedule_many
from needle.care.services.visits import (
    MAX_SYNC,
    visit_log,
    visit_photo_add,
    visit_resolve,
    visits_sync,
)
from needle.care.tests.visit_rows import grid_worker, recipient
from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.testing import World


def when(days_ago: float = 0) -> dt.datetime:
    return (timezone.now() - dt.timedelta(days=days_ago)).replace(microsecond=0)


def log(w: World, r: Recipient, persona: str = "member", **kw: Any) -> tuple[Visit, bool]:
    fields: dict[str, Any] = {"id": uuid.uuid4(), "kind": "home", "visited_at": when(), "notes": "精神好"}
    fields.update(kw)
    return visit_log(actor=w.people[persona], recipient=r, **fields)


def test_the_helper_logs_a_visit_that_answers_the_due_date_and_moves_the_schedule(world: World) -> None:
    r = recipient(world)
    due = r.next_visit_due
    visit, created = log(
        world, r, checklist={"health": {"ok": False, "note": "血压偏高"}, "food": {"ok": True}}, needs="扶手"
    )
    assert created and visit.by == world.people["member"] and visit.area_path == r.area_path
    assert visit.due_on == due and visit.on_time is False  # due three days ago
    assert visit.checklist == {"health": {"ok": False, "note": "血压偏高"}, "food": {"ok": True, "note": ""}}
    r.refresh_from_db()
    assert r.last_visit_on == timezone.localdate()
    assert r.next_visit_due == timezone.localdate() + dt.timedelta(days=7)  # high risk: weekly
    event = AuditEvent.objects.get(action="care.visit.logged")
    assert event.actor == world.people["member"] and event.object_id == str(visit.pk)


def test_the_same_id_and_content_again_stores_nothing(world: World) -> None:
    r = recipient(world)
    moment = when(1)
    visit, _ = log(world, r, id=(vid := uuid.uuid4()), visited_at=moment)
    # The same instant written in another zone is the same content.
    again, created = log(
        world, r, id=str(vid), visited_at=moment.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    )
    assert not created and again.pk == visit.pk
    assert Visit.objects.count() == 1 and AuditEvent.objects.filter(action="care.visit.logged").count() == 1


def test_the_same_id_with_other_content_is_a_conflict_naming_both_values(world: World) -> None:
    r = recipient(world)
    moment = when(1)
    visit, _ = log(world, r, visited_at=moment, notes="精神好")
    with pytest.raises(Conflict) as caught:
        log(world, r, id=visit.pk, visited_at=moment, notes="精神差", kind="phone")
    body = caught.value.as_dict()["error"]
    assert body["conflicts"] == {
        "kind": {"server": "home", "device": "phone"},
        "notes": {"server": "精神好", "device": "精神差"},
    }
    assert body["digest"] == visit.digest
    visit.refresh_from_db()
    assert visit.notes == "精神好" and visit.kind == "home"


@pytest.mark.parametrize("persona", ["member", "staff", "grid"])
def test_the_helper_the_grid_worker_and_the_care_staff_may_log(world: World, persona: str) -> None:
    r = recipient(world)
    if persona == "grid":
        persona = grid_worker(world, "outsider").username
    _visit, created = log(world, r, persona)
    assert created


def test_a_supervisor_sees_but_may_not_log_and_others_learn_nothing(world: World) -> None:
    r = recipient(world)
    with pytest.raises(PermissionDenied):
        log(world, r, "supervisor")
    for persona in ("outsider", "resident", "other_supervisor"):
        with pytest.raises(ValidationFailed) as caught:
            log(world, r, persona)
        assert set(caught.value.fields) == {"recipient"}
    # Before the consent to registration, the helper does not see the record either.
    hidden = recipient(world, consents=())
    with pytest.raises(ValidationFailed):
        log(world, hidden, "member")
    assert Visit.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"visited_at": timezone.now() + dt.timedelta(hours=2)}, "visited_at"),
        ({"visited_at": timezone.now() - dt.timedelta(days=200)}, "visited_at"),
        ({"visited_at": "2026-01-01 10:00"}, "visited_at"),
        ({"kind": "letter"}, "kind"),
        ({"id": "not-a-uuid"}, "id"),
        ({"notes": "x" * 5000}, "notes"),
        ({"notes": "a\x00b"}, "notes"),
        ({"checklist": {"school": {"ok": True}}}, "checklist.school"),
        ({"checklist": {"food": {"ok": "yes"}}}, "checklist.food"),
        ({"checklist": ["food"]}, "checklist"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    world: World, change: dict[str, Any], field: str
) -> None:
    r = recipient(world, registered_days_ago=60)
    with pytest.raises(ValidationFailed) as caught:
        log(world, r, **change)
    assert field in caught.value.fields
    assert Visit.objects.count() == 0


def test_the_checklist_asks_school_of_children_and_work_of_the_unemployed() -> None:
    from needle.care.models import category_bits

    assert checklist_topics(category_bits(["elderly_alone"])) == ["health", "food", "safety", "housing"]
    assert checklist_topics(category_bits(["left_behind_child", "unemployed"])) == [
        "health",
        "food",
        "safety",
        "housing",
        "school",
        "work",
    ]


def test_a_child_is_asked_about_school(world: World) -> None:
    r = recipient(world, categories=("left_behind_child",))
    visit, _ = log(world, r, checklist={"school": {"ok": True, "note": "成绩进步"}})
    assert visit.checklist == {"school": {"ok": True, "note": "成绩进步"}}


def raw(r: Recipient, **kw: Any) -> dict[str, Any]:
    body = {"id": str(uuid.uuid4()), "recipient": r.pk, "kind": "home", "visited_at": when(1).isoformat()}
    body.update(kw)
    return body


def test_a_sync_stores_each_visit_on_its_own_and_a_resend_stores_nothing(world: World) -> None:
    r = recipient(world)
    batch = [raw(r, notes="一"), raw(r, id="12345"), raw(r, kind="phone", visited_at=when(2).isoformat()), 7]
    results = visits_sync(actor=world.people["member"], visits=batch)
    assert [x.status for x in results] == ["stored", "error", "stored", "error"]
    assert results[1].fields.keys() == {"id"} and results[1].id == "12345"
    assert results[3].fields.keys() == {"visit"}
    assert Visit.objects.count() == 2
    again = visits_sync(actor=world.people["member"], visits=batch)
    assert [x.status for x in again] == ["repeat", "error", "repeat", "error"]
    assert Visit.objects.count() == 2
    r.refresh_from_db()
    assert r.last_visit_on == timezone.localdate() - dt.timedelta(days=1)
    assert r.last_call_on == timezone.localdate() - dt.timedelta(days=2)


def test_a_sync_reports_a_conflict_with_both_values_and_keeps_the_server_row(world: World) -> None:
    r = recipient(world)
    first = raw(r, notes="服务器上的")
    visits_sync(actor=world.people["staff"], visits=[first])
    results = visits_sync(actor=world.people["member"], visits=[{**first, "notes": "手机上的"}, raw(r)])
    assert results[0].status == "conflict"
    assert results[0].conflicts == {"notes": {"server": "服务器上的", "device": "手机上的"}}
    assert results[1].status == "stored"
    assert Visit.objects.get(pk=first["id"]).notes == "服务器上的"


def test_a_sync_of_visits_the_actor_may_not_log_is_an_error_each(world: World) -> None:
    mine, other = recipient(world), recipient(world, helper=None)
    results = visits_sync(
        actor=world.people["member"], visits=[raw(other), raw(mine), raw(mine, recipient=10**9)]
    )
    assert [x.status for x in results] == ["error", "stored", "error"]
    assert results[0].fields.keys() == {"recipient"} and results[2].fields.keys() == {"recipient"}


def test_a_sync_of_more_than_the_limit_is_refused_whole(world: World) -> None:
    r = recipient(world)
    with pytest.raises(ValidationFailed) as caught:
        visits_sync(actor=world.people["member"], visits=[raw(r) for _ in range(MAX_SYNC + 1)])
    assert "visits" in caught.value.fields
    assert Visit.objects.count() == 0


def test_a_sync_of_500_reads_in_batches(world: World, django_assert_max_num_queries: Any) -> None:
    people = [recipient(world, name=f"户{i}") for i in range(5)]
    batch = [
        raw(people[i % 5], visited_at=when(i % 20 + 1).isoformat(), notes=str(i)) for i in range(MAX_SYNC)
    ]
    with django_assert_max_num_queries(80):
        results = visits_sync(actor=world.people["member"], visits=batch)
    assert {x.status for x in results} == {"stored"}
    assert Visit.objects.count() == MAX_SYNC
    assert AuditEvent.objects.filter(action="care.visit.logged").count() == MAX_SYNC
    # The due dates follow the visits in time: each one after the first answers the one before.
    on_time = Visit.objects.filter(recipient=people[0], on_time=True).count()
    assert on_time >= 90


def test_the_helper_chooses_per_field_and_the_choice_is_audited(world: World) -> None:
    r = recipient(world)
    first = raw(r, notes="服务器上的", needs="轮椅")
    visits_sync(actor=world.people["staff"], visits=[first])
    device = {**first, "notes": "手机上的", "needs": "扶手"}
    conflict = visits_sync(actor=world.people["member"], visits=[device])[0]
    visit = visit_resolve(
        actor=world.people["member"], id=first["id"], choices={"notes": "手机上的"}, seen=conflict.digest
    )
    assert visit.notes == "手机上的" and visit.needs == "轮椅"
    event = AuditEvent.objects.get(action="care.visit.resolved")
    # Which fields changed, never their values.
    assert event.changes["new"]["changed"] == ["notes"]
    assert "服务器上的" not in str(event.changes) and "手机上的" not in str(event.changes)
    # Chosen against a version that has changed since: asked again, nothing applied.
    with pytest.raises(Conflict):
        visit_resolve(
            actor=world.people["member"], id=first["id"], choices={"needs": "扶手"}, seen=conflict.digest
        )
    with pytest.raises(ValidationFailed) as caught:
        visit_resolve(actor=world.people["member"], id=first["id"], choices={"recipient": 1})
    assert "choices.recipient" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        visit_resolve(actor=world.people["member"], id=first["id"], choices={"kind": "letter"})
    assert "choices.kind" in caught.value.fields
    with pytest.raises(PermissionDenied):
        visit_resolve(actor=world.people["supervisor"], id=first["id"], choices={"needs": "扶手"})
    with pytest.raises(NotFound):
        visit_resolve(actor=world.people["outsider"], id=first["id"], choices={"needs": "扶手"})
    # Sent again with the chosen content, the device's visit is a repeat.
    resent = {**device, "needs": "轮椅"}
    assert visits_sync(actor=world.people["member"], visits=[resent])[0].status == "repeat"


def jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (40, 30), "red").save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_photos_need_the_consent_to_photos_and_lose_their_exif(
    world: World, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    r = recipient(world, consents=(Purpose.REGISTRATION, Purpose.SHARING))
    visit, _ = log(world, r)
    with pytest.raises(PermissionDenied) as caught:
        visit_photo_add(actor=world.people["member"], visit=visit, upload=jpeg_with_exif())
    assert caught.value.code == "no_photo_consent"
    Recipient.objects.filter(pk=r.pk).update(consents=r.consents | purpose_bit(Purpose.PHOTOS))
    photo = visit_photo_add(actor=world.people["member"], visit=visit, upload=jpeg_with_exif())
    with Image.open(photo.image.path) as stored:
        assert not stored.getexif()
    with pytest.raises(ValidationFailed) as unreadable:
        visit_photo_add(actor=world.people["member"], visit=visit, upload=b"not an image")
    assert "photo" in unreadable.value.fields
    with pytest.raises(PermissionDenied):
        visit_photo_add(actor=world.people["supervisor"], visit=visit, upload=jpeg_with_exif())
    assert VisitPhoto.objects.count() == 1
    assert AuditEvent.objects.filter(action="care.visit.photo_added").count() == 1


def test_my_households_shows_what_the_visit_needs_and_audits_sensitive_reads(
    world: World, django_assert_max_num_queries: Any
) -> None:
    shared = recipient(world, name="李大爷")
    private = recipient(world, name="张阿姨", consents=(Purpose.REGISTRATION,))
    recipient(world, name="未登记", consents=())
    recipient(world, name="别人的", helper="staff")
    for i in range(10):
        recipient(world, name=f"又一户{i}", consents=(Purpose.REGISTRATION,))
    with django_assert_max_num_queries(10):
        cards = my_households(actor=world.people["member"])
    assert {c.name for c in cards} - {f"又一户{i}" for i in range(10)} == {"李大爷", "张阿姨"}
    by_name = {c.name: c for c in cards}
    assert by_name["李大爷"].sensitive == {"health": "高血压"}  # never the ID number
    assert by_name["张阿姨"].sensitive == {}
    assert by_name["李大爷"].state == "overdue" and by_name["李大爷"].days_overdue == 3
    assert by_name["李大爷"].topics == ["health", "food", "safety", "housing"]
    assert by_name["李大爷"].address and by_name["李大爷"].phone
    reads = AuditEvent.objects.filter(action="care.recipient.sensitive_read")
    assert [(e.object_id, e.changes["new"]["fields"]) for e in reads] == [(str(shared.pk), ["health"])]
    assert private.pk not in [int(e.object_id) for e in reads]
    # The contacts shown without a sensitive field: audited as viewed.
    viewed = AuditEvent.objects.filter(action="care.recipient.contact_viewed")
    assert str(private.pk) in {e.object_id for e in viewed} and str(shared.pk) not in {
        e.object_id for e in viewed
    }
    assert viewed.count() == 11
    assert my_households(actor=world.people["outsider"]) == []


def test_a_record_no_key_opens_still_shows_its_card(world: World) -> None:
    r = recipient(world, name="李大爷")
    Recipient.objects.filter(pk=r.pk).update(sealed="gAAAAA-not-a-token")
    [card] = my_households(actor=world.people["member"])
    assert card.name == "李大爷" and card.sensitive == {}


def test_visits_for_those_who_see_the_recipient(world: World) -> None:
    r = recipient(world)
    log(world, r, visited_at=when(2))
    newest, _ = log(world, r, visited_at=when(1))
    assert visits_for(actor=world.people["supervisor"], recipient=r)[0].pk == newest.pk
    assert AuditEvent.objects.filter(action="care.visits.read", object_id=str(r.pk)).count() == 1
    with pytest.raises(NotFound):
        visits_for(actor=world.people["outsider"], recipient=r)


def test_the_batch_access_equals_access_of_for_every_persona(world: World) -> None:
    grid_worker(world, "resident")
    rows = [
        recipient(world),
        recipient(world, consents=()),
        recipient(world, consents=(Purpose.REGISTRATION,)),
        recipient(world, helper=None, area="community_a1b"),
        recipient(world, helper="staff", area="community_b1a"),
    ]
    # A unit paired with one of them: its members help through it.
    Pairing.objects.create(
        recipient=rows[3],
        unit=world.units["pb_a1a"],
        started_on=timezone.localdate(),
        area_path=rows[3].area_path,
    )
    for persona, person in world.people.items():
        assert accesses(person, rows) == {r.pk: access_of(person, r) for r in rows}, persona


def test_the_batch_reschedule_equals_reschedule(world: World) -> None:
    rows = [recipient(world, name=f"户{i}", risk=risk) for i, risk in enumerate(["high", "medium", "low"])]
    ended = recipient(world, name="已结束")
    visits_sync(
        actor=world.people["member"],
        visits=[
            raw(r, kind=k, visited_at=when(d).isoformat())
            for r in rows
            for k, d in (("home", 9), ("phone", 2))
        ],
    )
    Recipient.objects.filter(pk=ended.pk).update(status="ended")
    rows.append(Recipient.objects.get(pk=ended.pk))
    fields = ["last_visit_on", "last_call_on", "next_visit_due", "next_call_due"]
    batch = [Recipient.objects.get(pk=r.pk) for r in rows]
    reschedule_many(batch, Policies())
    for r in rows:
        one = reschedule(Recipient.objects.get(pk=r.pk))
        assert [getattr(one, f) for f in fields] == [
            getattr(b, f) for b in batch if b.pk == r.pk for f in fields
        ]
        stored = Recipient.objects.get(pk=r.pk)
        assert [getattr(stored, f) for f in fields] == [getattr(one, f) for f in fields]


@pytest.fixture
def world_tx(transactional_db: Any) -> World:
    from needle.testing import build_world

    return build_world()


def test_two_syncs_of_the_same_visits_at_once_store_each_once(world_tx: World) -> None:
    """A phone that sent its queue twice at once (a retry while the first was still going)."""
    from django.db import connection

    from needle.testing import at_once

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; two connections racing need PostgreSQL")
    people = [recipient(world_tx, name=f"户{i}") for i in range(3)]
    batch = [raw(people[i % 3], notes=str(i)) for i in range(30)]
    member = world_tx.people["member"]
    first, second = at_once(
        lambda: visits_sync(actor=member, visits=batch), lambda: visits_sync(actor=member, visits=batch)
    )
    statuses = sorted([{x.status for x in first}, {x.status for x in second}], key=sorted)
    assert statuses == [{"repeat"}, {"stored"}]
    assert Visit.objects.count() == 30
    assert AuditEvent.objects.filter(action="care.visit.logged").count() == 30


@pytest.mark.django_db(transaction=True)
def test_resolving_holds_the_recipient_before_the_visit(transactional_db: Any) -> None:
    """A resolve waiting for a household held by a sync holds none of its visits meanwhile: the
    same order as visits_sync and visit_log (the recipient, then the visits), so no deadlock."""
    import threading
    import time

    from django.db import DatabaseError, connection, transaction

    from needle.testing import at_once, build_world

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row locks are exercised on PostgreSQL")
    world = build_world()
    r = recipient(world)
    first = raw(r, notes="服务器上的")
    visits_sync(actor=world.people["staff"], visits=[first])
    holding = threading.Event()
    free: list[bool] = []

    def hold() -> None:
        with transaction.atomic():
            Recipient.objects.select_for_update().get(pk=r.pk)
            holding.set()
            time.sleep(0.6)
            # The resolve now waits for the recipient: the visit must still be free.
            try:
                with transaction.atomic():
                    Visit.objects.select_for_update(nowait=True, of=("self",)).get(pk=first["id"])
                free.append(True)
            except DatabaseError:
                free.append(False)

    def resolve() -> Visit:
        holding.wait()
        time.sleep(0.2)
        return visit_resolve(actor=world.people["member"], id=first["id"], choices={"notes": "手机上的"})

    held, resolved = at_once(hold, resolve)
    assert held is None and isinstance(resolved, Visit), (held, resolved)
    assert free == [True] and resolved.notes == "手机上的"
