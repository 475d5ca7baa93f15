"""Open311 GeoReport v2 at /open311/v2/ with FixMyStreet's service request updates: every
resource in XML and JSON, open public reads, writes with an api_key. The decisions where the
specification leaves room, the status mapping and the error shape: docs/open311.md."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import re
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, ValidationError
from django.core.validators import URLValidator
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from needle.areas.models import Area, Level, subtree_q
from needle.cases import selectors
from needle.cases.models import OPEN_STATES, Case, CaseEvent, Channel, EventKind, Open311Key, Service, State
from needle.cases.services import MAX_DESCRIPTION, Intake, area_at, case_note, case_submit, open311_key_check
from needle.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-26T00:00:00Z"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_RESULTS = 1000
# GET requests without page_size: a page of this many (see the module's docstring).
DEFAULT_RESULTS = 100
SERVICES_CACHE_SECONDS = 600
WINDOW = dt.timedelta(days=90)
MAX_IDEMPOTENCY_KEY = 80

STATUS = {state: ("open" if state in OPEN_STATES else "closed") for state in State}
EXTENDED_STATUS = {
    State.SUBMITTED: "open",
    State.RETURNED: "open",
    State.DISPATCHED: "investigating",
    State.REOPENED: "investigating",
    State.ACCEPTED: "action_scheduled",
    State.IN_PROGRESS: "in_progress",
    State.RESOLVED: "fixed",
    State.CLOSED: "closed",
    State.MERGED: "duplicate",
    State.REJECTED: "no_further_action",
}
# Statuses a client may name, with the open/closed status each implies. FixMyStreet's
# other closing statuses are understood in updates even though we never report them.
CLIENT_STATUSES = {
    "open": "open",
    "investigating": "open",
    "action_scheduled": "open",
    "in_progress": "open",
    "closed": "closed",
    "fixed": "closed",
    "duplicate": "closed",
    "not_councils_responsibility": "closed",
    "no_further_action": "closed",
    "internal_referral": "closed",
}

# XML: the element name of each member of a list, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
# Our field names in error messages, as an Open311 client knows them.
FIELD_NAMES = {
    "area": "area_code",
    "idempotency_key": "Idempotency-Key",
    "note": "description",
    "photos": "media_url",
}
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_SPACED_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


# Rendering -----------------------------------------------------------------------------------


def _xml_text(value: str) -> str:
    if not _XML_SPECIAL.search(value):  # most values: numbers, codes, times, plain text
        return value
    return _XML_UNSAFE.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fill(out: list[str], tag: str, value: Any) -> None:
    """Append `value` as the element `tag`: dicts as child elements, lists as children named
    by ITEM_NAMES, None as an empty element. Written as strings rather than through
    ElementTree (the same bytes, a third of the time for a page of 1,000 requests)."""
    if isinstance(value, dict):
        if not value:
            out.append(f"<{tag} />")
            return
        out.append(f"<{tag}>")
        for key, item in value.items():
            if isinstance(item, dict | list | tuple):
                _fill(out, key, item)
            else:  # most of a request's fields: written here, without a call each
                out.append(_element(key, item))
        out.append(f"</{tag}>")
    elif isinstance(value, list | tuple):
        child = ITEM_NAMES[tag]
        if not value:
            out.append(f"<{tag} />")
            return
        out.append(f"<{tag}>")
        for item in value:
            _fill(out, child, item)
        out.append(f"</{tag}>")
    else:
        out.append(_element(tag, value))


def _element(tag: str, value: Any) -> str:
    """A scalar as the element `tag`: None and "" empty, booleans as true/false."""
    if value is None:
        return f"<{tag} />"
    if isinstance(value, bool):
        return f"<{tag}>{'true' if value else 'false'}</{tag}>"
    text = _xml_text(value if type(value) is str else str(value))
    return f"<{tag}>{text}</{tag}>" if text else f"<{tag} />"


def to_xml(root: str, data: Any) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _fill(out, root, data)
    return "".join(out)


def render(data: Any, fmt: str, root: str, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False) if fmt == "json" else to_xml(root, data)
    return HttpResponse(body.encode("utf-8", "replace"), status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(status: int, descriptions: list[str], fmt: str) -> HttpResponse:
    return render([{"code": status, "description": d} for d in descriptions], fmt, "errors", status)


def _error_of(exc: DomainError) -> tuple[int, list[str]]:
    if isinstance(exc, ValidationFailed) or exc.status == 422:
        if exc.fields:
            return 400, [f"{FIELD_NAMES.get(name, name)}: {text}" for name, text in exc.fields.items()]
        return 400, [exc.message]
    if exc.status == 401:  # Open311 has no sign-in: every key problem is a 403.
        return 403, [exc.message]
    if isinstance(exc, Conflict) and "state" in exc.extra:
        state = exc.extra["state"]
        return 409, [f"{exc.message} (status: {STATUS.get(state, state)})"]
    return exc.status, [exc.message]


def _w3c(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# Parsing -------------------------------------------------------------------------------------


def _params(request: HttpRequest) -> QueryDict:
    """The POST form, with query-string parameters filling in what the form lacks."""
    if request.method != "POST":
        return request.GET
    merged = request.POST.copy()
    for name in request.GET:
        if name not in merged:
            merged.setlist(name, request.GET.getlist(name))
    return merged


def _text(params: QueryDict, name: str) -> str:
    return (params.get(name) or "").strip()


def _csv(params: QueryDict, name: str) -> list[str]:
    return [part.strip() for part in ",".join(params.getlist(name)).split(",") if part.strip()]


def _flag(params: QueryDict, name: str) -> bool:
    return _text(params, name).lower() in {"1", "true", "yes", "on"}


def _whole(params: QueryDict, name: str, default: int, high: int) -> int:
    raw = _text(params, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(fields={name: _("Must be a whole number.")}) from None
    if not 1 <= value <= high:
        raise ValidationFailed(fields={name: _("Must be between 1 and %(high)d.") % {"high": high}})
    return value


def parse_when(raw: str, field: str) -> dt.datetime | None:
    """A W3C date-time (or date); without a zone it is the deployment's local time."""
    raw = _SPACED_OFFSET.sub(r"\1+\2", raw.strip())  # an unescaped "+" arrives as a space
    if not raw:
        return None
    message = _("Use a W3C date and time such as 2026-05-01T09:30:00+08:00.")
    try:
        parsed = parse_datetime(raw)
        if parsed is None:
            day = parse_date(raw)
            parsed = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(fields={field: message})
    if not 1900 <= parsed.year <= 9000:
        raise ValidationFailed(fields={field: _("The year must be between 1900 and 9000.")})
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _window(params: QueryDict) -> tuple[dt.datetime, dt.datetime]:
    start = parse_when(params.get("start_date") or "", "start_date")
    end = parse_when(params.get("end_date") or "", "end_date")
    if start and end:
        if start > end:
            raise ValidationFailed(fields={"start_date": _("The start must not be after end_date.")})
        if end - start > WINDOW:
            raise ValidationFailed(fields={"end_date": _("The range may not span more than 90 days.")})
        return start, end
    if start:
        return start, start + WINDOW
    end = end or timezone.now()
    return end - WINDOW, end


