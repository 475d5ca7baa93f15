"""The person's rights over their care record (PIPL) that the system carries out itself:

- Retention: the record of someone who moved away or died is anonymised once
  NEEDLE_CARE_RETENTION_DAYS have passed since that day. The name, contacts, birth date, account
  links, the sealed fields, the visits' notes and photos, and the consent log's names go; the
  place, categories, risk and the dates of visits and items stay, so that the figures of past
  periods do not change.
- Coming of age: a minor's record passes to the adult on their eighteenth birthday. What the
  guardian consented to no longer counts: each purpose whose standing consent came from the
  guardian lapses (a withdrawal entry in the log, recorded by the system), so that until the
  person's own consent is recorded only the community's care staff see the record and the
  helper reads no sensitive field. The guardian's name and phone move to the emergency
  contact, so a guardian's answer is not taken for the adult (an adult under legal
  guardianship is a guardian entered again by the staff, itself audited), and the guardian's
  account no longer receives the record's copy.
- Withdrawal of a consent (registry.consent_record) takes effect at once through access.py.
- A copy of one's own data: selectors.export.own_export.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from needle.care.access import adult_on
from needle.care.models import PURPOSES, Consent, Recipient, Status, purpose_bit
from needle.care.states import RECIPIENT_MOVES, SYSTEM
from needle.cases.models import Case
from needle.cases.services import case_forget_person
from needle.core.audit import audit_record
from needle.core.errors import Conflict
from needle.core.models import AuditEvent
from needle.core.states import allowed
from needle.notify.models import Notification

log = logging.getLogger(__name__)

BATCH = 200
CAME_OF_AGE = "care.recipient.came_of_age"
# How far back the coming-of-age job looks: a birthday missed by a stopped worker for years
# is not looked for (the job runs daily; this is its slack).
COMING_OF_AGE_SLACK = dt.timedelta(days=5 * 366)


ANONYMISED_ITEM = "—"


@transaction.atomic
def recipient_anonymise(*, recipient: Recipient) -> Recipient:
    """The retention's move (RECIPIENT_MOVES "anonymise", the system's): the personal details
    go, the counts stay."""
    recipient = Recipient.objects.select_for_update().select_related("household").get(pk=recipient.pk)
    if not allowed(RECIPIENT_MOVES, "anonymise", recipient.status, {SYSTEM}):
        raise Conflict("only the records of people who moved away or died are anonymised")
    old_status = recipient.status
    recipient.status = Status.ANONYMISED
    recipient.name = recipient.phone = ""
    recipient.birth_date = None
    recipient.guardian_name = recipient.guardian_phone = recipient.emergency_contact = ""
    recipient.guardian = recipient.person = recipient.record = None
    recipient.sealed = ""
    recipient.sealed_fields = 0
    recipient.save()
    recipient.consent_log.update(given_by="", witness="")
    recipient.visits.update(notes="", needs="", companions="", checklist={})
    # An item's text names the household's troubles (and often the person): a neutral marker
    # keeps the counts readable.
    recipient.items.update(what=ANONYMISED_ITEM, who_acts="", confirmation="")
    # A problem turned into a request carried the name, the phone and the words there too.
    for case in Case.objects.filter(care_item__recipient=recipient):
        case_forget_person(case=case)
    # The visit reminders sent named the person; their notifications keep the date, not the name.
    told = list(Notification.objects.filter(verb__startswith="care.reminder.", params__record=recipient.pk))
    for note in told:
        note.params = {**note.params, "name": "—"}
    Notification.objects.bulk_update(told, ["params"])
    for visit in recipient.visits.prefetch_related("photos"):
        for photo in visit.photos.all():
            photo.image.delete(save=False)
            photo.delete()
    household = recipient.household
    if not household.recipients.exclude(status=Status.ANONYMISED).exists():
        household.address = ""
        household.save(update_fields=["address", "updated_at"])
    audit_record(
        actor=None,
        action="care.recipient.anonymised",
        obj=recipient,
        object_repr=str(recipient.pk),
        old={"status": old_status},
        new={"status": recipient.status},
    )
    return recipient


def anonymise_due(*, today: dt.date | None = None) -> int:
    """Anonymise every record whose retention period has ended; how many were."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=settings.NEEDLE_CARE_RETENTION_DAYS)
    done = 0
    while True:
        due = list(
            Recipient.objects.filter(
                status__in=[Status.MOVED_AWAY, Status.DECEASED], ended_on__lte=cutoff
            ).order_by("pk")[:BATCH]
        )
        for recipient in due:
            recipient_anonymise(recipient=recipient)
        done += len(due)
        if len(due) < BATCH:
            return done


