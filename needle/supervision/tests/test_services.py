from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from needle.core.audit import AuditEvent
from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.orgs.models import UnitType
from needle.supervision import services as svc
from needle.supervision.models import Colour, Entry, EntryStatus, Refusal, Status, Target
from needle.supervision.selectors.colours import Clock, colour_of, expected_progress
from needle.supervision.selectors.tasks import my_tasks, task_board
from needle.testing import World

TODAY = timezone.localdate()


def admit(w: World, task_type: str = "survey", hours: str = "2.5", district: str = "district_a") -> Entry:
    a = district == "district_a"
    entry = svc.entry_apply(
        actor=w.people["handler" if a else "city_admin"],
        issuer=w.units["district_a_env" if a else "city_go"],
        district=w.areas[district],
        task_type=task_type,
        asks="Count the households",
        basis="Regulation 7",
        hours=hours,
        valid_from=TODAY - dt.timedelta(days=1),
        valid_until=TODAY + dt.timedelta(days=365),
    )
    return svc.entry_decide(
        actor=w.people["office" if a else "city_admin"], entry_id=entry.pk, decision="admitted"
    )


def issue(w: World, persona: str = "office", issuer: str = "district_a_go", **kw: Any) -> Any:
    targets = kw.pop("targets", [{"area": w.areas["district_a"].code, "unit_type": UnitType.STREET_OFFICE}])
    draft = svc.Draft(
        title=kw.pop("title", "Check fire exits"),
        deadline=kw.pop("deadline", TODAY + dt.timedelta(days=20)),
        **kw,
    )
    return svc.task_issue(actor=w.people[persona], issuer=w.units[issuer], draft=draft, targets=targets)


def test_issue_to_every_street_of_the_district(world: World) -> None:
    task = issue(world)
    assert task.targets_count == 2
    units = set(Target.objects.filter(task=task).values_list("unit_id", flat=True))
    assert units == {world.units["street_a1"].pk, world.units["street_a2"].pk}
    # The streets' level above is the district: the issuer signs off.
    assert set(Target.objects.filter(task=task).values_list("signer_id", flat=True)) == {
        world.units["district_a_go"].pk
    }
    assert AuditEvent.objects.filter(action="supervision.task.issued", object_id=str(task.pk)).count() == 1


def test_communities_signed_off_by_their_street(world: World) -> None:
    admit(world)
    task = issue(
        world,
        task_type="survey",
        targets=[{"area": "500103000000", "unit_type": UnitType.RESIDENT_COMMITTEE}],
    )
    signers = dict(Target.objects.filter(task=task).values_list("unit_id", "signer_id"))
    assert signers[world.units["rc_a1a"].pk] == world.units["street_a1"].pk
    assert signers[world.units["rc_a2a"].pk] == world.units["street_a2"].pk
    assert set(Target.objects.filter(task=task).values_list("hours", flat=True)) == {Decimal("2.5")}


def test_unlisted_type_to_communities_is_refused_and_kept(world: World) -> None:
    with pytest.raises(ValidationFailed) as e:
        issue(world, task_type="photo_wall", targets=[world.units["rc_a1a"].pk])
    assert e.value.code == "task_type_not_admitted"
    assert "photo_wall" in e.value.message
    assert Refusal.objects.filter(issuer=world.units["district_a_go"], task_type="photo_wall").count() == 1
    # Streets take any type.
    assert issue(world, task_type="photo_wall", targets=[world.units["street_a1"].pk]).targets_count == 1


def test_admitted_type_of_another_district_does_not_pass(world: World) -> None:
    admit(world, district="district_b")
    with pytest.raises(ValidationFailed):
        issue(world, task_type="survey", targets=[world.units["rc_a1a"].pk])


def test_expired_entry_does_not_pass(world: World) -> None:
    entry = admit(world)
    Entry.objects.filter(pk=entry.pk).update(
        valid_until=TODAY - dt.timedelta(days=1), valid_from=TODAY - dt.timedelta(days=9)
    )
    with pytest.raises(ValidationFailed):
        issue(world, task_type="survey", targets=[world.units["rc_a1a"].pk])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("deadline", TODAY - dt.timedelta(days=1)),
        ("title", "x" * 201),
        ("title", "a\x00b"),
        ("title", ""),
        ("task_type", "no spaces"),
        ("source", "rumour"),
    ],
)
def test_bad_drafts(world: World, field: str, value: Any) -> None:
    with pytest.raises(ValidationFailed) as e:
        issue(world, **{field: value})
    assert field in e.value.fields


def test_targets_outside_the_issuers_area(world: World) -> None:
    with pytest.raises(ValidationFailed) as e:
        issue(world, targets=[world.units["street_b1"].pk])
    assert e.value.code == "target_outside_area"
    with pytest.raises(ValidationFailed) as e:
        issue(world, targets=[{"area": world.areas["district_b"].code, "unit_type": UnitType.STREET_OFFICE}])
    assert e.value.code == "target_outside_area"