def _states(params: QueryDict, extensions: bool) -> list[str] | None:
    names = [name.lower() for name in _csv(params, "status")]
    if not names:
        return None
    known = set(EXTENDED_STATUS.values()) | {"open", "closed"} if extensions else {"open", "closed"}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValidationFailed(
            fields={"status": _("Use %(known)s.") % {"known": ", ".join(sorted(known))}},
        )
    table = EXTENDED_STATUS if extensions else {}
    return [
        state
        for state in State
        if STATUS[state] in names or (table and table.get(state) in names and state != State.REJECTED)
    ]


def _coordinates(params: QueryDict) -> tuple[float | None, float | None]:
    raw = {"lat": _text(params, "lat"), "long": _text(params, "long")}
    if not raw["lat"] and not raw["long"]:
        return None, None
    for name, value in raw.items():
        if not value:
            raise ValidationFailed(fields={name: _("Give both lat and long.")})
    values: dict[str, float] = {}
    for name, limit in (("lat", 90), ("long", 180)):
        try:
            number = float(raw[name])
        except ValueError:
            raise ValidationFailed(fields={name: _("Must be a number in decimal degrees (WGS84).")}) from None
        if not math.isfinite(number) or not -limit <= number <= limit:
            raise ValidationFailed(
                fields={name: _("Must be between -%(limit)d and %(limit)d.") % {"limit": limit}}
            )
        values[name] = number
    return values["lat"], values["long"]


