"""Every indicator equals a direct count over the raw cases, after each kind of change, and a
rebuild reproduces the incrementally kept rows exactly."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Sum
from django.utils import timezone

from needle import testing as t
from needle.areas.models import Area
from needle.cases import services as cs
from needle.cases.figures import BACKLOG, COUNTERS
from needle.cases.models import Case, Service
from needle.cases.selectors import rates_for
from needle.operations.dashboards import dashboard_for, unit_subtrees
from needle.orgs.models import Unit
from needle.rollups import rebuild as ops_rebuild
from needle.rollups import refresh as ops_refresh
from needle.rollups.models import (
    SPANS,
    CaseFootprint,
    CaseRollup,
    NodeRollup,
    block_start,
    period_blocks,
)
from needle.testing import raw_counts, shift


def test_period_blocks_cover_a_period_exactly_with_few_rows() -> None:
    first = dt.date(2025, 1, 1)
    for length, most in ((1, 1), (7, 4), (30, 12), (365, 20), (1098, 21)):
        for offset in range(0, 400, 7):
            start = first + dt.timedelta(days=offset)
            blocks = period_blocks(start, start + dt.timedelta(days=length - 1))
            days = [b + dt.timedelta(days=i) for span, b in blocks for i in range(span)]
            assert days == [start + dt.timedelta(days=i) for i in range(length)]
            assert all(span in SPANS and b.toordinal() % span == 0 for span, b in blocks)
            assert len(blocks) <= most


def periods() -> list[tuple[dt.date, dt.date]]:
    today = timezone.localdate()
    return [
        (today, today),
        (today - dt.timedelta(days=30), today),
        (today - dt.timedelta(days=13), today - dt.timedelta(days=4)),
    ]


def assert_all_agree(world: t.World) -> None:
    root = world.people["root"]
    for start, end in periods():
        for area in Area.objects.all():
            got = dashboard_for(actor=root, area=area, start=start, end=end)
            want = raw_counts(start=start, end=end, area=area)
            assert got.totals.counts() == want, (area.name, start, end)
            # A node is the sum of its children (and of what sits directly on it), and each
            # child's figures are its own subtree's, counted straight from the cases.
            summed = {c: sum(getattr(r.figures, c) for r in got.children) for c in COUNTERS}
            assert summed == want, area.name
            children = {a.code: a for a in Area.objects.filter(code__in=[r.key for r in got.children])}
            for row in got.children:
                if row.kind == "area":
                    child = raw_counts(start=start, end=end, area=children[row.key])
                    assert row.figures.counts() == child, (area.name, row.name)
            assert {c: sum(getattr(r.figures, c) for r in got.by_service) for c in COUNTERS} == want
            assert {c: sum(getattr(r.figures, c) for r in got.units) for c in COUNTERS} == want
            flows = {c: sum(getattr(f, c) for _d, f in got.trend("day")) for c in COUNTERS}
            assert all(flows[c] == want[c] for c in COUNTERS if c not in BACKLOG)
            rates = rates_for(actor=root, start=start, end=end, area=area)
            assert (
                rates.response_rate,
                rates.resolution_rate,
                rates.satisfaction_rate,
                rates.on_time_rate,
            ) == (
                got.totals.response_rate,
                got.totals.resolution_rate,
                got.totals.satisfaction_rate,
                got.totals.on_time_rate,
            )
        for unit in Unit.objects.all():
            got = dashboard_for(actor=root, unit=unit, start=start, end=end)
            want = raw_counts(start=start, end=end, units=list(unit_subtrees(unit)))
            assert got.totals.counts() == want, (unit.name, start, end)
            summed = {c: sum(getattr(r.figures, c) for r in got.children) for c in COUNTERS}
            assert summed == want, unit.name
            own = raw_counts(start=start, end=end, units=[unit.pk])
            rates = rates_for(actor=root, start=start, end=end, unit=unit)
            assert (rates.received, rates.resolved, rates.callbacks) == (
                own["received"],
                own["resolved"],
                own["callbacks"],
            )


def table(model: Any) -> list[tuple[Any, ...]]:
    names = [f.attname for f in model._meta.fields if f.attname != "id"]
    return sorted(model.objects.values_list(*names))


def assert_rebuild_identical() -> None:
    leaf, nodes = table(CaseRollup), table(NodeRollup)
    prints = sorted(CaseFootprint.objects.values_list("case_id", "data"))
    ops_rebuild.rollups_rebuild(actor=None)
    assert table(CaseRollup) == leaf
    assert table(NodeRollup) == nodes
    assert sorted(CaseFootprint.objects.values_list("case_id", "data")) == prints


def test_first_refresh_builds_everything(world: t.World, busy: dict[str, Case]) -> None:
    result = ops_refresh.rollups_refresh()
    assert result.rebuilt and result.read["cases"] == len(busy)
    assert_all_agree(world)
    assert_rebuild_identical()


def test_refresh_follows_every_kind_of_change(
    world: t.World, busy: dict[str, Case], catalog: dict[str, Any]
) -> None:
    ops_refresh.rollups_refresh()
    w, root = world, world.people["root"]
    # New cases, and edits of old ones, only through the incremental path from here on.
    fresh = t.submit(w, catalog["road"], area="community_a1b")
    fresh = cs.case_accept(actor=root, case=fresh)
    reopened = busy["reopened_by_callback"]
    reopened = cs.case_accept(actor=root, case=reopened)
    reopened = cs.case_resolve(actor=root, case=reopened, note="again")
    cs.case_callback(actor=w.people["dispatcher"], case=reopened, solved=True, rating=4)
    cs.case_reopen(actor=w.people["dispatcher"], case=busy["closed_happy"], reason="又坏了")
    cs.case_merge(actor=w.people["dispatcher"], case=busy["old_open"], parent=fresh)
    cs.case_dispatch(actor=w.people["dispatcher"], case=busy["returned"], unit=w.units["street_a1"])
    cs.deadlines_mark(now=timezone.now() + dt.timedelta(days=2))  # colours on the open cases
    shift(busy["grid_late"], 3)
    Case.objects.filter(pk=busy["street_level"].pk).update(
        area=w.areas["community_b1a"], area_path=w.areas["community_b1a"].path, updated_at=timezone.now()
    )
    result = ops_refresh.rollups_refresh()
    assert not result.rebuilt and result.changed["cases"] >= 7
    assert_all_agree(world)
    again = ops_refresh.rollups_refresh()  # the same window read twice adds nothing
    assert again.objects_changed == 0
    assert_all_agree(world)
    assert_rebuild_identical()


def test_rebuild_since_a_day_keeps_earlier_rows_and_matches(world: t.World, busy: dict[str, Case]) -> None:
    ops_refresh.rollups_refresh()
    # A change the refresh has not seen yet: the rebuild from a recent day must still count it,
    # including the backlog row (older than any day) it changes.
    cs.case_reopen(actor=world.people["dispatcher"], case=busy["old_closed"], reason="没修好")
    call_command("rollups", "rebuild", "--since", (timezone.localdate() - dt.timedelta(days=1)).isoformat())
    assert_all_agree(world)
    assert_rebuild_identical()


def test_rebuild_since_a_day_repairs_damaged_rows_and_leaves_right_ones_alone(
    world: t.World, busy: dict[str, Case]
) -> None:
    ops_refresh.rollups_refresh()
    leaf, nodes = table(CaseRollup), table(NodeRollup)
    since = timezone.localdate() - dt.timedelta(days=3)
    # Rows that are right are not written again.
    written = []

    def count_writes(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        result = execute(sql, params, many, context)
        if re.match(r"(INSERT|UPDATE|DELETE).*_(case|node)rollup", sql):
            written.append(context["cursor"].rowcount)
        return result

    with connection.execute_wrapper(count_writes):
        ops_rebuild.rollups_rebuild(actor=None, since=since)
    assert sum(written) == 0
    assert (table(CaseRollup), table(NodeRollup)) == (leaf, nodes)
    # Damage of every kind from `since` on: a leaf row lost, one miscounted, a stray one, a node
    # day row lost and one miscounted, a block miscounted by the same amount as its day.
    rows = list(CaseRollup.objects.filter(day__gte=since).order_by("pk"))
    assert len(rows) >= 2
    rows[0].delete()
    CaseRollup.objects.filter(pk=rows[1].pk).update(received=99)
    stray = CaseRollup.objects.create(
        day=timezone.localdate(),
        area=rows[1].area,
        area_path=rows[1].area_path,
        area_depth=rows[1].area_depth,
        service_id=rows[1].service_id,
        unit_key=987654,
        received=5,
    )
    days = list(NodeRollup.objects.filter(span=1, day__gte=since).order_by("pk"))
    days[0].delete()
    NodeRollup.objects.filter(pk=days[1].pk).update(resolved=77)
    NodeRollup.objects.filter(span=4, day=block_start(timezone.localdate(), 4)).update(
        received=F("received") + 3
    )
    NodeRollup.objects.filter(span=256, day=block_start(timezone.localdate(), 256)).delete()
    ops_rebuild.rollups_rebuild(actor=None, since=since)
    assert not CaseRollup.objects.filter(pk=stray.pk).exists()
    assert (table(CaseRollup), table(NodeRollup)) == (leaf, nodes)
    assert_all_agree(world)


def test_rebuild_is_audited_and_refuses_a_future_day(world: t.World, busy: dict[str, Case]) -> None:
    from needle.core.errors import ValidationFailed
    from needle.core.models import AuditEvent

    ops_rebuild.rollups_rebuild(actor=world.people["root"])
    assert AuditEvent.objects.filter(action="operations.rollups.rebuilt").count() == 1
    with pytest.raises(ValidationFailed) as exc:
        ops_rebuild.rollups_rebuild(actor=None, since=timezone.localdate() + dt.timedelta(days=1))
    assert "since" in exc.value.fields


def test_the_periodic_task_refreshes_and_again_half_a_minute_later(
    world: t.World, busy: dict[str, Case], catalog: dict[str, Any]
) -> None:
    from huey.contrib.djhuey import HUEY

    from needle.operations.tasks import refresh_rollups

    HUEY.flush()
    refresh_rollups.call_local()
    assert CaseRollup.objects.exists() and NodeRollup.objects.exists()
    # The half-minute run is waiting in the schedule (tests run the queue immediately, but a
    # delayed task waits there), and it refreshes too.
    (again,) = HUEY.scheduled()
    assert again.name == "refresh_rollups_again"
    assert 25 <= (again.eta - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds() <= 30
    received = CaseRollup.objects.aggregate(n=Sum("received"))["n"]
    t.submit(world, catalog["road"])
    HUEY.execute(again, timestamp=again.eta)
    assert CaseRollup.objects.aggregate(n=Sum("received"))["n"] == received + 1


def test_refresh_follows_holds_extensions_withdrawals_and_direct_answers(
    world: t.World, busy: dict[str, Case], catalog: dict[str, Any]
) -> None:
    """The steps that move deadlines or end a case outside dispatch-to-closure: the rollups
    still equal the direct counts after each, and a rebuild reproduces them."""
    ops_refresh.rollups_refresh()
    w, root = world, world.people["root"]
    Service.objects.filter(pk__in=[catalog["road"].pk, catalog["noise"].pk]).update(suspendable=True)
    held = cs.case_start(actor=root, case=cs.case_accept(actor=root, case=t.submit(w, catalog["road"])))
    held = cs.case_suspend(actor=root, case=held, reason="等待")
    Case.objects.filter(pk=held.pk).update(suspended_at=timezone.now() - dt.timedelta(days=2))
    held.refresh_from_db()
    cs.case_resume(actor=root, case=held)
    on_hold = cs.case_suspend(
        actor=root, case=cs.case_start(actor=root, case=busy["grid_late"]), reason="等待"
    )
    extended = cs.case_accept(actor=root, case=t.submit(w, catalog["road"], area="community_a2a"))
    cs.case_extension_request(
        actor=root, case=extended, due=extended.resolve_due_at + dt.timedelta(days=9), reason="检测"
    )
    cs.case_extension_decide(actor=w.people["dispatcher"], case=extended, grant=True)
    cs.case_resolve(actor=root, case=extended, note="done")
    cs.case_withdraw(actor=w.people["resident"], case=busy["old_open"], reason="好了")
    answered = t.submit(w, catalog["noise"], area="community_b1a", attributes={"when": "day"})
    cs.case_answer(actor=w.people["dispatcher"], case=answered, answer="已答复")
    cs.deadlines_mark(now=timezone.now() + dt.timedelta(days=9))
    assert Case.objects.get(pk=on_hold.pk).colour == busy["grid_late"].colour  # its clock is stopped
    result = ops_refresh.rollups_refresh()
    assert not result.rebuilt and result.changed["cases"] >= 5
    assert_all_agree(world)
    assert_rebuild_identical()


def test_the_command_rebuilds_one_source_and_checks_every_source(
    world: t.World, busy: dict[str, Case]
) -> None:
    from io import StringIO

    from django.core.management.base import CommandError

    from needle.core.models import AuditEvent

    ops_refresh.rollups_refresh()
    out = StringIO()
    call_command("rollups", "rebuild", "--source", "cases", stdout=out)
    assert out.getvalue().startswith(f"rebuilt from {Case.objects.count()} objects")
    assert AuditEvent.objects.get(action="operations.rollups.rebuilt").changes["new"]["read"] == {
        "cases": Case.objects.count()
    }
    assert_all_agree(world)
    out = StringIO()
    call_command("rollups", "check", stdout=out)
    assert "the rollups agree with the raw facts" in out.getvalue()
    CaseRollup.objects.filter(day__gte=timezone.localdate() - dt.timedelta(days=2)).update(
        received=F("received") + 1
    )
    with pytest.raises(CommandError, match="differ from the raw facts"):
        call_command("rollups", "check", stdout=StringIO())
    with pytest.raises(CommandError) as exc:
        call_command("rollups", "rebuild", "--source", "nope")
    assert "nope" in str(exc.value) and "cases" in str(exc.value)


def test_a_refresh_killed_half_way_leaves_nothing_and_the_next_one_is_right(
    world: t.World, busy: dict[str, Case], monkeypatch: Any
) -> None:
    """A refresh is one transaction under the state row's lock: one that dies after writing
    some rows leaves none of them, and the next run leaves what one clean run leaves."""
    ops_refresh.rollups_refresh()
    cs.case_reopen(actor=world.people["dispatcher"], case=busy["old_closed"], reason="没修好")
    Case.objects.filter(pk=busy["noise_open"].pk).update(updated_at=timezone.now())
    before = (table(CaseRollup), table(NodeRollup))
    real = ops_refresh.objects_apply

    def dies_after_writing(source: Any, ids: Any) -> int:
        real(source, ids)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(ops_refresh, "objects_apply", dies_after_writing)
    with pytest.raises(RuntimeError):
        ops_refresh.rollups_refresh()
    assert (table(CaseRollup), table(NodeRollup)) == before
    monkeypatch.undo()
    assert ops_refresh.rollups_refresh().changed["cases"] >= 1
    assert_all_agree(world)
    assert_rebuild_identical()


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_leave_what_one_clean_run_leaves(world: t.World, busy: dict[str, Case]) -> None:
    """Two workers (two connections) refresh at the same moment: the state row's lock makes one
    wait for the other, and the rollups equal a rebuild's. PostgreSQL only: SQLite has one
    writer per database anyway."""
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL")
    ops_refresh.rollups_refresh()
    cs.case_reopen(actor=world.people["dispatcher"], case=busy["old_closed"], reason="没修好")
    Case.objects.filter(pk__in=[c.pk for c in busy.values()]).update(updated_at=timezone.now())
    outcomes = t.at_once(ops_refresh.rollups_refresh, ops_refresh.rollups_refresh)
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    assert_all_agree(world)
    assert_rebuild_identical()
