from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from needle.care.models import Policy, Recipient, Status, VisitKind
from needle.care.selectors.schedule import dashboard_for, days_overdue, policies_for, schedule_for
from needle.care.services.policies import policy_set
from needle.care.services.reminders import DUE_SOON, OVERDUE, reminders_send
from needle.care.services.schedule import Policies, reschedule, reschedule_all
from needle.care.tests import plan_world as pw
from needle.core.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.notify.models import Notification

DUES = ("last_visit_on", "last_call_on", "next_visit_due", "next_call_due")


def _dues(rec: Recipient) -> tuple:
    rec.refresh_from_db()
    return tuple(getattr(rec, f) for f in DUES)


def _at(world, *, overdue: int = 0, due_in: int | None = None, never: bool = False, **kw) -> Recipient:
    """A high-risk recipient (weekly visits) visited so that the next visit is `overdue` days
    late, or due in `due_in` days; `never`: registered long ago, never visited."""
    now = timezone.now()
    if never:
        rec = pw.recipient(world, created=now - dt.timedelta(days=30), **kw)
    else:
        rec = pw.recipient(world, created=now - dt.timedelta(days=60), **kw)
        every = {"high": 7, "medium": 14, "low": 30}[kw.get("risk", "high")]
        days_ago = every + overdue if due_in is None else every - due_in
        pw.visit(rec, days_ago)
    reschedule(rec)
    rec.refresh_from_db()
    return rec


def test_the_lists_by_due(world):
    late = _at(world, overdue=5, name="迟")
    soon = _at(world, due_in=3, name="近")
    later = _at(world, due_in=0, name="今")
    never = _at(world, never=True, name="无")
    far = _at(world, due_in=20, name="远", risk="low")
    ended = _at(world, overdue=9, name="止")
    Recipient.objects.filter(pk=ended.pk).update(status=Status.ENDED)
    staff, path = world.people["staff"], world.areas["community_a1a"].path
    assert list(schedule_for(actor=staff, area_path=path, due="overdue")) == [never, late]
    assert days_overdue(late) == 5 and days_overdue(never) == 23
    assert set(schedule_for(actor=staff, area_path=path, due="week")) == {soon, later}
    assert list(schedule_for(actor=staff, area_path=path, due="never")) == [never]
    assert set(schedule_for(actor=staff, area_path=path)) == {late, soon, later, never, far}
    with pytest.raises(ValidationFailed) as err:
        schedule_for(actor=staff, area_path=path, due="soon")
    assert set(err.value.fields) == {"due"}


def test_a_helper_reads_their_own_list_only(world):
    mine = _at(world, overdue=2)
    _at(world, overdue=3, name="别人")
    member = world.people["member"]
    pw.pair(mine, member)
    assert list(schedule_for(actor=member, helper=member, due="overdue")) == [mine]
    with pytest.raises(PermissionDenied):
        schedule_for(actor=member, area_path=world.areas["community_a1a"].path)
    with pytest.raises(PermissionDenied):
        schedule_for(actor=member, helper=world.people["staff"])
    # The care staff read a helper's list.
    assert list(schedule_for(actor=world.people["staff"], helper=member)) == [mine]


@pytest.mark.parametrize("persona", ["resident", "outsider", "handler", "other_supervisor"])
def test_outsiders_read_no_schedule(world, persona):
    _at(world, overdue=1)
    with pytest.raises(PermissionDenied):
        schedule_for(actor=world.people[persona], area_path=world.areas["community_a1a"].path)
    with pytest.raises(PermissionDenied):
        dashboard_for(actor=world.people[persona], area_path=world.areas["community_a1a"].path)
    with pytest.raises(NotAuthenticated):
        schedule_for(actor=None, area_path=world.areas["community_a1a"].path)


def test_the_supervisor_sees_only_registered_recipients(world):
    registered = _at(world, overdue=1)
    _at(world, overdue=1, consents=0, name="未同意")
    path = world.areas["street_a1"].path
    assert list(schedule_for(actor=world.people["supervisor"], area_path=path)) == [registered]
    assert dashboard_for(actor=world.people["supervisor"], area_path=path)["overdue"] == 1
    assert dashboard_for(actor=world.people["street_admin"], area_path=path)["overdue"] == 2


