import datetime as dt

import pytest
from django.utils import timezone

from needle import testing as t
from needle.center import services as s
from needle.center.models import Registration, Status
from needle.center.services.seats import offer_deadline, waitlist_position
from needle.center.states import MOVES
from needle.center.tests.conftest import make_activity
from needle.core.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.core.states import step_allowed
from needle.notify.models import Notification
from needle.orgs.models import PersonRecord


def resident(world, name):
    return t.PersonFactory.create(username=name, home_area=world.areas["community_a1a"])


def test_staff_of_the_community_and_above_create_activities(world, center):
    assert make_activity(world).area_path == world.areas["community_a1a"].path
    assert AuditEvent.objects.filter(action="center.activity.created").count() == 1
    starts = timezone.now() + dt.timedelta(days=1)
    draft = s.ActivityDraft(
        title="书法班",
        audience="elderly",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=5,
    )
    s.activity_create(actor=world.people["street_admin"], center=center, draft=draft)
    for persona in ("resident", "supervisor", "outsider", "other_supervisor", "handler"):
        with pytest.raises(PermissionDenied):
            s.activity_create(actor=world.people[persona], center=center, draft=draft)
    with pytest.raises(NotAuthenticated):
        s.activity_create(actor=None, center=center, draft=draft)


def test_a_weekly_series_makes_one_session_a_week(world, center):
    first = make_activity(world, weeks=4)
    sessions = list(first.series.sessions.order_by("starts_at"))
    assert len(sessions) == 4
    assert sessions[3].starts_at - sessions[0].starts_at == dt.timedelta(weeks=3)
    assert all(a.registration_closes == a.starts_at for a in sessions)


def test_bad_activities_are_refused_naming_the_fields(world, center):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as err:
        make_activity(
            world,
            capacity=0,
            title="",
            audience="pets",
            ends_at=now,
            min_age=70,
            max_age=60,
            registration_closes=now + dt.timedelta(days=9),
            weeks=60,
        )
    assert set(err.value.fields) == {
        "title",
        "audience",
        "ends_at",
        "capacity",
        "max_age",
        "registration_closes",
        "recurrence",
    }
    other = t.UnitFactory.create(type="resident_committee", area=world.areas["community_a1a"])
    with pytest.raises(ValidationFailed) as err:
        s.activity_create(
            actor=world.people["staff"],
            center=other,
            draft=s.ActivityDraft(title="x", audience="everyone", starts_at=now, ends_at=now, capacity=1),
        )
    assert set(err.value.fields) == {"center"}


def test_seats_then_a_waitlist_in_arrival_order(world, center):
    activity = make_activity(world, capacity=2)
    people = [resident(world, f"r{i}") for i in range(5)]
    regs = [s.registration_create(actor=p, activity=activity) for p in people]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    assert [waitlist_position(r) for r in regs] == [None, None, 1, 2, 3]
    assert len({r.code for r in regs}) == 5
    assert Notification.objects.filter(recipient=people[2], verb="center.registration.waitlisted").exists()


def test_nobody_registers_twice_until_they_cancel(world, center):
    activity = make_activity(world)
    reg = s.registration_create(actor=world.people["resident"], activity=activity)
    with pytest.raises(Conflict) as err:
        s.registration_create(actor=world.people["resident"], activity=activity)
    assert err.value.code == "already_registered"
    s.registration_cancel(actor=world.people["resident"], registration=reg)
    again = s.registration_create(actor=world.people["resident"], activity=activity)
    assert again.status == Status.CONFIRMED


