from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from needle.care.models import Pairing
from needle.care.plan_tasks import care_helpers_left
from needle.care.selectors.schedule import needs_helper_for
from needle.care.services.pairings import pairing_add, pairing_end, pairing_lead, pairings_of_leavers_end
from needle.care.tests import plan_world as pw
from needle.core.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.orgs.models import Membership, Person
from needle.orgs.services import membership_end
from needle.testing import at_once, build_world
from needle.volunteering.models import CheckIn, CheckInStatus


def _needing(world, area="community_a1a"):
    return set(needs_helper_for(actor=world.people["staff"], area_path=world.areas[area].path))


def test_staff_pairs_a_helper_the_first_leads_and_it_is_audited(world):
    rec = pw.recipient(world)
    staff, member = world.people["staff"], world.people["member"]
    first = pairing_add(actor=staff, recipient=rec, helper=member)
    second = pairing_add(actor=staff, recipient=rec, helper=pw.member(world, "li"))
    assert first.lead is True and second.lead is False
    assert first.area_path == rec.area_path and first.started_on == timezone.localdate()
    event = AuditEvent.objects.get(action="care.pairing.added", object_id=str(first.pk))
    assert event.actor == staff and event.area_path == rec.area_path


def test_a_new_lead_takes_the_lead_from_the_one_before(world):
    rec = pw.recipient(world)
    staff = world.people["staff"]
    first = pairing_add(actor=staff, recipient=rec, helper=world.people["member"])
    second = pairing_add(actor=staff, recipient=rec, helper=pw.member(world, "li"), lead=True)
    first.refresh_from_db()
    assert second.lead is True and first.lead is False
    pairing_lead(actor=staff, pairing=first)
    second.refresh_from_db()
    first.refresh_from_db()
    assert first.lead is True and second.lead is False
    assert Pairing.objects.filter(recipient=rec, lead=True).count() == 1


def test_a_unit_can_be_paired(world):
    rec = pw.recipient(world)
    pairing = pairing_add(actor=world.people["staff"], recipient=rec, unit=world.units["pb_a1a"])
    assert pairing.unit == world.units["pb_a1a"] and pairing.helper is None and pairing.lead


@pytest.mark.parametrize("persona", ["member", "supervisor", "resident", "outsider", "handler"])
def test_only_the_care_staff_pair(world, persona):
    rec = pw.recipient(world)
    with pytest.raises(PermissionDenied):
        pairing_add(actor=world.people[persona], recipient=rec, helper=world.people["member"])
    assert not Pairing.objects.exists()


def test_anonymous_cannot_pair(world):
    rec = pw.recipient(world)
    with pytest.raises(NotAuthenticated):
        pairing_add(actor=None, recipient=rec, helper=world.people["member"])


def test_staff_of_another_community_cannot_pair(world):
    rec = pw.recipient(world, area="community_b1a")
    with pytest.raises(PermissionDenied):
        pairing_add(actor=world.people["staff"], recipient=rec, helper=world.people["member"])


def test_a_helper_from_another_district_needs_a_reason(world):
    rec = pw.recipient(world)
    far = pw.member(world, "far", unit="rc_b1a")
    with pytest.raises(ValidationFailed) as err:
        pairing_add(actor=world.people["staff"], recipient=rec, helper=far)
    assert set(err.value.fields) == {"reason"}
    pairing = pairing_add(actor=world.people["staff"], recipient=rec, helper=far, reason="她是老人的女儿")
    assert pairing.reason == "她是老人的女儿"


