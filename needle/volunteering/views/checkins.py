"""The pages of check-ins: a member's check-in slip and its history (phone first), a workplace
unit's page of its members' check-ins, a community's resources list, its pairings and its roster
import; and the context of two partials other pages include (a member's check-in panel, the
console's check-ins and pairings to confirm). Thin, over the same selectors and services as the
API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from needle.areas.models import Area, Level
from needle.areas.selectors import area_get, area_named_or_none
from needle.core import sheets
from needle.core.errors import DomainError, NotFound, ValidationFailed, or_not_found
from needle.core.refusals import refusal_as_message
from needle.orgs.models import Unit
from needle.orgs.permissions import can_in_area, granting_unit_ids, require, require_authenticated
from needle.volunteering import quarters
from needle.volunteering.models import (
    PARTS,
    CheckInStatus,
    Part,
    ResourceKind,
    ServiceKind,
    Skill,
    UnitCheckIn,
)
from needle.volunteering.selectors import checkins as sel
from needle.volunteering.services import checkins as svc
from needle.volunteering.services import pairings as pair
from needle.volunteering.services import roster
from needle.volunteering.states import CHECKIN_MOVES, PAIRING_MOVES
from needle.volunteering.views import hours as hours_views

WEEKDAYS = [
    (1, gettext_lazy("Mon")),
    (2, gettext_lazy("Tue")),
    (3, gettext_lazy("Wed")),
    (4, gettext_lazy("Thu")),
    (5, gettext_lazy("Fri")),
    (6, gettext_lazy("Sat")),
    (7, gettext_lazy("Sun")),
]


def _community(code: str) -> Area:
    return area_get(code=code)


def _area_code(request: HttpRequest, name: str) -> Area | None:
    return area_named_or_none(request.POST.get(name, "").strip(), field=name)


def _slots(request: HttpRequest) -> list[tuple[int, str]]:
    out = []
    for value in request.POST.getlist("slot"):
        day, _sep, part = value.partition("-")
        if not (day.isascii() and day.isdigit() and len(day) == 1):
            raise ValidationFailed(
                fields={"availability": _("A weekday is a number from 1 (Monday) to 7 (Sunday).")}
            )
        out.append((int(day), part))
    return out


def _slip(request: HttpRequest) -> dict[str, Any]:
    return {
        "skills_text": request.POST.get("skills_text", ""),
        "skill_codes": request.POST.getlist("skill"),
        "availability": _slots(request),
        "service_kinds": request.POST.getlist("kind"),
        "phone_visible": request.POST.get("phone_visible") == "on",
    }


def _year(request: HttpRequest) -> int:
    """The posted year; 0 (which the services refuse, naming the field) for anything but four digits."""
    year = request.POST.get("year", "")
    return int(year) if year.isascii() and year.isdigit() and len(year) == 4 else 0


def home_choices(person: Any) -> list[Area]:
    """The communities a member most likely checks in with: those of their home's street."""
    own = svc.home_community(person) if getattr(person, "is_authenticated", False) else None
    if own is None:
        return []
    return list(
        Area.objects.filter(parent_id=own.parent_id, level=Level.COMMUNITY, retired=False).order_by("code")
    )


@login_required
def checkin_page(request: HttpRequest) -> HttpResponse:
    """The member's check-in slip (a new one, or the returned one to correct) and its history."""
    actor = require_authenticated(request.user)
    standing = sel.standing_checkin(actor)
    if request.method == "POST":
        with refusal_as_message(request):
            if standing is not None and standing.status == CheckInStatus.RETURNED:
                svc.checkin_resubmit(
                    actor=actor,
                    checkin=standing,
                    grid=_area_code(request, "grid"),
                    outside_reason=request.POST.get("outside_reason", ""),
                    **_slip(request),
                )
            else:
                community = _area_code(request, "community")
                if community is None:
                    raise ValidationFailed(fields={"community": _("Choose your community.")})
                workplace = request.POST.get("workplace", "")
                svc.checkin_submit(
                    actor=actor,
                    community=community,
                    workplace=next((w for w in sel.member_workplaces(actor) if str(w.pk) == workplace), None),
                    grid=_area_code(request, "grid"),
                    outside_reason=request.POST.get("outside_reason", ""),
                    **_slip(request),
                )
            messages.success(request, _("Your check-in is sent; the community's staff will confirm it."))
            return redirect(reverse("volunteering-checkin"))
    own = svc.home_community(actor)
    chosen = set(standing.skills.values_list("pk", flat=True)) if standing else set()
    bits = standing.availability if standing else 0
    return render(
        request,
        "volunteering/checkin.html",
        {
            "standing": standing,
            "history": list(sel.my_checkins(actor=actor)),
            "workplaces": sel.member_workplaces(actor),
            "communities": home_choices(actor),
            "home": own,
            "skills": [(s, s.pk in chosen) for s in Skill.objects.all()],
            "grid": [
                (
                    n,
                    label,
                    [
                        (f"{n}-{p}", Part(p).label, bits & (1 << ((n - 1) * 3 + i)) > 0)
                        for i, p in enumerate(PARTS)
                    ],
                )
                for n, label in WEEKDAYS
            ],
            "kinds": [
                (k.value, k.label, standing is not None and k.value in standing.service_kinds)
                for k in ServiceKind
            ],
            "editable": standing is None or standing.status == CheckInStatus.RETURNED,
            "commitments": list(sel.my_commitments(actor=actor)[:20]),
            "year": timezone.localdate().year,
            "moves": CHECKIN_MOVES,
        },
    )


