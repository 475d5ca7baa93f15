"""/api/v1/supervision/: urging a target, evidence files, the general office's decision on a
task held for approval, amending and importing the admission list."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from needle.core import sheets
from needle.core.errors import NotFound
from needle.core.schemas import ERRORS, Id
from needle.orgs.permissions import require_authenticated
from needle.supervision import services as svc
from needle.supervision.access import may_view_target
from needle.supervision.models import Evidence
from needle.supervision.presenters import entry_out, evidence_out, target_out, task_out
from needle.supervision.schemas import (
    SupAmendIn,
    SupEntryOut,
    SupEvidenceOut,
    SupHoldIn,
    SupImportedOut,
    SupTargetOut,
    SupTaskOut,
    SupUrgeIn,
)
from needle.supervision.services.imports import MAX_LINES
from needle.supervision.services.workflow import MAX_FILE_BYTES

router = Router()


@router.post("/targets/{target_id}/urge", response={200: SupTargetOut, **ERRORS}, summary="Urge (催办)")
def target_urge(request: HttpRequest, target_id: Id, payload: SupUrgeIn) -> Any:
    """The issuer or the level above urges an open target (403 for anyone else)."""
    actor = require_authenticated(request.user)
    return target_out(svc.target_urge(actor=actor, target_id=target_id, note=payload.note))


@router.post(
    "/targets/{target_id}/evidence", response={201: SupEvidenceOut, **ERRORS}, summary="Add an evidence file"
)
def evidence_add(request: HttpRequest, target_id: Id, file: File[UploadedFile]) -> Any:
    """A JPEG, PNG or WebP photo (stored without its metadata) or a PDF, up to 8 MB; 422 naming
    `file` otherwise."""
    actor = require_authenticated(request.user)
    name, data = sheets.upload_read(file, max_bytes=MAX_FILE_BYTES)
    added = svc.evidence_add(actor=actor, target_id=target_id, data=data, name=name)
    return Status(201, evidence_out(added))


@router.get(
    "/evidence/{evidence_id}",
    response={200: None, **ERRORS},
    summary="An evidence file",
    url_name="sup-evidence",
)
def evidence_get(request: HttpRequest, evidence_id: Id) -> Any:
    evidence = Evidence.objects.select_related("target", "target__task").filter(pk=evidence_id).first()
    if evidence is None or not may_view_target(request.user, evidence.target):
        raise NotFound()
    return FileResponse(evidence.file.open("rb"), content_type=evidence.content_type, filename=evidence.name)


@router.post("/tasks/{task_id}/hold", response={200: SupTaskOut, **ERRORS}, summary="Decide a held task")
def task_hold(request: HttpRequest, task_id: Id, payload: SupHoldIn) -> Any:
    """The general office approves (its targets are told) or rejects a task held for approval."""
    actor = require_authenticated(request.user)
    return task_out(
        svc.task_hold_decide(actor=actor, task_id=task_id, approve=payload.approve, note=payload.note)
    )


@router.post(
    "/admission/import", response={201: SupImportedOut, **ERRORS}, summary="Import an admission list"
)
def admission_import(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """An XLSX or CSV table, one admitted entry a line (columns: district, issuer, task_type, asks,
    basis, hours, valid_from, valid_until); 422 naming the first bad line and column, with every
    bad line in `lines`, and nothing imported."""
    actor = require_authenticated(request.user)
    name, data = sheets.upload_read(file)
    made = svc.entries_import(actor=actor, name=name, data=data)
    return Status(201, {"imported": len(made)})


# After the import: its path would match `{entry_id}`.
@router.patch("/admission/{entry_id}", response={200: SupEntryOut, **ERRORS}, summary="Amend an entry")
def admission_amend(request: HttpRequest, entry_id: Id, payload: SupAmendIn) -> Any:
    actor = require_authenticated(request.user)
    change = payload.dict(exclude_unset=True)
    note = change.pop("note", "")
    entry = svc.entry_amend(actor=actor, entry_id=entry_id, change=change, note=note)
    return entry_out(entry)


__all__ = ["MAX_LINES", "router"]
