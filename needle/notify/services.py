"""Notifications: the in-app list, each person's choice of how to hear of them outside Needle,
and the text messages, emails and WeChat messages that carry them (sent by the jobs in
tasks.py, after commit, outside quiet hours, at once or as a daily digest).

A message is stored as a code and parameters (`needle.notify.messages`) and put into words
when it is read (a page, in its reader's language) or sent (in its recipient's language)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from needle.core.audit import audit_record
from needle.core.errors import ValidationFailed
from needle.core.jobs import job_enqueue
from needle.notify.gateways import sms_gateway, wechat_gateway
from needle.notify.messages import Message, render
from needle.notify.models import OUTSIDE_CHANNELS, Cadence, Channel, Delivery, Notification, Preference
from needle.notify.schedule import Span, next_digest, send_at
from needle.orgs.models import Person, is_mobile
from needle.orgs.permissions import Actor, is_superuser, require, require_authenticated

log = logging.getLogger(__name__)

DELIVERY_JOB = "needle.notify.tasks.deliver_due"
MAX_ATTEMPTS = 5
# A claim older than this belongs to a run that died; its rows are taken up again.
CLAIM_TIMEOUT = dt.timedelta(minutes=15)


def _deliver_after_commit() -> None:
    transaction.on_commit(lambda: job_enqueue(DELIVERY_JOB), robust=True)


def quiet_span(pref: Preference) -> Span | None:
    if pref.quiet_start is None or pref.quiet_end is None:
        return None
    return pref.quiet_start, pref.quiet_end


def notify(*, recipients: Iterable[Any], verb: str, message: Message, link: str = "") -> int:
    """One notification per distinct recipient, stored as `message`'s code and parameters; for
    each recipient who chose to hear outside Needle, a delivery due now, at the end of their
    quiet hours, or in their next daily digest. Returns how many were notified."""
    people: list[Person] = []
    seen: set[int] = set()
    for person in recipients:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        people.append(person)
    if not people:
        return 0
    params = dict(message.params)
    Notification.objects.bulk_create(
        Notification(recipient=p, verb=verb, message=message.text, params=params, link=link) for p in people
    )
    now = timezone.now()
    deliveries = []
    for pref in Preference.objects.filter(person__in=seen, channel__in=OUTSIDE_CHANNELS):
        daily = pref.cadence == Cadence.DAILY
        span = quiet_span(pref)
        due = next_digest(now, settings.NEEDLE_DIGEST_HOUR, span) if daily else send_at(now, span)
        deliveries.append(
            Delivery(
                channel=pref.channel,
                person_id=pref.person_id,
                verb=verb,
                message=message.text,
                params=params,
                link=link,
                digest=daily,
                due_at=due,
            )
        )
    Delivery.objects.bulk_create(deliveries)
    if any(not d.digest and d.due_at <= now for d in deliveries):
        _deliver_after_commit()
    return len(people)


def sms_to_phone(*, phone: str, verb: str, message: Message, link: str = "") -> bool:
    """A text message to a resident without an account (one who gave a phone at the counter or
    on the phone), in the deployment's language, outside its default quiet hours
    (NEEDLE_QUIET_HOURS). Only a mobile number can receive one; returns whether one is due."""
    phone = phone.strip().replace(" ", "")
    if not is_mobile(phone):
        return False
    now = timezone.now()
    due = send_at(now, settings.NEEDLE_QUIET_HOURS)
    Delivery.objects.create(
        channel=Channel.SMS,
        address=phone,
        language=settings.LANGUAGE_CODE,
        verb=verb,
        message=message.text,
        params=dict(message.params),
        link=link,
        due_at=due,
    )
    if due <= now:
        _deliver_after_commit()
    return True


def notifications_mark_read(*, actor: Any) -> int:
    """Mark all of the actor's notifications read (their own inbox only; not audited: no
    shared state changes)."""
    require_authenticated(actor)
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


# Preferences ----------------------------------------------------------------------------------

PREFERENCE_FIELDS = ["channel", "cadence", "quiet_start", "quiet_end"]


def _channel_error(person: Person, pref: Preference) -> str | None:
    if pref.channel == Channel.EMAIL and not person.email_confirmed:
        return _("Add an email address to your profile and confirm it first.")
    if pref.channel == Channel.SMS and not is_mobile(person.phone):
        return _("Add a mobile number to your profile first.")
    if pref.channel == Channel.WECHAT and not pref.wechat_openid:
        return _("Your account is not linked to WeChat yet.")
    return None


@transaction.atomic
def preference_set(
    *,
    actor: Actor,
    person: Person,
    channel: str,
    cadence: str,
    quiet_start: dt.time | None = None,
    quiet_end: dt.time | None = None,
    wechat_openid: str | None = None,
) -> Preference:
    """How `person` hears of their notifications outside Needle: the channel, each message at
    once or a daily digest, and quiet hours. Their own choice (or a superuser's); audited.
    `wechat_openid` is set by the WeChat integration acting with the person's token."""
    require_authenticated(actor)
    require(actor.pk == person.pk or is_superuser(actor))
    pref = Preference.objects.select_for_update().filter(person=person).first() or Preference(person=person)
    old = {name: getattr(pref, name) for name in PREFERENCE_FIELDS} if pref.created_at else {}
    old_linked = bool(pref.wechat_openid)
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Channel.values)}
    if cadence not in Cadence.values:
        errors["cadence"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Cadence.values)}
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end" if quiet_end is None else "quiet_start"] = _("Give both times, or neither.")
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = _("Quiet hours cannot end when they start.")
    if wechat_openid is not None:
        wechat_openid = wechat_openid.strip()
        if len(wechat_openid) > 64 or not all(c.isalnum() or c in "-_" for c in wechat_openid):
            errors["wechat_openid"] = _("Not a WeChat openid.")
        else:
            pref.wechat_openid = wechat_openid
    pref.channel, pref.cadence, pref.quiet_start, pref.quiet_end = channel, cadence, quiet_start, quiet_end
    if "channel" not in errors and (problem := _channel_error(person, pref)):
        errors["channel"] = problem
    if errors:
        raise ValidationFailed(fields=errors)
    pref.save()
    new = {name: getattr(pref, name) for name in PREFERENCE_FIELDS}
    if old_linked != bool(pref.wechat_openid):
        old["wechat_linked"], new["wechat_linked"] = old_linked, bool(pref.wechat_openid)
    audit_record(actor=actor, action="notify.preference.changed", obj=pref, old=old, new=new)
    return pref


