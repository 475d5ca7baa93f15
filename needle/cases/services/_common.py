"""What every service of the app shares: the row lock, the state check, timeline entries,
audit events and notifications."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.cases.models import Case, CaseEvent, Extension, Photo, State
from needle.cases.selectors import is_public
from needle.cases.states import MOVES, may_start
from needle.cases.uploads import CleanImage, store_photo
from needle.core.audit import audit_record
from needle.core.errors import Conflict, ValidationFailed
from needle.core.locks import held
from needle.notify.messages import Message
from needle.notify.services import absolute, notify, sms_to_phone
from needle.orgs.models import Person, Role, Unit
from needle.orgs.permissions import Actor, can_act_for_unit

MAX_DESCRIPTION = 4000

P = ParamSpec("P")
R = TypeVar("R")


def _atomic_move(service: Callable[P, R]) -> Callable[P, R]:
    """transaction.atomic for a move on `case`: a savepoint of its own, unless the caller read
    the case with access_case(for_write=True) in the block still open. That caller's block is
    then the move's transaction: a refusal propagates out of it and rolls it back whole, and
    the two statements of a savepoint are saved on every page and API move."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        case = kwargs.get("case")
        with transaction.atomic(savepoint=not (case is not None and held(case))):
            return service(*args, **kwargs)

    return run


def _locked(case: Case) -> Case:
    """The case as it is now, under a row lock: every move decides on the current state. A case
    that access_case(for_write=True) read and locked in a block still open is that already."""
    if held(case):
        return case
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("service", "lead_unit", "area")
        .get(pk=case.pk)
    )


def _conflict(case: Case, message: str) -> Conflict:
    return Conflict(message, extra={"state": case.state, "version": case.version})


def _check_written(text: str, field: str, missing: str) -> str:
    """The text without its outer spaces; refused under `field` with `missing` when blank, as a
    move that must say why or what was done cannot go on without it."""
    if not text.strip():
        raise ValidationFailed(fields={field: missing})
    return text.strip()


def _expect(case: Case, move: str, action: str, version: int | None) -> None:
    """Refuse `move` unless the case is still at `version` (when given) and in one of the
    states the move starts from (states.MOVES); `action` names the move in the message."""
    if version is not None and version != case.version:
        raise _conflict(case, _("Someone else changed this case meanwhile; reload it."))
    if not may_start(move, case.state):
        raise _conflict(
            case,
            _("A case that is %(state)s cannot be %(action)s.")
            % {"state": State(case.state).label, "action": action},
        )


def _event_row(
    case: Case,
    *,
    actor: Actor | None,
    kind: str,
    from_state: str = "",
    note: str = "",
    code: str = "",
    params: dict[str, Any] | None = None,
    unit: Unit | None = None,
    public: bool = True,
    at: dt.datetime | None = None,
) -> CaseEvent:
    """A timeline entry, not stored yet (intake stores its entries in one INSERT). `note` is
    what a person wrote; what the system says is a `code` of presenters.EVENT_TEXTS with its
    `params`, worded when read, in the reader's language."""
    return CaseEvent(
        case=case,
        at=at or timezone.now(),
        actor=actor if isinstance(actor, Person) else None,
        kind=kind,
        from_state=from_state,
        to_state=case.state if from_state else "",
        unit=unit,
        note=note,
        code=code,
        params=params or {},
        public=public,
    )


def _event(case: Case, **fields: Any) -> CaseEvent:
    """A timeline entry, stored (the arguments of `_event_row`)."""
    event = _event_row(case, **fields)
    event.save(force_insert=True)
    return event


def _save(case: Case, fields: list[str]) -> None:
    # Every caller holds the row: locked by _locked(), or created in this same transaction.
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


def _store_photos(case: Case, event: CaseEvent, images: Sequence[CleanImage], tag: str) -> None:
    """The move's photos, attached to its timeline entry; their file names carry the case
    number and `tag`, so a folder listing tells a resolution's photos from a resident's."""
    for image in images:
        photo = Photo(case=case, event=event, content_type=image.content_type, size=len(image.data))
        store_photo(photo, f"{case.number}-{tag}-{secrets.token_hex(4)}.{image.extension}", image)


def _audit(actor: Actor | None, action: str, case: Case, old: dict[str, Any], new: dict[str, Any]) -> None:
    audit_record(actor=actor, action=f"cases.case.{action}", obj=case, old=old, new=new)


def _unit_people(unit: Unit | None, roles: Sequence[str]) -> list[Person]:
    if unit is None:
        return []
    return list(Person.objects.filter(roles__unit=unit, roles__role__in=roles, is_active=True).distinct())