def test_who_may_issue(world: World) -> None:
    for persona in ("staff", "analyst", "outsider", "supervisor", "handler"):
        with pytest.raises(PermissionDenied):
            issue(world, persona=persona)
    assert issue(world, persona="handler", issuer="district_a_env").targets_count == 2


def test_working_days_deadline(world: World) -> None:
    task = svc.task_issue(
        actor=world.people["office"],
        issuer=world.units["district_a_go"],
        draft=svc.Draft(title="t", working_days=5),
        targets=[world.units["street_a1"].pk],
    )
    # Five working days are at least a week on the calendar, at most a week plus holidays.
    assert TODAY + dt.timedelta(days=5) <= task.deadline <= TODAY + dt.timedelta(days=30)


def street_target(w: World, task: Any) -> Target:
    return Target.objects.get(task=task, unit=w.units["street_a1"])


def test_lifecycle_sign_off_and_wrong_level(world: World) -> None:
    task = issue(world)
    target = street_target(world, task)
    with pytest.raises(NotFound):
        svc.target_accept(actor=world.people["staff"], target_id=target.pk)
    with pytest.raises(PermissionDenied):
        svc.target_accept(actor=world.people["analyst"], target_id=target.pk)
    svc.target_accept(actor=world.people["supervisor"], target_id=target.pk)
    svc.target_progress(actor=world.people["supervisor"], target_id=target.pk, progress=40, text="half way")
    with pytest.raises(ValidationFailed):
        svc.target_progress(actor=world.people["supervisor"], target_id=target.pk, progress=101)
    with pytest.raises(Conflict):
        svc.target_sign_off(actor=world.people["office"], target_id=target.pk)
    svc.target_done(actor=world.people["supervisor"], target_id=target.pk, text="all checked")
    # The street cannot sign off its own work; the district office signs it off.
    with pytest.raises(PermissionDenied):
        svc.target_sign_off(actor=world.people["supervisor"], target_id=target.pk)
    svc.target_return(actor=world.people["office"], target_id=target.pk, reason="photos missing")
    svc.target_done(actor=world.people["supervisor"], target_id=target.pk)
    done = svc.target_sign_off(actor=world.people["office"], target_id=target.pk)
    assert done.status == Status.SIGNED_OFF and done.progress == 100
    assert AuditEvent.objects.filter(action="supervision.target.signed_off").count() == 1


def test_split_and_mean_progress(world: World) -> None:
    admit(world)
    task = issue(world, task_type="survey")
    target = street_target(world, task)
    with pytest.raises(PermissionDenied):
        svc.target_split(actor=world.people["staff"], target=target)
    child = svc.target_split(actor=world.people["supervisor"], target=target)
    assert child.targets_count == 2  # A1a and A1b
    with pytest.raises(Conflict):
        svc.target_split(actor=world.people["supervisor"], target=target)
    a1a = Target.objects.get(task=child, unit=world.units["rc_a1a"])
    a1b = Target.objects.get(task=child, unit=world.units["rc_a1b"])
    assert a1a.signer_id == world.units["street_a1"].pk
    svc.target_progress(actor=world.people["staff"], target_id=a1a.pk, progress=50)
    assert street_target(world, task).progress == 25
    with pytest.raises(ValidationFailed) as e:
        svc.target_progress(actor=world.people["supervisor"], target_id=target.pk, progress=90)
    assert e.value.code == "progress_from_children"
    svc.target_done(actor=world.people["staff_a1b"], target_id=a1b.pk)
    assert street_target(world, task).progress == 75
    # A community's done is signed off by its street, not by the district office.
    with pytest.raises(PermissionDenied):
        svc.target_sign_off(actor=world.people["office"], target_id=a1b.pk)
    svc.target_sign_off(actor=world.people["supervisor"], target_id=a1b.pk)


def test_split_of_unlisted_type_is_refused(world: World) -> None:
    target = street_target(world, issue(world, task_type="photo_wall"))
    with pytest.raises(ValidationFailed) as e:
        svc.target_split(actor=world.people["supervisor"], target=target)
    assert e.value.code == "task_type_not_admitted"


def test_decline_only_unlisted(world: World) -> None:
    admit(world)
    listed = issue(world, task_type="survey", targets=[world.units["rc_a1a"].pk])
    with pytest.raises(ValidationFailed) as e:
        svc.target_decline(actor=world.people["staff"], target_id=Target.objects.get(task=listed).pk)
    assert e.value.code == "task_type_admitted"
    unlisted = svc.task_issue(
        actor=world.people["office"],
        issuer=world.units["district_a_go"],
        draft=svc.Draft(title="Photo wall", task_type="photo_wall", deadline=TODAY + dt.timedelta(days=3)),
        targets=[world.units["rc_a1a"].pk],
        deliver_unlisted=True,
    )
    target = Target.objects.get(task=unlisted)
    assert not target.listed
    with pytest.raises(NotFound):
        svc.target_decline(actor=world.people["staff_a1b"], target_id=target.pk)
    with pytest.raises(PermissionDenied):
        svc.target_decline(actor=world.people["office"], target_id=target.pk)
    declined = svc.target_decline(actor=world.people["staff"], target_id=target.pk, reason="not on the list")
    assert declined.status == Status.DECLINED and declined.declined_on == TODAY


