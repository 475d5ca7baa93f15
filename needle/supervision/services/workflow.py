"""The moves around a task's targets that are not the targets' own: the issuer or the level
above urges (催办) a target, the general office decides a task held for approval, the task's
progress moves the think tank's action it carries out, and a target gives evidence files."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.cases.uploads import CleanImage, clean_image, photo_files_removed_on_error, store_photo
from needle.consult.services.results import action_follow
from needle.core.audit import audit_record
from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.core.states import allowed
from needle.core.stored_files import StoredFile
from needle.notify.messages import Message
from needle.orgs.models import UnitType
from needle.orgs.permissions import require_authenticated
from needle.supervision import inputs
from needle.supervision.access import may_decide_in, visible_target
from needle.supervision.models import Evidence, Hold, Report, Status, Target, Task
from needle.supervision.services import notices
from needle.supervision.services.issue import district_path
from needle.supervision.states import ISSUER, SIGNER, TARGET_MOVES

MAX_EVIDENCE = 5
MAX_FILE_BYTES = 8 * 1024 * 1024
NAME = 120


@transaction.atomic
def target_urge(*, actor: Any, target_id: int, note: Any = "") -> Target:
    """The issuer or the level above urges an open target: its staff are told, the urging counted."""
    actor = require_authenticated(actor)
    why = inputs.text(note, limit=inputs.NOTE, field="note")
    target, held = visible_target(
        actor, Target.objects.select_for_update(of=("self",)).select_related("task"), target_id
    )
    if not held & {ISSUER, SIGNER}:
        raise PermissionDenied()
    if not allowed(TARGET_MOVES, "urge", target.status, held):
        raise Conflict(
            _("This cannot be done in the state “%(state)s”.") % {"state": target.status},
            extra={"state": target.status},
        )
    target.urged_at = timezone.now()
    target.urges += 1
    target.save(update_fields=["urged_at", "urges", "updated_at"])
    audit_record(
        actor=actor, action="supervision.target.urged", obj=target, new={"note": why, "urges": target.urges}
    )
    notices.target_told(
        target,
        "supervision.target.urged",
        Message(
            gettext_noop("You are urged on the task %(title)s: %(note)s"),
            {"title": target.task.title, "note": why or "—"},
        ),
    )
    return target


@transaction.atomic
def task_hold_decide(*, actor: Any, task_id: int, approve: Any, note: Any = "") -> Task:
    """The general office over every district the held task reaches approves it (its targets are
    told then) or rejects it (it reaches no one)."""
    actor = require_authenticated(actor)
    if not isinstance(approve, bool):
        raise ValidationFailed(fields={"approve": _("Give true or false.")})
    why = inputs.text(note, limit=inputs.NOTE, field="note")
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise NotFound()
    paths = {
        district_path(p)
        for p in Target.objects.filter(task=task, unit__type=UnitType.RESIDENT_COMMITTEE)
        .values_list("area_path", flat=True)
        .distinct()
    } or {task.area_path}
    if not all(may_decide_in(actor, p) for p in paths):
        raise PermissionDenied()
    if task.hold != Hold.HELD:
        raise Conflict(_("This task is not waiting for approval."), extra={"state": task.hold})
    task.hold = Hold.APPROVED if approve else Hold.REJECTED
    task.save(update_fields=["hold"])
    audit_record(
        actor=actor,
        action="supervision.task.approved" if approve else "supervision.task.rejected",
        obj=task,
        new={"note": why},
    )
    if approve:
        notices.after_issue(task)
    return task


def task_progress(task_id: int) -> int:
    """A task's progress: its targets' mean (done and signed off count 100, declined not at all)."""
    return mean_progress(Target.objects.filter(task_id=task_id))


def mean_progress(targets: QuerySet[Target]) -> int:
    """The targets' mean progress, rounded: done and signed off count as 100, declined ones not
    at all, none at all as 0."""
    shares = list(
        targets.exclude(status=Status.DECLINED)
        .annotate(
            share=Case(
                When(status__in=[Status.DONE, Status.SIGNED_OFF], then=Value(100)),
                default="progress",
                output_field=IntegerField(),
            )
        )
        .values_list("share", flat=True)
    )
    return round(sum(shares) / len(shares)) if shares else 0


def follow_action(target: Target) -> None:
    """When a target moves, the think tank's action its (top) task carries out follows the task's
    progress, through the consult app's service."""
    task = target.task
    if task.parent_target_id is not None:
        task = Task.objects.get(pk=Target.objects.filter(pk=task.parent_target_id).values("task_id")[:1])
    if task.consult_action_id is None:
        return
    action_follow(
        action_id=task.consult_action_id, progress=task_progress(task.pk), by=f"supervision.task:{task.pk}"
    )


def _file(raw: Any, name: Any) -> tuple[bytes, str, str, str]:
    """(bytes, name, content type, extension): a photo re-encoded without metadata, or a PDF."""
    if not isinstance(raw, bytes) or not raw:
        raise ValidationFailed(fields={"file": _("The file is empty.")})
    if len(raw) > MAX_FILE_BYTES:
        raise ValidationFailed(
            fields={"file": _("A file may be at most %(mb)d MB.") % {"mb": MAX_FILE_BYTES // 2**20}},
            code="file_too_large",
        )
    title = inputs.text(name or "evidence", limit=NAME, field="name") or "evidence"
    if raw.startswith(b"%PDF-"):
        return raw, title, "application/pdf", "pdf"
    if raw[:4] in (b"\x89PNG",) or raw[:3] == b"\xff\xd8\xff" or raw[8:12] == b"WEBP":
        image = clean_image(raw, field="file")
        return image.data, title, image.content_type, image.extension
    raise ValidationFailed(
        fields={"file": _("Evidence must be a JPEG, PNG or WebP photo, or a PDF.")}, code="file_type"
    )


@photo_files_removed_on_error
@transaction.atomic
def evidence_add(*, actor: Any, target_id: int, data: Any, name: Any = "") -> Evidence:
    """The target's staff give a file with their latest report (at most MAX_EVIDENCE a target)."""
    actor = require_authenticated(actor)
    target, held = visible_target(
        actor, Target.objects.select_for_update(of=("self",)).select_related("task"), target_id
    )
    if "target" not in held:
        raise PermissionDenied()
    if target.status in (Status.SIGNED_OFF, Status.DECLINED):
        raise Conflict(
            _("This cannot be done in the state “%(state)s”.") % {"state": target.status},
            extra={"state": target.status},
        )
    if Evidence.objects.filter(target=target).count() >= MAX_EVIDENCE:
        raise ValidationFailed(
            fields={"file": _("At most %(n)d files.") % {"n": MAX_EVIDENCE}}, code="too_many_files"
        )
    raw, title, content_type, extension = _file(data, name)
    evidence = Evidence(
        target=target,
        report=Report.objects.filter(target=target).order_by("-at", "-id").first(),
        name=title,
        content_type=content_type,
        size=len(raw),
        by=actor,
    )
    store_photo(
        StoredFile(evidence, evidence.file),
        f"{target.pk}-{secrets.token_hex(6)}.{extension}",
        CleanImage(raw, content_type, extension),
    )
    audit_record(
        actor=actor,
        action="supervision.evidence.added",
        obj=target,
        new={"evidence": evidence.pk, "name": title},
    )
    return evidence
