"""Pages of the lists: the community's public page (anyone), the staff's needs page (with the
forms to raise a need, make one from a request, start a project), a project's page and a
shift's page (claims, dispatch, cancel, done, ratings; a member's claim button), and the two
partials other pages compose (claims_panel, console_lists)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from needle.areas.models import Level
from needle.areas.selectors import area_get
from needle.cases.selectors.access import access_case
from needle.core.errors import DomainError, ValidationFailed, or_invalid
from needle.core.refusals import refusal_as_message
from needle.orgs.models import Person, Unit
from needle.orgs.permissions import can_in_area
from needle.volunteering.models import Claim, ProjectKind, ServiceKind, Urgency
from needle.volunteering.selectors import lists as sel
from needle.volunteering.selectors.suggestions import suggest_for_shift
from needle.volunteering.services import lists as svc
from needle.volunteering.services import lists_claims as claims


def community_page_area(code: str) -> Any:
    """The community a page's address names; 404 for anything else (a street, an unknown code)."""
    try:
        area = area_get(code=code)
    except DomainError:
        raise Http404() from None
    if area.level != Level.COMMUNITY:
        raise Http404()
    return area


def _int(raw: str | None, name: str, low: int = 1, high: int = 1000) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        raise ValidationFailed(fields={name: _("Give a whole number.")}) from None
    if not low <= value <= high:
        raise ValidationFailed(
            fields={name: _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}}
        )
    return value


def _date(raw: str | None, name: str, *, optional: bool = False) -> dt.date | None:
    if not raw and optional:
        return None
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        raise ValidationFailed(fields={name: _("Give a date (YYYY-MM-DD).")}) from None


def _moment(day: str | None, time: str | None, name: str) -> dt.datetime:
    try:
        naive = dt.datetime.combine(dt.date.fromisoformat(day or ""), dt.time.fromisoformat(time or ""))
    except ValueError:
        raise ValidationFailed(fields={name: _("Give a day and a time.")}) from None
    return timezone.make_aware(naive)


def _skills(request: HttpRequest) -> list[str]:
    return [c for c in request.POST.getlist("skills") if c]


def _shift_draft(
    request: HttpRequest, *, flexible: bool, skill_codes: list[str] | None = None
) -> svc.ShiftDraft:
    """The shift the form describes: a task due on a day (flexible), else a day with its hours."""
    slots = _int(request.POST.get("slots", "1"), "slots", 1, svc.MAX_SLOTS)
    place = request.POST.get("place", "")
    codes = skill_codes or ()
    if flexible:
        due_on = _date(request.POST.get("due_on"), "due_on")
        return svc.ShiftDraft(due_on=due_on, place=place, slots=slots, skill_codes=codes)
    day = request.POST.get("day")
    return svc.ShiftDraft(
        starts_at=_moment(day, request.POST.get("starts"), "starts_at"),
        ends_at=_moment(day, request.POST.get("ends"), "ends_at"),
        place=place,
        slots=slots,
        skill_codes=codes,
    )


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    to = request.POST.get("next", "")
    return redirect(to if to.startswith(("/volunteering/", "/me")) else fallback)


@require_GET
def public_page(request: HttpRequest, code: str) -> HttpResponse:
    """The community's open needs and open projects with their upcoming shifts and free slots,
    and their ratings: nothing personal, nothing internal."""
    community = community_page_area(code)
    context = sel.community_public(community=community)
    context["staff"] = can_in_area(request.user, "volunteering.manage", community)
    return render(request, "volunteering/lists_public.html", context)


def _needs_context(request: HttpRequest, community: Any) -> dict[str, Any]:
    from needle.volunteering.models import Skill

    return {
        "community": community,
        "needs": sel.need_list_for(actor=request.user, community=community),
        "manage": sel.may_manage(request.user, community.path),
        "kinds": ServiceKind.choices,
        "urgencies": Urgency.choices,
        "project_kinds": ProjectKind.choices,
        "skills": list(Skill.objects.all()),
        "today": timezone.localdate(),
        **console_lists(actor=request.user, community=community),
    }


@login_required
def needs_page(request: HttpRequest, code: str) -> HttpResponse:
    """Staff and grid workers: the open needs, a form to raise one (or make one from a request
    by its number), and, for staff, a form to start a project."""
    community = community_page_area(code)
    if request.method == "POST":
        with refusal_as_message(request):
            common: dict[str, Any] = {
                "category": request.POST.get("category", ServiceKind.OTHER),
                "place": request.POST.get("place", ""),
                "people_needed": _int(request.POST.get("people_needed", "1"), "people_needed"),
                "skill_codes": _skills(request),
                "starts_on": _date(request.POST.get("starts_on"), "starts_on", optional=True),
                "ends_on": _date(request.POST.get("ends_on"), "ends_on", optional=True),
                "urgency": request.POST.get("urgency", Urgency.NORMAL),
            }
            number = request.POST.get("case", "").strip()
            if number:
                case = access_case(actor=request.user, number=number[:20].replace("\x00", ""))
                need = svc.need_from_case(actor=request.user, case=case, **common)
            else:
                need = svc.need_create(
                    actor=request.user,
                    community=community,
                    title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                    **common,
                )
            messages.success(request, _("Need raised: %(title)s") % {"title": need.title})
        return redirect("volunteering-needs", code=community.code)
    try:
        context = _needs_context(request, community)
    except DomainError as exc:
        if getattr(exc, "status", 0) in (401, 403, 404):
            raise Http404() from None
        raise
    return render(request, "volunteering/lists_needs.html", context)