def _answers(params: QueryDict) -> dict[str, Any]:
    """attribute[code]=value, and attribute[code][]=v1&attribute[code][]=v2 for lists."""
    answers: dict[str, Any] = {}
    for name in params:
        match = _ATTRIBUTE.match(name)
        if match is None:
            continue
        code, many = match.group(1), bool(match.group(2))
        values = [value.strip() for value in params.getlist(name)]
        if many or len(values) > 1 or code in answers:
            before = answers.get(code)
            earlier = [] if before is None else before if isinstance(before, list) else [before]
            answers[code] = [*earlier, *values]
        else:
            answers[code] = values[0] if values else ""
    return answers


def _media_url(params: QueryDict) -> str:
    url = _text(params, "media_url")
    if not url:
        return ""
    try:
        if len(url) > 1000:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationFailed(fields={"media_url": _("Give an http or https URL.")}) from None
    return url


def _description(params: QueryDict, *, fallback: str, media_url: str) -> str:
    text = _text(params, "description")
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(
            fields={"description": _("At most %(n)d characters.") % {"n": MAX_DESCRIPTION}}
        )
    text = text or fallback
    if media_url and len(text) + len(media_url) + 2 <= MAX_DESCRIPTION:
        text = f"{text}\n\n{media_url}"
    return text


# Who and where -------------------------------------------------------------------------------


def _api_key(params: QueryDict) -> Open311Key:
    secret = _text(params, "api_key")
    if not secret:
        raise PermissionDenied(_("api_key was not provided."))
    key = open311_key_check(secret)
    if key is None:
        raise PermissionDenied(_("Invalid api_key."))
    if key.person is not None and not key.person.is_active:
        raise PermissionDenied(_("This api_key acts for a person who is no longer active."))
    return key


def _jurisdiction(params: QueryDict) -> Area | None:
    """None means the whole deployment."""
    code = _text(params, "jurisdiction_id")
    if not code or code == settings.NEEDLE_OPEN311_JURISDICTION:
        return None
    area = Area.objects.filter(code=code, retired=False, level__lte=Level.CITY).first()
    if area is None:
        raise NotFound(_("jurisdiction_id %(code)s was not found.") % {"code": code})
    return area


def _place(params: QueryDict, jurisdiction: Area | None, lat: float | None, lng: float | None) -> Area | None:
    """The area the request goes to; None lets case_submit find it from the coordinates."""
    area: Area | None = None
    code = _text(params, "area_code")
    if code:
        area = Area.objects.filter(code=code, retired=False).first()
        if area is None:
            raise ValidationFailed(fields={"area_code": _("No area has the code %(code)s.") % {"code": code}})
        if jurisdiction is not None and not jurisdiction.contains(area):
            raise ValidationFailed(fields={"area_code": _("This area is outside jurisdiction_id.")})
        if lat is not None and lng is not None:
            area = area_at(lat=lat, lng=lng, within=area) or area
        return area
    if lat is None or lng is None:
        if _text(params, "address_string") or _text(params, "address_id"):
            raise ValidationFailed(
                fields={
                    "address_string": _(
                        "We cannot place an address on our map: give lat and long, or area_code."
                    )
                }
            )
        raise ValidationFailed(fields={"lat": _("Give lat and long, or area_code.")})
    if jurisdiction is not None:
        area = area_at(lat=lat, lng=lng, within=jurisdiction)
        if area is None:
            raise ValidationFailed(fields={"lat": _("These coordinates are outside jurisdiction_id.")})
    return area


def _public_case(number: str, jurisdiction: Area | None) -> Case:
    qs = selectors.open311_requests().filter(number=number)
    if jurisdiction is not None:
        qs = qs.filter(subtree_q(jurisdiction.path, "area_path"))
    case = qs.first()
    if case is None:
        raise NotFound(_("No service request has the id %(id)s.") % {"id": number})
    return case


# What we say ---------------------------------------------------------------------------------


def _keywords(service: Service) -> str | None:
    words = [w for w in re.split(r"[\s,，、;；]+", service.keywords) if w]
    return ",".join(words) or None