def test_a_helper_from_the_same_district_needs_no_reason(world):
    rec = pw.recipient(world)
    # A member of a community in another street of the same district.
    near = pw.member(world, "near", unit="rc_a2a")
    assert pairing_add(actor=world.people["staff"], recipient=rec, helper=near).reason == ""


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "helper"),
        ({"helper": "both"}, "helper"),
        ({"helper": "resident"}, "helper"),
        ({"helper": "member", "lead": "yes"}, "lead"),
        ({"helper": "member", "reason": 3}, "reason"),
        ({"helper": "member", "reason": "x" * 301}, "reason"),
    ],
)
def test_bad_pairings_name_the_field(world, kwargs, field):
    rec = pw.recipient(world)
    args = dict(kwargs)
    if args.get("helper") == "both":
        args = {"helper": world.people["member"], "unit": world.units["pb_a1a"]}
    elif "helper" in args:
        args["helper"] = world.people[args["helper"]]
    with pytest.raises(ValidationFailed) as err:
        pairing_add(actor=world.people["staff"], recipient=rec, **args)
    assert field in err.value.fields
    assert not Pairing.objects.exists()


def test_pairing_the_same_helper_twice_conflicts(world):
    rec = pw.recipient(world)
    pairing_add(actor=world.people["staff"], recipient=rec, helper=world.people["member"])
    with pytest.raises(Conflict):
        pairing_add(actor=world.people["staff"], recipient=rec, helper=world.people["member"])


def test_ending_the_lead_hands_the_lead_on_and_ending_the_last_lists_the_recipient(world):
    rec = pw.recipient(world)
    staff = world.people["staff"]
    first = pairing_add(actor=staff, recipient=rec, helper=world.people["member"])
    second = pairing_add(actor=staff, recipient=rec, helper=pw.member(world, "li"))
    assert rec not in _needing(world)
    with pytest.raises(ValidationFailed) as err:
        pairing_end(actor=staff, pairing=first, reason="")
    assert set(err.value.fields) == {"reason"}
    pairing_end(actor=staff, pairing=first, reason="搬家了")
    second.refresh_from_db()
    assert second.lead is True
    with pytest.raises(Conflict):
        pairing_end(actor=staff, pairing=first, reason="again")
    pairing_end(actor=staff, pairing=second, reason="不再结对")
    assert rec in _needing(world)
    assert AuditEvent.objects.filter(action="care.pairing.ended").count() == 2


def test_the_helper_cannot_end_their_own_pairing(world):
    rec = pw.recipient(world)
    pairing = pairing_add(actor=world.people["staff"], recipient=rec, helper=world.people["member"])
    with pytest.raises(PermissionDenied):
        pairing_end(actor=world.people["member"], pairing=pairing, reason="busy")
    with pytest.raises(PermissionDenied):
        pairing_lead(actor=world.people["supervisor"], pairing=pairing)


def test_a_helper_whose_membership_ends_leaves_their_recipients_on_the_list_the_same_day(world):
    rec = pw.recipient(world)
    never = pw.recipient(world, name="李奶奶")
    member = world.people["member"]
    pairing = pairing_add(actor=world.people["staff"], recipient=rec, helper=member)
    assert _needing(world) == {never}
    membership = Membership.objects.get(person=member)
    membership_end(actor=world.people["root"], membership=membership)
    # Before the daily job: the list already shows it.
    assert _needing(world) == {rec, never}
    assert Pairing.objects.get(pk=pairing.pk).ended_on is None
    assert care_helpers_left.call_local() == 1
    pairing.refresh_from_db()
    assert pairing.ended_on == timezone.localdate() and pairing.lead is False
    assert AuditEvent.objects.filter(action="care.pairing.helper_left", object_id=str(pairing.pk)).exists()
    assert _needing(world) == {rec, never}
    # Safe to run twice.
    assert pairings_of_leavers_end() == 0


def test_a_closed_account_and_a_dissolved_unit_leave_too(world):
    rec = pw.recipient(world)
    other = pw.recipient(world, name="李奶奶")
    staff = world.people["staff"]
    pairing_add(actor=staff, recipient=rec, helper=world.people["member"])
    pairing_add(actor=staff, recipient=other, unit=world.units["pb_a1a"])
    assert _needing(world) == set()
    Person.objects.filter(pk=world.people["member"].pk).update(is_active=False)
    world.units["pb_a1a"].__class__.objects.filter(pk=world.units["pb_a1a"].pk).update(
        dissolved_on=timezone.localdate()
    )
    assert _needing(world) == {rec, other}
    assert pairings_of_leavers_end() == 2
    assert not Pairing.objects.filter(ended_on__isnull=True).exists()