@login_required
def commitment_add(request: HttpRequest) -> HttpResponse:
    """A member's commitment for the year, from the check-in page; POST only."""
    if request.method != "POST":
        raise NotFound()
    with refusal_as_message(request):
        pair.commitment_add(
            actor=request.user,
            year=_year(request),
            text=request.POST.get("text", ""),
            public=request.POST.get("public") == "on",
        )
        messages.success(request, _("Your commitment is recorded."))
    return redirect(reverse("volunteering-checkin"))


# The moves a page makes, by the name in its URL.
CHECKIN_ACTIONS = {"confirm", "return", "withdraw", "move"}


@login_required
def checkin_action(request: HttpRequest, checkin_id: int, action: str) -> HttpResponse:
    """Confirm or return (staff), withdraw or move (the member or staff); POST only."""
    if request.method != "POST" or action not in CHECKIN_ACTIONS:
        raise NotFound()
    checkin = sel.access_checkin(actor=request.user, checkin_id=checkin_id)
    with refusal_as_message(request):
        if action == "confirm":
            svc.checkin_confirm(actor=request.user, checkin=checkin)
        elif action == "return":
            svc.checkin_return(actor=request.user, checkin=checkin, note=request.POST.get("note", ""))
        elif action == "withdraw":
            svc.checkin_withdraw(actor=request.user, checkin=checkin)
        else:
            community = _area_code(request, "community")
            if community is None:
                raise ValidationFailed(fields={"community": _("Choose your new community.")})
            svc.checkin_move(
                actor=request.user,
                checkin=checkin,
                community=community,
                grid=_area_code(request, "grid"),
                outside_reason=request.POST.get("outside_reason", ""),
            )
        messages.success(request, _("Done."))
    back = request.POST.get("next", "")
    return redirect(
        back if back.startswith("/") and not back.startswith("//") else reverse("volunteering-checkin")
    )