def service_notice(service: Service) -> str:
    return _notice(service.accept_hours, service.resolve_hours, service.working_days)


@functools.lru_cache(maxsize=512)
def _notice_text(accept: int, resolve: int, working_days: bool, language: str | None) -> str:
    return _notice(accept, resolve, working_days)


def _notice(accept: int, resolve: int, working_days: bool) -> str:
    values = {"accept": accept, "resolve": resolve}
    if working_days:
        return (
            _(
                "Requests of this kind are accepted within %(accept)d working hours "
                "and resolved within %(resolve)d working hours."
            )
            % values
        )
    return (
        _("Requests of this kind are accepted within %(accept)d hours and resolved within %(resolve)d hours.")
        % values
    )


def _received_notice(case: Case) -> str:
    def local(value: dt.datetime | None) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"

    notice = _(
        "Request %(number)s received: it will be accepted by %(accept)s and resolved by %(resolve)s."
    ) % {
        "number": case.number,
        "accept": local(case.accept_due_at),
        "resolve": local(case.resolve_due_at),
    }
    if case.lead_unit is not None:
        notice += " " + _("It has been sent to %(unit)s.") % {"unit": case.lead_unit.name}
    return notice


def _status(state: str, extensions: bool) -> str:
    return EXTENDED_STATUS[State(state)] if extensions else STATUS[State(state)]


def _updated(case: Case) -> dt.datetime:
    if case.state in (State.CLOSED, State.MERGED) and case.closed_at:
        return case.closed_at
    if case.state == State.RESOLVED and case.resolved_at:
        return case.resolved_at
    return case.updated_at


def _status_notes(case: Case) -> str | None:
    if case.details_hidden:
        return None
    parent = getattr(case, "parent_number", None)
    if case.state == State.MERGED and parent:
        return _("Duplicate of %(number)s.") % {"number": parent}
    return getattr(case, "status_note", None) or None


def request_item(case: Case, *, extensions: bool = False) -> dict[str, Any]:
    """One service request as Open311 shows it: public facts only, never contact data."""
    hidden = case.details_hidden
    lat, lng = case.lat, case.lng
    if hidden and lat is not None and lng is not None:
        lat, lng = round(lat, 3), round(lng, 3)
    item: dict[str, Any] = {
        "service_request_id": case.number,
        "status": _status(case.state, extensions),
        "status_notes": _status_notes(case),
        "service_name": case.service.label,
        "service_code": case.service.code,
        # Moderated: the public text only, never the original behind it.
        "description": (case.public_description or None) if hidden else case.public_text,
        "agency_responsible": case.lead_unit.name if case.lead_unit else None,
        "service_notice": service_notice(case.service),
        "requested_datetime": _w3c(case.submitted_at),
        "updated_datetime": _w3c(_updated(case)),
        "expected_datetime": _w3c(case.resolve_due_at),
        "address": None if hidden else (case.address or None),
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lng,
        "media_url": None,
    }
    if extensions:
        item["extended_attributes"] = {
            "state": case.state,
            "area_code": case.area.code,
            "area_name": case.area.name,
        }
    return item


