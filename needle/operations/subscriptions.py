"""Report subscriptions: a person's wish to receive an area's weekly or monthly report by email,
and the scheduled job's sending of those reports (operations.tasks).

A subscription is read with its owner's rights at each sending, not at subscribing: a person who
lost the right to an area's figures stops receiving them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.core.audit import audit_record
from needle.core.errors import NotFound, ValidationFailed
from needle.operations.dashboards import dashboard_for
from needle.operations.models import Frequency, ReportSubscription
from needle.operations.params import PERM
from needle.operations.reports import last_complete_period, report_pdf
from needle.orgs.permissions import can_in_area, require_authenticated

# Report subscriptions ------------------------------------------------------------------------------


@transaction.atomic
def subscription_create(*, actor: Any, area: Area, frequency: str) -> ReportSubscription:
    """Subscribe the actor to an area's weekly or monthly report; audited."""
    require_authenticated(actor)
    if not can_in_area(actor, PERM, area):
        raise NotFound(_("You have no figures for this area."))
    if frequency not in Frequency.values:
        raise ValidationFailed(fields={"frequency": _("Choose weekly or monthly.")})
    sub, created = ReportSubscription.objects.get_or_create(person=actor, area=area, frequency=frequency)
    if created:
        audit_record(
            actor=actor,
            action="operations.subscription.created",
            obj=sub,
            new={"area": area.code, "frequency": frequency},
            area_path=area.path,
        )
    return sub


@transaction.atomic
def subscription_delete(*, actor: Any, subscription_id: int) -> None:
    """Stop one of the actor's own report subscriptions; audited."""
    require_authenticated(actor)
    sub = ReportSubscription.objects.select_related("area").filter(pk=subscription_id, person=actor).first()
    if sub is None:
        raise NotFound(_("No such subscription."))
    audit_record(
        actor=actor,
        action="operations.subscription.deleted",
        obj=sub,
        old={"area": sub.area.code, "frequency": sub.frequency},
        area_path=sub.area.path,
    )
    sub.delete()


def subscriptions_of(*, actor: Any) -> list[ReportSubscription]:
    """The actor's own report subscriptions, by area."""
    require_authenticated(actor)
    return list(ReportSubscription.objects.filter(person=actor).select_related("area").order_by("area__path"))


# Scheduled reports --------------------------------------------------------------------------------


def reports_send(*, frequency: str, today: dt.date | None = None) -> int:
    """Email each subscriber of `frequency` the PDF report of their area for the last complete
    week or month, once per period (last_sent_on), in their language, read with their own
    rights (a subscriber who lost them, or has no confirmed email address, gets nothing).
    Returns how many were sent."""
    today = today or timezone.localdate()
    start, end = last_complete_period(frequency, today)
    sent = 0
    due = ReportSubscription.objects.filter(frequency=frequency).filter(
        Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=end)
    )
    for sub in due.select_related("person", "area"):
        person = sub.person
        # Only to an address its owner confirmed: a typo must not mail figures to a stranger.
        if not person.email_confirmed or not person.is_active or not can_in_area(person, PERM, sub.area):
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            d = dashboard_for(actor=person, area=sub.area, start=start, end=end)
            title = (
                _("Weekly report") if frequency == Frequency.WEEKLY else _("Monthly report")
            ) + f" · {d.name}"
            message = EmailMessage(
                subject=f"{title} ({start} – {end})",
                body=_("The report of %(area)s for %(start)s to %(end)s is attached.")
                % {"area": d.name, "start": start, "end": end},
                to=[person.email],
            )
            message.attach(
                f"needle-{frequency}-{sub.area.code}-{start}.pdf",
                report_pdf(d, title=title),
                "application/pdf",
            )
        # Claim the period first, so that a second run (or a crash after sending) never sends twice.
        with transaction.atomic():
            claimed = (
                ReportSubscription.objects.filter(pk=sub.pk)
                .filter(Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=end))
                .update(last_sent_on=end)
            )
            if not claimed:
                continue
            audit_record(
                actor=None,
                action="operations.report.sent",
                obj=sub,
                new={"period": f"{start}..{end}", "to": person.pk},
                area_path=sub.area.path,
            )
        message.send()
        sent += 1
    return sent
