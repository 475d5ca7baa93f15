"""Open311 parameters read and checked: each bad value a ValidationFailed naming the parameter;
the api_key, the jurisdiction and the place a request goes to."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from needle.areas.models import Area, Level, subtree_q
from needle.areas.selectors import area_at
from needle.cases import selectors
from needle.cases.models import Case, Open311Key, State
from needle.cases.open311.presentation import EXTENDED_STATUS, STATUS
from needle.cases.services import MAX_DESCRIPTION, open311_key_check
from needle.core.errors import NotFound, PermissionDenied, ValidationFailed

MAX_RESULTS = 1000
WINDOW = dt.timedelta(days=90)
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_SPACED_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


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
