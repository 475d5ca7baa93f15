"""Results and their actions: an adopted suggestion becomes a result followed through by a tree
of actions. A parent's progress is computed from its children when read
(`needle.consult.selectors.results.result_tree`); an action linked to a case follows the case
there too, so the cases app needs to know nothing of the think tank."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.areas.models import Area
from needle.cases.models import Case
from needle.consult.access import may_manage
from needle.consult.models import ADOPTED, Action, Result, ResultEvent, ResultEventKind, Suggestion
from needle.consult.selectors.results import result_status, result_tree
from needle.consult.services._common import TEXT, TITLE, text
from needle.consult.services.followers import tell_result_followers
from needle.consult.states import action_status
from needle.core.audit import audit_record, snapshot
from needle.core.errors import ValidationFailed
from needle.orgs.permissions import require, require_authenticated
from needle.volunteering.models import Project

ACTION_FIELDS = [
    "title",
    "status",
    "progress",
    "weight",
    "parent_id",
    "case_id",
    "project_id",
    "starts_on",
    "ends_on",
]
MAX_WEIGHT = 1000


@transaction.atomic
def result_create(
    *, actor: Any, area: Area, title: str, suggestions: list[Suggestion], description: str = ""
) -> Result:
    """A result in `area` (consult.manage there) from adopted suggestions of that area. Audited."""
    require_authenticated(actor)
    require(may_manage(actor, area.path))
    for s in suggestions:
        if not s.area_path.startswith(area.path):
            raise ValidationFailed(
                fields={"suggestions": _("Suggestion %(id)s is not from this area.") % {"id": s.pk}}
            )
        if s.status not in ADOPTED:
            raise ValidationFailed(
                fields={"suggestions": _("Suggestion %(id)s has not been adopted.") % {"id": s.pk}}
            )
    result = Result.objects.create(
        area=area,
        area_path=area.path,
        title=text(title, limit=TITLE, field="title"),
        description=text(description, limit=TEXT, field="description", required=False),
        created_by=actor,
    )
    result.suggestions.set(suggestions)
    result_started(result)
    audit_record(
        actor=actor,
        action="consult.result.created",
        obj=result,
        new={"title": result.title, "suggestions": sorted(s.pk for s in suggestions)},
    )
    return result


def _event(result: Result, kind: str, action: Action | None = None) -> ResultEvent:
    """A line of the result's public timeline, with its status and progress after the change."""
    roots, progress = result_tree(result)
    now = timezone.now()
    # Stamped, so that the figures' refresh finds the result's area (needle.consult.figures).
    Result.objects.filter(pk=result.pk).update(updated_at=now)
    return ResultEvent.objects.create(
        result=result,
        action=action,
        kind=kind,
        title=action.title if action is not None else result.title,
        status=result_status(roots),
        progress=progress,
        at=now,
    )


def result_started(result: Result) -> None:
    """The first line of a new result's timeline (every service that makes one calls it)."""
    _event(result, ResultEventKind.CREATED)


@dataclass(frozen=True)
class ActionDraft:
    title: str
    progress: int = 0
    weight: int = 1
    parent: Action | None = None
    case: Case | None = None
    project: Project | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


def _check(
    result: Result,
    action: Action | None,
    progress: int,
    weight: int,
    parent: Action | None,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
) -> None:
    errors: dict[str, str] = {}
    if not 0 <= progress <= 100:
        errors["progress"] = _("Give a progress from 0 to 100.")
    if not 1 <= weight <= MAX_WEIGHT:
        errors["weight"] = _("Give a weight from 1 to %(n)d.") % {"n": MAX_WEIGHT}
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("Must not be before the start.")
    if parent is not None:
        if parent.case_id is not None or parent.project_id is not None:
            errors["parent"] = _("An action that follows a request or a project has no parts.")
        elif parent.result_id != result.pk:
            errors["parent"] = _("The parent must be an action of the same result.")
        elif action is not None and _would_cycle(action, parent):
            errors["parent"] = _("An action cannot be part of itself or of its own parts.")
    if errors:
        raise ValidationFailed(fields=errors)


def _would_cycle(action: Action, parent: Action) -> bool:
    """Whether `parent` is `action` or below it: one read of the result's tree."""
    parents = dict(Action.objects.filter(result_id=action.result_id).values_list("pk", "parent_id"))
    node: int | None = parent.pk
    seen: set[int] = set()
    while node is not None and node not in seen:
        if node == action.pk:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