def test_the_dashboard_counts_equal_direct_counts(world):
    member, li = world.people["member"], pw.member(world, "li", display_name="Li")
    recs = [
        _at(world, overdue=3),
        _at(world, overdue=1),
        _at(world, due_in=2),
        _at(world, never=True),
        _at(world, due_in=20, risk="low"),
    ]
    pw.pair(recs[0], member)
    pw.pair(recs[1], member)
    pw.pair(recs[2], li)
    pw.pair(recs[3], li, lead=False)
    pw.pair(recs[3], member)
    board = dashboard_for(actor=world.people["staff"], area_path=world.areas["community_a1a"].path)
    today = timezone.localdate()
    assert board["total"] == 5
    assert (
        board["overdue"]
        == len([r for r in recs if r.next_visit_due is not None and r.next_visit_due < today])
        == 3
    )
    assert board["week"] == 1 and board["never"] == 1
    assert board["needs_helper"] == 1
    rows = {r.helper_id: r for r in board["by_helper"]}
    assert (rows[member.pk].recipients, rows[member.pk].overdue, rows[member.pk].never) == (3, 3, 1)
    assert (rows[li.pk].recipients, rows[li.pk].overdue, rows[li.pk].week, rows[li.pk].name) == (
        2,
        1,
        1,
        "Li",
    )
    assert board["by_helper"][0].helper_id == member.pk


def test_reschedule_all_equals_reschedule_one_by_one(world):
    """The oracle: the batched recomputation against the per-recipient one, after every kind
    of change (visits, calls, a policy, risk, status), with batches smaller than the rows."""
    rng = random.Random(7)
    now = timezone.now()
    areas = ["community_a1a", "community_a1b", "community_a2a", "community_b1a", "grid_a1a"]
    recs = []
    for i in range(40):
        rec = pw.recipient(
            world,
            area=rng.choice(areas),
            name=f"r{i}",
            risk=rng.choice(["high", "medium", "low"]),
            categories=tuple(
                rng.sample(["elderly_alone", "disability", "low_income", "unemployed"], rng.randint(0, 2))
            ),
            created=now - dt.timedelta(days=rng.randint(0, 200)),
        )
        for _ in range(rng.randint(0, 4)):
            pw.visit(rec, rng.randint(0, 90), rng.choice([VisitKind.HOME, VisitKind.PHONE, VisitKind.VIDEO]))
        recs.append(rec)
    Recipient.objects.filter(pk=recs[0].pk).update(status=Status.DECEASED)
    Policy.objects.create(area=world.areas["district_a"], risk="high", visit_days=5, call_days=2)
    Policy.objects.create(area=None, risk="low", category="disability", visit_days=20, call_days=None)

    def oracle() -> dict[int, tuple]:
        policies = Policies()
        out = {}
        for rec in Recipient.objects.order_by("pk"):
            reschedule(rec, policies)
            out[rec.pk] = _dues(rec)
        return out

    def scramble() -> None:
        Recipient.objects.update(
            next_visit_due=None, next_call_due=None, last_visit_on=None, last_call_on=None
        )

    expected = oracle()
    scramble()
    assert reschedule_all(batch=7) == 40
    assert {r.pk: _dues(r) for r in Recipient.objects.order_by("pk")} == expected
    # Nothing changed: nothing written.
    assert reschedule_all(batch=7) == 0
    # After more visits, a policy change, a risk change: equal again.
    pw.visit(recs[5], 1)
    pw.visit(recs[6], 0, VisitKind.PHONE)
    Recipient.objects.filter(pk=recs[7].pk).update(risk="high")
    Policy.objects.filter(risk="high").update(visit_days=3, call_days=1)
    expected = oracle()
    scramble()
    reschedule_all(batch=3)
    assert {r.pk: _dues(r) for r in Recipient.objects.order_by("pk")} == expected
    # From the stored last contacts (a policy's change): equal too.
    Recipient.objects.update(next_visit_due=None, next_call_due=None)
    reschedule_all(from_visits=False, batch=5)
    assert {r.pk: _dues(r) for r in Recipient.objects.order_by("pk")} == expected
    # A subtree alone.
    scramble()
    reschedule_all(path=world.areas["district_b"].path)
    for rec in Recipient.objects.all():
        if rec.area_path.startswith(world.areas["district_b"].path):
            assert _dues(rec) == expected[rec.pk]
        else:
            assert rec.next_visit_due is None