def test_extension(world: World) -> None:
    target = street_target(world, issue(world))
    later = target.deadline + dt.timedelta(days=10)
    with pytest.raises(ValidationFailed):
        svc.extension_ask(
            actor=world.people["supervisor"], target_id=target.pk, until=target.deadline, reason="rain"
        )
    svc.extension_ask(actor=world.people["supervisor"], target_id=target.pk, until=later, reason="rain")
    with pytest.raises(PermissionDenied):
        svc.extension_decide(actor=world.people["supervisor"], target_id=target.pk, grant=True)
    granted = svc.extension_decide(actor=world.people["office"], target_id=target.pk, grant=True)
    assert granted.deadline == later and granted.extension == "granted"
    with pytest.raises(Conflict):
        svc.extension_decide(actor=world.people["office"], target_id=target.pk, grant=False)


def test_admission_decide_permissions(world: World) -> None:
    entry = svc.entry_apply(
        actor=world.people["handler"],
        issuer=world.units["district_a_env"],
        district=world.areas["district_a"],
        task_type="survey",
        asks="x",
        basis="y",
        hours=1,
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=30),
    )
    for persona in ("handler", "supervisor", "staff", "analyst", "outsider"):
        with pytest.raises(PermissionDenied):
            svc.entry_decide(actor=world.people[persona], entry_id=entry.pk, decision="admitted")
    with pytest.raises(PermissionDenied):
        svc.entry_apply(
            actor=world.people["staff"],
            issuer=world.units["rc_a1a"],
            district=world.areas["district_a"],
            task_type="x",
            asks="x",
            basis="y",
            hours=1,
            valid_from=TODAY,
            valid_until=TODAY,
        )
    decided = svc.entry_decide(
        actor=world.people["office"], entry_id=entry.pk, decision="refused", note="duplicate"
    )
    assert decided.status == EntryStatus.REFUSED
    with pytest.raises(Conflict):
        svc.entry_decide(actor=world.people["office"], entry_id=entry.pk, decision="admitted")


def test_colours() -> None:
    d = dt.date(2026, 3, 1)
    at = Clock(today=d, blue_until=d + dt.timedelta(days=4))
    issued = d - dt.timedelta(days=10)
    assert expected_progress(issued_on=issued, deadline=d + dt.timedelta(days=10), today=d) == 50
    kw: dict[str, Any] = {"issued_on": issued, "at": at}
    assert (
        colour_of(status=Status.SIGNED_OFF, progress=100, deadline=d - dt.timedelta(days=1), **kw)
        == Colour.GREEN
    )
    assert (
        colour_of(status=Status.REPORTING, progress=90, deadline=d - dt.timedelta(days=1), **kw) == Colour.RED
    )
    assert (
        colour_of(status=Status.REPORTING, progress=40, deadline=d + dt.timedelta(days=10), **kw)
        == Colour.YELLOW
    )
    assert (
        colour_of(status=Status.REPORTING, progress=60, deadline=d + dt.timedelta(days=10), **kw)
        == Colour.NONE
    )
    assert (
        colour_of(status=Status.REPORTING, progress=90, deadline=d + dt.timedelta(days=3), **kw)
        == Colour.BLUE
    )
    assert colour_of(status=Status.DONE, progress=100, deadline=d - dt.timedelta(days=3), **kw) == Colour.NONE


def test_board_counts_and_colour_filter(world: World) -> None:
    task = issue(world)
    target = street_target(world, task)
    svc.target_done(actor=world.people["supervisor"], target_id=target.pk)
    svc.target_sign_off(actor=world.people["office"], target_id=target.pk)
    board = task_board(actor=world.people["office"], task=task, colour=Colour.GREEN)
    assert board.by_status[Status.SIGNED_OFF] == 1 and board.by_status[Status.ISSUED] == 1
    assert board.by_colour[Colour.GREEN] == 1
    assert [r.target.pk for r in board.page.items] == [target.pk]


def test_my_tasks(world: World) -> None:
    task = issue(world)
    target = street_target(world, task)
    assert [r.target.pk for r in my_tasks(actor=world.people["supervisor"]).to_do] == [target.pk]
    svc.target_done(actor=world.people["supervisor"], target_id=target.pk)
    mine = my_tasks(actor=world.people["office"])
    assert [r.target.pk for r in mine.to_sign] == [target.pk]
    assert [t.pk for t, _ in mine.issued] == [task.pk]


def test_issue_queries_do_not_grow_with_the_targets(world: World, django_assert_max_num_queries: Any) -> None:
    from needle.testing import UnitFactory

    admit(world)
    for i in range(40):
        area = world.areas["community_a1a"] if i % 2 else world.areas["community_a1b"]
        UnitFactory.create(type=UnitType.RESIDENT_COMMITTEE, area=area, code=f"rc-extra-{i}")
    with django_assert_max_num_queries(12):
        task = issue(
            world,
            task_type="survey",
            targets=[{"area": "500103000000", "unit_type": UnitType.RESIDENT_COMMITTEE}],
        )
    assert task.targets_count == 43
