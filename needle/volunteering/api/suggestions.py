"""/api/v1/volunteering/: who fits a shift or a need (for the community's staff), and the open
shifts that fit the caller, each with its reasons in the reader's language."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router

from needle.core.schemas import ERRORS, Id
from needle.volunteering.schemas.suggestions import VolFitListOut, VolSuggestionListOut
from needle.volunteering.selectors import lists as sel
from needle.volunteering.selectors import suggestions

router = Router()


def _limit(limit: int) -> int:
    return max(1, min(limit, 50))


def _items(found: list[suggestions.Suggestion]) -> dict[str, Any]:
    return {"items": [{**asdict(s), "person": s.person_id} for s in found]}


@router.get(
    "/shifts/{shift_id}/suggestions",
    response={200: VolSuggestionListOut, **ERRORS},
    summary="Members who fit a shift",
)
def shift_suggestions(request: HttpRequest, shift_id: Id, limit: int = 10) -> Any:
    """The district's checked-in members ranked for the shift (skill, nearness of home,
    availability in its slot, how long since they served), each with its reasons."""
    shift = sel.access_shift(actor=request.user, shift_id=shift_id)
    return _items(suggestions.suggest_for_shift(actor=request.user, shift=shift, limit=_limit(limit)))


@router.get(
    "/needs/{need_id}/suggestions",
    response={200: VolSuggestionListOut, **ERRORS},
    summary="Members who fit a need",
)
def need_suggestions(request: HttpRequest, need_id: Id, limit: int = 10) -> Any:
    need = sel.access_need(actor=request.user, need_id=need_id)
    return _items(suggestions.suggest_for_need(actor=request.user, need=need, limit=_limit(limit)))


@router.get("/me/shifts", response={200: VolFitListOut, **ERRORS}, summary="Open shifts that fit me")
def my_fitting_shifts(request: HttpRequest, limit: int = 10) -> Any:
    fits = suggestions.shifts_for_member(actor=request.user, limit=_limit(limit))
    return {
        "items": [
            {
                "shift": f.shift.pk,
                "project": f.shift.project_id,
                "title": f.shift.project.title,
                "community": f.shift.project.community.name,
                "starts_at": f.shift.starts_at,
                "ends_at": f.shift.ends_at,
                "due_on": f.shift.due_on,
                "place": f.shift.place,
                "free_slots": f.shift.slots - f.shift.filled,
                "score": f.score,
                "reasons": f.reasons,
            }
            for f in fits
        ]
    }