@transaction.atomic
def action_add(*, actor: Any, result: Result, draft: ActionDraft) -> Action:
    """An action of the result, under `draft.parent` if given; its status follows its progress."""
    require_authenticated(actor)
    require(may_manage(actor, result.area_path))
    result = Result.objects.select_for_update().get(pk=result.pk)
    _check(result, None, draft.progress, draft.weight, draft.parent, draft.starts_on, draft.ends_on)
    action = Action.objects.create(
        result=result,
        parent=draft.parent,
        title=text(draft.title, limit=TITLE, field="title"),
        status=action_status(draft.progress),
        progress=draft.progress,
        weight=draft.weight,
        case=draft.case,
        project=draft.project,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
    )
    _event(result, ResultEventKind.ACTION_ADDED, action)
    audit_record(
        actor=actor,
        action="consult.action.added",
        obj=action,
        area_path=result.area_path,
        new=snapshot(action, ACTION_FIELDS),
    )
    return action


@dataclass(frozen=True)
class ActionChange:
    """What changes (None: stays); `parent_set` with `parent` None moves it to the top."""

    title: str | None = None
    progress: int | None = None
    weight: int | None = None
    parent: Action | None = None
    parent_set: bool = False
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


@transaction.atomic
def action_update(*, actor: Any, action: Action, change: ActionChange) -> Action:
    """Report progress, reweigh, rename or move an action in the tree (never under itself)."""
    require_authenticated(actor)
    result = Result.objects.select_for_update().get(pk=action.result_id)
    require(may_manage(actor, result.area_path))
    action = Action.objects.get(pk=action.pk)
    old = snapshot(action, ACTION_FIELDS)
    progress = action.progress if change.progress is None else change.progress
    weight = action.weight if change.weight is None else change.weight
    parent = change.parent if change.parent_set else action.parent
    starts_on = change.starts_on or action.starts_on
    ends_on = change.ends_on or action.ends_on
    _check(result, action, progress, weight, parent, starts_on, ends_on)
    if change.title is not None:
        action.title = text(change.title, limit=TITLE, field="title")
    action.progress, action.weight, action.parent = progress, weight, parent
    action.starts_on, action.ends_on = starts_on, ends_on
    before = action.status
    action.status = action_status(progress)
    action.save()
    if before != action.status:
        _event(result, ResultEventKind.STATUS, action)
    elif old["progress"] != progress:
        _event(result, ResultEventKind.PROGRESS, action)
    audit_record(
        actor=actor,
        action="consult.action.changed",
        obj=action,
        area_path=result.area_path,
        old=old,
        new=snapshot(action, ACTION_FIELDS),
    )
    if old["status"] != action.status or old["progress"] != action.progress:
        tell_result_followers(
            result,
            text=gettext_noop("“%(result)s”: “%(action)s” is at %(progress)d%%."),
            params={"result": result.title, "action": action.title, "progress": action.progress},
        )
    return action


@transaction.atomic
def action_follow(*, action_id: int, progress: int, by: str) -> Action | None:
    """A higher app's work linked to the action (a supervision task, `by`) moves its progress:
    the link was checked when it was made, so no one's permission is asked here. Audited as the
    system's; None when the action is gone."""
    action = Action.objects.select_for_update().filter(pk=action_id).first()
    if action is None or not 0 <= progress <= 100 or action.progress == progress:
        return action
    old = snapshot(action, ACTION_FIELDS)
    action.progress, action.status = progress, action_status(progress)
    action.save(update_fields=["progress", "status", "updated_at"])
    # The result's timeline and its followers hear of it as of a change made by hand.
    result = action.result
    _event(
        result, ResultEventKind.STATUS if old["status"] != action.status else ResultEventKind.PROGRESS, action
    )
    tell_result_followers(
        result,
        text=gettext_noop("“%(result)s”: “%(action)s” is at %(progress)d%%."),
        params={"result": result.title, "action": action.title, "progress": action.progress},
    )
    audit_record(
        actor=None,
        action="consult.action.followed",
        obj=action,
        area_path=result.area_path,
        old=old,
        new={**snapshot(action, ACTION_FIELDS), "by": by},
    )
    return action
