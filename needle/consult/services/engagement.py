"""Comments (one level: a comment, and replies to it), follows, reports of content and the
moderators' decisions on them, and hiding a comment with a reason.

What followers hear of is told through `needle.consult.services.followers`."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.consult.access import may_manage, may_take_part
from needle.consult.models import Cadence, Comment, Follow, Report, ReportDecision, Suggestion, Topic
from needle.consult.services._common import REASON, moderate, text
from needle.consult.services.followers import tell_followers
from needle.consult.services.suggestions import suggestion_moderate
from needle.consult.states import MODERATION_MOVES
from needle.core.audit import audit_record
from needle.core.errors import Conflict, NotFound, ValidationFailed
from needle.orgs.permissions import require, require_authenticated

COMMENT = 2000


@transaction.atomic
def comment_add(
    *, actor: Any, suggestion: Suggestion, text_: str, reply_to: Comment | None = None
) -> Comment:
    """A comment on a visible suggestion by someone the topic lets take part, or a reply to a
    comment on it (a reply to a reply is refused: the thread is one level deep). The commenter
    follows the suggestion from then on; its followers hear of it. Audited."""
    require_authenticated(actor)
    suggestion = Suggestion.objects.select_related("topic").get(pk=suggestion.pk)
    if suggestion.hidden:
        raise Conflict(_("This suggestion is hidden."), code="hidden")
    require(may_take_part(actor, suggestion.topic))
    if reply_to is not None:
        reply_to = Comment.objects.get(pk=reply_to.pk)
        if reply_to.suggestion_id != suggestion.pk or reply_to.hidden:
            raise NotFound()
        if reply_to.parent_id is not None:
            said = _("Reply to the comment itself: replies are not answered in turn.")
            raise ValidationFailed(said, fields={"reply_to": said}, code="too_deep")
    body = text(text_, limit=COMMENT, field="text")
    comment = Comment.objects.create(suggestion=suggestion, parent=reply_to, author=actor, text=body)
    audit_record(
        actor=actor,
        action="consult.comment.added",
        obj=comment,
        new={"suggestion": suggestion.pk, "reply_to": reply_to.pk if reply_to else None},
    )
    tell_followers(
        topic=suggestion.topic,
        suggestion=suggestion,
        verb="consult.comment",
        text=gettext_noop("A new comment on “%(title)s”."),
        params={"title": suggestion.title},
        skip=actor.pk,
    )
    _follow(actor, suggestion=suggestion)
    return comment


def _follow(person: Any, *, topic: Topic | None = None, suggestion: Suggestion | None = None) -> Follow:
    key = {"topic": topic} if topic is not None else {"suggestion": suggestion}
    follow, _made = Follow.objects.get_or_create(person=person, **key)
    return follow


@transaction.atomic
def follow_set(
    *,
    actor: Any,
    topic: Topic | None = None,
    suggestion: Suggestion | None = None,
    cadence: str = Cadence.IMMEDIATELY,
) -> Follow:
    """Follow a topic or a suggestion (again: the choice of when to hear changes), hearing of it
    at once or in a daily or weekly digest. Not audited: it changes only the actor's own inbox."""
    require_authenticated(actor)
    if (topic is None) == (suggestion is None):
        raise ValidationFailed(fields={"topic": _("Follow either a topic or a suggestion.")})
    if cadence not in Cadence.values:
        said = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Cadence.values)}
        raise ValidationFailed(said, fields={"cadence": said})
    if suggestion is not None and suggestion.hidden:
        raise NotFound()
    follow = _follow(actor, topic=topic, suggestion=suggestion)
    if follow.cadence != cadence:
        follow.cadence = cadence
        follow.save(update_fields=["cadence"])
    return follow


def unfollow(*, actor: Any, topic: Topic | None = None, suggestion: Suggestion | None = None) -> None:
    require_authenticated(actor)
    key = {"topic": topic} if topic is not None else {"suggestion": suggestion}
    deleted, _rows = Follow.objects.filter(person_id=actor.pk, **key).delete()
    require(bool(deleted), visible=False)


# Moderation -----------------------------------------------------------------------------------


@transaction.atomic
def comment_moderate(*, actor: Any, comment: Comment, move_name: str, reason: str = "") -> Comment:
    """Hide a comment with a reason, or show it again (consult.manage over its area); the text is
    kept for moderators and auditors. Audited."""
    require_authenticated(actor)
    comment = Comment.objects.select_for_update(of=("self",)).select_related("suggestion").get(pk=comment.pk)
    require(may_manage(actor, comment.suggestion.area_path))
    move = MODERATION_MOVES.get(move_name)
    if move is None:
        raise ValidationFailed(fields={"move": _("Choose hide or restore.")})
    moderate(
        comment,
        actor=actor,
        move=move,
        reason=reason,
        already=_("This comment is already %(state)s."),
        actions=("consult.comment.hidden", "consult.comment.restored"),
    )
    return comment


@transaction.atomic
def report_make(
    *, actor: Any, reason: str, suggestion: Suggestion | None = None, comment: Comment | None = None
) -> Report:
    """Anyone signed in reports a visible suggestion or comment, once (a second is a 409)."""
    require_authenticated(actor)
    if (suggestion is None) == (comment is None):
        raise ValidationFailed(fields={"item": _("Report either a suggestion or a comment.")})
    item: Any = suggestion if suggestion is not None else comment
    if item.hidden:
        raise NotFound()
    area_path = suggestion.area_path if suggestion is not None else comment.suggestion.area_path  # type: ignore[union-attr]
    said = text(reason, limit=REASON, field="reason")
    try:
        with transaction.atomic():
            report = Report.objects.create(
                person=actor, area_path=area_path, suggestion=suggestion, comment=comment, reason=said
            )
    except IntegrityError:
        raise Conflict(_("You have reported this already."), code="already_reported") from None
    audit_record(actor=actor, action="consult.report.made", obj=report, new={"reason": said})
    return report


@transaction.atomic
def report_decide(*, actor: Any, report: Report, decision: str, reason: str = "") -> Report:
    """A moderator's decision on a report: hide the item (with a reason) or keep it. Every
    pending report of the same item is decided with it. Audited."""
    require_authenticated(actor)
    found = (
        Report.objects.select_for_update(of=("self",))
        .select_related("suggestion", "comment")
        .filter(pk=report.pk)
        .first()
    )
    if found is None:
        raise NotFound()
    report = found
    require(may_manage(actor, report.area_path))
    if decision not in (ReportDecision.HIDDEN, ReportDecision.KEPT):
        raise ValidationFailed(fields={"decision": _("Choose hidden or kept.")})
    if report.decision != ReportDecision.PENDING:
        raise Conflict(_("This report has been decided already."), code="already_decided")
    if decision == ReportDecision.HIDDEN:
        said = reason or report.reason
        if report.suggestion is not None and not report.suggestion.hidden:
            suggestion_moderate(actor=actor, suggestion=report.suggestion, move_name="hide", reason=said)
        elif report.comment is not None and not report.comment.hidden:
            comment_moderate(actor=actor, comment=report.comment, move_name="hide", reason=said)
    item: dict[str, Any] = {"suggestion_id": report.suggestion_id, "comment_id": report.comment_id}
    same = Report.objects.filter(**item, decision=ReportDecision.PENDING)
    now = timezone.now()
    ids = list(same.values_list("pk", flat=True))
    same.update(decision=decision, decided_by=actor, decided_at=now)
    audit_record(
        actor=actor, action="consult.report.decided", obj=report, new={"decision": decision, "reports": ids}
    )
    report.refresh_from_db()
    return report