# Sending --------------------------------------------------------------------------------------


def absolute(link: str) -> str:
    """A link inside Needle as an address that works from a phone's messages."""
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.NEEDLE_SITE_URL + link


def _address(d: Delivery) -> str:
    """Where the delivery goes now: the person's current confirmed email, mobile or WeChat."""
    person = d.person
    if person is None:
        return d.address
    pref = Preference.objects.filter(person=person).first()
    if pref is None or pref.channel != d.channel or not person.is_active:
        return ""  # the person has since chosen otherwise
    if d.channel == Channel.EMAIL:
        return person.email if person.email_confirmed else ""
    if d.channel == Channel.SMS:
        return person.phone if is_mobile(person.phone) else ""
    return pref.wechat_openid


def _language(d: Delivery) -> str:
    return (d.person.language if d.person else "") or d.language or settings.LANGUAGE_CODE


def _send(
    channel: str, to: str, *, subject: str, text: str, body: str, verb: str, params: Any, url: str
) -> None:
    if channel == Channel.SMS:
        sms_gateway().send_sms(to=to, text=f"{text} {url}".strip(), verb=verb, params=params)
    elif channel == Channel.WECHAT:
        wechat_gateway().send_template(openid=to, text=text, verb=verb, params=params, url=url)
    else:
        send_mail(subject, body, None, [to])


def _footer() -> str:
    return _("You receive this because of your notification settings: %(url)s") % {
        "url": absolute("/notifications/settings/")
    }


