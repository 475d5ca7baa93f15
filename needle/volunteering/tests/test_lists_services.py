"""The lists' services, persona by persona: needs, projects and shifts, claims, dispatch, ratings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from needle import testing as t
from needle.core.audit import AuditEvent
from needle.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from needle.notify.models import Notification
from needle.volunteering.models import HOLDING, Claim, ClaimStatus, NeedStatus, ProjectKind, Shift
from needle.volunteering.services import lists as s
from needle.volunteering.services import lists_claims as c
from needle.volunteering.tests.lists_helpers import at, checked_in, draft, first_shift, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(vworld: t.World) -> t.World:
    return checked_in(vworld)


def _need(w: t.World, who: str = "staff", **kw):
    kw.setdefault("title", "独居老人每周探访")
    return s.need_create(actor=w.people[who], community=w.areas["community_a1a"], category="elderly", **kw)


# -- needs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "grid_worker", "street_admin", "root"])
def test_staff_and_grid_workers_raise_needs(w, who):
    need = _need(w, who, skill_codes=["first_aid"], people_needed=3, urgency="urgent")
    assert need.status == NeedStatus.OPEN and need.area_path == w.areas["community_a1a"].path
    assert [k.code for k in need.skills.all()] == ["first_aid"]
    assert AuditEvent.objects.filter(action="volunteering.need.raised", object_id=str(need.pk)).exists()


@pytest.mark.parametrize("who", ["member", "unit_coord", "supervisor", "outsider", "other_supervisor"])
def test_others_raise_no_need(w, who):
    with pytest.raises(PermissionDenied):
        _need(w, who)


def test_anonymous_raises_no_need(w):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        s.need_create(actor=AnonymousUser(), community=w.areas["community_a1a"], title="x")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"people_needed": 0}, "people_needed"),
        ({"people_needed": True}, "people_needed"),
        ({"skill_codes": ["nope"]}, "skill_codes"),
        ({"starts_on": dt.date(1901, 1, 1)}, "starts_on"),
        ({"starts_on": dt.date(2999, 1, 1)}, "starts_on"),
        ({"ends_on": dt.date.today() - dt.timedelta(days=3)}, "ends_on"),
        ({"urgency": "panic"}, "urgency"),
        ({"place": "p\x00"}, "place"),
    ],
)
def test_bad_needs_are_refused_by_field(w, kw, field):
    with pytest.raises(ValidationFailed) as err:
        _need(w, **kw)
    assert field in err.value.fields


def test_a_need_is_raised_in_a_community_and_its_own_grid_only(w):
    with pytest.raises(ValidationFailed) as err:
        s.need_create(actor=w.people["street_admin"], community=w.areas["street_a1"], title="x")
    assert "community" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        _need(w, grid=w.areas["community_a1b"])
    assert "grid" in err.value.fields
    assert _need(w, grid=w.areas["grid_a1a"]).area_path == w.areas["grid_a1a"].path


def test_need_moves_follow_the_table(w):
    need = _need(w)
    met = s.need_meet(actor=w.people["grid_worker"], need=need, note="done")
    assert met.need.status == NeedStatus.MET and met.case_note == ""
    with pytest.raises(Conflict):
        s.need_withdraw(actor=w.people["staff"], need=need)
    assert s.need_reopen(actor=w.people["staff"], need=need).status == NeedStatus.OPEN
    assert s.need_withdraw(actor=w.people["staff"], need=need).status == NeedStatus.WITHDRAWN
    with pytest.raises(PermissionDenied):
        s.need_reopen(actor=w.people["member"], need=need)


@pytest.fixture
def case(w, catalog):
    return t.submit(w, catalog["road"])


def test_a_need_from_a_request_takes_its_words_and_community(w, case):
    need = s.need_from_case(actor=w.people["staff"], case=case, category="repairs")
    assert need.case == case and need.community == w.areas["community_a1a"]
    assert need.description == case.description
    with pytest.raises(Conflict):
        s.need_from_case(actor=w.people["staff"], case=case)


def test_a_request_the_actor_cannot_see_makes_no_need(w, case):
    for who in ("member", "outsider", "resident"):
        with pytest.raises((NotFound, PermissionDenied)):
            s.need_from_case(actor=w.people[who], case=case)


def test_meeting_a_need_resolves_its_request_only_when_the_cases_rules_allow(w, case):
    need = s.need_from_case(actor=w.people["staff"], case=case)
    met = s.need_meet(actor=w.people["staff"], need=need, note="修好了", resolve_case=True)
    # The community's staff do not handle the request (its lead unit does): the need is met,
    # the request is left as it is, and the note says why.
    assert met.need.status == NeedStatus.MET and not met.case_resolved
    assert case.number in met.case_note
    case.refresh_from_db()
    assert case.state != "resolved"


def test_a_handler_meeting_the_need_resolves_the_request(w, case):
    from needle.cases.services.lifecycle import case_accept
    from needle.orgs.models import Role, RoleAssignment

    case.refresh_from_db()
    assert case.lead_unit == w.units["district_a_env"]
    need = s.need_from_case(actor=w.people["staff"], case=case)
    # The lead unit's handler, also a grid worker of the community, meets the need: a request
    # not yet accepted cannot be resolved (said, the need met all the same)...
    RoleAssignment.objects.create(person=w.people["handler"], unit=w.units["rc_a1a"], role=Role.VISITOR)
    met = s.need_meet(actor=w.people["handler"], need=need, note="修好了", resolve_case=True)
    assert met.need.status == NeedStatus.MET and not met.case_resolved and case.number in met.case_note
    # ...an accepted one is resolved with it.
    s.need_reopen(actor=w.people["staff"], need=need)
    case_accept(actor=w.people["handler"], case=case)
    met = s.need_meet(actor=w.people["handler"], need=need, note="修好了", resolve_case=True)
    case.refresh_from_db()
    assert met.case_resolved and met.case_note == "" and case.state == "resolved"


# -- projects and shifts -----------------------------------------------------------------------


def test_staff_create_a_project_with_shifts(w):
    need = _need(w)
    project = make_project(w, draft(2), draft(3, skill_codes=["it"]), need_ids=[need.pk])
    shifts = list(project.shifts.all())
    assert len(shifts) == 2 and all(x.area_path == w.areas["community_a1a"].path for x in shifts)
    assert list(project.needs.all()) == [need] and project.coordinator == w.people["staff"]


def test_a_recurring_project_repeats_weekly(w):
    project = make_project(w, draft(1), kind=ProjectKind.RECURRING, weeks=4)
    starts = sorted(project.shifts.values_list("starts_at", flat=True))
    assert len(starts) == 4 and starts[1] - starts[0] == dt.timedelta(weeks=1)


def test_a_flexible_project_has_tasks_by_a_day(w):
    day = timezone.localdate() + dt.timedelta(days=7)
    project = make_project(w, s.ShiftDraft(due_on=day, slots=3), kind=ProjectKind.FLEXIBLE)
    assert first_shift(project).due_on == day and first_shift(project).starts_at is None
    with pytest.raises(ValidationFailed) as err:
        make_project(w, draft(), kind=ProjectKind.FLEXIBLE)
    assert "shifts.0.due_on" in err.value.fields


@pytest.mark.parametrize("who", ["grid_worker", "member", "unit_coord", "supervisor", "outsider"])
def test_only_staff_create_projects(w, who):
    with pytest.raises(PermissionDenied):
        s.project_create(actor=w.people[who], community=w.areas["community_a1a"], title="x", shifts=[draft()])


@pytest.mark.parametrize(
    ("shift", "field"),
    [
        (s.ShiftDraft(starts_at=at(2, 10), ends_at=at(2, 9)), "shifts.0.ends_at"),
        (s.ShiftDraft(starts_at=at(2), ends_at=at(2, 11), slots=0), "shifts.0.slots"),
        (s.ShiftDraft(starts_at=at(2), ends_at=at(2, 11), slots=501), "shifts.0.slots"),
        (s.ShiftDraft(starts_at=at(-30), ends_at=at(-30, 11)), "shifts.0.starts_at"),
        (s.ShiftDraft(starts_at=at(3000), ends_at=at(3000, 11)), "shifts.0.starts_at"),
        (s.ShiftDraft(starts_at=at(2), ends_at=at(20)), "shifts.0.ends_at"),
        (s.ShiftDraft(starts_at=at(2), ends_at=at(2, 11), place="a\x00"), "shifts.0.place"),
        (s.ShiftDraft(starts_at=dt.datetime(2030, 1, 1), ends_at=at(2, 11)), "shifts.0.starts_at"),
        (s.ShiftDraft(), "shifts.0.starts_at"),
    ],
)
def test_bad_shifts_are_refused_by_field(w, shift, field):
    with pytest.raises(ValidationFailed) as err:
        make_project(w, shift)
    assert field in err.value.fields


def test_other_bad_project_input(w):
    other = s.need_create(actor=w.people["root"], community=w.areas["community_a1b"], title="别处")
    for kw, field in (
        ({"need_ids": [other.pk]}, "need_ids"),
        ({"kind": "daily"}, "kind"),
        ({"weeks": 3}, "weeks"),
        ({"title": "\x00"}, "title"),
    ):
        with pytest.raises(ValidationFailed) as err:
            make_project(w, draft(), **kw)
        assert field in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        s.project_create(
            actor=w.people["staff"],
            community=w.areas["community_a1a"],
            title="x",
            kind=ProjectKind.RECURRING,
            weeks=52,
            shifts=[draft(1), draft(2), draft(3), draft(4)],
        )
    assert "shifts" in err.value.fields


def test_shift_add_cancel_and_project_close(w):
    project = make_project(w)
    shift = s.shift_add(actor=w.people["staff"], project=project, draft=draft(5))
    with pytest.raises(PermissionDenied):
        s.shift_add(actor=w.people["member"], project=project, draft=draft(6))
    claim = c.claim_create(actor=w.people["member"], shift=shift)
    s.shift_cancel(actor=w.people["staff"], shift=shift, reason="下雨")
    shift.refresh_from_db()
    claim.refresh_from_db()
    assert shift.cancelled and shift.filled == 0 and claim.status == ClaimStatus.CANCELLED
    assert Notification.objects.filter(
        recipient=w.people["member"], verb="volunteering.shift.cancelled"
    ).exists()
    with pytest.raises(Conflict):
        c.claim_create(actor=w.people["member2"], shift=shift)
    with pytest.raises(PermissionDenied):
        s.project_close(actor=w.people["grid_worker"], project=project)
    s.project_close(actor=w.people["staff"], project=project)
    with pytest.raises(Conflict):
        c.claim_create(actor=w.people["member2"], shift=first_shift(project))
    with pytest.raises(Conflict):
        s.shift_add(actor=w.people["staff"], project=project, draft=draft(7))


# -- claims ------------------------------------------------------------------------------------


def _filled_exact(shift: Shift) -> None:
    shift.refresh_from_db()
    assert shift.filled == Claim.objects.filter(shift=shift, status__in=HOLDING).count()


def test_members_claim_until_the_slots_are_taken(w):
    shift = first_shift(make_project(w, draft(slots=2)))
    c.claim_create(actor=w.people["member"], shift=shift)
    c.claim_create(actor=w.people["member2"], shift=shift)
    with pytest.raises(Conflict) as err:
        c.claim_create(actor=w.people["member3"], shift=shift)
    assert err.value.code == "full"
    _filled_exact(shift)


def test_a_member_claims_a_shift_once(w):
    shift = first_shift(make_project(w))
    c.claim_create(actor=w.people["member"], shift=shift)
    with pytest.raises(Conflict) as err:
        c.claim_create(actor=w.people["member"], shift=shift)
    assert err.value.code == "already_claimed"
    _filled_exact(shift)


def test_overlapping_shifts_are_refused_naming_the_one_held(w):
    one = first_shift(make_project(w, draft(2, 9, 3), title="上午巡逻"))
    two = first_shift(make_project(w, draft(2, 11, 2), title="文明劝导"))
    after = first_shift(make_project(w, draft(2, 12, 1), title="午后"))
    c.claim_create(actor=w.people["member"], shift=one)
    with pytest.raises(Conflict) as err:
        c.claim_create(actor=w.people["member"], shift=two)
    assert err.value.code == "overlapping" and "上午巡逻" in err.value.message
    assert err.value.extra["shift"] == one.pk
    c.claim_create(actor=w.people["member"], shift=after)  # back to back is fine


def test_flexible_tasks_overlap_nothing(w):
    day = timezone.localdate() + dt.timedelta(days=2)
    task = first_shift(make_project(w, s.ShiftDraft(due_on=day, slots=5), kind=ProjectKind.FLEXIBLE))
    timed = first_shift(make_project(w, draft(2)))
    c.claim_create(actor=w.people["member"], shift=timed)
    c.claim_create(actor=w.people["member"], shift=task)


@pytest.mark.parametrize("who", ["staff", "outsider", "unit_coord", "resident"])
def test_without_a_confirmed_check_in_nobody_claims(w, who):
    shift = first_shift(make_project(w))
    with pytest.raises(PermissionDenied) as err:
        c.claim_create(actor=w.people[who], shift=shift)
    assert err.value.code == "not_checked_in" and "check in" in err.value.message


def test_a_submitted_check_in_is_not_enough(w):
    from needle.volunteering.models import CheckIn

    CheckIn.objects.filter(person=w.people["member"]).update(status="submitted")
    with pytest.raises(PermissionDenied):
        c.claim_create(actor=w.people["member"], shift=first_shift(make_project(w)))


def test_cancelling_frees_the_slot_and_tells_the_coordinator(w):
    shift = first_shift(make_project(w, draft(slots=1)))
    claim = c.claim_create(actor=w.people["member"], shift=shift)
    with pytest.raises(PermissionDenied):
        c.claim_cancel(actor=w.people["member2"], claim=claim)
    c.claim_cancel(actor=w.people["member"], claim=claim, reason="临时出差")
    _filled_exact(shift)
    assert Notification.objects.filter(
        recipient=w.people["staff"], verb="volunteering.claim.cancelled"
    ).exists()
    c.claim_create(actor=w.people["member2"], shift=shift)
    with pytest.raises(Conflict):
        c.claim_cancel(actor=w.people["member"], claim=claim)


def test_dispatch_to_a_member_who_accepts_then_staff_mark_it_done(w):
    shift = first_shift(make_project(w, draft(slots=1)))
    claim = c.claim_dispatch(actor=w.people["staff"], shift=shift, person=w.people["member2"], note="请支援")
    assert claim.status == ClaimStatus.DISPATCHED
    _filled_exact(shift)
    assert Notification.objects.filter(
        recipient=w.people["member2"], verb="volunteering.claim.dispatched"
    ).exists()
    with pytest.raises(PermissionDenied):
        c.claim_accept(actor=w.people["member"], claim=claim)
    with pytest.raises(PermissionDenied):
        c.claim_done(actor=w.people["member2"], claim=claim)
    with pytest.raises(Conflict):
        c.claim_done(actor=w.people["staff"], claim=claim)
    c.claim_accept(actor=w.people["member2"], claim=claim)
    assert c.claim_done(actor=w.people["staff"], claim=claim).status == ClaimStatus.DONE
    _filled_exact(shift)


def test_a_unit_answers_by_someone_with_a_role_in_it(w):
    shift = first_shift(make_project(w, draft(slots=2)))
    claim = c.claim_dispatch(actor=w.people["staff"], shift=shift, unit=w.units["workplace"])
    for who in ("member", "supervisor", "outsider"):
        with pytest.raises(PermissionDenied):
            c.claim_decline(actor=w.people[who], claim=claim, reason="忙")
    with pytest.raises(ValidationFailed) as err:
        c.claim_decline(actor=w.people["unit_coord"], claim=claim, reason="")
    assert "reason" in err.value.fields
    c.claim_decline(actor=w.people["unit_coord"], claim=claim, reason="人手不足")
    _filled_exact(shift)
    assert Notification.objects.filter(
        recipient=w.people["staff"], verb="volunteering.claim.declined"
    ).exists()


@pytest.mark.parametrize("who", ["grid_worker", "member", "unit_coord", "supervisor", "outsider"])
def test_only_staff_dispatch(w, who):
    shift = first_shift(make_project(w))
    with pytest.raises(PermissionDenied):
        c.claim_dispatch(actor=w.people[who], shift=shift, person=w.people["member2"])


def test_dispatch_input(w):
    shift = first_shift(make_project(w))
    with pytest.raises(ValidationFailed) as err:
        c.claim_dispatch(actor=w.people["staff"], shift=shift)
    assert "person" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        c.claim_dispatch(actor=w.people["staff"], shift=shift, person=w.people["outsider"])
    assert "person" in err.value.fields
    with pytest.raises(ValidationFailed):
        c.claim_dispatch(actor=w.people["staff"], shift=shift, person=w.people["member"], note="\x00")


def test_a_dispatched_task_respects_overlap_and_slots(w):
    one = first_shift(make_project(w, draft(2, 9, 3)))
    two = first_shift(make_project(w, draft(2, 10, 1, slots=1)))
    c.claim_create(actor=w.people["member"], shift=one)
    with pytest.raises(Conflict):
        c.claim_dispatch(actor=w.people["staff"], shift=two, person=w.people["member"])
    c.claim_dispatch(actor=w.people["staff"], shift=two, unit=w.units["workplace"])
    with pytest.raises(Conflict):
        c.claim_dispatch(actor=w.people["staff"], shift=two, person=w.people["member2"])


# -- ratings -----------------------------------------------------------------------------------


def test_residents_of_the_community_rate_once_a_second_replaces(w):
    project = make_project(w)
    rating, made = c.rating_give(actor=w.people["resident"], project=project, rating=4, comment="很好")
    assert made
    rating, made = c.rating_give(actor=w.people["resident"], project=project, rating=5)
    assert not made and rating.rating == 5 and project.ratings.count() == 1


def test_the_reporter_of_a_linked_request_rates(w, case):
    from needle.orgs.models import Person

    Person.objects.filter(pk=w.people["resident"].pk).update(home_area=None)
    w.people["resident"].refresh_from_db()
    need = s.need_from_case(actor=w.people["staff"], case=case)
    project = make_project(w, need_ids=[need.pk])
    assert c.rating_give(actor=w.people["resident"], project=project, rating=3)[1]


@pytest.mark.parametrize("who", ["outsider", "supervisor", "member3"])
def test_who_did_not_receive_the_service_does_not_rate(w, who):
    with pytest.raises(PermissionDenied):
        c.rating_give(actor=w.people[who], project=make_project(w), rating=5)


def test_nobody_rates_their_own_service(w):
    project = make_project(w)
    c.claim_create(actor=w.people["member2"], shift=first_shift(project))
    with pytest.raises(PermissionDenied):
        c.rating_give(actor=w.people["member2"], project=project, rating=5)


@pytest.mark.parametrize(("rating", "comment"), [(0, ""), (6, ""), (True, ""), (3, "\x00")])
def test_bad_ratings(w, rating, comment):
    with pytest.raises(ValidationFailed):
        c.rating_give(actor=w.people["resident"], project=make_project(w), rating=rating, comment=comment)


def test_dispatch_refuses_an_outsider_before_it_tells_anything(vworld: t.World) -> None:
    """The permission comes first: an outsider learns nothing of a member's check-in."""
    shift = first_shift(make_project(vworld))
    with pytest.raises(PermissionDenied):
        c.claim_dispatch(actor=vworld.people["outsider"], shift=shift, person=vworld.people["member3"])
