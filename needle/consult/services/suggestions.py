"""Suggestions: made by those a topic lets take part, or entered by staff for a person without
an account; supported once per person; answered by the responsible unit; hidden with a reason.

Every move locks the suggestion and checks it against the tables in `needle.consult.states`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.areas.models import Area
from needle.consult.access import may_answer, may_manage, may_take_part
from needle.consult.models import Status, Suggestion, Support, Topic
from needle.consult.services._common import TEXT, TITLE, answer_due, moderate, text
from needle.consult.services.followers import follow_own, tell_followers
from needle.consult.states import ANSWER_MOVES, MODERATION_MOVES
from needle.core.audit import audit_record
from needle.core.errors import Conflict, ValidationFailed
from needle.orgs.models import ConsentMethod, PersonRecord, mask_phone
from needle.orgs.permissions import require, require_authenticated
from needle.orgs.services import person_record_find_or_create


@dataclass(frozen=True)
class OnBehalf:
    """A person without an account whose suggestion staff enter (at the counter, by phone):
    named, and their consent to their details being kept noted by the staff member."""

    name: str
    phone: str = ""
    consent_method: str = ConsentMethod.VERBAL_WITNESSED


def _window(topic: Topic) -> None:
    today = timezone.localdate()
    if today < topic.opens:
        said = _("This topic opens on %(day)s.") % {"day": topic.opens.isoformat()}
        raise ValidationFailed(said, fields={"topic": said}, code="topic_not_open")
    if today > topic.closes:
        said = _("This topic closed on %(day)s.") % {"day": topic.closes.isoformat()}
        raise ValidationFailed(said, fields={"topic": said}, code="topic_closed")


def record_for(actor: Any, area: Area, on_behalf: OnBehalf, *, field: str = "on_behalf") -> PersonRecord:
    """The shared record of a person without an account (orgs), found again or made with their
    consent noted; refusals name `field` and the detail."""
    name = text(on_behalf.name, limit=100, field=f"{field}.name")
    if "\x00" in on_behalf.phone:
        raise ValidationFailed(fields={f"{field}.phone": _("The text must not contain a NUL character.")})
    try:
        record, _made = person_record_find_or_create(
            actor=actor,
            area=area,
            name=name,
            phone=on_behalf.phone,
            consent_method=on_behalf.consent_method,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(fields={f"{field}.{k}": v for k, v in exc.fields.items()}) from None
    return record


@transaction.atomic
def suggestion_make(
    *, actor: Any, topic: Topic, title: str, text_: str, on_behalf: OnBehalf | None = None
) -> Suggestion:
    """A suggestion on an open topic, by the actor or (staff) for a person without an account;
    its answer falls due by the topic's rule. Audited."""
    require_authenticated(actor)
    if on_behalf is not None:
        require(may_manage(actor, topic.area_path))
    else:
        require(may_take_part(actor, topic))
    _window(topic)
    title = text(title, limit=TITLE, field="title")
    body = text(text_, limit=TEXT, field="text")
    record = record_for(actor, topic.area, on_behalf) if on_behalf is not None else None
    now = timezone.now()
    suggestion = Suggestion.objects.create(
        topic=topic,
        area_path=topic.area_path,
        title=title,
        text=body,
        author=None if record is not None else actor,
        record=record,
        entered_by=actor if record is not None else None,
        answer_due=answer_due(topic, now),
    )
    new: dict[str, Any] = {"topic": topic.pk, "title": title, "answer_due": suggestion.answer_due}
    if record is not None:
        new["on_behalf"] = {"record": record.pk, "phone": mask_phone(record.phone)}
    audit_record(actor=actor, action="consult.suggestion.made", obj=suggestion, new=new)
    follow_own(suggestion)
    return suggestion


def _locked(suggestion: Suggestion) -> Suggestion:
    return (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("topic", "topic__unit")
        .get(pk=suggestion.pk)
    )