def _claim(rows: Any, now: dt.datetime) -> str:
    """Claim `rows` for this run with one conditional update; returns the claim's token."""
    token = secrets.token_hex(16)
    rows.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)).filter(
        sent_at__isnull=True, failed_at__isnull=True
    ).update(claim=token, claimed_at=now)
    return token


def _settle(ids: list[int], token: str, error: Exception | str | None, attempts: int) -> None:
    now = timezone.now()
    rows = Delivery.objects.filter(pk__in=ids, claim=token)
    if error is None:
        rows.update(sent_at=now, error="")
    elif isinstance(error, str) or attempts + 1 >= MAX_ATTEMPTS:
        rows.update(failed_at=now, error=str(error)[:300], attempts=attempts + 1)
    else:
        # Tried again after 2, 4, 8, 16 minutes.
        retry = now + dt.timedelta(minutes=2 ** (attempts + 1))
        rows.update(error=str(error)[:300], attempts=attempts + 1, due_at=retry, claimed_at=None, claim="")


def deliveries_send(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Send the messages due by `now` (not digests), each once: rows are claimed first. A
    provider's refusal is tried again later, up to MAX_ATTEMPTS. Returns how many went out."""
    now = now or timezone.now()
    due = Delivery.objects.filter(digest=False, due_at__lte=now, sent_at__isnull=True, failed_at__isnull=True)
    ids = list(due.order_by("due_at", "id").values_list("pk", flat=True)[:limit])
    token = _claim(Delivery.objects.filter(pk__in=ids), now)
    sent = 0
    for d in Delivery.objects.filter(claim=token).select_related("person").order_by("due_at", "id"):
        to = _address(d)
        if not to:
            _settle([d.pk], token, "no address for this channel any more", d.attempts)
            continue
        with translation.override(_language(d)):
            text = render(d.message, d.params)
            url = absolute(d.link)
            body = "\n\n".join(part for part in (text, url, _footer() if d.person else "") if part)
            subject = _("Needle: %(text)s") % {"text": text[:60]}
        try:
            _send(d.channel, to, subject=subject, text=text, body=body, verb=d.verb, params=d.params, url=url)
        except Exception as exc:  # a provider's failure of any kind: retried, never lost
            log.warning("delivery %s over %s failed: %s", d.pk, d.channel, exc)
            _settle([d.pk], token, exc, d.attempts)
            continue
        _settle([d.pk], token, None, d.attempts)
        sent += 1
    return sent


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Send each person whose digest is due one message listing what came since the last one.
    A person's rows are claimed together, so a second run finds nothing of theirs. Returns how
    many digests went out."""
    now = now or timezone.now()
    pending = Delivery.objects.filter(
        digest=True, due_at__lte=now, sent_at__isnull=True, failed_at__isnull=True
    )
    sent = 0
    for person_id in pending.order_by().values_list("person_id", flat=True).distinct():
        token = _claim(pending.filter(person_id=person_id), now)
        rows = list(
            Delivery.objects.filter(claim=token).select_related("person").order_by("created_at", "id")
        )
        if not rows:
            continue  # another run took them
        first, ids = rows[0], [r.pk for r in rows]
        to = _address(first)
        if not to:
            _settle(ids, token, "no address for this channel any more", first.attempts)
            continue
        with translation.override(_language(first)):
            lines = [
                f"• {render(r.message, r.params)}" + (f"\n  {absolute(r.link)}" if r.link else "")
                for r in rows
            ]
            url = absolute("/notifications/")
            text = _("Needle: %(n)d new messages.") % {"n": len(rows)}
            body = "\n".join(lines) + "\n\n" + url + "\n\n" + _footer()
        try:
            _send(
                first.channel,
                to,
                subject=text,
                text=text,
                body=body,
                verb="notify.digest",
                params={"count": len(rows)},
                url=url,
            )
        except Exception as exc:  # retried with the same rows
            log.warning("digest for person %s over %s failed: %s", person_id, first.channel, exc)
            _settle(ids, token, exc, first.attempts)
            continue
        _settle(ids, token, None, first.attempts)
        sent += 1
    return sent
