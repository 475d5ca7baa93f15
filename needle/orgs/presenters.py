"""The audit log in words: each action's name, and each change as "field: old → new" with the
field's label, a choice's label and a referenced object's name, in the reader's language.

Events store codes ("cases.case.accepted", {"old": {"state": "dispatched"}}); they are put
into words here, when the page is read. A field of the event's object is labelled by the model
(its verbose name and choices, looked up through the app registry, so this module imports no
app above orgs); other keys by KEYS below. Every action the code writes has a label in ACTIONS
(needle/orgs/tests/test_audit_page.py checks the source)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from needle.core.i18n import labelled
from needle.core.models import AuditEvent

ACTIONS: dict[str, Promise] = {
    "areas.boundaries.attached": gettext_lazy("boundaries attached"),
    "areas.grid.created": gettext_lazy("grid created"),
    "areas.grid.worker_assigned": gettext_lazy("grid worker assigned"),
    "areas.grid.worker_unassigned": gettext_lazy("grid worker's assignment ended"),
    "areas.import.completed": gettext_lazy("areas imported"),
    # care: registry
    "care.recipient.registered": gettext_lazy("care recipient registered"),
    "care.recipient.updated": gettext_lazy("care recipient's details changed"),
    "care.recipient.status_changed": gettext_lazy("care recipient's status changed"),
    "care.recipient.moved": gettext_lazy("care recipient moved"),
    "care.recipient.anonymised": gettext_lazy("care recipient's record anonymised"),
    "care.recipient.sensitive_read": gettext_lazy("care recipient's sensitive fields read"),
    "care.recipient.contact_viewed": gettext_lazy("care recipient's contact details viewed"),
    "care.recipient.exported": gettext_lazy("care recipient's file exported"),
    "care.recipient.came_of_age": gettext_lazy("care recipient came of age"),
    "care.consent.given": gettext_lazy("care consent given"),
    "care.consent.withdrawn": gettext_lazy("care consent withdrawn"),
    "care.own_data.exported": gettext_lazy("own care data exported"),
    "care.keys.rotated": gettext_lazy("care key rotated"),
    "cases.case.submitted": gettext_lazy("request submitted"),
    "cases.case.opened": gettext_lazy("proactive task opened"),
    "cases.case.dispatched": gettext_lazy("request dispatched"),
    "cases.case.accepted": gettext_lazy("request accepted"),
    "cases.case.returned": gettext_lazy("request returned"),
    "cases.case.started": gettext_lazy("work started"),
    "cases.case.resolved": gettext_lazy("request resolved"),
    "cases.case.rated": gettext_lazy("callback answered"),
    "cases.case.reopened": gettext_lazy("request reopened"),
    "cases.case.rejected": gettext_lazy("request rejected"),
    "cases.case.merged": gettext_lazy("request merged"),
    "cases.case.reclassified": gettext_lazy("service corrected"),
    "cases.case.followed": gettext_lazy("request followed"),
    "cases.case.urged": gettext_lazy("request urged"),
    "cases.case.supervised": gettext_lazy("request put under supervision"),
    "cases.case.whistled": gettext_lazy("units called in"),
    "cases.case.assisted": gettext_lazy("assisting unit added"),
    "cases.case.responded": gettext_lazy("called-in unit responded"),
    "cases.case.noted": gettext_lazy("note added"),
    "cases.case.hidden": gettext_lazy("personal details hidden from the public"),
    "cases.case.person_forgotten": gettext_lazy("request's person forgotten with their record"),
    "cases.case.colour_changed": gettext_lazy("deadline colour changed"),
    "cases.case.contact_viewed": gettext_lazy("contact details viewed"),
    "cases.case.caller_looked_up": gettext_lazy("caller's earlier requests looked up"),
    "cases.case.published": gettext_lazy("request put on the public list"),
    "cases.case.unpublished": gettext_lazy("request taken off the public list"),
    "cases.case.answered": gettext_lazy("request answered directly"),
    "cases.case.withdrawn": gettext_lazy("request withdrawn"),
    "cases.case.info_added": gettext_lazy("information added by the resident"),
    "cases.case.suspended": gettext_lazy("request put on hold"),
    "cases.case.resumed": gettext_lazy("request back in progress"),
    "cases.case.extension_requested": gettext_lazy("extension requested"),
    "cases.case.extension_granted": gettext_lazy("extension granted"),
    "cases.case.extension_refused": gettext_lazy("extension refused"),
    "cases.open311_key.created": gettext_lazy("Open311 key created"),
    "cases.category.created": gettext_lazy("category added"),
    "cases.category.changed": gettext_lazy("category changed"),
    "cases.category.deleted": gettext_lazy("category deleted"),
    "cases.service.created": gettext_lazy("service added"),
    "cases.service.changed": gettext_lazy("service changed"),
    "cases.service.deleted": gettext_lazy("service deleted"),
    "cases.holiday.created": gettext_lazy("calendar exception added"),
    "cases.holiday.changed": gettext_lazy("calendar exception changed"),
    "cases.holiday.deleted": gettext_lazy("calendar exception deleted"),
    "cases.case.placed": gettext_lazy("request placed in a grid"),
    "cases.rule.set": gettext_lazy("routing rule set"),
    "cases.rule.deleted": gettext_lazy("routing rule deleted"),
    "center.room.created": gettext_lazy("room added"),
    "center.activity.created": gettext_lazy("activity created"),
    "center.activity.capacity_changed": gettext_lazy("activity's seats changed"),
    "center.registration.created": gettext_lazy("registered for an activity"),
    "center.registration.offered": gettext_lazy("freed seat offered"),
    "center.registration.confirmed": gettext_lazy("offered seat taken"),
    "center.registration.lapsed": gettext_lazy("seat offer lapsed"),
    "center.registration.cancelled": gettext_lazy("registration cancelled"),
    "center.registration.checked_in": gettext_lazy("checked in"),
    "center.registration.no_show": gettext_lazy("marked absent"),
    "center.registration.rated": gettext_lazy("activity rated"),
    "center.activity.registrants_viewed": gettext_lazy("activity's registrants viewed"),
    "center.activity.room_changed": gettext_lazy("activity moved to another room"),
    "center.activity.photo_added": gettext_lazy("activity photo added"),
    "center.activity.photo_removed": gettext_lazy("activity photo removed"),
    "center.service.created": gettext_lazy("convenience service added"),
    "center.service.updated": gettext_lazy("convenience service changed"),
    "center.appointment.booked": gettext_lazy("appointment booked"),
    "center.appointment.cancelled": gettext_lazy("appointment cancelled"),
    "center.appointment.served": gettext_lazy("appointment served"),
    "center.appointment.no_show": gettext_lazy("absent from an appointment"),
    "center.hours.set": gettext_lazy("center's opening hours set"),
    "center.closed_day.added": gettext_lazy("closed day added"),
    "center.closed_day.removed": gettext_lazy("closed day removed"),
    "center.booking.requested": gettext_lazy("room requested"),
    "center.booking.approved": gettext_lazy("room booking approved"),
    "center.booking.declined": gettext_lazy("room booking declined"),
    "center.booking.cancelled": gettext_lazy("room booking cancelled"),
    "volunteering.hours.reported": gettext_lazy("service hours reported"),
    "volunteering.hours.verified": gettext_lazy("service hours verified"),
    "volunteering.hours.rejected": gettext_lazy("service hours rejected"),
    "volunteering.hours.logged": gettext_lazy("service hours logged for a shift"),
    "volunteering.hours.corrected": gettext_lazy("service hours corrected"),
    "volunteering.target.set": gettext_lazy("service hours target set"),
    "volunteering.card.signed": gettext_lazy("service card signed"),
    "volunteering.card.read": gettext_lazy("service card read"),
    "demo.loaded": gettext_lazy("demo loaded"),
    "demo.cases_loaded": gettext_lazy("demo requests loaded"),
    "intel.hot_topic.dismissed": gettext_lazy("hot topic dismissed"),
    "intel.hot_topic.tasked": gettext_lazy("hot topic made a task"),
    "intel.model.registered": gettext_lazy("classifier registered"),
    "intel.model.trained": gettext_lazy("classifier trained"),
    "notify.preference.changed": gettext_lazy("notification settings changed"),
    "operations.dashboard.exported": gettext_lazy("figures exported"),
    "operations.dashboard.reported": gettext_lazy("PDF report downloaded"),
    "operations.report.sent": gettext_lazy("scheduled report mailed"),
    "operations.rollups.rebuilt": gettext_lazy("figures rebuilt"),
    "operations.subscription.created": gettext_lazy("report subscribed"),
    "operations.subscription.deleted": gettext_lazy("report subscription stopped"),
    "orgs.membership.added": gettext_lazy("member added"),
    "orgs.membership.ended": gettext_lazy("membership ended"),
    "orgs.person.created": gettext_lazy("staff account created"),
    "orgs.person.signed_up": gettext_lazy("resident signed up"),
    "orgs.person.profile_changed": gettext_lazy("profile changed"),
    "orgs.person.sign_in_locked": gettext_lazy("sign-in locked after failed passwords"),
    "orgs.person.email_confirmed": gettext_lazy("email address confirmed"),
    "orgs.person.password_changed": gettext_lazy("password changed"),
    "orgs.person.password_reset_requested": gettext_lazy("password reset asked for"),
    "orgs.person.password_reset": gettext_lazy("password reset"),
    "orgs.person_record.created": gettext_lazy("person without an account recorded"),
    "orgs.person_record.merged": gettext_lazy("records of one person merged"),
    "orgs.person_record.phone_viewed": gettext_lazy("phone number of a person without an account viewed"),
    "orgs.person_record.changed": gettext_lazy("year of birth of a person without an account noted"),
    "orgs.role.granted": gettext_lazy("role granted"),
    "orgs.role.revoked": gettext_lazy("role revoked"),
    "orgs.token.created": gettext_lazy("API token created"),
    "orgs.token.revoked": gettext_lazy("API token revoked"),
    "orgs.unit.created": gettext_lazy("unit founded"),
    "orgs.unit.moved": gettext_lazy("unit moved"),
    "orgs.unit.dissolved": gettext_lazy("unit dissolved"),
    "orgs.unit.phones_viewed": gettext_lazy("members' phone numbers viewed"),
    "volunteering.suggestions.viewed": gettext_lazy("members suggested for a shift or a need viewed"),
    "volunteering.skill.created": gettext_lazy("known skill added"),
    "volunteering.skill.changed": gettext_lazy("known skill changed"),
    "volunteering.skill.deleted": gettext_lazy("known skill deleted"),
    "volunteering.point_rule.created": gettext_lazy("rule of points added"),
    "volunteering.point_rule.changed": gettext_lazy("rule of points changed"),
    "volunteering.point_rule.deleted": gettext_lazy("rule of points deleted"),
    "volunteering.checkin.submitted": gettext_lazy("member checked in with a community"),
    "volunteering.checkin.confirmed": gettext_lazy("member's check-in confirmed"),
    "volunteering.checkin.returned": gettext_lazy("member's check-in returned for corrections"),
    "volunteering.checkin.resubmitted": gettext_lazy("member's check-in sent again"),
    "volunteering.checkin.moved": gettext_lazy("member's check-in moved to a new home"),
    "volunteering.checkin.withdrawn": gettext_lazy("member's check-in withdrawn"),
    "volunteering.unit.checkins_viewed": gettext_lazy("unit's members' check-ins viewed"),
    "volunteering.resources.phones_viewed": gettext_lazy(
        "members' phone numbers viewed in the resources list"
    ),
    "volunteering.pairing.submitted": gettext_lazy("unit paired with a community"),
    "volunteering.pairing.confirmed": gettext_lazy("unit's pairing confirmed"),
    "volunteering.pairing.returned": gettext_lazy("unit's pairing returned for corrections"),
    "volunteering.pairing.resubmitted": gettext_lazy("unit's pairing sent again"),
    "volunteering.pairing.withdrawn": gettext_lazy("unit's pairing withdrawn"),
    "volunteering.commitment.added": gettext_lazy("member's commitment made"),
    "volunteering.commitment.reviewed": gettext_lazy("member's commitment reviewed"),
    "volunteering.roster.imported": gettext_lazy("roster of members imported"),
    "volunteering.need.raised": gettext_lazy("volunteering need raised"),
    "volunteering.need.met": gettext_lazy("volunteering need met"),
    "volunteering.need.withdrawn": gettext_lazy("volunteering need withdrawn"),
    "volunteering.need.reopened": gettext_lazy("volunteering need reopened"),
    "volunteering.project.created": gettext_lazy("volunteering project created"),
    "volunteering.project.closed": gettext_lazy("volunteering project closed"),
    "volunteering.shift.added": gettext_lazy("shift added"),
    "volunteering.shift.cancelled": gettext_lazy("shift cancelled"),
    "volunteering.shift.phones_viewed": gettext_lazy("phone numbers of a shift's volunteers viewed"),
    "volunteering.claim.claimed": gettext_lazy("shift claimed"),
    "volunteering.claim.dispatched": gettext_lazy("task dispatched"),
    "volunteering.claim.accepted": gettext_lazy("dispatched task accepted"),
    "volunteering.claim.declined": gettext_lazy("dispatched task declined"),
    "volunteering.claim.cancelled": gettext_lazy("claim cancelled"),
    "volunteering.claim.done": gettext_lazy("claim done"),
    "volunteering.rating.given": gettext_lazy("service rated by a resident"),
    # care: pages
    "care.households.imported": gettext_lazy("household files imported"),
    # care: pairing, policies, schedule and ledger
    "care.pairing.added": gettext_lazy("helper paired with a care recipient"),
    "care.pairing.ended": gettext_lazy("care pairing ended"),
    "care.pairing.lead": gettext_lazy("lead helper of a care recipient changed"),
    "care.pairing.helper_left": gettext_lazy("care pairing ended: the helper left"),
    "care.policy.set": gettext_lazy("visit policy set"),
    "care.item.added": gettext_lazy("problem put on a household's ledger"),
    "care.item.closed": gettext_lazy("ledger item closed with the household's confirmation"),
    "care.item.to_case": gettext_lazy("ledger item turned into a request"),
    "care.item.case_closed": gettext_lazy("ledger item closed with its request"),
    "care.ledger.read": gettext_lazy("household's ledger read"),
    # care: reminders
    "care.reminder.sent": gettext_lazy("care visit reminder sent"),
    # care: visits
    "care.visit.logged": gettext_lazy("care visit logged"),
    "care.visit.resolved": gettext_lazy("care visit's conflict resolved"),
    "care.visit.photo_added": gettext_lazy("photo added to a care visit"),
    "care.visits.read": gettext_lazy("care recipient's visits read"),
    "consult.topic.opened": gettext_lazy("consultation topic opened"),
    "consult.suggestion.made": gettext_lazy("suggestion made"),
    "consult.suggestion.answered": gettext_lazy("suggestion answered"),
    "consult.suggestion.hidden": gettext_lazy("suggestion hidden"),
    "consult.suggestion.restored": gettext_lazy("suggestion shown again"),
    "consult.support.added": gettext_lazy("suggestion supported"),
    "consult.support.withdrawn": gettext_lazy("support withdrawn"),
    "consult.result.created": gettext_lazy("consultation result created"),
    "consult.action.added": gettext_lazy("result action added"),
    "consult.action.changed": gettext_lazy("result action changed"),
    # consult: deliberation
    "consult.meeting.scheduled": gettext_lazy("deliberation meeting called"),
    "consult.meeting.participant_added": gettext_lazy("deliberation meeting participant added"),
    "consult.meeting.participants_viewed": gettext_lazy("deliberation meeting participants read"),
    "consult.meeting.held": gettext_lazy("deliberation meeting held, attendance taken"),
    "consult.meeting.minuted": gettext_lazy("deliberation meeting minuted"),
    "consult.meeting.cancelled": gettext_lazy("deliberation meeting cancelled"),
    "consult.decision.recorded": gettext_lazy("deliberation decision recorded"),
    "consult.action.followed": gettext_lazy("result action follows a supervised task"),
    "consult.comment.added": gettext_lazy("comment made"),
    "consult.comment.hidden": gettext_lazy("comment hidden"),
    "consult.comment.restored": gettext_lazy("comment shown again"),
    "consult.expert.invited": gettext_lazy("expert invited"),
    "consult.expert.opinion": gettext_lazy("expert opinion given"),
    "consult.report.made": gettext_lazy("content reported"),
    "consult.report.decided": gettext_lazy("reported content decided"),
    "consult.topic.from_hot_topic": gettext_lazy("consultation topic opened from a hot topic"),
    # consult: surveys and changed meetings
    "consult.question.added": gettext_lazy("survey question added"),
    "consult.question.edited": gettext_lazy("survey question changed"),
    "consult.question.deleted": gettext_lazy("survey question deleted"),
    "consult.survey.answered": gettext_lazy("survey answered"),
    "consult.meeting.edited": gettext_lazy("deliberation meeting changed"),
    "supervision.task.issued": gettext_lazy("supervised task issued"),
    "supervision.task.refused": gettext_lazy("task refused by the admission list"),
    "supervision.task.approved": gettext_lazy("held task approved by the general office"),
    "supervision.task.rejected": gettext_lazy("held task rejected by the general office"),
    "supervision.task.urged": gettext_lazy("overdue task urged"),
    "supervision.task.escalated": gettext_lazy("overdue task escalated"),
    "supervision.target.urged": gettext_lazy("task urged"),
    "supervision.evidence.added": gettext_lazy("task evidence added"),
    "supervision.entry.amended": gettext_lazy("admission list entry amended"),
    "supervision.entry.imported": gettext_lazy("admission list imported"),
    "supervision.template.created": gettext_lazy("report template created"),
    "supervision.report.requested": gettext_lazy("report requested"),
    "supervision.report.prefilled": gettext_lazy("report prefilled"),
    "supervision.report.filled": gettext_lazy("report filled"),
    "supervision.report.flagged": gettext_lazy("report fields flagged for correction"),
    "supervision.target.split": gettext_lazy("task passed down to communities"),
    "supervision.target.accepted": gettext_lazy("task accepted"),
    "supervision.target.progress": gettext_lazy("task progress reported"),
    "supervision.target.done": gettext_lazy("task reported done"),
    "supervision.target.signed_off": gettext_lazy("task signed off"),
    "supervision.target.returned": gettext_lazy("task returned"),
    "supervision.target.declined": gettext_lazy("unlisted task declined"),
    "supervision.target.extension_asked": gettext_lazy("task extension asked"),
    "supervision.target.extension_granted": gettext_lazy("task extension granted"),
    "supervision.target.extension_refused": gettext_lazy("task extension refused"),
    "supervision.entry.applied": gettext_lazy("admission list entry applied for"),
    "supervision.entry.admitted": gettext_lazy("admission list entry admitted"),
    "supervision.entry.refused": gettext_lazy("admission list entry refused"),
    "supervision.entry.revoked": gettext_lazy("admission list entry revoked"),
    # Consultation on drafts
    "supervision.consultation.opened": gettext_lazy("opinions asked on a draft"),
    "supervision.consultation.replied": gettext_lazy("opinion on a draft given"),
    "supervision.consultation.reminded": gettext_lazy("units reminded of a consultation's deadline"),
    "supervision.consultation.closed": gettext_lazy("consultation closed"),
    "supervision.consultation.task_issued": gettext_lazy("task issued from a consultation"),
}

# Keys that are no field of the event's object: their label, and the model an id among their
# values names (app label, model name), if any.
KEYS: dict[str, tuple[Promise, tuple[str, str] | None]] = {
    "note": (gettext_lazy("note"), None),
    "reason": (gettext_lazy("reason"), None),
    "unit": (gettext_lazy("unit"), ("orgs", "unit")),
    "units": (gettext_lazy("units"), ("orgs", "unit")),
    "person": (gettext_lazy("person"), ("orgs", "person")),
    "follower": (gettext_lazy("follower"), ("orgs", "person")),
    "worker": (gettext_lazy("grid worker"), ("orgs", "person")),
    "to": (gettext_lazy("sent to"), ("orgs", "person")),
    "people": (gettext_lazy("people"), ("orgs", "person")),
    "hours": (gettext_lazy("hours to respond"), None),
    "public": (gettext_lazy("public"), None),
    "details_hidden": (gettext_lazy("details hidden"), None),
    "parent": (gettext_lazy("merged into"), None),
    "solved": (gettext_lazy("solved"), None),
    "rating": (gettext_lazy("rating"), None),
    "failures": (gettext_lazy("failed passwords"), None),
    "minutes": (gettext_lazy("minutes locked"), None),
    "period": (gettext_lazy("period"), None),
    "start": (gettext_lazy("from"), None),
    "end": (gettext_lazy("to"), None),
    "grid": (gettext_lazy("grid"), None),
    "wechat_linked": (gettext_lazy("linked to WeChat"), None),
    "answer": (gettext_lazy("answer"), None),
    "by_resident": (gettext_lazy("by the resident"), None),
    "characters": (gettext_lazy("characters"), None),
    "photos": (gettext_lazy("photos"), None),
    "held_seconds": (gettext_lazy("seconds on hold"), None),
    "requested_due": (gettext_lazy("deadline asked for"), None),
    "phone": (gettext_lazy("phone"), None),
}

EMPTY = "—"


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None  # None: the key is not on that side (made, or removed)
    new: str | None


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    action: str  # the action in words
    changes: list[Change]


def action_label(code: str) -> str:
    """The action in the active language; an action without a label reads as its code."""
    label = ACTIONS.get(code)
    return str(label) if label is not None else code


def _model(object_type: str) -> type[models.Model] | None:
    app_label, _dot, name = object_type.partition(".")
    try:
        return apps.get_model(app_label, name) if name else None
    except LookupError:
        return None


def _field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _target(field: models.Field[Any, Any] | None, key: str) -> type[models.Model] | None:
    """The model whose ids the key's values are."""
    if field is not None:
        related = field.related_model
        return related if isinstance(related, type) else None
    spec = KEYS.get(key, (None, None))[1]
    return apps.get_model(*spec) if spec else None


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


