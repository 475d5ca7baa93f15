"""The staff's day: the community's care staff and the helpers find the visits overdue and due
this week, the households needing a helper and the open items on their home pages, in a few
queries whatever the numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from needle import testing as t
from needle.care.models import Pairing, Risk
from needle.care.selectors.today import care_today, helper_today
from needle.care.tests.care_rows import close_item, item, pair, recipient
from needle.rollups.refresh import rollups_refresh


def households(world: t.World) -> dict[str, Any]:
    a, p = world.areas, world.people
    today = timezone.localdate()
    found = {
        "late": recipient(
            a["community_a1a"], "王婆婆", risk=Risk.HIGH, next_due=today - dt.timedelta(days=3)
        ),
        "soon": recipient(a["grid_a1a"], "李小明", next_due=today + dt.timedelta(days=6)),
        "later": recipient(a["community_a1a"], "赵师傅", next_due=today + dt.timedelta(days=7)),
        "alone": recipient(a["community_a1b"], "孙奶奶", next_due=today - dt.timedelta(days=1)),
        "far": recipient(a["community_b1a"], "陈大爷", next_due=today - dt.timedelta(days=20)),
        # Registered without consent yet: only the care staff see the record.
        "unconsented": recipient(a["community_a1a"], "周爷爷", next_due=today, consents=0),
    }
    pair(found["late"], p["member"])
    pair(found["soon"], p["member"])
    pair(found["later"], p["member"])
    pair(found["far"], p["member"])
    pair(found["unconsented"], p["member"])
    Pairing.objects.filter(recipient=found["far"]).update(ended_on=today)
    item(found["late"], "水管漏水")
    close_item(item(found["late"], "门锁坏了"))
    item(found["soon"], "学费困难")
    item(found["far"], "轮椅损坏")
    return found


def test_the_care_staff_see_their_communities_day(world: t.World) -> None:
    households(world)
    # The community A1a's coordinator keeps A1a and its grid.
    day = care_today(actor=world.people["staff"])
    assert day is not None and day.area == world.areas["community_a1a"]
    assert (day.overdue, day.due_week, day.needs_helper, day.open_items) == (1, 2, 0, 2)
    assert [line.recipient.name for line in day.first] == ["王婆婆", "周爷爷", "李小明"]
    assert [line.days_overdue for line in day.first] == [3, 0, -6]
    # The street's administrator keeps both of its communities: counted from the rollups.
    assert care_today(actor=world.people["street_admin"]).overdue == 0  # type: ignore[union-attr]
    rollups_refresh()
    street = care_today(actor=world.people["street_admin"])
    assert street is not None and street.area == world.areas["street_a1"]
    assert (street.overdue, street.due_week, street.needs_helper, street.open_items) == (2, 2, 1, 2)
    # Supervisors read the figures, but keep no records: no care to-dos on their home.
    for persona in ("supervisor", "member", "resident", "outsider", "handler"):
        assert care_today(actor=world.people[persona]) is None, persona


def test_a_helper_sees_the_households_they_help(world: t.World) -> None:
    households(world)
    day = helper_today(actor=world.people["member"])
    assert day is not None
    # Not the household whose pairing ended, nor the one that has not consented yet.
    assert (day.households, day.overdue, day.due_week, day.open_items) == (3, 1, 1, 2)
    assert [line.recipient.name for line in day.first] == ["王婆婆", "李小明"]
    for persona in ("staff", "resident", "outsider"):
        assert helper_today(actor=world.people[persona]) is None, persona


def test_a_unit_paired_makes_its_people_helpers(world: t.World) -> None:
    r = recipient(world.areas["community_a1a"], "钱阿姨", next_due=timezone.localdate())
    Pairing.objects.create(
        recipient=r, unit=world.units["pb_a1a"], started_on=timezone.localdate(), area_path=r.area_path
    )
    day = helper_today(actor=world.people["member"])
    assert day is not None and day.due_week == 1


def test_the_homes_show_the_care_sections_in_a_few_queries(world: t.World, client_for: Any) -> None:
    found = households(world)
    body = client_for("staff").get("/").content.decode()
    assert 'id="today-care"' in body and "王婆婆" in body and "陈大爷" not in body
    assert 'id="today-helping"' not in body
    # A household at a grid links to its file at the community's address (the care pages take
    # no grid's code).
    file = reverse("care-household", args=[world.areas["community_a1a"].code, found["soon"].pk])
    assert f'href="{file}"' in body and client_for("staff").get(file).status_code == 200
    body = client_for("member").get("/").content.decode()
    assert 'id="today-helping"' in body and "李小明" in body and "周爷爷" not in body
    assert 'id="today-care"' not in body
    body = client_for("outsider").get("/").content.decode()
    assert "today-care" not in body and "today-helping" not in body

    def queries(persona: str) -> int:
        person = world.people[persona]
        for fn in (care_today, helper_today):
            fn(actor=person)  # the grants, read once per actor
        with CaptureQueriesContext(connection) as ctx:
            care_today(actor=person)
            helper_today(actor=person)
        return len(ctx.captured_queries)

    few = {p: queries(p) for p in ("staff", "member")}
    today = timezone.localdate()
    for i in range(8):
        r = recipient(world.areas["community_a1a"], f"老人{i}", next_due=today - dt.timedelta(days=i))
        pair(r, world.people["member"])
        item(r, "需要助餐")
    item(found["soon"], "又一个问题")
    assert {p: queries(p) for p in ("staff", "member")} == few
    # The staff: their community, the counts, the open items, the first lines, and the pairings
    # that would make them a helper; the helper: the households they help, then those households
    # with their open items.
    assert few == {"staff": 5, "member": 2}, few


def test_the_home_page_counts_as_the_console_and_the_schedule(world: t.World, catalog: Any) -> None:
    """One rule for each count: who needs a helper (registered, no current helper: one who left
    counts as none the same day), what is due this week (today and the six days after) and
    which items are open (open, or a request that has not ended)."""
    from needle.care.models import Item, ItemStatus
    from needle.care.selectors.console import console_lists
    from needle.care.selectors.schedule import dashboard_for
    from needle.orgs.models import Membership
    from needle.testing import submit

    a, p = world.areas, world.people
    today = timezone.localdate()
    left = recipient(a["community_a1a"], "王婆婆", next_due=today + dt.timedelta(days=6))
    recipient(a["community_a1a"], "赵师傅", next_due=today + dt.timedelta(days=7))
    recipient(a["community_a1a"], "周爷爷", next_due=today, consents=0)
    helper = t.PersonFactory.create(username="leaver")
    Membership.objects.create(person=helper, unit=world.units["pb_a1a"], joined_on=dt.date(2020, 1, 1))
    pair(left, helper)
    Membership.objects.filter(person=helper).update(left_on=today)
    item(left, "水管漏水")
    done = item(left, "学费困难")
    case = submit(world, catalog["road"], description="楼道扶手松动，老人上下楼危险。")
    case.state = "closed"
    case.save(update_fields=["state"])
    Item.objects.filter(pk=done.pk).update(status=ItemStatus.CASE, case=case)
    staff = p["staff"]
    home = care_today(actor=staff)
    console = console_lists(actor=staff, area=a["community_a1a"])
    board = dashboard_for(actor=staff, area_path=a["community_a1a"].path)
    assert home is not None
    assert home.needs_helper == console.counts["needs_helper"] == board["needs_helper"] == 2
    assert home.due_week == console.counts["due_week"] == board["week"] == 2
    assert home.open_items == console.items.total == 1