NEED_MOVES = {"meet", "withdraw", "reopen"}


@login_required
@require_POST
def need_move(request: HttpRequest, need_id: int, action: str) -> HttpResponse:
    if action not in NEED_MOVES:
        raise Http404()
    need = sel.access_need(actor=request.user, need_id=need_id)
    with refusal_as_message(request):
        if action == "meet":
            met = svc.need_meet(
                actor=request.user,
                need=need,
                note=request.POST.get("note", ""),
                resolve_case=request.POST.get("resolve_case") == "1",
            )
            if met.case_note:
                messages.warning(request, met.case_note)
        elif action == "withdraw":
            svc.need_withdraw(actor=request.user, need=need, note=request.POST.get("note", ""))
        else:
            svc.need_reopen(actor=request.user, need=need)
    return redirect("volunteering-needs", code=need.community.code)


@login_required
@require_POST
def project_create(request: HttpRequest, code: str) -> HttpResponse:
    """One shift (or a flexible task) from the form; a recurring project repeats it weekly."""
    community = community_page_area(code)
    kind = request.POST.get("kind", ProjectKind.ONE_OFF)
    with refusal_as_message(request):
        draft = _shift_draft(request, flexible=kind == ProjectKind.FLEXIBLE, skill_codes=_skills(request))
        project = svc.project_create(
            actor=request.user,
            community=community,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            kind=kind,
            category=request.POST.get("category", ServiceKind.OTHER),
            need_ids=[_int(i, "need_ids", 1, 2**62) for i in request.POST.getlist("need_ids") if i],
            shifts=[draft],
            weeks=_int(request.POST.get("weeks", "1"), "weeks", 1, 52)
            if kind == ProjectKind.RECURRING
            else 1,
        )
        return redirect("volunteering-project", project_id=project.pk)
    return redirect("volunteering-needs", code=community.code)


def _shift_rows(request: HttpRequest, shifts: list[Any], staff: bool) -> list[dict[str, Any]]:
    by_shift = sel.claims_by_shift(shifts) if staff else {}
    mine = {
        c.shift_id: c
        for c in Claim.objects.filter(shift__in=shifts, person_id=getattr(request.user, "pk", None) or 0)
        if c.status in ("claimed", "dispatched", "accepted", "done")
    }
    return [{"shift": s, "claims": by_shift.get(s.pk, []), "mine": mine.get(s.pk)} for s in shifts]


