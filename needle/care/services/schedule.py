"""The schedule: from the visit policy (by risk and category, a district's over the
deployment's, the defaults under both) and the last contacts, each recipient's next visit and
next call. Home visits answer the visit schedule; phone and video calls the calls between.

A recipient never visited is due a visit one interval after registration; the calls fall
between visits (none when the next visit comes first)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from needle.care.models import DEFAULTS, Policy, Recipient, Risk, Status, Visit, VisitKind, category_codes


@dataclass(frozen=True)
class Interval:
    visit_days: int
    call_days: int | None


class Policies:
    """The policy rows, read once, answering for any recipient (a whole reschedule reads them
    one time)."""

    def __init__(self, rows: Iterable[Policy] | None = None) -> None:
        self.rows: dict[tuple[str | None, str, str], Interval] = {}
        for row in rows if rows is not None else Policy.objects.select_related("area"):
            district = row.area.path if row.area is not None else None
            self.rows[(district, row.risk, row.category)] = Interval(row.visit_days, row.call_days)

    def interval(self, *, path: str, risk: str, categories: int) -> Interval:
        """The interval for a recipient at `path` (its area's path)."""
        codes = category_codes(categories) or [""]
        for area in (district_path(path), None):
            # A category's row wins over the risk's; of several categories, the most frequent.
            found = [self.rows[k] for k in ((area, risk, c) for c in codes) if k in self.rows]
            if found:
                return min(found, key=lambda i: i.visit_days)
            if (area, risk, "") in self.rows:
                return self.rows[(area, risk, "")]
        visit, call = DEFAULTS[Risk(risk)]
        return Interval(visit, call)


def district_path(path: str) -> str | None:
    """The district's path in an area path (province/city/district/...): the policies' place."""
    parts = path.split("/")
    return "/".join(parts[:3]) + "/" if len(parts) > 3 else None


def dues(
    *, interval: Interval, registered: dt.date, last_visit: dt.date | None, last_call: dt.date | None
) -> tuple[dt.date, dt.date | None]:
    next_visit = (last_visit or registered) + dt.timedelta(days=interval.visit_days)
    if interval.call_days is None:
        return next_visit, None
    last_contact = max(d for d in (last_visit, last_call, registered) if d is not None)
    next_call = last_contact + dt.timedelta(days=interval.call_days)
    return next_visit, (next_call if next_call < next_visit else None)


def last_contacts(recipient_ids: list[int]) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    return _last_contacts(Visit.objects.filter(recipient_id__in=recipient_ids))


def _last_contacts(visits: QuerySet[Visit]) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """The last home visit's and the last call's local dates, by recipient."""
    tz = timezone.get_default_timezone()
    rows = visits.values("recipient_id").annotate(
        visit=Max("visited_at", filter=Q(kind=VisitKind.HOME)),
        call=Max("visited_at", filter=~Q(kind=VisitKind.HOME)),
    )
    return {
        r["recipient_id"]: (
            r["visit"].astimezone(tz).date() if r["visit"] else None,
            r["call"].astimezone(tz).date() if r["call"] else None,
        )
        for r in rows.order_by()
    }


def _set_dues(
    recipient: Recipient, contacts: tuple[dt.date | None, dt.date | None], policies: Policies
) -> None:
    """A recipient's last contacts and, from the policy, their next dues (none once out of care)."""
    recipient.last_visit_on, recipient.last_call_on = contacts
    if recipient.status != Status.ACTIVE:
        recipient.next_visit_due = recipient.next_call_due = None
        return
    interval = policies.interval(
        path=recipient.area_path, risk=recipient.risk, categories=recipient.categories
    )
    registered = timezone.localdate(recipient.created_at) if recipient.created_at else timezone.localdate()
    recipient.next_visit_due, recipient.next_call_due = dues(
        interval=interval, registered=registered, last_visit=contacts[0], last_call=contacts[1]
    )


def reschedule(recipient: Recipient, policies: Policies | None = None) -> Recipient:
    """Recompute one recipient's last contacts and next dues and save them (the callers hold
    the recipient's row)."""
    contacts = last_contacts([recipient.pk]).get(recipient.pk, (None, None))
    _set_dues(recipient, contacts, policies or Policies())
    Recipient.objects.filter(pk=recipient.pk).update(
        last_visit_on=recipient.last_visit_on,
        last_call_on=recipient.last_call_on,
        next_visit_due=recipient.next_visit_due,
        next_call_due=recipient.next_call_due,
        updated_at=timezone.now(),
    )
    return recipient


def reschedule_many(recipients: list[Recipient], policies: Policies) -> None:
    """`reschedule` for many recipients (a sync of hundreds of visits): their last contacts in
    one query, their dues in one UPDATE."""
    if not recipients:
        return
    contacts = last_contacts([r.pk for r in recipients])
    now = timezone.now()
    for r in recipients:
        _set_dues(r, contacts.get(r.pk, (None, None)), policies)
        r.updated_at = now
    Recipient.objects.bulk_update(
        recipients, ["last_visit_on", "last_call_on", "next_visit_due", "next_call_due", "updated_at"]
    )


RESCHEDULE_BATCH = 5000


def reschedule_all(
    *, path: str | None = None, from_visits: bool = True, batch: int = RESCHEDULE_BATCH
) -> int:
    """Recompute every recipient's next dues (all of them, or those at or under `path`), a
    batch of recipients at a time: one read of the batch, one grouped read of its visits (a
    range of the visits' recipient index), one write of the rows that changed. With
    `from_visits` the last contacts are recomputed from the visits too; without, the stored
    ones are taken (a policy's change moves no visit). Returns how many rows changed; equal to
    calling `reschedule` on each recipient."""
    policies = Policies()
    intervals: dict[tuple[str, str, int], Interval] = {}
    today = timezone.localdate()
    rows = Recipient.objects.order_by("pk")
    if path is not None:
        rows = rows.filter(area_path__gte=path, area_path__lt=path + "\x7f")
    fields = (
        "pk",
        "area_path",
        "risk",
        "categories",
        "status",
        "created_at",
        "last_visit_on",
        "last_call_on",
        "next_visit_due",
        "next_call_due",
    )
    changed = 0
    after = 0
    while True:
        chunk = list(rows.filter(pk__gt=after).values_list(*fields)[:batch])
        if not chunk:
            return changed
        first, after = chunk[0][0], chunk[-1][0]
        contacts = (
            _last_contacts(Visit.objects.filter(recipient_id__gte=first, recipient_id__lte=after))
            if from_visits
            else {r[0]: (r[6], r[7]) for r in chunk}
        )
        updates: list[tuple[int, dt.date | None, dt.date | None, dt.date | None, dt.date | None]] = []
        for pk, area_path, risk, categories, status, created_at, *old in chunk:
            last_visit, last_call = contacts.get(pk, (None, None))
            if status != Status.ACTIVE:
                next_visit, next_call = None, None
            else:
                key = (district_path(area_path) or "", risk, categories)
                interval = intervals.get(key)
                if interval is None:
                    interval = intervals[key] = policies.interval(
                        path=area_path, risk=risk, categories=categories
                    )
                registered = timezone.localdate(created_at) if created_at else today
                next_visit, next_call = dues(
                    interval=interval, registered=registered, last_visit=last_visit, last_call=last_call
                )
            new = (last_visit, last_call, next_visit, next_call)
            if tuple(old) != new:
                updates.append((pk, *new))
        _write_dues(updates)
        changed += len(updates)


def _write_dues(
    updates: list[tuple[int, dt.date | None, dt.date | None, dt.date | None, dt.date | None]],
) -> None:
    """One statement per batch: PostgreSQL joins a VALUES list; elsewhere bulk_update's CASE."""
    if not updates:
        return
    now = timezone.now()
    if connection.vendor == "postgresql":
        # One array per column: five parameters whatever the batch's size.
        ids, lv, lc, nv, nc = (list(col) for col in zip(*updates, strict=True))
        table = Recipient._meta.db_table
        sql = (
            f'UPDATE "{table}" AS r SET last_visit_on = v.lv, last_call_on = v.lc, '  # noqa: S608
            "next_visit_due = v.nv, next_call_due = v.nc, updated_at = %s "
            "FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::date[], %s::date[]) AS v(id, lv, lc, nv, nc) "
            "WHERE r.id = v.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, ids, lv, lc, nv, nc])
        return
    objs = [
        Recipient(
            pk=pk, last_visit_on=lv, last_call_on=lc, next_visit_due=nv, next_call_due=nc, updated_at=now
        )
        for pk, lv, lc, nv, nc in updates
    ]
    Recipient.objects.bulk_update(
        objs,
        ["last_visit_on", "last_call_on", "next_visit_due", "next_call_due", "updated_at"],
        batch_size=500,
    )
