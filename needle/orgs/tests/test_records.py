"""People without an account: one shared record each, found again, merged, read with care."""

import pytest

from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.orgs.models import PersonRecord, normalize_phone
from needle.orgs.services import person_record_find_or_create, person_record_merge, person_record_phone


def record(world, actor="staff", **fields):
    fields = {
        "name": "王秀英",
        "phone": "13800001111",
        "birth_year": 1948,
        "consent_method": "signed_form",
        **fields,
    }
    return person_record_find_or_create(
        actor=world.people[actor], area=world.areas["community_a1a"], **fields
    )


def test_phones_have_one_spelling():
    assert normalize_phone(" +86 138-0000-1111 ") == "13800001111"
    assert normalize_phone("023-12345678") == "023-12345678"


def test_a_person_is_found_again_by_phone_or_by_name_and_year(world):
    first, made = record(world)
    assert made and first.consent_noted_by == world.people["staff"] and first.consent_noted_at
    again, made = record(world, phone="+8613800001111")
    assert again == first and not made
    # A neighbour giving the same daughter's number is another person, not a match.
    neighbour, made = record(world, name="李桂兰", phone="13800001111")
    assert made and neighbour != first
    no_phone, made = record(world, name="张德明", phone="", birth_year=1940)
    assert made
    assert record(world, name="张德明", phone="", birth_year=1940) == (no_phone, False)
    # Neither phone nor year: the same name in the same area, which learns its year later.
    bare, made = record(world, name="赵淑芬", phone="", birth_year=None)
    assert made and record(world, name="赵淑芬", phone="", birth_year=None) == (bare, False)
    assert record(world, name="赵淑芬", phone="", birth_year=1945) == (bare, False)
    bare.refresh_from_db()
    assert bare.birth_year == 1945
    assert AuditEvent.objects.get(action="orgs.person_record.changed").changes["new"] == {"birth_year": 1945}
    assert PersonRecord.objects.count() == 4
    assert AuditEvent.objects.filter(action="orgs.person_record.created").count() == 4
    # Only a masked number goes into the audit log.
    assert AuditEvent.objects.filter(action="orgs.person_record.created").order_by("pk").first().changes[
        "new"
    ]["phone"] == ("138****1111")


def test_a_record_needs_consent_and_sane_details(world):
    with pytest.raises(ValidationFailed) as err:
        record(world, name="", phone="12", birth_year=1800, consent_method="")
    assert set(err.value.fields) == {"name", "phone", "birth_year", "consent"}


def test_only_staff_over_the_place_keep_records(world):
    for persona in ("resident", "supervisor", "outsider", "other_supervisor", "handler"):
        with pytest.raises(PermissionDenied):
            record(world, actor=persona)


def test_a_merge_keeps_both_records_and_is_audited(world):
    kept, _ = record(world)
    dup, _ = record(world, phone="13900002222")
    older, _ = record(world, phone="13700003333")
    person_record_merge(actor=world.people["staff"], record=older, into=dup)
    assert person_record_merge(actor=world.people["staff"], record=dup, into=kept) == kept
    dup.refresh_from_db()
    older.refresh_from_db()
    assert dup.merged_into == kept and older.merged_into == kept
    assert AuditEvent.objects.filter(action="orgs.person_record.merged").count() == 2
    # A merged record is no longer found; the one it lives on is.
    assert record(world, phone="13900002222")[1] is True
    with pytest.raises(Conflict):
        person_record_merge(actor=world.people["staff"], record=dup, into=kept)
    with pytest.raises(ValidationFailed):
        person_record_merge(actor=world.people["staff"], record=kept, into=kept)
    with pytest.raises(PermissionDenied):
        person_record_merge(actor=world.people["supervisor"], record=older, into=kept)


def test_a_staff_read_of_the_phone_is_audited_others_see_it_masked(world):
    rec, _ = record(world)
    assert person_record_phone(actor=world.people["supervisor"], record=rec) == "138****1111"
    assert not AuditEvent.objects.filter(action="orgs.person_record.phone_viewed").exists()
    assert person_record_phone(actor=world.people["staff"], record=rec) == "13800001111"
    assert (
        AuditEvent.objects.filter(
            action="orgs.person_record.phone_viewed", actor=world.people["staff"]
        ).count()
        == 1
    )
