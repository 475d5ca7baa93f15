from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from needle.care.models import Item, ItemStatus
from needle.care.plan_tasks import care_items_follow_cases
from needle.care.selectors.ledger import access_item, items_for, open_items_for
from needle.care.services.ledger import (
    item_add,
    item_close,
    item_to_case,
    items_follow_cases,
)
from needle.care.states import item_shown_status
from needle.care.tests import plan_world as pw
from needle.cases.models import Channel, State
from needle.cases.services import case_accept, case_callback, case_resolve
from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.testing import build_catalog


@pytest.fixture
def catalog(world):
    return build_catalog(world)


@pytest.fixture
def rec(world):
    row = pw.recipient(world, area="grid_a1a")
    pw.pair(row, world.people["member"])
    return row


def _item(world, rec, persona="staff", **kw):
    return item_add(actor=world.people[persona], recipient=rec, what="屋顶漏水", **kw)


@pytest.mark.parametrize("persona", ["staff", "member", "gridder"])
def test_the_helper_the_grid_worker_and_the_staff_add_items(world, rec, persona):
    if persona == "gridder":
        world.people["gridder"] = pw.grid_worker(world)
    item = _item(world, rec, persona, who_acts="社区", due_on=timezone.localdate() + dt.timedelta(days=7))
    assert (item.status, item.since, item.area_path) == (ItemStatus.OPEN, timezone.localdate(), rec.area_path)
    event = AuditEvent.objects.get(action="care.item.added", object_id=str(item.pk))
    assert event.actor == world.people[persona]


@pytest.mark.parametrize("persona", ["supervisor", "resident", "outsider", "handler"])
def test_others_add_no_items(world, rec, persona):
    with pytest.raises((PermissionDenied, NotFound)):
        _item(world, rec, persona)
    assert not Item.objects.exists()


def test_the_supervisor_is_refused_with_403_and_an_outsider_with_404(world, rec):
    with pytest.raises(PermissionDenied):
        _item(world, rec, "supervisor")
    with pytest.raises(NotFound):
        _item(world, rec, "outsider")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"what": ""}, "what"),
        ({"what": "x" * 301}, "what"),
        ({"what": 5}, "what"),
        ({"what": "ok", "since": "2026-01-01"}, "since"),
        ({"what": "ok", "since": dt.date(2999, 1, 1)}, "since"),
        ({"what": "ok", "since": dt.date(2026, 1, 10), "due_on": dt.date(2026, 1, 1)}, "due_on"),
        ({"what": "ok", "since": dt.date(1, 1, 1)}, "since"),
        ({"what": "ok", "since": dt.date(1899, 12, 31)}, "since"),
        ({"what": "ok", "due_on": dt.date(9999, 12, 31)}, "due_on"),
        ({"what": "ok", "due_on": dt.date.today() + dt.timedelta(days=6 * 366)}, "due_on"),
    ],
)
def test_bad_items_name_the_field(world, rec, kwargs, field):
    with pytest.raises(ValidationFailed) as err:
        item_add(actor=world.people["staff"], recipient=rec, **kwargs)
    assert set(err.value.fields) == {field}


def test_an_item_from_long_ago_and_due_years_ahead_is_taken(world, rec):
    item = item_add(
        actor=world.people["staff"],
        recipient=rec,
        what="ok",
        since=dt.date(1900, 1, 1),
        due_on=timezone.localdate() + dt.timedelta(days=4 * 365),
    )
    assert item.since == dt.date(1900, 1, 1)


def test_an_item_from_another_persons_visit_is_refused(world, rec):
    other = pw.recipient(world, name="别人")
    with pytest.raises(ValidationFailed) as err:
        _item(world, rec, visit=pw.visit(other, 1))
    assert set(err.value.fields) == {"visit"}
    assert _item(world, rec, visit=pw.visit(rec, 1)).visit is not None


def test_the_staff_close_with_the_households_confirmation(world, rec):
    item = _item(world, rec)
    with pytest.raises(ValidationFailed) as err:
        item_close(actor=world.people["staff"], item=item, confirmation="  ")
    assert set(err.value.fields) == {"confirmation"}
    with pytest.raises(PermissionDenied):
        item_close(actor=world.people["member"], item=item, confirmation="老人签字确认")
    closed = item_close(actor=world.people["staff"], item=item, confirmation="老人签字确认")
    assert (closed.status, closed.confirmation, closed.closed_by) == (
        ItemStatus.CLOSED,
        "老人签字确认",
        world.people["staff"],
    )
    assert closed.closed_at is not None
    with pytest.raises(Conflict) as conflict:
        item_close(actor=world.people["staff"], item=item, confirmation="again")
    assert conflict.value.status == 409
    assert AuditEvent.objects.filter(action="care.item.closed").count() == 1