@login_required
def unit_page(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A workplace unit's members' check-ins (and, in its slot, their hours and cards)."""
    unit = or_not_found(Unit.objects.filter(pk=unit_id).first())
    found = sel.unit_member_checkins(actor=request.user, unit=unit)
    rows = [(c, found.phones[c.pk]) for c in found.checkins]
    return render(
        request,
        "volunteering/unit.html",
        {
            "unit": unit,
            "rows": rows,
            "standing": [
                r
                for r in rows
                if r[0].status in (CheckInStatus.SUBMITTED, CheckInStatus.CONFIRMED, CheckInStatus.RETURNED)
            ],
            "pairings": list(sel.pairing_list_for(actor=request.user, unit=unit)[:50]),
            "unit_hours": unit_hours(request, unit),
        },
    )


def unit_hours(request: HttpRequest, unit: Unit) -> SafeString:
    """The hours part of the unit's page, for ?quarter= (by default the last quarter ended,
    whose cards can be downloaded); a quarter that cannot be read falls back to it."""
    quarter = request.GET.get("quarter", "")
    try:
        quarters.parse_quarter(quarter)
    except DomainError:
        start, _end = quarters.parse_quarter(quarters.quarter_of(timezone.localdate()))
        quarter = quarters.quarter_of(start - dt.timedelta(days=1))
    context = hours_views.unit_hours_panel(actor=request.user, unit=unit, quarter=quarter)
    return mark_safe(render_to_string("volunteering/_unit_hours.html", context, request=request))  # noqa: S308


@login_required
def resources_page(request: HttpRequest, code: str) -> HttpResponse:
    """The resources list of an area for its staff: search by skill, weekday and part."""
    area = _community(code)
    skill = Skill.objects.filter(code=request.GET.get("skill", "")[:40]).first()
    day = request.GET.get("weekday", "")
    weekday = int(day) if day.isascii() and day.isdigit() and 1 <= int(day) <= 7 else None
    part = request.GET.get("part") if request.GET.get("part") in PARTS else None
    res = sel.resources_for(
        actor=request.user, community_or_area=area, skill=skill, weekday=weekday, part=part
    )
    return render(
        request,
        "volunteering/resources.html",
        {
            "area": area,
            "res": res,
            "skills": list(Skill.objects.all()),
            "skill": skill,
            "weekday": weekday,
            "part": part,
            "weekdays": WEEKDAYS,
            "parts": [(p.value, p.label) for p in Part],
            "labels": dict(WEEKDAYS),
        },
    )


def _pledges(request: HttpRequest) -> list[tuple[str, str, str, str]]:
    rows = zip(
        request.POST.getlist("kind"),
        request.POST.getlist("description"),
        request.POST.getlist("quantity"),
        request.POST.getlist("measure"),
        strict=False,
    )
    return [r for r in rows if r[1].strip() or r[2].strip()]


@login_required
def pairings_page(request: HttpRequest, code: str) -> HttpResponse:
    """A community's pairings: its staff confirm them; a unit's admin or coordinator submits one."""
    area = _community(code)
    actor = require_authenticated(request.user)
    if request.method == "POST":
        unit_id = request.POST.get("unit", "")
        digits = unit_id.isascii() and unit_id.isdigit() and len(unit_id) <= 12
        unit = Unit.objects.filter(pk=int(unit_id)).first() if digits else None
        with refusal_as_message(request):
            if unit is None:
                raise ValidationFailed(fields={"unit": _("Choose a unit.")})
            pair.pairing_submit(
                actor=actor, unit=unit, community=area, year=_year(request), commitments=_pledges(request)
            )
            messages.success(request, _("The pairing is sent; the community's staff will confirm it."))
        return redirect(reverse("volunteering-pairings", args=[area.code]))
    staff = can_in_area(actor, "volunteering.view", area.path)
    # The units whose pairing the actor may send: those where they are admin or coordinator.
    own_units = list(
        Unit.objects.filter(pk__in=granting_unit_ids(actor, "volunteering.manage")).order_by("name")
    )
    require(staff or bool(own_units))
    rows = (
        list(sel.pairing_list_for(actor=actor, community=area))
        if staff
        else [p for u in own_units for p in sel.pairing_list_for(actor=actor, unit=u).filter(community=area)]
    )
    return render(
        request,
        "volunteering/pairings.html",
        {
            "area": area,
            "rows": rows,
            "manage": can_in_area(actor, "volunteering.manage", area.path),
            "own_units": own_units,
            "resource_kinds": [(k.value, k.label) for k in ResourceKind],
            "year": timezone.localdate().year,
            "moves": PAIRING_MOVES,
        },
    )


PAIRING_ACTIONS = {"confirm", "return", "withdraw"}


@login_required
def pairing_action(request: HttpRequest, pairing_id: int, action: str) -> HttpResponse:
    if request.method != "POST" or action not in PAIRING_ACTIONS:
        raise NotFound()
    pairing = sel.access_pairing(actor=request.user, pairing_id=pairing_id)
    with refusal_as_message(request):
        if action == "confirm":
            pair.pairing_confirm(actor=request.user, pairing=pairing)
        elif action == "return":
            pair.pairing_return(actor=request.user, pairing=pairing, note=request.POST.get("note", ""))
        else:
            pair.pairing_withdraw(actor=request.user, pairing=pairing)
        messages.success(request, _("Done."))
    return redirect(reverse("volunteering-pairings", args=[pairing.community.code]))


@login_required
def import_page(request: HttpRequest, code: str) -> HttpResponse:
    """The community's staff upload the roster template; every bad line is listed."""
    area = _community(code)
    require(can_in_area(request.user, "volunteering.manage", area.path))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            name, data = sheets.upload_read(request.FILES.get("file"), max_bytes=roster.MAX_BYTES)
            rows = roster.read_rows(name=name, data=data)
            made = roster.roster_import(actor=request.user, community=area, rows=rows)
        except DomainError as exc:
            messages.error(request, exc.message)
            errors = getattr(exc, "fields", {}) or {}
        else:
            messages.success(request, _("%(n)d members imported and confirmed.") % {"n": len(made)})
            return redirect(reverse("volunteering-import", args=[area.code]))
    return render(
        request,
        "volunteering/import.html",
        {"area": area, "errors": sheets.errors_by_line(errors)},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The roster template, as CSV or XLSX."""
    if kind not in ("csv", "xlsx"):
        raise NotFound()
    if kind == "xlsx":
        response = HttpResponse(roster.template_xlsx(), content_type=XLSX)
    else:
        response = HttpResponse(roster.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roster-template.{kind}"'
    return response


# Partials other pages include ----------------------------------------------------------------


def checkin_panel(actor: Any) -> dict[str, Any]:
    """Context of `volunteering/_checkin_panel.html`: the member's own check-in in short."""
    standing = sel.standing_checkin(actor)
    return {
        "checkin_panel": {
            "member": bool(sel.member_workplaces(actor)),
            "standing": standing,
            "url": reverse("volunteering-checkin"),
        }
    }


def console_checkins(*, actor: Any, community: Area) -> dict[str, Any]:
    """Context of `volunteering/_console_checkins.html`: the community's check-ins and pairings
    waiting for its staff (empty for those who may not confirm them)."""
    if not can_in_area(actor, "volunteering.manage", community.path):
        return {"console_checkins": {"community": community, "checkins": [], "pairings": [], "manage": False}}
    waiting = list(
        sel.checkin_list_for(actor=actor, community=community, status=CheckInStatus.SUBMITTED)[:100]
    )
    pairings = list(
        UnitCheckIn.objects.filter(community=community, status=CheckInStatus.SUBMITTED)
        .select_related("unit")
        .prefetch_related("commitments")
        .order_by("created_at")[:100]
    )
    return {
        "console_checkins": {
            "community": community,
            "checkins": [(c, sel.shown_phone(c)) for c in waiting],
            "pairings": pairings,
            "manage": True,
        }
    }