def test_a_district_policy_reschedules_its_recipients(world):
    a = _at(world, never=True)
    b = _at(world, never=True, area="community_b1a")
    before_b = _dues(b)
    district = world.areas["district_a"]
    policy = policy_set(
        actor=world.people["city_admin"], area=district, risk="high", visit_days=3, call_days=1
    )
    assert (policy.area, policy.visit_days, policy.call_days) == (district, 3, 1)
    a.refresh_from_db()
    assert a.next_visit_due == timezone.localdate(a.created_at) + dt.timedelta(days=3)
    assert _dues(b) == before_b
    event = AuditEvent.objects.get(action="care.policy.set")
    assert event.changes["new"]["visit_days"] == 3
    # Setting it again updates the row.
    policy_set(actor=world.people["root"], area=district, risk="high", visit_days=4)
    assert Policy.objects.get(area=district, risk="high", category="").visit_days == 4
    rows = policies_for(actor=world.people["staff"], district_path=district.path)
    assert any(r.district == district.code and r.visit_days == 4 for r in rows)
    assert sum(r.default for r in rows) == 3


def test_who_may_set_a_policy(world):
    district = world.areas["district_a"]
    # Community staff and street staff hold no grant over the district.
    for persona in ("staff", "street_admin", "supervisor", "member", "outsider"):
        with pytest.raises(PermissionDenied):
            policy_set(actor=world.people[persona], area=district, risk="high", visit_days=3)
    with pytest.raises(PermissionDenied):
        policy_set(actor=world.people["city_admin"], risk="high", visit_days=3)
    policy_set(actor=world.people["root"], risk="high", visit_days=6)
    assert Policy.objects.get(area=None, risk="high").visit_days == 6


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"risk": "extreme", "visit_days": 3}, "risk"),
        ({"risk": "high", "category": "rich", "visit_days": 3}, "category"),
        ({"risk": "high", "visit_days": 0}, "visit_days"),
        ({"risk": "high", "visit_days": True}, "visit_days"),
        ({"risk": "high", "visit_days": "7"}, "visit_days"),
        ({"risk": "high", "visit_days": 7, "call_days": 7}, "call_days"),
        ({"risk": "high", "visit_days": 7, "area": "street"}, "area"),
    ],
)
def test_bad_policies_name_the_field(world, kwargs, field):
    if kwargs.get("area") == "street":
        kwargs = {**kwargs, "area": world.areas["street_a1"]}
    with pytest.raises(ValidationFailed) as err:
        policy_set(actor=world.people["root"], **kwargs)
    assert set(err.value.fields) == {field}
    assert not Policy.objects.exists()


def test_reminders_go_to_helpers_before_the_due_date_and_to_the_staff_when_overdue(world):
    member, li = world.people["member"], pw.member(world, "li")
    pw.pair(_at(world, due_in=1), member)
    pw.pair(_at(world, due_in=2), member)
    pw.pair(_at(world, due_in=5), li)
    _at(world, overdue=3, area="grid_a1a")
    _at(world, overdue=1, area="community_b1a")
    assert reminders_send() == 2
    soon = Notification.objects.get(verb=DUE_SOON)
    assert soon.recipient == member and soon.params["count"] == 2
    late = Notification.objects.get(verb=OVERDUE)
    # The grid's recipient belongs to community a1a: its care staff hear of it.
    assert late.recipient == world.people["staff"] and late.params["count"] == 1
    assert reminders_send() == 0
