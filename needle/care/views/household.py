"""The household file (一户一档): one recipient's card (sensitive fields masked until opened by an
explicit, audited "show"), the household's other members, the consents with who and how, the
helpers, and the timeline of visits, ledger items and the requests they became; the forms to
register a person, record a consent and change the recipient's status.

Thin: who may see what is `access_recipient`'s answer, every write a registry service, every
opening of the sensitive fields `recipient_sensitive` (which audits it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needle.areas.models import Area, Level, subtree_q
from needle.care.access import Access, is_minor, visible_q
from needle.care.models import (
    SENSITIVE,
    Category,
    ConsentMethod,
    Household,
    ItemStatus,
    Pairing,
    Purpose,
    Recipient,
    Risk,
)
from needle.care.presenters import recipient_card
from needle.care.selectors.console import household_file_viewed
from needle.care.selectors.ledger import access_item, household_timeline, items_for
from needle.care.selectors.records import access_recipient, recipient_read
from needle.care.services.ledger import item_add, item_close, item_to_case
from needle.care.services.pairings import pairing_add, pairing_end, pairing_lead
from needle.care.services.registry import (
    consent_record,
    recipient_input,
    recipient_raw,
    recipient_register,
    recipient_status,
    recipient_update,
    recorded_fields,
)
from needle.care.states import RECIPIENT_MOVES, STAFF, item_shown_status
from needle.care.views.console import page_area
from needle.cases.models import Service
from needle.core import periods
from needle.core.errors import Conflict, DomainError, NotFound, ValidationFailed, or_invalid, or_not_found
from needle.core.states import allowed
from needle.orgs.models import Person, Unit
from needle.orgs.permissions import can_in_area, require

# The services a problem may become a request for, in the to-case form's list.
SERVICES_MAX = 300
# The status changes' buttons, by the move's name in states.RECIPIENT_MOVES.
MOVE_LABELS = {
    "end": gettext_lazy("no longer in need"),
    "moved_away": gettext_lazy("moved away"),
    "deceased": gettext_lazy("deceased"),
    "resume": gettext_lazy("back in care"),
}
WHY_MAX = 200
# The registration form's fields besides the categories (the names recipient_input reads).
TEXT_FIELDS = (
    "name",
    "phone",
    "birth_date",
    "address",
    "guardian_name",
    "guardian_phone",
    "emergency_contact",
)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    recorded: bool
    allowed: bool
    value: str | None  # None: not opened


def _recipient(
    request: HttpRequest, code: str, pk: int, *, for_write: bool = False
) -> tuple[Recipient, Access]:
    """The recipient the address names, if the reader may see them (404 otherwise, whether the
    record exists or not), under the area of the address."""
    area = page_area(code)
    recipient, access = access_recipient(actor=request.user, recipient_id=pk, for_write=for_write)
    if not recipient.area_path.startswith(area.path):
        raise NotFound()
    return recipient, access


def _labels() -> dict[str, str]:
    return {
        "health": _("health"),
        "disability": _("disability"),
        "income": _("income"),
        "notes": _("notes"),
        "id_number": _("ID number"),
    }


def sensitive_fields(recipient: Recipient, access: Access, opened: dict[str, Any] | None) -> list[Field]:
    labels = _labels()
    fields = []
    for i, name in enumerate(SENSITIVE):
        recorded = bool(recipient.sealed_fields & (1 << i))
        value = None
        if opened is not None and name in access.fields:
            value = str(opened.get(name) or "")
        fields.append(Field(name, labels[name], recorded, name in access.fields, value))
    return fields


def _file(
    request: HttpRequest,
    recipient: Recipient,
    access: Access,
    *,
    opened: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    household = recipient.household
    members = list(
        Recipient.objects.filter(visible_q(request.user), household=household)
        .exclude(pk=recipient.pk)
        .order_by("name")
    )
    staff = {STAFF} if access.staff else set()
    moves = [
        (name, MOVE_LABELS.get(name, name))
        for name in RECIPIENT_MOVES
        if allowed(RECIPIENT_MOVES, name, recipient.status, staff)
    ]
    close = access.staff or access.helper or access.grid
    # The ledger's read is audited by its selector (a household's troubles are personal).
    items = items_for(actor=request.user, recipient=recipient)
    return render(
        request,
        "care/household.html",
        {
            "area": page_area_of(recipient),
            "r": recipient,
            "access": access,
            "household": household,
            "members": members,
            "card": recipient_card(recipient, access, opened),
            "fields": sensitive_fields(recipient, access, opened),
            "opened": opened is not None,
            "consents": list(recipient.consent_log.select_related("recorded_by")) if access.staff else [],
            "pairings": list(
                recipient.pairings.select_related("helper", "unit").order_by(
                    "ended_on", "-lead", "started_on"
                )
            ),
            "timeline": household_timeline(recipient, items),
            "ledger": [(item, item_shown_status(item)) for item in items],
            "services": list(Service.objects.filter(active=True).order_by("code")[:SERVICES_MAX])
            if access.may_visit and any(i.status == ItemStatus.OPEN for i in items)
            else [],
            "details": close,
            "moves": moves,
            "minor": is_minor(recipient),
            "purposes": Purpose,
            "methods": ConsentMethod,
            "errors": errors or {},
            "today": timezone.localdate(),
        },
        status=status,
    )


def page_area_of(recipient: Recipient) -> Area:
    """The community the recipient lives in (their grid's parent): the file's address."""
    area = recipient.area
    if area.level == Level.GRID and area.parent_id is not None:
        return Area.objects.get(pk=area.parent_id)
    return area


@login_required
@require_GET
def household_file(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    recipient, access = _recipient(request, code, pk)
    household_file_viewed(actor=request.user, recipient=recipient, access=access)
    return _file(request, recipient, access)


@login_required
@require_POST
def household_show(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Opens the sensitive fields the reader may read, with the reason they give (audited);
    shown on this answer only, never in an address."""
    recipient, access = _recipient(request, code, pk)
    why = request.POST.get("why", "").strip()[:WHY_MAX]
    try:
        opened = recipient_read(actor=request.user, recipient=recipient, access=access, why=why)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _file(request, recipient, access, status=exc.status if exc.status != 422 else 400)
    response = _file(request, recipient, access, opened=opened)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def household_consent(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    recipient, access = _recipient(request, code, pk)
    post = request.POST
    try:
        consent_record(
            actor=request.user,
            recipient=recipient,
            purpose=post.get("purpose", ""),
            given=post.get("given") == "yes",
            method=post.get("method", ""),
            given_by=post.get("given_by", ""),
            by_guardian=post.get("by_guardian") == "on",
            witness=post.get("witness", ""),
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return _file(request, recipient, access, errors=exc.fields, status=400)
    messages.success(request, _("The consent is recorded."))
    return redirect(reverse("care-household", args=[code, recipient.pk]))


@login_required
@require_POST
def household_status(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    recipient, access = _recipient(request, code, pk)
    try:
        recipient_status(
            actor=request.user,
            recipient=recipient,
            move=request.POST.get("move", ""),
            reason=request.POST.get("reason", ""),
        )
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
        return _file(
            request, recipient, access, errors=exc.fields, status=400 if exc.status == 422 else exc.status
        )
    messages.success(request, _("The status is changed."))
    return redirect(reverse("care-household", args=[code, recipient.pk]))


def raw_registration(post: Any, area: Area) -> dict[str, Any]:
    """The registration form as recipient_input reads it."""
    raw: dict[str, Any] = {name: post.get(name, "") for name in TEXT_FIELDS}
    raw["area"] = post.get("area") or area.code
    raw["categories"] = post.getlist("categories")
    raw["risk"] = post.get("risk", "")
    for name in SENSITIVE:
        raw[name] = post.get(name, "")
    return {k: v for k, v in raw.items() if v not in ("", None) or k in ("name", "categories", "risk")}


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, code: str) -> HttpResponse:
    """Registers a person in a community (a new household, or the one named by ?household=),
    with the consent to registration when it is given now."""
    area = page_area(code)
    require(can_in_area(request.user, "care.manage", area.path))
    if area.level != Level.COMMUNITY:
        raise NotFound()
    household = _household(request, area)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"risk": Risk.MEDIUM, "categories": []}
    if request.method == "POST":
        raw = raw_registration(request.POST, area)
        values = {**request.POST.dict(), "categories": request.POST.getlist("categories")}
        try:
            recipient = _register(request, raw, household)
        except ValidationFailed as exc:
            messages.error(request, exc.message)
            errors = exc.fields
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": recipient.name})
            return redirect(reverse("care-household", args=[area.code, recipient.pk]))
    grids = list(Area.objects.filter(subtree_q(area.path), level=Level.GRID, retired=False).order_by("code"))
    return render(
        request,
        "care/register.html",
        {
            "area": area,
            "grids": grids,
            "household": household,
            "categories": Category.choices,
            "risks": Risk.choices,
            "methods": ConsentMethod.choices,
            "sensitive": [(name, _labels()[name], values.get(name, ""), False) for name in SENSITIVE],
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Corrects a recipient's details: the care staff. A sensitive field left blank keeps what
    is recorded (the form never shows it: opening it is the file's audited "show")."""
    recipient, _access = _recipient(request, code, pk, for_write=True)
    area = page_area_of(recipient)
    errors: dict[str, str] = {}
    current = recipient_raw(recipient)
    values: dict[str, Any] = {
        **current,
        "area": recipient.area.code,
        "birth_date": recipient.birth_date.isoformat() if recipient.birth_date else "",
    }
    if request.method == "POST":
        raw = raw_registration(request.POST, area)
        raw["area"] = recipient.area.code
        raw.update({k: current[k] for k in ("person", "record", "guardian")})
        for name in SENSITIVE:
            if not request.POST.get(name, "").strip():
                raw.pop(name, None)
        values = {**request.POST.dict(), "categories": request.POST.getlist("categories")}
        try:
            recipient_update(
                actor=request.user, recipient=recipient, data=recipient_input(raw, partial_sensitive=True)
            )
        except (ValidationFailed, Conflict) as exc:
            messages.error(request, exc.message)
            errors = exc.fields or {"": exc.message}
        else:
            messages.success(request, _("The details are saved."))
            return redirect(reverse("care-household", args=[code, recipient.pk]))
    recorded = set(recorded_fields(recipient))
    return render(
        request,
        "care/register.html",
        {
            "area": area,
            "r": recipient,
            "edit": True,
            "grids": [],
            "household": recipient.household,
            "categories": Category.choices,
            "risks": Risk.choices,
            "methods": [],
            "sensitive": [(name, _labels()[name], "", name in recorded) for name in SENSITIVE],
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _household(request: HttpRequest, area: Area) -> Household | None:
    """The household ?household= names, if the reader keeps a record in it in this community."""
    raw = request.GET.get("household") or request.POST.get("household") or ""
    if not raw:
        return None
    # isdigit() would let "²" through to int(); a key has at most 18 digits.
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 18):
        raise NotFound()
    return or_not_found(Household.objects.filter(subtree_q(area.path, "area_path"), pk=int(raw)).first())


def _register(request: HttpRequest, raw: dict[str, Any], household: Household | None) -> Recipient:
    """The registration, then its consent when the form gives one. Registering does not wait
    for consent: a refused consent leaves the record, and the file says what to correct."""
    post = request.POST
    recipient = recipient_register(actor=request.user, data=recipient_input(raw), household=household)
    method = post.get("consent_method", "")
    if method:
        try:
            consent_record(
                actor=request.user,
                recipient=recipient,
                purpose=Purpose.REGISTRATION,
                given=True,
                method=method,
                given_by=post.get("consent_given_by", "") or recipient.name,
                by_guardian=post.get("consent_by_guardian") == "on",
                witness=post.get("consent_witness", ""),
            )
        except ValidationFailed as exc:
            messages.error(
                request,
                _("The consent was not recorded: %(why)s")
                % {"why": " ".join(exc.fields.values()) or exc.message},
            )
    return recipient


# Helpers and the ledger ------------------------------------------------------------------------


def _refused(request: HttpRequest, code: str, pk: int, exc: DomainError) -> HttpResponse:
    """A refused form on the household file: the file again with the error, with its status (a
    validation error is 400, a conflict 409). 403 and 404 go to the error pages as they are."""
    if exc.status in (401, 403, 404):
        raise exc
    recipient, access = _recipient(request, code, pk)
    messages.error(request, " ".join(exc.fields.values()) if exc.fields else exc.message)
    return _file(
        request, recipient, access, errors=exc.fields, status=400 if exc.status == 422 else exc.status
    )


def _done(code: str, pk: int, anchor: str) -> HttpResponse:
    return redirect(reverse("care-household", args=[code, pk]) + f"#{anchor}")


def _helper_by(login: str) -> Person:
    """The person a form names by username or phone."""
    login = login.strip()
    found = None
    if login and "\x00" not in login and len(login) <= 150:
        found = Person.objects.filter(Q(username=login) | Q(phone=login)).order_by("pk").first()
    if found is None:
        raise ValidationFailed(fields={"helper": _("No account has this username or phone.")})
    return found


def _unit_by(code: str) -> Unit:
    found = Unit.objects.filter(code=code.strip()).first() if code.strip() and len(code) <= 40 else None
    if found is None:
        raise ValidationFailed(fields={"unit": _("No unit has this code.")})
    return found


@login_required
@require_POST
def pairing_add_view(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    recipient, _access = _recipient(request, code, pk)
    post = request.POST
    try:
        helper = _helper_by(post["helper"]) if post.get("helper", "").strip() else None
        unit = _unit_by(post["unit"]) if post.get("unit", "").strip() and helper is None else None
        pairing_add(
            actor=request.user,
            recipient=recipient,
            helper=helper,
            unit=unit,
            lead=post.get("lead") == "on",
            reason=post.get("reason", ""),
        )
    except DomainError as exc:
        return _refused(request, code, pk, exc)
    messages.success(request, _("The helper is paired."))
    return _done(code, pk, "helpers")


@login_required
@require_POST
def pairing_move_view(request: HttpRequest, code: str, pk: int, pairing_id: int, action: str) -> HttpResponse:
    recipient, _access = _recipient(request, code, pk)
    pairing = Pairing.objects.filter(pk=pairing_id, recipient=recipient).select_related("recipient").first()
    if pairing is None or action not in ("end", "lead"):
        raise NotFound()
    try:
        if action == "end":
            pairing_end(actor=request.user, pairing=pairing, reason=request.POST.get("reason", ""))
        else:
            pairing_lead(actor=request.user, pairing=pairing)
    except DomainError as exc:
        return _refused(request, code, pk, exc)
    messages.success(request, _("Done."))
    return _done(code, pk, "helpers")


@login_required
@require_POST
def item_add_view(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    recipient, _access = _recipient(request, code, pk)
    post = request.POST
    try:
        item_add(
            actor=request.user,
            recipient=recipient,
            what=post.get("what", ""),
            who_acts=post.get("who_acts", ""),
            since=periods.parse_day(post.get("since", ""), "since"),
            due_on=periods.parse_day(post.get("due_on", ""), "due_on"),
        )
    except DomainError as exc:
        return _refused(request, code, pk, exc)
    messages.success(request, _("The problem is on the ledger."))
    return _done(code, pk, "ledger")


@login_required
@require_POST
def item_move_view(request: HttpRequest, code: str, pk: int, item_id: int, action: str) -> HttpResponse:
    recipient, _access = _recipient(request, code, pk)
    item = access_item(actor=request.user, item_id=item_id)
    if item.recipient_id != recipient.pk or action not in ("close", "to-case"):
        raise NotFound()
    try:
        if action == "close":
            item_close(actor=request.user, item=item, confirmation=request.POST.get("confirmation", ""))
            messages.success(request, _("The problem is closed."))
        else:
            service = or_invalid(
                Service.objects.filter(code=request.POST.get("service", "")[:40], active=True).first(),
                "service",
                _("Choose the service the request is for."),
            )
            case = item_to_case(
                actor=request.user,
                item=item,
                service=service,
                description=request.POST.get("description", ""),
                idempotency_key=f"care-item-{item.pk}",
            )
            messages.success(request, _("Request %(number)s is filed.") % {"number": case.number})
    except DomainError as exc:
        return _refused(request, code, pk, exc)
    return _done(code, pk, "ledger")