def test_a_helper_who_moved_away_leaves(world):
    rec = pw.recipient(world)
    member = world.people["member"]
    staff = world.people["staff"]
    pairing_add(actor=staff, recipient=rec, helper=member)
    old = CheckIn.objects.create(
        person=member,
        community=world.areas["community_a1a"],
        area_path=world.areas["community_a1a"].path,
        status=CheckInStatus.CONFIRMED,
        workplace=world.units["pb_a1a"],
    )
    assert _needing(world) == set()
    CheckIn.objects.filter(pk=old.pk).update(
        status=CheckInStatus.MOVED, ended_at=timezone.now() + dt.timedelta(seconds=1)
    )
    new = CheckIn.objects.create(
        person=member,
        community=world.areas["community_b1a"],
        area_path=world.areas["community_b1a"].path,
        status=CheckInStatus.SUBMITTED,
        workplace=world.units["pb_a1a"],
    )
    CheckIn.objects.filter(pk=old.pk).update(moved_to=new)
    assert _needing(world) == {rec}
    assert pairings_of_leavers_end() == 1


def test_the_needs_helper_list_is_for_care_staff_and_supervisors(world):
    rec = pw.recipient(world)
    # Not registered yet (no consent): no helper could see it, so it waits for the consent.
    pw.recipient(world, consents=0, name="未同意")
    assert _needing(world) == {rec}
    path = world.areas["community_a1a"].path
    assert set(needs_helper_for(actor=world.people["supervisor"], area_path=path)) == {rec}
    for persona in ("member", "resident", "outsider"):
        with pytest.raises(PermissionDenied):
            needs_helper_for(actor=world.people[persona], area_path=path)


@pytest.mark.django_db(transaction=True)
def test_two_lead_changes_at_once_leave_one_lead(transactional_db):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row-lock race is exercised on PostgreSQL")
    world = build_world()
    rec = pw.recipient(world)
    staff = world.people["staff"]
    a = pairing_add(actor=staff, recipient=rec, helper=world.people["member"])
    b = pairing_add(actor=staff, recipient=rec, helper=pw.member(world, "li"))
    c = pairing_add(actor=staff, recipient=rec, helper=pw.member(world, "zhang"))
    results = at_once(
        lambda: pairing_lead(actor=staff, pairing=b),
        lambda: pairing_lead(actor=staff, pairing=c),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    leads = list(Pairing.objects.filter(recipient=rec, lead=True).values_list("pk", flat=True))
    assert len(leads) == 1 and leads[0] in {b.pk, c.pk}
    assert a.pk not in leads


@pytest.mark.django_db(transaction=True)
def test_the_leavers_job_waits_for_the_recipient_held_by_a_lead_change(transactional_db):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")
    import time

    from django.db import transaction

    from needle.care.models import Recipient

    world = build_world()
    rec = pw.recipient(world)
    staff = world.people["staff"]
    leaver = pw.member(world, "leaver")
    pairing_add(actor=staff, recipient=rec, helper=leaver)
    pairing_add(actor=staff, recipient=rec, helper=pw.member(world, "li"))
    Membership.objects.filter(person=leaver).update(left_on=timezone.localdate())
    released: list[float] = []

    def hold() -> None:
        with transaction.atomic():
            Recipient.objects.select_for_update().get(pk=rec.pk)
            time.sleep(1.0)
            released.append(time.monotonic())

    def job() -> float:
        time.sleep(0.3)
        pairings_of_leavers_end()
        return time.monotonic()

    held, ended = at_once(hold, job)
    assert held is None and isinstance(ended, float), (held, ended)
    assert ended >= released[0]
    assert Pairing.objects.filter(recipient=rec, lead=True, ended_on__isnull=True).count() == 1
