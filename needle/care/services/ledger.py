"""The household's problem ledger (销号): each need found is an item (what, since when, who acts,
by when), closed by the community with the household's confirmation, or turned into a
resident's request through the cases' intake (routed and timed like any request) and closed
with it.

The cases app knows nothing of care (it sits below), so a request's closing reaches its item
through `items_follow_cases`, run by the job in plan_tasks and safe to run any time; until it
runs, the ledger's selector already shows such an item as closed with its request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.care import states
from needle.care.access import access_of
from needle.care.inputs import text
from needle.care.models import Item, ItemStatus, Recipient, Visit
from needle.care.states import CASE_DONE
from needle.cases.models import Case, Channel, Service
from needle.cases.services import Intake, case_submit
from needle.core.audit import audit_event, audit_record_all, audit_record_state
from needle.core.errors import ValidationFailed
from needle.core.states import allowed, target, wrong_status
from needle.orgs.permissions import can_in_area, require, require_authenticated

# A request in one of these states has ended with the problem dealt with: its item closes.
MAX_WHAT = 300
# The dates a page may send: a problem began at the earliest in 1900 (a year 0001 typed by
# mistake is refused) and is to be dealt with within five years.
EARLIEST = dt.date(1900, 1, 1)
DUE_YEARS = 5


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationFailed(fields={field: _("Give a date (YYYY-MM-DD).")})
    return value


# What the problem is, who acts and how it was confirmed tell of a household's life and outlive
# an anonymised record: the log keeps the item's state, not its words.
LOGGED_FIELDS = ["recipient", "status", "case", "due_on"]


def _log(actor: Any, item: Item, *, action: str, old: dict[str, Any] | None, **extra: Any) -> None:
    audit_record_state(actor=actor, action=action, obj=item, fields=LOGGED_FIELDS, old=old, **extra)


def capacities(actor: Any, recipient: Recipient) -> set[str]:
    """The capacities of states.ITEM_MOVES the actor holds for this recipient's items."""
    access = access_of(actor, recipient)
    held = set()
    if access.staff:
        held.add(states.STAFF)
    if access.helper or access.grid:
        held.add(states.HELPER)
    return held


@transaction.atomic
def item_add(
    *,
    actor: Any,
    recipient: Recipient,
    what: str,
    since: dt.date | None = None,
    who_acts: str = "",
    due_on: dt.date | None = None,
    visit: Visit | None = None,
) -> Item:
    """Put a problem on the household's ledger: the helper, the grid worker or the community's
    care staff (whoever may log a visit)."""
    require_authenticated(actor)
    access = access_of(actor, recipient)
    require(access.may_visit, visible=access.sees)
    what = text(what, limit=MAX_WHAT, field="what", required=True)
    who_acts = text(who_acts, limit=100, field="who_acts")
    today = timezone.localdate()
    since = today if since is None else _date(since, "since")
    if since > today:
        raise ValidationFailed(fields={"since": _("This is in the future.")})
    if since < EARLIEST:
        raise ValidationFailed(fields={"since": _("Give a date from 1900 on.")})
    if due_on is not None and _date(due_on, "due_on") < since:
        raise ValidationFailed(fields={"due_on": _("The date is before the problem began.")})
    if due_on is not None and due_on > today + dt.timedelta(days=DUE_YEARS * 365):
        raise ValidationFailed(fields={"due_on": _("Give a date within five years.")})
    if visit is not None and visit.recipient_id != recipient.pk:
        raise ValidationFailed(fields={"visit": _("This visit is another person's.")})
    item = Item.objects.create(
        recipient=recipient,
        visit=visit,
        what=what,
        since=since,
        who_acts=who_acts,
        due_on=due_on,
        area_path=recipient.area_path,
    )
    _log(actor, item, action="care.item.added", old=None)
    return item


def _move(actor: Any, item: Item, name: str) -> Item:
    require_authenticated(actor)
    item = Item.objects.select_for_update(of=("self",)).select_related("recipient").get(pk=item.pk)
    held = capacities(actor, item.recipient)
    require(bool(held & states.ITEM_MOVES[name].capacities), visible=access_of(actor, item.recipient).sees)
    if not allowed(states.ITEM_MOVES, name, item.status, held):
        raise wrong_status(
            _("This item is %(status)s.") % {"status": ItemStatus(item.status).label}, item.status
        )
    return item


@transaction.atomic
def item_close(*, actor: Any, item: Item, confirmation: str) -> Item:
    """The community closes the item (销号) with the household's confirmation that it is
    solved (how: signed, by phone...): the care staff only."""
    confirmation = text(confirmation, limit=300, field="confirmation", required=True)
    item = _move(actor, item, "close")
    old = {"status": item.status}
    item.status = target(states.ITEM_MOVES, "close")
    item.confirmation = confirmation
    item.closed_at = timezone.now()
    item.closed_by = actor
    item.save(update_fields=["status", "confirmation", "closed_at", "closed_by", "updated_at"])
    _log(actor, item, action="care.item.closed", old=old, confirmed=True)
    return item


@transaction.atomic
def item_to_case(
    *,
    actor: Any,
    item: Item,
    service: Service,
    description: str = "",
    idempotency_key: str | None = None,
) -> Case:
    """Turn the item into a resident's request for the household (through the cases' intake:
    routed by its rules, timed by the service's deadlines), linked both ways. Staff who take in
    requests there file it as staff; a helper files it as themself, on the household's behalf.
    The helper, the grid worker or the care staff."""
    item = _move(actor, item, "to_case")
    recipient = item.recipient
    body = text(description, limit=4000, field="description") or item.what
    staff_intake = can_in_area(actor, "cases.intake", recipient.area_path)
    case = case_submit(
        actor=actor,
        intake=Intake(
            service=service,
            description=body,
            title=item.what[:200],
            area=recipient.area,
            contact_name=recipient.name,
            contact_phone=recipient.phone,
            # A household in care is not named, nor its trouble shown, on the public list.
            public=False,
            channel=Channel.STAFF if staff_intake else Channel.WEB,
            idempotency_key=idempotency_key,
        ),
    )
    old = {"status": item.status}
    item.status = target(states.ITEM_MOVES, "to_case")
    item.case = case
    item.save(update_fields=["status", "case", "updated_at"])
    _log(actor, item, action="care.item.to_case", old=old, case_number=case.number)
    return item.case


@transaction.atomic
def items_follow_cases() -> int:
    """Close the items whose request has ended (closed, or answered directly), with the
    request's outcome as the confirmation. Safe to run twice: a second run finds nothing."""
    items = list(
        Item.objects.select_for_update(of=("self",))
        .filter(status=ItemStatus.CASE, case__state__in=CASE_DONE)
        .select_related("case")
    )
    if not items:
        return 0
    now = timezone.now()
    events = []
    for item in items:
        assert item.case is not None
        item.status = target(states.ITEM_MOVES, "case_closed")
        item.closed_at = item.case.closed_at or now
        item.confirmation = _("Closed with request %(number)s.") % {"number": item.case.number}
        events.append(
            audit_event(
                actor=None,
                action="care.item.case_closed",
                obj=item,
                area_path=item.area_path,
                old={"status": ItemStatus.CASE},
                new={"status": item.status, "case_number": item.case.number},
            )
        )
    Item.objects.bulk_update(items, ["status", "closed_at", "confirmation"])
    Item.objects.filter(pk__in=[i.pk for i in items]).update(updated_at=now)
    audit_record_all(events)
    return len(items)