def _dispatchers_over(case: Case) -> list[Person]:
    """The dispatchers (and admins) of units whose area holds the case's place: who decides
    what the units ask of the dispatching level."""
    paths = [*case.area.ancestor_paths, case.area_path]
    return list(
        Person.objects.filter(
            roles__role__in=[Role.DISPATCHER, Role.ADMIN], roles__unit__area_path__in=paths, is_active=True
        ).distinct()
    )


def _case_link(case: Case) -> str:
    return f"/cases/{case.number}/"


def _tell_unit(case: Case, unit: Unit | None, verb: str, message: Message) -> None:
    notify(
        recipients=_unit_people(unit, [Role.HANDLER, Role.COORDINATOR, Role.ADMIN]),
        verb=verb,
        message=message,
        link=_case_link(case),
    )


def _tell_reporters(
    case: Case, verb: str, message: Message, follower_message: Message, *, sms: bool = False
) -> None:
    """The reporter and the reporters of cases merged into this one follow it, each through
    their own private tracking link (the key to their own request: it shows their words and
    answers the callback); followers are strangers to the reporter, so they get their own
    text and the case's public page, or no link once the case is no longer public. With
    `sms`, a reporter without an account who gave a mobile number gets the message and their
    link as a text message: the only way they learn of it."""
    told: set[int] = set()

    def tell(people: Iterable[Person | None], link: str, text: Message) -> None:
        fresh = [p for p in people if p is not None and p.pk not in told]
        told.update(p.pk for p in fresh)
        notify(recipients=fresh, verb=verb, message=text, link=link)

    def text_phone(reported: Case) -> None:
        if sms and reported.reporter_id is None and reported.contact_phone:
            sms_to_phone(
                phone=reported.contact_phone,
                verb=verb,
                message=message,
                link=absolute(tracking_link(reported)),
            )

    tell([case.reporter], tracking_link(case), message)
    text_phone(case)
    for merged in case.merged_cases.select_related("reporter").order_by("pk"):
        tell([merged.reporter], tracking_link(merged), message)
        text_phone(merged)
    tell(case.followers.all(), public_link(case) if is_public(case) else "", follower_message)


def tracking_link(case: Case) -> str:
    """The private link of this very case: only ever sent to its own reporter."""
    return f"/track/{case.tracking_token}/"


def public_link(case: Case) -> str:
    return f"/cases/public/{case.number}/"


def _end_hold(case: Case, now: dt.datetime) -> int:
    """End the case's hold, if it is on hold: the resolve deadline moves on by the time it was
    held, which paused_seconds keeps (the colours count only the time the clock ran). Returns
    the seconds held; the caller saves `HOLD_FIELDS`."""
    if case.suspended_at is None:
        return 0
    held = max(int((now - case.suspended_at).total_seconds()), 0)
    if case.resolve_due_at is not None:
        case.resolve_due_at += dt.timedelta(seconds=held)
    case.paused_seconds += held
    case.suspended_at = None
    return held


HOLD_FIELDS = ["resolve_due_at", "paused_seconds", "suspended_at"]

# Where a pending extension request can still be decided (states.MOVES' decide_extension).
_EXTENSION_STATES = MOVES["decide_extension"].sources


def _lapse_extension(case: Case, previous_state: str) -> None:
    """A request for more time lapses once the case leaves the hands of the unit that asked
    (resolved, transferred, merged, withdrawn): no one could decide it any more."""
    if previous_state in _EXTENSION_STATES:
        Extension.objects.filter(case=case, status=Extension.Status.PENDING).update(
            status=Extension.Status.LAPSED, decided_at=timezone.now(), updated_at=timezone.now()
        )


def _close_for_good(case: Case, state: str, now: dt.datetime, fields: list[str]) -> str:
    """Close the case for good, out of its unit's hands (withdrawn, merged): a pending extension lapses,
    a hold ends, and the case is saved with `fields` the caller set. Returns the state it left."""
    previous = case.state
    _lapse_extension(case, previous)
    _end_hold(case, now)
    case.state = state
    case.closed_at = now
    _save(case, ["state", "closed_at", *fields, *HOLD_FIELDS])
    return previous


def _may_act_as_reporter(actor: Actor | None, case: Case, tracking_token: str | None) -> bool:
    """The resident whose request it is: holding its tracking link, or signed in as its reporter."""
    if tracking_token is not None:
        return secrets.compare_digest(tracking_token, case.tracking_token)
    return actor is not None and bool(actor.pk) and actor.pk == case.reporter_id


def _may_handle(actor: Actor, case: Case) -> bool:
    if case.lead_unit is None:
        return False
    return can_act_for_unit(actor, "cases.handle", case.lead_unit)