def request_rows(rows: list[dict[str, Any]], *, extensions: bool = False) -> list[dict[str, Any]]:
    """request_item for values() rows of LIST_FIELDS (with `status_note` and `parent_number`):
    the same items, without building a model instance per request, and with what repeats
    (a service's name and notice, a state's status) worked out once."""
    language = translation.get_language()
    zone = timezone.get_current_timezone()
    status = EXTENDED_STATUS if extensions else STATUS
    duplicate_of = _("Duplicate of %(number)s.")
    services: dict[str, tuple[str, str]] = {}

    def w3c(value: dt.datetime | None) -> str | None:
        return value.astimezone(zone).isoformat(timespec="seconds") if value else None

    items = []
    for r in rows:
        state, hidden, code = r["state"], r["details_hidden"], r["service__code"]
        service = services.get(code)
        if service is None:
            service = services[code] = (
                selectors.bilingual(r["service__name"], r["service__name_en"]),
                _notice_text(
                    r["service__accept_hours"],
                    r["service__resolve_hours"],
                    r["service__working_days"],
                    language,
                ),
            )
        lat, lng = r["lat"], r["lng"]
        if hidden:
            notes = None
            if lat is not None and lng is not None:
                lat, lng = round(lat, 3), round(lng, 3)
        elif state == State.MERGED and r["parent_number"]:
            notes = duplicate_of % {"number": r["parent_number"]}
        else:
            notes = r["status_note"] or None
        if state in (State.CLOSED, State.MERGED) and r["closed_at"]:
            updated = r["closed_at"]
        elif state == State.RESOLVED and r["resolved_at"]:
            updated = r["resolved_at"]
        else:
            updated = r["updated_at"]
        item: dict[str, Any] = {
            "service_request_id": r["number"],
            "status": status[state],
            "status_notes": notes,
            "service_name": service[0],
            "service_code": code,
            "description": (r["public_description"] or None) if hidden else r["description"],
            "agency_responsible": r["lead_unit__name"],
            "service_notice": service[1],
            "requested_datetime": w3c(r["submitted_at"]),
            "updated_datetime": w3c(updated),
            "expected_datetime": w3c(r["resolve_due_at"]),
            "address": None if hidden else (r["address"] or None),
            "address_id": None,
            "zipcode": None,
            "lat": lat,
            "long": lng,
            "media_url": None,
        }
        if extensions:
            item["extended_attributes"] = {
                "state": state,
                "area_code": r["area__code"],
                "area_name": r["area__name"],
            }
        items.append(item)
    return items


def update_item(event: CaseEvent, *, extensions: bool = False) -> dict[str, Any]:
    case = event.case
    text = "" if case.details_hidden else event.note
    return {
        "update_id": str(event.pk),
        "service_request_id": case.number,
        "status": _status(getattr(event, "state_after", case.state), extensions),
        "updated_datetime": _w3c(event.at),
        "description": text or str(EventKind(event.kind).label),
        "media_url": None,
    }


# Views ---------------------------------------------------------------------------------------

View = Callable[..., HttpResponse]


def _language(request: HttpRequest) -> str | None:
    """GeoReport v2.1's `locale` (en_US, zh-CN, ...) picks the language of the answer."""
    try:
        raw = (request.GET.get("locale") or "").strip().replace("_", "-").lower()
        return translation.get_supported_language_variant(raw) if raw else None
    except (LookupError, TooManyFieldsSent):
        return None


