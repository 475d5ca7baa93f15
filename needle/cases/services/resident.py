"""What the resident does to their own request after raising it: take it back (撤回), or add
what they forgot (a detail, photos). Either through their private tracking link or signed in
as its reporter; a dispatcher may also record a withdrawal the resident asks for on the phone."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.cases.models import Case, CaseEvent, EventKind, State
from needle.cases.services._common import (
    _atomic_move,
    _audit,
    _close_for_good,
    _conflict,
    _event,
    _expect,
    _locked,
    _may_act_as_reporter,
    _save,
    _store_photos,
    _tell_reporters,
    _tell_unit,
)
from needle.cases.uploads import MAX_PHOTOS, clean_image, photo_files_removed_on_error
from needle.core.errors import ValidationFailed
from needle.core.text import bounded
from needle.notify.messages import Message
from needle.orgs.permissions import Actor, can_in_area, require, require_authenticated

# A request is not a chat: past this many additions the resident is asked to call instead.
MAX_ADDITIONS = 10


@_atomic_move
def case_withdraw(
    *,
    actor: Actor | None,
    case: Case,
    reason: str = "",
    tracking_token: str | None = None,
    version: int | None = None,
) -> Case:
    """The resident takes the request back while it is open; the case is done and leaves the
    public lists. A dispatcher may record it for a resident who asks on the phone. The lead
    unit, the reporter (and those merged into it) and followers are told."""
    case = _locked(case)
    by_resident = _may_act_as_reporter(actor, case, tracking_token)
    if not by_resident:
        # A wrong link says nothing about the case; a signed-in stranger never got this far.
        require(tracking_token is None, visible=False)
        require_authenticated(actor)
        require(can_in_area(actor, "cases.dispatch", case.area_path))
    _expect(case, "withdraw", _("withdrawn"), version)
    text = bounded(reason, limit=2000, field="reason")
    case.colour = ""
    previous = _close_for_good(case, State.WITHDRAWN, timezone.now(), ["colour"])
    _event(
        case,
        actor=actor,
        kind=EventKind.WITHDRAWN,
        from_state=previous,
        unit=case.lead_unit,
        note=text,
        code="" if by_resident else "on_behalf",
    )
    _audit(
        actor,
        "withdrawn",
        case,
        {"state": previous},
        {"state": case.state, "reason": text, "by_resident": by_resident},
    )
    _tell_unit(
        case,
        case.lead_unit,
        "case.withdrawn",
        Message(gettext_noop("Case %(number)s was withdrawn by the resident."), {"number": case.number}),
    )
    _tell_reporters(
        case,
        "case.withdrawn",
        Message(gettext_noop("Your request %(number)s is withdrawn."), {"number": case.number}),
        Message(
            gettext_noop("Request %(number)s, which you follow, was withdrawn."), {"number": case.number}
        ),
        # Who asked a dispatcher on the phone hears it is done.
        sms=not by_resident,
    )
    return case


@photo_files_removed_on_error
@_atomic_move
def case_add_info(
    *,
    actor: Actor | None,
    case: Case,
    note: str = "",
    photos: Sequence[bytes] = (),
    tracking_token: str | None = None,
) -> CaseEvent:
    """The resident adds a detail or photos to their open request (补充材料). A timeline
    entry of their own words, shown to them and to staff (never on public surfaces); the lead
    unit is told."""
    case = _locked(case)
    require(_may_act_as_reporter(actor, case, tracking_token), visible=False)
    _expect(case, "add_info", _("added to"), None)
    text = bounded(note, limit=2000, field="note")
    if not text and not photos:
        raise ValidationFailed(fields={"note": _("Write what you want to add, or add photos.")})
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(fields={"photos": _("At most %(n)d photos.") % {"n": MAX_PHOTOS}})
    if CaseEvent.objects.filter(case=case, kind=EventKind.INFO_ADDED).count() >= MAX_ADDITIONS:
        raise _conflict(
            case,
            _("This request already has %(n)d additions; please call the hotline to add more.")
            % {"n": MAX_ADDITIONS},
        )
    images = [clean_image(raw) for raw in photos]
    event = _event(case, actor=actor, kind=EventKind.INFO_ADDED, unit=case.lead_unit, note=text)
    _store_photos(case, event, images, "more")
    _audit(actor, "info_added", case, {}, {"characters": len(text), "photos": len(images)})
    _tell_unit(
        case,
        case.lead_unit,
        "case.info_added",
        Message(gettext_noop("The resident added information to case %(number)s."), {"number": case.number}),
    )
    return event


# What a case keeps of its text once the person it was filed for is forgotten.
FORGOTTEN = gettext_noop("(removed with the person's record)")


@transaction.atomic
def case_forget_person(*, case: Case) -> Case:
    """The system forgets the person a case was filed for (their record in another app was
    anonymised at the end of its retention): the contact details, the name on the public list
    and the words of the request go; its place, service, dates and states stay, so the counts
    and the rates do not change. Audited with which fields were cleared, never their values."""
    case = _locked(case)
    cleared = [
        name
        for name in ("contact_name", "contact_phone", "contact_email", "description", "public_description")
        if getattr(case, name)
    ]
    case.contact_name = case.contact_phone = case.contact_email = case.public_description = ""
    case.description = case.title = FORGOTTEN
    case.show_name = False
    _save(
        case,
        [
            "contact_name",
            "contact_phone",
            "contact_email",
            "public_description",
            "description",
            "title",
            "show_name",
        ],
    )
    _audit(None, "person_forgotten", case, {}, {"cleared": cleared})
    return case