class _Namer:
    """The names of the objects a page of events refers to by id: one query per model."""

    def __init__(self, wanted: dict[type[models.Model], set[int]]) -> None:
        self.names = {
            model: {pk: str(obj) for pk, obj in model._default_manager.in_bulk(ids).items()}
            for model, ids in wanted.items()
        }

    def name(self, model: type[models.Model] | None, value: Any) -> str | None:
        if model is None or not isinstance(value, int) or isinstance(value, bool):
            return None
        return self.names.get(model, {}).get(value)


def _words(
    value: Any, field: models.Field[Any, Any] | None, target: type[models.Model] | None, namer: _Namer
) -> str:
    if value is None or value == "" or value == []:
        if field is not None and field.choices and value == "":
            return str(dict(field.flatchoices).get("", EMPTY))
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_words(v, field, target, namer) for v in value)
    if isinstance(value, dict):
        return "; ".join(labelled(k, _words(v, None, None, namer)) for k, v in value.items())
    if field is not None and field.choices:
        label = dict(field.flatchoices).get(value)
        if label is not None:
            return str(label)
    name = namer.name(target, value)
    if name is not None:
        return name
    text = str(value)
    return text if len(text) <= 300 else text[:299] + "…"


def _label(field: models.Field[Any, Any] | None, key: str) -> str:
    if field is not None:
        return str(field.verbose_name)
    known = KEYS.get(key)
    return str(known[0]) if known else key.replace("_", " ")


def audit_rows(events: Sequence[AuditEvent]) -> list[AuditRow]:
    """The page's events in words (a few queries for the names of referenced objects)."""
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    plans = []
    for event in events:
        model = _model(event.object_type)
        old, new = event.changes.get("old") or {}, event.changes.get("new") or {}
        keys = list(dict.fromkeys([*old, *new]))
        plan = []
        for key in keys:
            field = _field(model, key)
            target = _target(field, key)
            if target is not None:
                for side in (old, new):
                    wanted[target].update(_ids(side.get(key)))
            plan.append((key, field, target))
        plans.append((event, old, new, plan))
    namer = _Namer(wanted)
    rows = []
    for event, old, new, plan in plans:
        changes = [
            Change(
                label=_label(field, key),
                old=_words(old[key], field, target, namer) if key in old else None,
                new=_words(new[key], field, target, namer) if key in new else None,
            )
            for key, field, target in plan
        ]
        rows.append(AuditRow(event=event, action=action_label(event.action), changes=changes))
    return rows