@transaction.atomic
def support_add(*, actor: Any, suggestion: Suggestion) -> Support:
    """The actor's support (once: a second is a 409), while the topic is open to them."""
    require_authenticated(actor)
    suggestion = _locked(suggestion)
    if suggestion.hidden:
        raise Conflict(_("This suggestion is hidden."), code="hidden")
    require(may_take_part(actor, suggestion.topic))
    _window(suggestion.topic)
    try:
        with transaction.atomic():
            support = Support.objects.create(suggestion=suggestion, person=actor)
    except IntegrityError:
        raise Conflict(_("You already support this suggestion."), code="already_supported") from None
    Suggestion.objects.filter(pk=suggestion.pk).update(supports=F("supports") + 1, updated_at=timezone.now())
    audit_record(
        actor=actor, action="consult.support.added", obj=suggestion, new={"supports": suggestion.supports + 1}
    )
    return support


@transaction.atomic
def support_withdraw(*, actor: Any, suggestion: Suggestion) -> None:
    """Take the actor's support back (404 when there is none)."""
    require_authenticated(actor)
    suggestion = _locked(suggestion)
    deleted, _rows = Support.objects.filter(suggestion=suggestion, person_id=actor.pk).delete()
    require(bool(deleted), visible=False)
    Suggestion.objects.filter(pk=suggestion.pk).update(supports=F("supports") - 1, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="consult.support.withdrawn",
        obj=suggestion,
        new={"supports": suggestion.supports - 1},
    )


# What the followers of a suggestion are told of its answer, by the state it leads to.
_ANSWERED: dict[str, str] = {
    Status.EVALUATING: gettext_noop("“%(title)s” is being evaluated."),
    Status.ADOPTED: gettext_noop("“%(title)s” was adopted."),
    Status.PARTLY_ADOPTED: gettext_noop("“%(title)s” was partly adopted."),
    Status.NOT_ADOPTED: gettext_noop("“%(title)s” was not adopted; the reason is given."),
}


@transaction.atomic
def suggestion_answer(*, actor: Any, suggestion: Suggestion, answer: str, text_: str = "") -> Suggestion:
    """The official answer (adopted, partly adopted, not adopted with a reason, being evaluated)
    by the topic's answering unit or the staff over its area. A final answer stands (409)."""
    require_authenticated(actor)
    suggestion = _locked(suggestion)
    require(may_answer(actor, suggestion.topic))
    move = ANSWER_MOVES.get(answer)
    if move is None:
        raise ValidationFailed(
            fields={"status": _("Choose adopted, partly_adopted, not_adopted or evaluating.")}
        )
    reply = text(text_, limit=TEXT, field="text", required=move.requires == "reason")
    if suggestion.status not in move.sources:
        raise Conflict(
            _("This suggestion has been answered already: %(status)s.")
            % {"status": suggestion.get_status_display()},
            code="already_answered",
            extra={"state": suggestion.status},
        )
    old = {"status": suggestion.status, "answer_text": suggestion.answer_text}
    suggestion.status = move.target or suggestion.status
    suggestion.answer_text = reply
    suggestion.answered_at = timezone.now()
    suggestion.answered_by = actor
    suggestion.save(update_fields=["status", "answer_text", "answered_at", "answered_by", "updated_at"])
    audit_record(
        actor=actor,
        action="consult.suggestion.answered",
        obj=suggestion,
        old=old,
        new={"status": suggestion.status, "answer_text": reply},
    )
    tell_followers(
        topic=suggestion.topic,
        suggestion=suggestion,
        verb="consult.answer",
        text=_ANSWERED[suggestion.status],
        params={"title": suggestion.title},
    )
    return suggestion


@transaction.atomic
def suggestion_moderate(
    *, actor: Any, suggestion: Suggestion, move_name: str, reason: str = ""
) -> Suggestion:
    """Hide a suggestion from the public with a reason, or show it again (consult.manage over
    its area); its text is kept either way."""
    require_authenticated(actor)
    suggestion = _locked(suggestion)
    require(may_manage(actor, suggestion.area_path))
    move = MODERATION_MOVES[move_name]
    moderate(
        suggestion,
        actor=actor,
        move=move,
        reason=reason,
        already=_("This suggestion is already %(state)s."),
        actions=("consult.suggestion.hidden", "consult.suggestion.restored"),
    )
    return suggestion
