"""Pages' parts for hours: the member's panel, the community console's and the workplace unit's
(context functions and partial templates other pages include), and the POSTs their forms send,
each back to the page it came from (`next`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from needle.areas.models import Area
from needle.cases.uploads import MAX_BYTES as MAX_PHOTO_BYTES
from needle.core.errors import NotFound, ValidationFailed, or_not_found
from needle.core.refusals import refusal_as_message
from needle.orgs.models import Unit
from needle.orgs.permissions import require_authenticated
from needle.volunteering import quarters
from needle.volunteering.models import HourStatus, ServiceKind, Shift
from needle.volunteering.selectors import hours as sel
from needle.volunteering.services import hours as svc

API = "/api/v1/volunteering"


def _quarters_back(n: int) -> list[str]:
    start, _end = quarters.parse_quarter(quarters.quarter_of(timezone.localdate()))
    out = []
    for _i in range(n):
        start = start - dt.timedelta(days=1)
        out.append(quarters.quarter_of(start))
        start = quarters.parse_quarter(out[-1])[0]
    return out


def hours_panel(actor: Any) -> dict[str, Any]:
    """The member's part: the report form, their entries, points, cards and progress."""
    me = require_authenticated(actor)
    checkin = quarters.standing_checkin(me)
    quarter = quarters.quarter_of(timezone.localdate())
    start, end = quarters.parse_quarter(quarter)
    target = quarters.target_for(checkin.community)[0] if checkin else None
    done = sel.verified_hours(me, start, end)
    return {
        "can_report": checkin is not None,
        "today": timezone.localdate(),
        "earliest": timezone.localdate() - dt.timedelta(days=svc.MAX_BACK_DAYS),
        "kinds": ServiceKind.choices,
        "entries": list(sel.my_hours(actor=me)[:20]),
        "points": sel.points_balance(me),
        "quarter": quarter,
        "quarter_hours": done,
        "quarter_target": target,
        "target_met": target is not None and done >= target,
        "cards": [
            {
                "quarter": q,
                "pdf": f"{API}/members/{me.pk}/card.pdf?quarter={q}",
                "csv": f"{API}/members/{me.pk}/card.csv?quarter={q}",
            }
            for q in _quarters_back(4)
        ],
    }


def console_hours(*, actor: Any, community: Area) -> dict[str, Any]:
    """The community console's part: hours to verify, and members behind the quarter's target."""
    quarter = quarters.quarter_of(timezone.localdate())
    progress = sel.progress_for_community(actor=actor, community=community, quarter=quarter)
    return {
        "community": community,
        "to_verify": list(
            sel.hours_to_verify(actor=actor, community=community, status=HourStatus.REPORTED)[:100]
        ),
        "behind": [p for p in progress if not p.quarter_met],
        "quarter": quarter,
        "last_quarter": _quarters_back(1)[0],
    }


def unit_hours_panel(*, actor: Any, unit: Unit, quarter: str) -> dict[str, Any]:
    """The workplace unit's part: its members' hours against their targets, the cards' files."""
    rows = sel.progress_for_unit(actor=actor, unit=unit, quarter=quarter)
    ended = quarters.parse_quarter(quarter)[1] < timezone.localdate()
    return {
        "unit": unit,
        "quarter": quarter,
        "rows": rows,
        "met": sum(1 for r in rows if r.quarter_met),
        "ended": ended,
        "pdf": f"{API}/units/{unit.pk}/cards.pdf?quarter={quarter}" if ended else "",
        "csv": f"{API}/units/{unit.pk}/cards.csv?quarter={quarter}" if ended else "",
    }


def _back(request: HttpRequest) -> HttpResponse:
    to = request.POST.get("next", "")
    if not to.startswith("/") or not url_has_allowed_host_and_scheme(to, allowed_hosts=None):
        to = "/"
    return redirect(to)


def _decimal(raw: str, field: str) -> Decimal:
    try:
        return Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        raise ValidationFailed(fields={field: _("Give a number of hours.")}) from None


@login_required
@require_POST
def report(request: HttpRequest) -> HttpResponse:
    with refusal_as_message(request):
        try:
            day = dt.date.fromisoformat(request.POST.get("date", ""))
        except ValueError:
            raise ValidationFailed(fields={"date": _("Give a date.")}) from None
        upload = request.FILES.get("evidence")
        svc.hours_report(
            actor=request.user,
            date=day,
            hours=_decimal(request.POST.get("hours", ""), "hours"),
            description=request.POST.get("description", ""),
            kind=request.POST.get("kind", ""),
            evidence_note=request.POST.get("evidence_note", ""),
            evidence=upload.read(MAX_PHOTO_BYTES + 1) if upload else None,
        )
        messages.success(request, _("Your hours are reported: the community will verify them."))
    return _back(request)


@login_required
@require_POST
def decide(request: HttpRequest, entry_id: int, action: str) -> HttpResponse:
    entry = sel.access_hour_entry(actor=request.user, entry_id=entry_id, for_write=True)
    if action not in ("verify", "reject"):
        raise NotFound()
    with refusal_as_message(request):
        if action == "verify":
            svc.hours_verify(actor=request.user, entry=entry)
            messages.success(request, _("Hours verified."))
        else:
            svc.hours_reject(actor=request.user, entry=entry, reason=request.POST.get("reason", ""))
            messages.success(request, _("Hours rejected."))
    return _back(request)


@login_required
@require_POST
def log_shift(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = or_not_found(Shift.objects.filter(pk=shift_id).first())
    with refusal_as_message(request):
        out = svc.hours_log_for_shift(
            actor=request.user,
            shift=shift,
            hours=_decimal(request.POST.get("hours", ""), "hours"),
            description=request.POST.get("description", ""),
        )
        messages.info(request, _("%(n)d members' hours logged.") % {"n": len(out)})
        messages.success(request, _("The shift's hours are logged."))
    return _back(request)


@login_required
@require_POST
def sign_all(request: HttpRequest, code: str) -> HttpResponse:
    community = or_not_found(Area.objects.filter(code=code).first())
    with refusal_as_message(request):
        out = svc.cards_signoff_all(
            actor=request.user, community=community, quarter=request.POST.get("quarter", "")
        )
        messages.info(request, _("%(n)d cards signed.") % {"n": len(out)})
        messages.success(request, _("The quarter's cards are signed."))
    return _back(request)


@login_required
@require_GET
def evidence(request: HttpRequest, entry_id: int) -> HttpResponseBase:
    entry = sel.access_hour_entry(actor=request.user, entry_id=entry_id)
    if not entry.evidence:
        raise NotFound()
    try:
        handle = entry.evidence.open("rb")
    except OSError:
        raise NotFound() from None
    return FileResponse(handle)