def test_a_cancelled_seat_is_offered_to_the_first_in_line_who_confirms(world, center):
    activity = make_activity(world, capacity=1)
    a, b, c = (resident(world, n) for n in "abc")
    first = s.registration_create(actor=a, activity=activity)
    second = s.registration_create(actor=b, activity=activity)
    third = s.registration_create(actor=c, activity=activity)
    s.registration_cancel(actor=a, registration=first)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == Status.OFFERED and second.offered_until is not None
    assert waitlist_position(third) == 1
    # Someone new while the offer stands waits behind the line.
    late = s.registration_create(actor=resident(world, "late"), activity=activity)
    assert late.status == Status.WAITLISTED and waitlist_position(late) == 2
    assert Notification.objects.filter(recipient=b, verb="center.registration.offered").exists()
    with pytest.raises(PermissionDenied):
        s.registration_confirm(actor=c, registration=second)
    with pytest.raises(Conflict):
        s.registration_confirm(actor=c, registration=third)
    assert s.registration_confirm(actor=b, registration=second).status == Status.CONFIRMED


def test_an_offer_not_taken_in_time_passes_to_the_next(world, center):
    activity = make_activity(world, capacity=1)
    a, b, c = (resident(world, n) for n in "abc")
    first = s.registration_create(actor=a, activity=activity)
    second = s.registration_create(actor=b, activity=activity)
    third = s.registration_create(actor=c, activity=activity)
    s.registration_cancel(actor=a, registration=first)
    Registration.objects.filter(pk=second.pk).update(offered_until=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(Conflict) as err:
        s.registration_confirm(actor=b, registration=second)
    assert err.value.code == "offer_lapsed"
    from needle.center.tasks import lapse_offers

    assert lapse_offers.call_local() == 1
    assert lapse_offers.call_local() == 0
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == Status.CANCELLED and third.status == Status.OFFERED
    assert AuditEvent.objects.filter(action="center.registration.lapsed", object_id=str(second.pk)).exists()
    assert Notification.objects.filter(recipient=b, verb="center.registration.lapsed").exists()
    assert Notification.objects.filter(recipient=c, verb="center.registration.offered").exists()


def test_an_offer_is_shorter_close_to_the_start():
    now = timezone.now()
    assert offer_deadline(now, now + dt.timedelta(days=5)) == now + dt.timedelta(hours=24)
    assert offer_deadline(now, now + dt.timedelta(hours=6)) == now + dt.timedelta(hours=3)


def test_capacity_never_below_the_seats_taken_and_more_seats_go_to_the_waitlist(world, center):
    activity = make_activity(world, capacity=2)
    regs = [s.registration_create(actor=resident(world, f"r{i}"), activity=activity) for i in range(4)]
    with pytest.raises(ValidationFailed) as err:
        s.activity_set_capacity(actor=world.people["staff"], activity=activity, capacity=1)
    assert set(err.value.fields) == {"capacity"}
    with pytest.raises(PermissionDenied):
        s.activity_set_capacity(actor=world.people["supervisor"], activity=activity, capacity=3)
    s.activity_set_capacity(actor=world.people["staff"], activity=activity, capacity=3)
    assert [Registration.objects.get(pk=r.pk).status for r in regs] == [
        "confirmed",
        "confirmed",
        "offered",
        "waitlisted",
    ]


def test_registration_window_and_age_are_checked(world, center):
    later = timezone.now() + dt.timedelta(days=1)
    activity = make_activity(
        world, registration_opens=later, registration_closes=later + dt.timedelta(hours=1)
    )
    with pytest.raises(ValidationFailed) as err:
        s.registration_create(actor=world.people["resident"], activity=activity)
    assert err.value.code == "registration_closed" and set(err.value.fields) == {"activity"}
    aged = make_activity(world, min_age=60)
    with pytest.raises(ValidationFailed) as err:
        s.registration_create(actor=world.people["resident"], activity=aged)
    assert err.value.code == "not_eligible" and set(err.value.fields) == {"birth_year"}
    young = timezone.localdate().year - 30
    with pytest.raises(ValidationFailed):
        s.registration_create(actor=world.people["resident"], activity=aged, birth_year=young)
    world.people["resident"].refresh_from_db()
    assert world.people["resident"].birth_year is None  # the refused registration changed nothing
    reg = s.registration_create(actor=world.people["resident"], activity=aged, birth_year=young - 40)
    assert reg.status == Status.CONFIRMED
    world.people["resident"].refresh_from_db()
    assert world.people["resident"].birth_year == young - 40


def test_staff_register_a_person_without_an_account_once(world, center):
    activity = make_activity(world, min_age=60)
    staff = world.people["staff"]
    grandma = s.OnBehalf(name="王秀英", phone="138 0000 1111", age=78, consent=True)
    reg = s.registration_create(actor=staff, activity=activity, on_behalf=grandma)
    assert reg.record.phone == "13800001111" and reg.person is None
    assert reg.record.birth_year == timezone.localdate().year - 78
    other = make_activity(world)
    again = s.registration_create(actor=staff, activity=other, on_behalf=grandma)
    assert again.record_id == reg.record_id and PersonRecord.objects.count() == 1
    with pytest.raises(Conflict):
        s.registration_create(actor=staff, activity=activity, on_behalf=grandma)
    with pytest.raises(ValidationFailed) as err:
        s.registration_create(
            actor=staff, activity=other, on_behalf=s.OnBehalf(name="李", phone="12", consent=False)
        )
    assert set(err.value.fields) == {"on_behalf.consent"}
    with pytest.raises(ValidationFailed) as err:
        s.registration_create(
            actor=staff, activity=other, on_behalf=s.OnBehalf(name="李", phone="12", consent=True)
        )
    assert set(err.value.fields) == {"on_behalf.phone"}
    for persona in ("resident", "supervisor", "outsider"):
        with pytest.raises(PermissionDenied):
            s.registration_create(actor=world.people[persona], activity=other, on_behalf=grandma)
    # The staff member who registered her may cancel for her; so may any staff of the center.
    assert s.registration_cancel(actor=staff, registration=again).status == Status.CANCELLED


def test_only_staff_check_in_and_mark_absent(world, center):
    activity = make_activity(world)
    reg = s.registration_create(actor=world.people["resident"], activity=activity)
    for persona in ("resident", "supervisor", "outsider"):
        with pytest.raises(PermissionDenied):
            s.registration_check_in(actor=world.people[persona], registration=reg)
    with pytest.raises(Conflict) as err:
        s.registration_mark_no_show(actor=world.people["staff"], registration=reg)
    assert err.value.code == "not_started"
    reg = s.registration_check_in(actor=world.people["staff"], registration=reg)
    assert reg.status == Status.ATTENDED and reg.attended_at is not None
    with pytest.raises(Conflict):
        s.registration_check_in(actor=world.people["staff"], registration=reg)


def test_others_cannot_cancel_a_registration(world, center):
    activity = make_activity(world)
    reg = s.registration_create(actor=world.people["resident"], activity=activity)
    for persona in ("outsider", "supervisor", "member"):
        with pytest.raises(PermissionDenied):
            s.registration_cancel(actor=world.people[persona], registration=reg)


def test_the_table_holds_the_lifecycle():
    assert step_allowed(MOVES, "waitlisted", "offered") and step_allowed(MOVES, "offered", "confirmed")
    assert step_allowed(MOVES, "confirmed", "attended") and step_allowed(MOVES, "confirmed", "no_show")
    assert not step_allowed(MOVES, "waitlisted", "confirmed") and not step_allowed(
        MOVES, "cancelled", "confirmed"
    )
    assert MOVES["cancel"].sources == {"confirmed", "waitlisted", "offered"}


def test_once_started_only_staff_may_cancel_a_seat(world, center):
    activity = make_activity(world, capacity=3)
    a, b = resident(world, "a"), resident(world, "b")
    first = s.registration_create(actor=a, activity=activity)
    second = s.registration_create(actor=b, activity=activity)
    Registration.objects.filter(activity=activity).update(updated_at=timezone.now())
    type(activity).objects.filter(pk=activity.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))
    with pytest.raises(Conflict) as err:
        s.registration_cancel(actor=a, registration=first)
    assert err.value.code == "started"
    assert Registration.objects.get(pk=first.pk).status == Status.CONFIRMED
    assert s.registration_cancel(actor=world.people["staff"], registration=second).status == Status.CANCELLED