@require_GET
def project_page(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project, its shifts (with their claims to staff), its ratings; the member's claim
    buttons; the resident's rating form."""
    try:
        project = sel.access_project(actor=request.user, project_id=project_id)
    except DomainError:
        raise Http404() from None
    staff = sel.may_manage(request.user, project.area_path)
    count, average = sel.rating_summary(project)
    context = {
        "project": project,
        "staff": staff,
        "rows": _shift_rows(request, sel.project_shifts(project), staff),
        "rating_count": count,
        "rating_average": average,
        "comments": list(project.ratings.exclude(comment="").order_by("-updated_at")[:20]) if staff else [],
        "may_rate": claims.may_rate(request.user, project),
        "needs": list(project.needs.all()) if staff else [],
    }
    return render(request, "volunteering/lists_project.html", context)


@require_GET
def shift_page(request: HttpRequest, shift_id: int) -> HttpResponse:
    """A shift: its people (to staff and to who holds a place, phones as the rules allow), the
    claim, cancel, accept and decline buttons, the dispatch form, and the suggestions' slot."""
    try:
        shift = sel.access_shift(actor=request.user, shift_id=shift_id)
    except DomainError:
        raise Http404() from None
    staff = sel.may_manage(request.user, shift.area_path)
    people: list[Any] = []
    if request.user.is_authenticated:
        try:
            people = sel.shift_claims_for(actor=request.user, shift=shift)
        except DomainError:
            people = []
    row = _shift_rows(request, [shift], False)[0]
    return render(
        request,
        "volunteering/lists_shift.html",
        {
            "shift": shift,
            "project": shift.project,
            "staff": staff,
            "people": people,
            "mine": row["mine"],
            "suggestions": suggest_for_shift(actor=request.user, shift=shift)
            if staff and not shift.cancelled
            else [],
        },
    )


@login_required
@require_POST
def shift_claim(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = sel.access_shift(actor=request.user, shift_id=shift_id)
    with refusal_as_message(request):
        claims.claim_create(actor=request.user, shift=shift)
        messages.success(request, _("You have a place on this shift."))
    return _back(request, reverse("volunteering-shift", args=[shift.pk]))


@login_required
@require_POST
def shift_cancel(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = sel.access_shift(actor=request.user, shift_id=shift_id)
    with refusal_as_message(request):
        svc.shift_cancel(actor=request.user, shift=shift, reason=request.POST.get("reason", ""))
    return _back(request, reverse("volunteering-project", args=[shift.project_id]))


@login_required
@require_POST
def shift_dispatch(request: HttpRequest, shift_id: int) -> HttpResponse:
    """To a member by their person id, or to a unit by its code."""
    shift = sel.access_shift(actor=request.user, shift_id=shift_id)
    person = unit = None
    with refusal_as_message(request):
        raw_person = request.POST.get("person", "").strip()
        raw_unit = request.POST.get("unit", "").strip().replace("\x00", "")[:40]
        if raw_person:
            person = or_invalid(
                Person.objects.filter(pk=_int(raw_person, "person", 1, 2**62), is_active=True).first(),
                "person",
                _("No such person."),
            )
        if raw_unit:
            unit = or_invalid(Unit.objects.filter(code=raw_unit).first(), "unit", _("No unit has this code."))
        claims.claim_dispatch(
            actor=request.user, shift=shift, person=person, unit=unit, note=request.POST.get("note", "")
        )
        messages.success(request, _("The task is dispatched."))
    return _back(request, reverse("volunteering-shift", args=[shift.pk]))


@login_required
@require_POST
def shift_add(request: HttpRequest, project_id: int) -> HttpResponse:
    project = sel.access_project(actor=request.user, project_id=project_id)
    with refusal_as_message(request):
        draft = _shift_draft(request, flexible=project.kind == ProjectKind.FLEXIBLE)
        svc.shift_add(actor=request.user, project=project, draft=draft)
    return redirect("volunteering-project", project_id=project.pk)


@login_required
@require_POST
def project_close(request: HttpRequest, project_id: int) -> HttpResponse:
    project = sel.access_project(actor=request.user, project_id=project_id)
    with refusal_as_message(request):
        svc.project_close(actor=request.user, project=project)
    return redirect("volunteering-project", project_id=project.pk)


@login_required
@require_POST
def project_rate(request: HttpRequest, project_id: int) -> HttpResponse:
    project = sel.access_project(actor=request.user, project_id=project_id)
    with refusal_as_message(request):
        claims.rating_give(
            actor=request.user,
            project=project,
            rating=_int(request.POST.get("rating"), "rating", 1, 5),
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("Thank you for your rating."))
    return redirect("volunteering-project", project_id=project.pk)


CLAIM_MOVES = {"cancel", "accept", "decline", "done"}


@login_required
@require_POST
def claim_move(request: HttpRequest, claim_id: int, action: str) -> HttpResponse:
    if action not in CLAIM_MOVES:
        raise Http404()
    claim = sel.access_claim(actor=request.user, claim_id=claim_id)
    reason = request.POST.get("reason", "")
    with refusal_as_message(request):
        if action == "cancel":
            claims.claim_cancel(actor=request.user, claim=claim, reason=reason)
        elif action == "accept":
            claims.claim_accept(actor=request.user, claim=claim)
        elif action == "decline":
            claims.claim_decline(actor=request.user, claim=claim, reason=reason)
        else:
            claims.claim_done(actor=request.user, claim=claim)
    return _back(request, reverse("volunteering-shift", args=[claim.shift_id]))


# -- partials for the pages the integrator composes -----------------------------------------


def claims_panel(actor: Any) -> dict[str, Any]:
    """For "volunteering/_claims_panel.html": the member's claims, those to come first."""
    if not getattr(actor, "is_authenticated", False):
        return {"my_claims": []}
    return {"my_claims": sel.my_claims(actor=actor)}


def console_lists(*, actor: Any, community: Any) -> dict[str, Any]:
    """For "volunteering/_console_lists.html": the community's open needs, its open projects
    with their next shifts and fill, and its unfilled shifts, soonest first."""
    projects = sel.project_list_for(actor=actor, community=community)
    for p in projects:
        p.upcoming = sel.upcoming_shifts(p, limit=3)  # type: ignore[attr-defined]
    open_needs: list[Any] = []
    if sel.may_see_needs(actor, community.path):
        open_needs = sel.need_list_for(actor=actor, community=community)
    return {
        "console_community": community,
        "console_needs": open_needs,
        "console_projects": projects,
        "console_unfilled": sel.unfilled_shifts(community=community),
    }
