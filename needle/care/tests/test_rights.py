"""The person's rights: records anonymised after the retention period, a minor's record passing
to the adult, consent withdrawn taking effect, and a guardian's copy of a minor's data."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from needle.care import tasks
from needle.care.models import Consent, Recipient, Status, Visit, VisitKind
from needle.care.selectors.export import own_export
from needle.care.selectors.records import access_recipient
from needle.care.services.registry import consent_record, recipient_status
from needle.care.services.rights import anonymise_due, coming_of_age
from needle.care.tests.registry_helpers import SECRETS, body, personas, register
from needle.core.errors import NotFound, ValidationFailed
from needle.core.models import AuditEvent
from needle.testing import World


def _ended(world: World, recipient: Recipient, move: str, days_ago: int) -> None:
    recipient_status(
        actor=world.people["staff"],
        recipient=recipient,
        move=move,
        on=timezone.localdate() - dt.timedelta(days=days_ago),
    )


def test_records_are_anonymised_after_the_retention_period(world: World, settings: Any) -> None:
    settings.NEEDLE_CARE_RETENTION_DAYS = 30
    gone = register(world, name="张已迁", phone="13800000099")
    dead = register(world, name="李已故")
    recent = register(world, name="赵刚迁")
    active = register(world, name="钱在册")
    ended = register(world, name="孙脱困")
    Visit.objects.create(
        id=uuid.uuid4(),
        recipient=gone,
        kind=VisitKind.HOME,
        visited_at=timezone.now() - dt.timedelta(days=90),
        notes="张已迁家里漏水",
        needs="修屋顶",
        digest="x",
        area_path=gone.area_path,
    )
    _ended(world, gone, "moved_away", 31)
    _ended(world, dead, "deceased", 400)
    _ended(world, recent, "moved_away", 29)
    _ended(world, ended, "end", 400)
    assert tasks.anonymise_due.call_local() == 2
    statuses = dict(Recipient.objects.values_list("pk", "status"))
    assert statuses == {
        gone.pk: Status.ANONYMISED,
        dead.pk: Status.ANONYMISED,
        recent.pk: Status.MOVED_AWAY,
        active.pk: Status.ACTIVE,
        ended.pk: Status.ENDED,
    }
    row = Recipient.objects.get(pk=gone.pk)
    assert (row.name, row.phone, row.sealed, row.sealed_fields, row.birth_date) == ("", "", "", 0, None)
    assert row.categories and row.risk == "high"  # the counts stay
    visit = Visit.objects.get(recipient=gone)
    assert (visit.notes, visit.needs) == ("", "")
    assert not Consent.objects.filter(recipient=gone).exclude(given_by="").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM care_recipient WHERE id = %s", [gone.pk])
        dumped = " ".join(str(v) for v in cursor.fetchone())
    assert "张已迁" not in dumped and "13800000099" not in dumped
    assert AuditEvent.objects.filter(action="care.recipient.anonymised", actor=None).count() == 2
    assert anonymise_due() == 0


def _child(world: World, *, days: int = 3, **extra: Any) -> Recipient:
    """A child turning eighteen in `days` days (negative: who turned eighteen that long ago)."""
    today = timezone.localdate()
    born = today.replace(year=today.year - 18) + dt.timedelta(days=days)
    return register(
        world,
        name="刘小雨",
        birth_date=born.isoformat(),
        categories=["left_behind_child"],
        guardian_name="刘奶奶",
        guardian_phone="13700000003",
        emergency_contact="",
        id_number="",
        **extra,
    )


def test_a_minors_record_passes_to_the_adult(world: World) -> None:
    # Registered a month ago as a minor, eighteen since two days.
    child = _child(world, days=-2)
    Recipient.objects.filter(pk=child.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    p = personas(world, child)
    assert child.consented("registration") and child.consented("sharing")
    today = timezone.localdate()
    assert coming_of_age(today=today - dt.timedelta(days=3)) == 0
    assert coming_of_age(today=today) == 1
    child.refresh_from_db()
    assert child.consents == 0
    assert (child.guardian_name, child.guardian_phone, child.guardian) == ("", "", None)
    assert child.emergency_contact == "刘奶奶 13700000003"
    lapses = Consent.objects.filter(recipient=child, given=False)
    assert {c.purpose for c in lapses} == {"registration", "sharing"}
    assert all(c.recorded_by is None for c in lapses)
    came = AuditEvent.objects.get(action="care.recipient.came_of_age")
    assert "刘奶奶" not in str(came.changes) and "刘小雨" not in came.object_repr
    # Until the adult's own consent, only the care staff see the record.
    with pytest.raises(NotFound):
        access_recipient(actor=p["helper"], recipient_id=child.pk)
    assert access_recipient(actor=p["staff"], recipient_id=child.pk)[1].staff
    # The guardian's answer is no longer taken; the person's own is.
    with pytest.raises(ValidationFailed) as exc:
        consent_record(
            actor=p["staff"],
            recipient=child,
            purpose="registration",
            given=True,
            method="signed_form",
            given_by="刘奶奶",
            by_guardian=True,
        )
    assert "given_by" in exc.value.fields
    consent_record(
        actor=p["staff"],
        recipient=child,
        purpose="registration",
        given=True,
        method="signed_form",
        given_by="刘小雨",
    )
    assert access_recipient(actor=p["helper"], recipient_id=child.pk)[1].helper
    event = AuditEvent.objects.get(action="care.recipient.came_of_age")
    assert sorted(event.changes["new"]["lapsed"]) == ["registration", "sharing"]
    # Once per record.
    assert coming_of_age(today=today + dt.timedelta(days=1)) == 0


def test_an_adult_under_guardianship_is_not_coming_of_age(world: World) -> None:
    adult = register(world, name="陈志明", birth_date="1990-01-01", guardian_name="陈母")
    assert coming_of_age() == 0
    adult.refresh_from_db()
    assert adult.guardian_name == "陈母"


def test_the_job_runs(world: World) -> None:
    assert tasks.coming_of_age.call_local() == 0


def test_a_guardian_exports_a_minor_wards_data_until_they_come_of_age(world: World) -> None:
    guardian = world.people["resident"]
    child = _child(world, guardian=guardian.username)
    data = own_export(actor=guardian)
    assert [r["as"] for r in data["records"]] == ["guardian"]
    assert data["records"][0]["recipient"]["id"] == child.pk
    assert data["records"][0]["recipient"]["sensitive"] == {
        k: v for k, v in SECRETS.items() if k != "id_number"
    }
    coming_of_age(today=timezone.localdate() + dt.timedelta(days=3))
    assert own_export(actor=guardian)["records"] == []


def test_withdrawing_photos_consent_clears_its_bit_only(world: World) -> None:
    recipient = register(world)
    staff = world.people["staff"]
    for given in (True, False):
        consent_record(
            actor=staff,
            recipient=recipient,
            purpose="photos",
            given=given,
            method="signed_form",
            given_by="王秀英",
        )
    recipient.refresh_from_db()
    assert not recipient.consented("photos")
    assert recipient.consented("registration") and recipient.consented("sharing")


def test_no_name_is_left_after_anonymising(world: World) -> None:
    """Register, correct, move, pair, visit (with a resolved conflict), a ledger item, death,
    anonymisation: no audit event (any column, its JSON included) and no care row names her."""
    from django.apps import apps

    from needle.care.services import visits as visit_svc
    from needle.care.services.ledger import item_add, item_close, item_to_case
    from needle.care.services.pairings import pairing_add
    from needle.care.services.registry import recipient_input, recipient_move, recipient_update
    from needle.care.services.reminders import reminders_send
    from needle.care.services.rights import recipient_anonymise
    from needle.care.tests.plan_world import member
    from needle.cases.models import Case
    from needle.notify.models import Notification
    from needle.testing import build_catalog

    staff = world.people["staff"]
    recipient = register(world, guardian_name="")
    recipient_update(
        actor=staff,
        recipient=recipient,
        data=recipient_input(body(world, name="王秀英", guardian_name="王强")),
    )
    recipient_move(
        actor=staff, recipient=recipient, area=world.areas["community_a1a"], address="王秀英家新址"
    )
    helper = member(world, "hh")
    pairing_add(actor=staff, recipient=recipient, helper=helper)
    visit, _ = visit_svc.visit_log(
        actor=helper,
        recipient=recipient,
        id=uuid.uuid4(),
        kind=VisitKind.HOME,
        visited_at=timezone.now() - dt.timedelta(hours=1),
        notes="王秀英精神好",
    )
    visit_svc.visit_resolve(actor=helper, id=visit.pk, choices={"notes": "王秀英 胃口差"})
    item = item_add(actor=helper, recipient=recipient, what="王秀英欠房租三个月", who_acts="王强")
    item_close(actor=staff, item=item, confirmation="王强签字")
    # A problem turned into a request carries her name and phone into the case.
    made = item_to_case(
        actor=staff,
        item=item_add(actor=helper, recipient=recipient, what="王秀英家漏水"),
        service=build_catalog(world)["road"],
    )
    assert made.contact_name == "王秀英"
    # A reminder named her to her helper.
    Recipient.objects.filter(pk=recipient.pk).update(next_visit_due=timezone.localdate())
    assert reminders_send() >= 1
    assert Notification.objects.filter(params__name="王秀英").exists()
    recipient_status(actor=staff, recipient=recipient, move="deceased")
    recipient_anonymise(recipient=recipient)

    for name in ("王秀英", "王强"):
        for note in Notification.objects.all().values():
            assert name not in str(note), note
        for case in Case.objects.all().values():
            assert name not in str(case), case
        for event in AuditEvent.objects.all().values():
            assert name not in str(event), event
        for model in apps.get_app_config("care").get_models():
            for row in model._default_manager.all().values():
                assert name not in str(row), (model, row)