def _refuse_nul(request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """PostgreSQL cannot store or compare text with NUL characters: refuse them up front."""
    forms = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for name, values in [(k, [v]) for k, v in kwargs.items()] + [i for f in forms for i in f.lists()]:
        if "\x00" in name or any("\x00" in value for value in values):
            raise ValidationFailed(fields={name.replace("\x00", ""): _("Must not contain NUL characters.")})


def endpoint(*methods: str) -> Callable[[View], View]:
    """CSRF-exempt (POSTs carry an api_key, not a session), one error shape, allowed methods."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def wrap(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def run(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            language = _language(request)
            with translation.override(language) if language else nullcontext():
                if request.method not in allowed:
                    response = render_errors(
                        405, [_("Use %(methods)s here.") % {"methods": " or ".join(methods)}], fmt
                    )
                    response["Allow"] = ", ".join(sorted(allowed))
                    return response
                try:
                    _refuse_nul(request, kwargs)
                    response = view(request, fmt, **kwargs)
                except DomainError as exc:
                    status, descriptions = _error_of(exc)
                    return render_errors(status, descriptions, fmt)
                except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
                    return render_errors(400, [_("The request is too large.")], fmt)
            if request.method in ("GET", "HEAD"):
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return run

    return wrap


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(request.path.rsplit("/", 1)[0] + "/")
    data = {
        "changeset": CHANGESET,
        "contact": settings.NEEDLE_OPEN311_CONTACT or _("Ask the operators of this Needle deployment."),
        "key_service": _("Operators issue api_keys with: needle apikey create --name NAME."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(data, fmt, "discovery")


def _catalog_version() -> str:
    """Changes whenever the services list would: a service or category saved, a service or
    a question added or removed (one small query over the catalog)."""
    figures = Service.objects.aggregate(
        services=Count("pk", distinct=True),
        saved=Max("updated_at"),
        categories=Max("category__updated_at"),
        questions=Count("attributes", distinct=True),
    )
    return hashlib.sha256(repr(sorted(figures.items())).encode()).hexdigest()[:32]


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    """The answer is cached per format, language and catalog version: clients fetch it often
    and it changes when the catalog does (a few hundred services with their questions)."""
    _jurisdiction(request.GET)
    key = f"open311:services:{fmt}:{translation.get_language()}:{_catalog_version()}"
    body = cache.get(key)
    if body is None:
        body = _services(fmt).content
        cache.set(key, body, SERVICES_CACHE_SECONDS)
    return HttpResponse(body, content_type=CONTENT_TYPES[fmt])


def _services(fmt: str) -> HttpResponse:
    data = [
        {
            "service_code": service.code,
            "service_name": service.label,
            "description": service.description or None,
            "metadata": bool(service.attributes.all()),
            "type": "realtime",
            "keywords": _keywords(service),
            "group": service.category.label,
        }
        for service in selectors.open311_services()
    ]
    return render(data, fmt, "services")


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    _jurisdiction(request.GET)
    service = selectors.service_get(code=code, public_only=True)
    lists = {"singlevaluelist", "multivaluelist"}
    data = {
        "service_code": service.code,
        "attributes": [
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description or None,
                "order": position,
                "description": attribute.description,
                "values": [
                    {"key": str(value.get("key", "")), "name": str(value.get("name", ""))}
                    for value in (attribute.values if attribute.datatype in lists else [])
                    if isinstance(value, dict)
                ],
            }
            for position, attribute in enumerate(service.attributes.all(), start=1)
        ],
    }
    return render(data, fmt, "service_definition")


@endpoint("GET", "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    params = _params(request)
    jurisdiction = _jurisdiction(params)
    key = _api_key(params)
    code = _text(params, "service_code")
    if not code:
        raise ValidationFailed(fields={"service_code": _("service_code was not provided.")})
    service = selectors.service_get(code=code, public_only=True)
    idempotency = (request.headers.get("Idempotency-Key") or "").strip()
    if len(idempotency) > MAX_IDEMPOTENCY_KEY:
        raise ValidationFailed(
            fields={"Idempotency-Key": _("At most %(n)d characters.") % {"n": MAX_IDEMPOTENCY_KEY}}
        )
    lat, lng = _coordinates(params)
    area = _place(params, jurisdiction, lat, lng)
    email = _text(params, "email")
    if len(email) > 254:
        raise ValidationFailed(fields={"email": _("Enter a valid email address.")})
    name = " ".join(part for part in (_text(params, "first_name"), _text(params, "last_name")) if part)
    intake = Intake(
        service=service,
        description=_description(
            params, fallback=service.name or service.label, media_url=_media_url(params)
        ),
        area=area,
        lat=lat,
        lng=lng,
        address=_text(params, "address_string"),
        attributes=_answers(params),
        contact_name=name[:100],
        contact_phone=_text(params, "phone"),
        contact_email=email,
        channel=Channel.OPEN311,
        # Within the channel and person the service sets, each api_key has its own keys too.
        idempotency_key=f"{key.prefix}:{idempotency}" if idempotency else None,
    )
    case = case_submit(actor=key.person, intake=intake)
    data = [{"service_request_id": case.number, "service_notice": _received_notice(case), "account_id": None}]
    return render(data, fmt, "service_requests")


# What request_rows reads: a page of up to 1,000 requests loads no other column (each
# timestamp costs a parse, and an area's boundary can be large).
LIST_FIELDS = (
    "number", "state", "details_hidden", "lat", "lng", "address", "description", "public_description",
    "submitted_at", "updated_at", "resolved_at", "closed_at", "resolve_due_at",
    "service__code", "service__name", "service__name_en", "service__accept_hours",
    "service__resolve_hours", "service__working_days", "area__code", "area__name", "lead_unit__name",
)  # fmt: skip


def _list(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    jurisdiction = _jurisdiction(params)
    extensions = _flag(params, "extensions")
    qs = selectors.open311_requests()
    if jurisdiction is not None:
        qs = qs.filter(subtree_q(jurisdiction.path, "area_path"))
    numbers = _csv(params, "service_request_id")
    if numbers:
        if len(numbers) > MAX_RESULTS:
            raise ValidationFailed(
                fields={"service_request_id": _("At most %(n)d ids.") % {"n": MAX_RESULTS}}
            )
        qs = qs.filter(number__in=numbers)
    else:
        codes = _csv(params, "service_code")
        if codes:
            # By id, not through a join on the code: the planner then knows how many requests
            # the services have and reads the newest first instead of sorting them all.
            ids = Service.objects.filter(code__in=codes).order_by().values_list("pk", flat=True)
            qs = qs.filter(service_id__in=list(ids))
        states = _states(params, extensions)
        if states is not None:
            qs = qs.filter(state__in=states)
        start, end = _window(params)
        qs = qs.filter(submitted_at__gte=start, submitted_at__lte=end)
    qs = qs.values(*LIST_FIELDS, "status_note", "parent_number")
    return _paged(
        request,
        params,
        qs,
        lambda rows: request_rows(rows, extensions=extensions),
        fmt,
        "service_requests",
        # Named requests come back together, as the specification has it.
        default_size=MAX_RESULTS if numbers else DEFAULT_RESULTS,
    )


def _paged(
    request: HttpRequest,
    params: Any,
    qs: Any,
    items: Any,
    fmt: str,
    root: str,
    default_size: int = MAX_RESULTS,
) -> HttpResponse:
    """One page of `qs` (the `page`/`page_size` extensions), with a Link to the next one;
    `items` turns the page's rows into what the answer lists."""
    page = _whole(params, "page", 1, 1_000_000)
    size = _whole(params, "page_size", default_size, MAX_RESULTS)
    rows = list(qs[(page - 1) * size : page * size + 1])
    response = render(items(rows[:size]), fmt, root)
    if len(rows) > size:
        _link_next(request, response, page)
    return response


def _link_next(request: HttpRequest, response: HttpResponse, page: int) -> None:
    query = request.GET.copy()
    query["page"] = str(page + 1)
    response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'


@endpoint("GET")
def service_request(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    case = _public_case(number, _jurisdiction(request.GET))
    extensions = _flag(request.GET, "extensions")
    return render([request_item(case, extensions=extensions)], fmt, "service_requests")


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    case = _public_case(token, _jurisdiction(request.GET))
    return render([{"service_request_id": case.number, "token": token}], fmt, "service_requests")


@endpoint("GET", "POST")
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _add_update(request, fmt)
    params = request.GET
    jurisdiction = _jurisdiction(params)
    extensions = _flag(params, "extensions")
    start, end = _window(params)
    qs = selectors.public_updates().filter(at__gte=start, at__lte=end)
    if jurisdiction is not None:
        qs = qs.filter(subtree_q(jurisdiction.path, "case__area_path"))
    return _paged(
        request,
        params,
        qs,
        lambda events: [update_item(event, extensions=extensions) for event in events],
        fmt,
        "service_request_updates",
    )


def _add_update(request: HttpRequest, fmt: str) -> HttpResponse:
    params = _params(request)
    jurisdiction = _jurisdiction(params)
    key = _api_key(params)
    if key.person is None:
        raise PermissionDenied(_("This api_key acts for no one, so it cannot post updates."))
    number = _text(params, "service_request_id")
    if not number:
        raise ValidationFailed(fields={"service_request_id": _("service_request_id was not provided.")})
    case = _public_case(number, jurisdiction)
    parse_when(params.get("updated_datetime") or "", "updated_datetime")
    status = _text(params, "status").lower()
    if status:
        if status not in CLIENT_STATUSES:
            raise ValidationFailed(
                fields={"status": _("Use %(known)s.") % {"known": ", ".join(sorted(CLIENT_STATUSES))}}
            )
        if CLIENT_STATUSES[status] != STATUS[State(case.state)]:
            raise Conflict(
                _("An update cannot open or close a request; Needle's own workflow does that."),
                extra={"state": case.state},
            )
    media_url = _media_url(params)
    text = _description(params, fallback="", media_url=media_url)
    if not text.strip():
        raise ValidationFailed(fields={"description": _("Write the update.")})
    event = case_note(actor=key.person, case=case, note=text, public=True)
    return render([{"update_id": str(event.pk)}], fmt, "service_request_updates")


@csrf_exempt
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = "json" if request.path.endswith(".json") else "xml"
    return render_errors(
        404,
        [_("No Open311 resource is at %(path)s; resources end in .json or .xml.") % {"path": request.path}],
        fmt,
    )
