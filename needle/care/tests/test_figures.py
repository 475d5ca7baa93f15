"""Care as a source of the rollup engine: every figure read from the rollups (through the
operations center's indicators API) equals a count made directly from the care rows, for the
city, a district, a street and a community, over several periods, after each kind of change
(a registration, a pairing, a visit, an item opened, closed and turned into a request, its
request resolved, a recipient leaving care); the refresh equals a rebuild; the figures and
exports above a community carry no personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from needle import testing as t
from needle.care.figures import care_standing
from needle.care.models import (
    CATEGORIES,
    CareFootprint,
    CareNodeRollup,
    CareRollup,
    Item,
    ItemStatus,
    Pairing,
    Recipient,
    Risk,
    Status,
    Visit,
)
from needle.care.states import item_shown_status
from needle.care.tests.care_rows import close_item, item, pair, recipient, visit
from needle.cases.models import Case, State
from needle.rollups.models import BACKLOG_DAY
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import rollups_refresh

URL = "/api/v1/operations/indicators"
AREAS = ("city", "district_a", "street_a1", "community_a1a", "community_a1b", "district_b")


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else moment.astimezone(timezone.get_current_timezone()).date()


def direct(area: Any, start: dt.date, end: dt.date) -> dict[str, int]:
    """The counters counted one row at a time, as a community worker would count the files:
    who is in care now, and what happened within [start, end]."""

    def within(day: dt.date | None) -> bool:
        return day is not None and start <= day <= end

    people = [r for r in Recipient.objects.all() if r.area.path.startswith(area.path)]
    ids = {r.pk for r in people}
    in_care = [r for r in people if r.status == Status.ACTIVE]
    helped = {p.recipient_id for p in Pairing.objects.all() if p.ended_on is None}
    visits = [v for v in Visit.objects.all() if v.recipient_id in ids]
    items = [i for i in Item.objects.select_related("case") if i.recipient_id in ids]
    counts = {
        "recipients": len(in_care),
        **{code: sum(1 for r in in_care if code in r.category_codes) for code in CATEGORIES},
        "paired": sum(1 for r in in_care if r.pk in helped),
        "registered": sum(1 for r in people if within(local_day(r.created_at))),
        "visits": sum(1 for v in visits if within(local_day(v.visited_at))),
        "visits_on_time": sum(1 for v in visits if within(v.due_on) and v.on_time),
        "visits_pending": sum(1 for r in in_care if within(r.next_visit_due)),
        "items_opened": sum(1 for i in items if within(local_day(i.created_at))),
        "items_open": sum(
            1 for i in items if within(local_day(i.created_at)) and item_shown_status(i) != ItemStatus.CLOSED
        ),
        "items_closed": sum(1 for i in items if within(local_day(i.closed_at))),
        "items_to_case": sum(1 for i in items if i.case and within(local_day(i.case.created_at))),
        "items_case_resolved": sum(1 for i in items if i.case and within(local_day(i.case.resolved_at))),
    }
    counts["visits_due"] = sum(1 for v in visits if within(v.due_on)) + counts["visits_pending"]
    return counts


def periods() -> list[tuple[dt.date, dt.date]]:
    today = timezone.localdate()
    return [
        (today - dt.timedelta(days=400), today + dt.timedelta(days=60)),
        (today - dt.timedelta(days=29), today),
        # Overdue now: what fell due before today and is still not made.
        (today - dt.timedelta(days=400), today - dt.timedelta(days=1)),
        (today, today),
        (today + dt.timedelta(days=1), today + dt.timedelta(days=7)),
    ]


def direct_standing(area: Any) -> tuple[int, int, list[int]]:
    """Overdue now, due this week, and the open items by age (up to 7 days, 8-30, 31-90, more),
    counted from the rows."""
    today = timezone.localdate()
    people = [r for r in Recipient.objects.all() if r.area.path.startswith(area.path)]
    dues = [r.next_visit_due for r in people if r.status == Status.ACTIVE and r.next_visit_due]
    ages = [
        (today - local_day(i.created_at)).days  # type: ignore[operator]
        for i in Item.objects.filter(recipient__in=people).select_related("case")
        if item_shown_status(i) != ItemStatus.CLOSED
    ]
    return (
        sum(1 for d in dues if d < today),
        sum(1 for d in dues if 0 <= (d - today).days <= 6),
        [
            sum(1 for a in ages if a <= 7),
            sum(1 for a in ages if 8 <= a <= 30),
            sum(1 for a in ages if 31 <= a <= 90),
            sum(1 for a in ages if a > 90),
        ],
    )


def assert_agrees(world: t.World, api: Any) -> None:
    for name in AREAS:
        area = world.areas[name]
        got = care_standing(area=area)
        assert (got.overdue, got.due_week, [n for _label, n in got.open_by_age]) == direct_standing(area), (
            name
        )
        for start, end in periods():
            r = api.get(URL, area=area.code, source="care", start=start.isoformat(), end=end.isoformat())
            assert r.status_code == 200, r.content
            body = r.json()
            want = direct(area, start, end)
            got = body["node"]["figures"]
            assert {k: got[k] for k in want} == want, (name, start, end)
            on_time = want["visits_on_time"] / want["visits_due"] if want["visits_due"] else None
            assert got["visits_on_time_rate"] == (None if on_time is None else round(on_time, 4))
            paired = want["paired"] / want["recipients"] if want["recipients"] else None
            assert got["paired_share"] == (None if paired is None else round(paired, 4))
            # By risk: the three levels add up to the node.
            by_risk = body["breakdowns"]["risk"]
            for counter in want:
                assert sum(row["figures"][counter] for row in by_risk) == want[counter], (name, counter)
            for row in body["children"]:
                if row["kind"] == "area":
                    child = world.areas[next(k for k, a in world.areas.items() if a.code == row["key"])]
                    assert {k: row["figures"][k] for k in want} == direct(child, start, end)


def tables() -> tuple[list[Any], ...]:
    def rows(model: Any) -> list[Any]:
        names = [f.attname for f in model._meta.fields if f.name != "id"]
        return sorted(tuple(str(v) for v in r) for r in model.objects.values_list(*names))

    return rows(CareRollup), rows(CareNodeRollup), rows(CareFootprint)


def test_care_figures_equal_direct_counts_after_every_kind_of_change(
    world: t.World, catalog: Any, api_for: Any
) -> None:
    w, a = world, world.areas
    api = api_for("city_admin")
    today = timezone.localdate()
    ago = lambda days: today - dt.timedelta(days=days)  # noqa: E731

    # Registrations: in a community, in its grid, in another street and another district.
    alone = recipient(a["community_a1a"], "王婆婆", risk=Risk.HIGH, registered=ago(200), next_due=ago(3))
    child = recipient(
        a["grid_a1a"],
        "李小明",
        categories=("left_behind_child", "low_income"),
        registered=ago(90),
        next_due=today + dt.timedelta(days=4),
    )
    jobless = recipient(
        a["community_a1b"], "赵师傅", categories=("unemployed",), risk=Risk.LOW, registered=ago(40)
    )
    far = recipient(
        a["community_b1a"], "陈大爷", categories=("disability", "serious_illness"), next_due=ago(30)
    )
    rollups_refresh()
    assert_agrees(w, api)

    # Pairings: a helper for three of them, a second helper for one.
    pair(alone, w.people["member"])
    pair(alone, w.people["staff"], lead=False)
    pair(child, w.people["member"])
    pair(far, w.people["staff"])
    rollups_refresh()
    assert_agrees(w, api)

    # Visits: one on time, one late, a call without a due date; the dues move on.
    visit(alone, ago(12), by=w.people["member"], due_on=ago(10), next_due=ago(3))
    visit(child, ago(5), by=w.people["member"], due_on=ago(9), next_due=today + dt.timedelta(days=4))
    visit(far, ago(1), by=w.people["staff"], kind="phone", next_due=ago(30))
    visit(jobless, today, by=w.people["staff"], due_on=today, next_due=today + dt.timedelta(days=30))
    rollups_refresh()
    assert_agrees(w, api)

    # The ledger: items opened long ago and today; one closed, one turned into a request.
    leak = item(alone, "水管漏水", opened=ago(45))
    fees = item(child, "学费困难", opened=ago(8))
    item(far, "轮椅损坏")
    rollups_refresh()
    assert_agrees(w, api)
    close_item(leak)
    case = t.submit(w, catalog["road"], description="楼道扶手松动，老人上下楼危险。")
    Item.objects.filter(pk=fees.pk).update(status=ItemStatus.CASE, case=case, updated_at=timezone.now())
    rollups_refresh()
    assert_agrees(w, api)

    # The request is resolved; the pairing ends; a recipient moves away and another changes risk.
    Case.objects.filter(pk=case.pk).update(
        state=State.RESOLVED, resolved_at=timezone.now(), updated_at=timezone.now()
    )
    Pairing.objects.filter(recipient=child).update(ended_on=today, updated_at=timezone.now())
    Recipient.objects.filter(pk=far.pk).update(
        status=Status.MOVED_AWAY, ended_on=today, next_visit_due=None, updated_at=timezone.now()
    )
    Recipient.objects.filter(pk=jobless.pk).update(risk=Risk.HIGH, updated_at=timezone.now())
    rollups_refresh()
    assert_agrees(w, api)

    # The request is closed: its item is no longer open, before the job closes it.
    Case.objects.filter(pk=case.pk).update(state=State.CLOSED, updated_at=timezone.now())
    rollups_refresh()
    assert_agrees(w, api)

    # The refresh kept what a rebuild makes.
    kept = tables()
    rollups_rebuild(actor=None, source="care")
    assert tables() == kept
    assert CareRollup.objects.filter(day=BACKLOG_DAY).exists()


def test_the_figures_and_exports_above_a_community_hold_no_personal_data(
    world: t.World, client_for: Any, api_for: Any
) -> None:
    a = world.areas
    r = recipient(a["community_a1a"], "欧阳秀英", phone="13900001111", next_due=timezone.localdate())
    item(r, "独居无人照料")
    rollups_refresh()
    district = a["district_a"].code
    answer = api_for("city_admin").get(URL, area=district, source="care")
    assert answer.status_code == 200
    client = client_for("city_admin")
    exports = [
        client.get(f"/operations/export.{fmt}", {"area": district, "source": "care"}) for fmt in ("csv",)
    ]
    assert all(e.status_code == 200 for e in exports)
    for body in (answer.content.decode(), *(e.content.decode() for e in exports)):
        assert "欧阳秀英" not in body and "13900001111" not in body and "独居无人照料" not in body
    assert answer.json()["node"]["figures"]["recipients"] == 1
    page = client.get(f"/operations/area/{district}/").content.decode()
    assert 'id="source-care"' in page and 'id="care-standing"' in page and "欧阳秀英" not in page
