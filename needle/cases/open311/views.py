"""The Open311 endpoints: allowed methods, the language, one error shape, and each resource."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from needle.areas.models import subtree_q
from needle.cases import selectors
from needle.cases.models import Channel, Service, State
from needle.cases.open311.params import (
    MAX_RESULTS,
    _answers,
    _api_key,
    _coordinates,
    _csv,
    _description,
    _flag,
    _jurisdiction,
    _media_url,
    _params,
    _place,
    _public_case,
    _states,
    _text,
    _whole,
    _window,
    parse_when,
)
from needle.cases.open311.presentation import (
    CLIENT_STATUSES,
    LIST_FIELDS,
    STATUS,
    _keywords,
    _received_notice,
    request_item,
    request_rows,
    update_item,
)
from needle.cases.open311.writer import CONTENT_TYPES, render, render_errors
from needle.cases.services import Intake, case_note, case_submit
from needle.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-26T00:00:00Z"
# GET requests without page_size: a page of this many (see docs/open311.md).
DEFAULT_RESULTS = 100
SERVICES_CACHE_SECONDS = 600
MAX_IDEMPOTENCY_KEY = 80

# Our field names in error messages, as an Open311 client knows them.
FIELD_NAMES = {
    "area": "area_code",
    "idempotency_key": "Idempotency-Key",
    "note": "description",
    "photos": "media_url",
}


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
        # An extension: the name is shown publicly only when the client says the resident asked.
        show_name=_flag(params, "show_name"),
        channel=Channel.OPEN311,
        # Within the channel and person the service sets, each api_key has its own keys too.
        idempotency_key=f"{key.prefix}:{idempotency}" if idempotency else None,
    )
    case = case_submit(actor=key.person, intake=intake)
    data = [{"service_request_id": case.number, "service_notice": _received_notice(case), "account_id": None}]
    return render(data, fmt, "service_requests")


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
