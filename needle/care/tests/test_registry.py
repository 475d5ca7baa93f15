"""The registry's services and selectors: registering, checking input, sealing, statuses, moves,
consents, who sees a recipient and which sensitive fields, and the audit of every opening."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from needle.care import crypto
from needle.care.models import SENSITIVE, Consent, Household, Pairing, Recipient, Status
from needle.care.presenters import RECORDED, recipient_card
from needle.care.selectors.records import (
    SealUnavailable,
    access_recipient,
    recipient_list_for,
    recipient_sensitive,
)
from needle.care.services.registry import (
    consent_record,
    id_number_error,
    recipient_input,
    recipient_move,
    recipient_register,
    recipient_status,
    recipient_update,
)
from needle.care.tests.registry_helpers import ID_NUMBER, SECRETS, body, personas, register
from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.testing import World


def fields_of(exc: Any) -> dict[str, str]:
    return dict(exc.value.fields)


# Input ----------------------------------------------------------------------------------------


def test_id_number_checks() -> None:
    assert id_number_error(ID_NUMBER) is None
    assert id_number_error("110105194905010028")  # wrong check character
    assert id_number_error("11010519490501002")  # 17 characters
    assert id_number_error("1101051949050100AX")  # letters in the body
    assert id_number_error("110105194913010029")  # month 13
    assert id_number_error("110105299905010029")  # born in the future


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"name": "王\x00英"}, "name"),
        ({"name": "王" * 101}, "name"),
        ({"name": 42}, "name"),
        ({"area": "no-such"}, "area"),
        ({"area": None}, "area"),
        ({"area": ["500103001001"]}, "area"),
        ({"categories": ["elderly"]}, "categories"),
        ({"categories": "x"}, "categories"),
        ({"categories": []}, "categories"),
        ({"categories": {"a": 1}}, "categories"),
        ({"risk": "extreme"}, "risk"),
        ({"risk": 3}, "risk"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "1899-12-31"}, "birth_date"),
        ({"birth_date": "yesterday"}, "birth_date"),
        ({"birth_date": 19490501}, "birth_date"),
        ({"phone": "call me"}, "phone"),
        ({"health": "x" * 2001}, "health"),
        ({"notes": "a\x00b"}, "notes"),
        ({"income": ["1200"]}, "income"),
        ({"id_number": "110105194905010028"}, "id_number"),
        ({"id_number": "abc"}, "id_number"),
        ({"person": "nobody-here"}, "person"),
        ({"record": 99999}, "record"),
        ({"birth_date": "2016-03-01"}, "guardian_name"),
    ],
)
def test_bad_input_names_its_field(world: World, extra: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        recipient_input(body(world, **extra))
    assert field in fields_of(exc)


def test_a_community_or_grid_only(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        recipient_input(body(world, area=world.areas["street_a1"].code))
    assert "area" in fields_of(exc)


def test_lowercase_x_is_read_as_x(world: World) -> None:
    data = recipient_input(body(world, id_number="11010519490501103x"))
    assert data.sensitive["id_number"] == "11010519490501103X"


# Registering and sealing ------------------------------------------------------------------------


def test_register_creates_household_schedule_and_audit_without_secrets(world: World) -> None:
    recipient = register(world, consent=False)
    assert recipient.household.address == "华一坡3号2单元"
    assert recipient.household.area == world.areas["grid_a1a"]
    assert recipient.area_path == world.areas["grid_a1a"].path
    assert recipient.category_codes == ["elderly_alone", "low_income"]
    assert recipient.next_visit_due == timezone.localdate() + dt.timedelta(days=7)
    assert recipient.sealed and recipient.sealed_fields == 0b11111
    event = AuditEvent.objects.get(action="care.recipient.registered")
    assert event.actor == world.people["staff"]
    dumped = str(event.changes)
    for secret in SECRETS.values():
        assert secret not in dumped
    assert event.changes["new"]["sensitive"] == list(SENSITIVE)
    # Of the names and contacts, only which are recorded.
    assert "13800000001" not in dumped and "华一坡3号" not in dumped and "王秀英" not in dumped
    assert event.changes["new"]["contacts"] == ["name", "phone", "birth_date", "emergency_contact", "address"]
    assert "王秀英" not in event.object_repr


def test_register_into_an_existing_household(world: World) -> None:
    first = register(world, consent=False)
    second = recipient_register(
        actor=world.people["staff"],
        data=recipient_input(body(world, name="李建国", health="")),
        household=first.household,
    )
    assert second.household_id == first.household_id
    assert Household.objects.count() == 1
    elsewhere = Household.objects.create(
        area=world.areas["community_b1a"], area_path=world.areas["community_b1a"].path
    )
    with pytest.raises(ValidationFailed) as exc:
        recipient_register(
            actor=world.people["staff"], data=recipient_input(body(world)), household=elsewhere
        )
    assert "household" in fields_of(exc)


@pytest.mark.parametrize("persona", ["supervisor", "district_auditor", "member", "resident", "outsider"])
def test_only_care_staff_register(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        recipient_register(actor=world.people[persona], data=recipient_input(body(world)))


def test_staff_of_another_community_may_not_register_here(world: World) -> None:
    with pytest.raises(PermissionDenied):
        recipient_register(
            actor=world.people["staff"],
            data=recipient_input(body(world, area=world.areas["community_b1a"].code)),
        )


def test_the_database_holds_no_plain_text_of_a_sensitive_field(world: World) -> None:
    recipient = register(world)
    recipient_update(
        actor=world.people["staff"],
        recipient=recipient,
        data=recipient_input({**body(world), "notes": "新的备注：女儿每周回来"}, partial_sensitive=True),
    )
    secrets = [*SECRETS.values(), "新的备注：女儿每周回来", "高血压", "低保", "儿子"]
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        for table in tables:
            # Every table: the care tables, the audit log, the notifications, the search index.
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                dumped = " ".join(str(v) for v in row)
                for secret in secrets:
                    assert secret not in dumped, (table, secret)
    # The ID number's digits, written any way, are not there either.
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed FROM care_recipient")
        (sealed,) = cursor.fetchone()
    assert ID_NUMBER not in sealed and sealed.startswith("gAAAAA")
    assert crypto.unseal(sealed)["id_number"] == ID_NUMBER


# Updating -------------------------------------------------------------------------------------


def test_update_keeps_sensitive_fields_not_given_and_audits_names_only(world: World) -> None:
    recipient = register(world)
    raw = {**body(world), "risk": "low"}
    for name in SENSITIVE:
        raw.pop(name)
    raw["income"] = ""
    recipient_update(
        actor=world.people["staff"], recipient=recipient, data=recipient_input(raw, partial_sensitive=True)
    )
    recipient.refresh_from_db()
    values = crypto.unseal(recipient.sealed)
    assert "income" not in values and values["health"] == SECRETS["health"]
    assert recipient.risk == "low"
    assert recipient.next_visit_due == timezone.localdate() + dt.timedelta(days=30)
    event = AuditEvent.objects.get(action="care.recipient.updated")
    assert event.changes["new"]["sensitive_changed"] == ["income"]
    assert SECRETS["income"] not in str(event.changes)


def test_update_refuses_others_and_a_new_place(world: World) -> None:
    recipient = register(world)
    for persona in ("supervisor", "outsider"):
        with pytest.raises(PermissionDenied):
            recipient_update(
                actor=world.people[persona], recipient=recipient, data=recipient_input(body(world))
            )
    with pytest.raises(ValidationFailed) as exc:
        recipient_update(
            actor=world.people["staff"],
            recipient=recipient,
            data=recipient_input(body(world, area=world.areas["community_a1a"].code)),
        )
    assert "area" in fields_of(exc)


# Statuses and moves -----------------------------------------------------------------------------


def test_status_moves_follow_the_table(world: World) -> None:
    recipient = register(world)
    staff = world.people["staff"]
    done = recipient_status(actor=staff, recipient=recipient, move="moved_away", reason="搬去女儿家")
    assert done.status == Status.MOVED_AWAY and done.ended_on == timezone.localdate()
    assert done.next_visit_due is None
    with pytest.raises(Conflict):
        recipient_status(actor=staff, recipient=recipient, move="deceased")
    with pytest.raises(PermissionDenied):
        recipient_status(actor=staff, recipient=recipient, move="anonymise")
    with pytest.raises(ValidationFailed) as exc:
        recipient_status(actor=staff, recipient=recipient, move="vanish")
    assert "move" in fields_of(exc)
    with pytest.raises(ValidationFailed) as exc:
        recipient_status(
            actor=staff, recipient=recipient, move="resume", on=timezone.localdate() + dt.timedelta(days=2)
        )
    assert "on" in fields_of(exc)
    back = recipient_status(actor=staff, recipient=recipient, move="resume")
    assert back.status == Status.ACTIVE and back.ended_on is None and back.next_visit_due is not None
    assert AuditEvent.objects.filter(action="care.recipient.status_changed").count() == 2
    with pytest.raises(PermissionDenied):
        recipient_status(actor=world.people["supervisor"], recipient=recipient, move="end")


def test_move_to_another_community_takes_the_lone_household(world: World) -> None:
    recipient = register(world)
    staff = world.people["staff"]
    with pytest.raises(PermissionDenied):
        recipient_move(actor=staff, recipient=recipient, area=world.areas["community_b1a"], address="平街1号")
    moved = recipient_move(
        actor=staff, recipient=recipient, area=world.areas["community_a1a"], address="领事巷9号"
    )
    assert moved.area_path == world.areas["community_a1a"].path
    assert moved.household.address == "领事巷9号" and Household.objects.count() == 1
    assert AuditEvent.objects.filter(action="care.recipient.moved").count() == 1


# Consents -------------------------------------------------------------------------------------


def test_consents_keep_the_bits_and_the_log(world: World) -> None:
    recipient = register(world, consent=False)
    staff = world.people["staff"]
    consent_record(
        actor=staff,
        recipient=recipient,
        purpose="registration",
        given=True,
        method="signed_form",
        given_by="王秀英",
    )
    with pytest.raises(ValidationFailed) as exc:
        consent_record(
            actor=staff,
            recipient=recipient,
            purpose="sharing",
            given=True,
            method="verbal_witnessed",
            given_by="王秀英",
        )
    assert "witness" in fields_of(exc)
    consent_record(
        actor=staff,
        recipient=recipient,
        purpose="sharing",
        given=True,
        method="verbal_witnessed",
        given_by="王秀英",
        witness="社区干部张敏",
    )
    recipient.refresh_from_db()
    assert recipient.consented("registration") and recipient.consented("sharing")
    assert not recipient.consented("photos")
    consent_record(
        actor=staff,
        recipient=recipient,
        purpose="sharing",
        given=False,
        method="signed_form",
        given_by="王秀英",
    )
    recipient.refresh_from_db()
    assert not recipient.consented("sharing") and recipient.consented("registration")
    assert Consent.objects.filter(recipient=recipient).count() == 3
    assert AuditEvent.objects.filter(action="care.consent.withdrawn").count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"purpose": "marketing"}, "purpose"),
        ({"method": "nod"}, "method"),
        ({"given_by": ""}, "given_by"),
        ({"given_by": "x\x00"}, "given_by"),
        ({"given": "yes"}, "given"),
    ],
)
def test_bad_consents_name_the_field(world: World, extra: dict[str, Any], field: str) -> None:
    recipient = register(world, consent=False)
    args: dict[str, Any] = {
        "purpose": "registration",
        "given": True,
        "method": "signed_form",
        "given_by": "王秀英",
        **extra,
    }
    with pytest.raises(ValidationFailed) as exc:
        consent_record(actor=world.people["staff"], recipient=recipient, **args)
    assert field in fields_of(exc)


def test_a_minors_consent_comes_from_the_guardian(world: World) -> None:
    child = register(
        world,
        consent=False,
        name="刘小雨",
        birth_date="2016-03-01",
        categories=["left_behind_child"],
        guardian_name="刘奶奶",
        id_number="",
    )
    staff = world.people["staff"]
    for given_by, by_guardian in (("刘小雨", False), ("刘小雨", True), ("隔壁王阿姨", True)):
        with pytest.raises(ValidationFailed) as exc:
            consent_record(
                actor=staff,
                recipient=child,
                purpose="registration",
                given=True,
                method="signed_form",
                given_by=given_by,
                by_guardian=by_guardian,
            )
        assert "given_by" in fields_of(exc)
    consent_record(
        actor=staff,
        recipient=child,
        purpose="registration",
        given=True,
        method="signed_form",
        given_by="刘 奶奶",
        by_guardian=True,
    )
    child.refresh_from_db()
    assert child.consented("registration")


def test_consent_only_by_care_staff(world: World) -> None:
    recipient = register(world, consent=False)
    for persona in ("supervisor", "resident"):
        with pytest.raises(PermissionDenied):
            consent_record(
                actor=world.people[persona],
                recipient=recipient,
                purpose="registration",
                given=True,
                method="signed_form",
                given_by="王秀英",
            )


# Who sees what ----------------------------------------------------------------------------------


def test_before_consent_only_the_care_staff_see_the_record(world: World) -> None:
    recipient = register(world, consent=False)
    p = personas(world, recipient)
    assert access_recipient(actor=p["staff"], recipient_id=recipient.pk)[1].staff
    for persona in ("helper", "grid_worker", "supervisor", "district_auditor", "resident", "outsider"):
        with pytest.raises(NotFound):
            access_recipient(actor=p[persona], recipient_id=recipient.pk)
        assert not recipient_list_for(actor=p[persona]).exists()
    assert list(recipient_list_for(actor=p["staff"])) == [recipient]


EXPECTED_FIELDS = {
    "staff": set(SENSITIVE),
    "root": set(SENSITIVE),
    "helper": {"health", "disability", "income", "notes"},
    "grid_worker": set(),
    "supervisor": set(),
    "district_auditor": set(),
}


@pytest.mark.parametrize(("persona", "expected"), EXPECTED_FIELDS.items())
def test_each_persona_reads_only_its_fields_and_each_read_is_audited(
    world: World, persona: str, expected: set[str]
) -> None:
    recipient = register(world)
    p = personas(world, recipient)
    found, access = access_recipient(actor=p[persona], recipient_id=recipient.pk)
    assert access.fields == expected
    opened = recipient_sensitive(actor=p[persona], recipient=found, access=access, why="家访前准备")
    assert set(opened) == expected
    for name in expected:
        assert opened[name] == SECRETS[name]
    card = recipient_card(found, access, opened)
    for name in SENSITIVE:
        assert card["sensitive"][name] == (SECRETS[name] if name in expected else RECORDED)
    events = AuditEvent.objects.filter(action="care.recipient.sensitive_read")
    if expected:
        event = events.get()
        assert event.actor == p[persona]
        assert event.object_id == str(recipient.pk)
        assert event.changes["new"] == {"fields": sorted(expected), "why": "家访前准备"}
        for secret in SECRETS.values():
            assert secret not in str(event.changes)
    else:
        assert not events.exists()


def test_without_sharing_consent_the_helper_reads_nothing_sensitive(world: World) -> None:
    recipient = register(world)
    p = personas(world, recipient)
    consent_record(
        actor=p["staff"],
        recipient=recipient,
        purpose="sharing",
        given=False,
        method="signed_form",
        given_by="王秀英",
    )
    found, access = access_recipient(actor=p["helper"], recipient_id=recipient.pk)
    assert access.helper and access.fields == frozenset()
    assert recipient_sensitive(actor=p["helper"], recipient=found, access=access) == {}
    assert not AuditEvent.objects.filter(action="care.recipient.sensitive_read").exists()
    assert set(recipient_card(found, access, None)["sensitive"].values()) == {RECORDED}


@pytest.mark.parametrize("persona", ["resident", "outsider", "member"])
def test_others_do_not_know_it_exists(world: World, persona: str) -> None:
    recipient = register(world)
    with pytest.raises(NotFound):
        access_recipient(actor=world.people[persona], recipient_id=recipient.pk)
    assert not recipient_list_for(actor=world.people[persona]).exists()


@pytest.mark.parametrize("persona", ["helper", "grid_worker", "supervisor", "district_auditor"])
def test_writing_needs_the_care_staff(world: World, persona: str) -> None:
    recipient = register(world)
    p = personas(world, recipient)
    with pytest.raises(PermissionDenied):
        access_recipient(actor=p[persona], recipient_id=recipient.pk, for_write=True)


def test_a_supervisors_card_hides_contacts(world: World) -> None:
    recipient = register(world)
    found, access = access_recipient(actor=world.people["supervisor"], recipient_id=recipient.pk)
    card = recipient_card(found, access, None)
    assert card["phone"] == "" and card["address"] == "" and card["birth_date"] is None
    assert card["name"] == "王秀英"


def test_lists_filter(world: World) -> None:
    first = register(world)
    register(world, name="李建国", categories=["unemployed"], risk="low")
    staff = world.people["staff"]
    assert [r.name for r in recipient_list_for(actor=staff, category="unemployed")] == ["李建国"]
    assert [r.name for r in recipient_list_for(actor=staff, risk="high")] == ["王秀英"]
    assert [r.name for r in recipient_list_for(actor=staff, query="秀")] == ["王秀英"]
    assert recipient_list_for(actor=staff, area_path=world.areas["community_b1a"].path).count() == 0
    assert recipient_list_for(actor=world.people["supervisor"]).count() == 2
    assert recipient_list_for(actor=world.people["other_supervisor"]).count() == 0
    recipient_status(actor=staff, recipient=first, move="end")
    assert recipient_list_for(actor=staff, status="active").count() == 1
    for bad in ({"status": "gone"}, {"risk": "x"}, {"category": "x"}, {"query": "\x00"}):
        with pytest.raises(ValidationFailed):
            recipient_list_for(actor=staff, **bad)


def test_a_dropped_key_is_a_clear_error(world: World, settings: Any) -> None:
    recipient = register(world)
    settings.NEEDLE_CARE_KEYS = [crypto.new_key()]
    found, access = access_recipient(actor=world.people["staff"], recipient_id=recipient.pk)
    with pytest.raises(SealUnavailable) as exc:
        recipient_sensitive(actor=world.people["staff"], recipient=found, access=access)
    assert exc.value.status == 503
    assert Recipient.objects.get(pk=recipient.pk).sealed == recipient.sealed


def test_a_person_is_registered_once(world: World) -> None:
    resident = world.people["resident"]
    first = register(world, person=resident.username)
    with pytest.raises(Conflict):
        register(world, person=resident.username)
    recipient_update(
        actor=world.people["staff"],
        recipient=first,
        data=recipient_input(
            body(world, person=resident.username, phone="13800000077"), partial_sensitive=True
        ),
    )
    event = AuditEvent.objects.get(action="care.recipient.updated")
    assert event.changes["new"] == {"contacts_changed": ["phone"]}
    assert "13800000077" not in str(event.changes)
    # Two registrations at once both pass the check: the database holds the rule too.
    second = Recipient(
        household=first.household, area=first.area, area_path=first.area_path, name="x", person=resident
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_a_paired_units_members_help_within_consent(world: World) -> None:
    recipient = register(world)
    Pairing.objects.create(
        recipient=recipient,
        unit=world.units["pb_a1a"],
        lead=True,
        started_on=timezone.localdate(),
        area_path=recipient.area_path,
    )
    found, access = access_recipient(actor=world.people["member"], recipient_id=recipient.pk)
    assert access.helper and access.fields == {"health", "disability", "income", "notes"}
    assert "id_number" not in recipient_sensitive(
        actor=world.people["member"], recipient=found, access=access
    )