def _eighteen_years_before(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 18, day=28)


@transaction.atomic
def recipient_come_of_age(*, recipient: Recipient, today: dt.date | None = None) -> list[str]:
    """Pass a minor's record to the adult (see the module's words); the purposes that lapsed."""
    today = today or timezone.localdate()
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if recipient.birth_date is None or adult_on(recipient.birth_date) > today:
        return []
    lapsed: list[str] = []
    bits = recipient.consents
    for purpose in PURPOSES:
        standing = (
            Consent.objects.filter(recipient=recipient, purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        if standing is None or not standing.given or not standing.by_guardian:
            continue
        Consent.objects.create(
            recipient=recipient,
            purpose=purpose,
            given=False,
            method=standing.method,
            given_by=standing.given_by,
            by_guardian=True,
            recorded_by=None,
        )
        bits &= ~purpose_bit(purpose)
        lapsed.append(purpose)
    guardian = " ".join(p for p in (recipient.guardian_name, recipient.guardian_phone) if p)
    # Which guardian details went, not the name (the log outlives an anonymised record).
    old = {
        "consents": recipient.consents,
        "guardian_name_recorded": bool(recipient.guardian_name),
        "guardian": recipient.guardian_id,
    }
    recipient.consents = bits
    if guardian and not recipient.emergency_contact:
        recipient.emergency_contact = guardian[:200]
    recipient.guardian_name = recipient.guardian_phone = ""
    recipient.guardian = None
    recipient.save(
        update_fields=[
            "consents",
            "emergency_contact",
            "guardian_name",
            "guardian_phone",
            "guardian",
            "updated_at",
        ]
    )
    audit_record(
        actor=None,
        action=CAME_OF_AGE,
        obj=recipient,
        old=old,
        new={"consents": bits, "guardian_name_recorded": False, "guardian": None, "lapsed": lapsed},
    )
    return lapsed


def coming_of_age(*, today: dt.date | None = None) -> int:
    """Pass every record of a minor who has turned eighteen to the adult, once each (the
    audit event marks it done); how many passed."""
    today = today or timezone.localdate()
    latest = _eighteen_years_before(today)
    rows = list(
        Recipient.objects.filter(birth_date__lte=latest, birth_date__gt=latest - COMING_OF_AGE_SLACK)
        .exclude(status=Status.ANONYMISED)
        .only("pk", "birth_date", "created_at")
        .order_by("pk")
    )
    # Registered as a minor: an adult registered with a guardian is under guardianship, not
    # coming of age.
    rows = [r for r in rows if r.birth_date and timezone.localdate(r.created_at) < adult_on(r.birth_date)]
    done_ids = set(
        AuditEvent.objects.filter(
            action=CAME_OF_AGE, object_type="care.recipient", object_id__in=[str(r.pk) for r in rows]
        ).values_list("object_id", flat=True)
    )
    passed = 0
    for recipient in rows:
        if str(recipient.pk) in done_ids:
            continue
        recipient_come_of_age(recipient=recipient, today=today)
        passed += 1
    if passed:
        log.info("Care: %d records passed to recipients who came of age.", passed)
    return passed