def test_the_helper_turns_an_item_into_a_request_routed_like_any(world, rec, catalog, client):
    item = _item(world, rec, "member")
    case = item_to_case(actor=world.people["member"], item=item, service=catalog["road"])
    item.refresh_from_db()
    assert item.case == case and case.care_item == item and item.status == ItemStatus.CASE
    # Routed by the service's rule and timed by its deadlines, filed by the helper.
    assert case.lead_unit == world.units["district_a_env"] and case.state == State.DISPATCHED
    assert case.channel == Channel.WEB and case.reporter == world.people["member"]
    assert case.resolve_due_at is not None and case.area == rec.area
    assert case.contact_name == rec.name and case.description == "屋顶漏水"
    # A household's trouble stays off the public list and Open311.
    assert not case.public
    listed = client.get("/open311/v2/requests.json")
    assert listed.status_code == 200 and case.number not in listed.content.decode()
    assert client.get(f"/open311/v2/requests/{case.number}.json").status_code == 404
    with pytest.raises(Conflict):
        item_to_case(actor=world.people["member"], item=item, service=catalog["road"])
    with pytest.raises(Conflict):
        item_close(actor=world.people["staff"], item=item, confirmation="ok")


def test_the_staff_file_it_as_staff(world, rec, catalog):
    case = item_to_case(actor=world.people["staff"], item=_item(world, rec), service=catalog["road"])
    assert case.channel == Channel.STAFF and case.reporter is None


@pytest.mark.parametrize("persona", ["supervisor", "resident", "handler"])
def test_others_turn_no_item_into_a_request(world, rec, catalog, persona):
    item = _item(world, rec)
    with pytest.raises((PermissionDenied, NotFound)):
        item_to_case(actor=world.people[persona], item=item, service=catalog["road"])
    item.refresh_from_db()
    assert item.case is None and item.status == ItemStatus.OPEN


def test_closing_the_request_closes_the_item(world, rec, catalog):
    item = _item(world, rec)
    case = item_to_case(actor=world.people["staff"], item=item, service=catalog["road"])
    handler = world.people["handler"]
    case = case_accept(actor=handler, case=case)
    case = case_resolve(actor=handler, case=case, note="已修好屋顶")
    item = access_item(actor=world.people["staff"], item_id=item.pk)
    assert item_shown_status(item) == ItemStatus.CASE
    case_callback(actor=world.people["staff"], case=case, solved=True, rating=5)
    # Before the job: the ledger already shows it closed.
    item = access_item(actor=world.people["staff"], item_id=item.pk)
    assert item.status == ItemStatus.CASE and item_shown_status(item) == ItemStatus.CLOSED
    assert [item_shown_status(i) for i in items_for(actor=world.people["staff"], recipient=rec)] == ["closed"]
    assert care_items_follow_cases.call_local() == 1
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED and case.number in item.confirmation
    assert item.closed_at is not None
    assert AuditEvent.objects.filter(action="care.item.case_closed", object_id=str(item.pk)).exists()
    assert items_follow_cases() == 0


def test_the_ledger_read_is_audited_and_scoped(world, rec):
    _item(world, rec)
    items = items_for(actor=world.people["member"], recipient=rec)
    assert len(items) == 1
    assert AuditEvent.objects.filter(action="care.ledger.read", actor=world.people["member"]).exists()
    with pytest.raises(NotFound):
        items_for(actor=world.people["outsider"], recipient=rec)
    with pytest.raises(NotFound):
        access_item(actor=world.people["resident"], item_id=items[0].pk)
    with pytest.raises(NotFound):
        access_item(actor=world.people["staff"], item_id=10**9)
    assert (
        list(open_items_for(actor=world.people["staff"], area_path=world.areas["community_a1a"].path))
        == items
    )
    with pytest.raises(PermissionDenied):
        open_items_for(actor=world.people["member"], area_path=world.areas["community_a1a"].path)
