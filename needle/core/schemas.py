"""What every API operation shares: the error shape and the types of ids, days, pages and text,
each with the bounds the server enforces, so that the OpenAPI document states them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils.translation import gettext
from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from needle.core import periods
from needle.core.pagination import MAX_PAGE, MAX_PAGE_SIZE


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorOut(Schema):
    error: ErrorBody


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    500: ErrorOut,
}

# The largest key a bigint (PostgreSQL) or an integer (SQLite) holds: a larger id is refused
# as input instead of overflowing the database driver.
MAX_ID = 2**63 - 1


def _whole(value: Any) -> Any:
    # JSON's true and false are not numbers, though pydantic would read them as 1 and 0.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a whole number, not true or false")
    return value


# After the bounds, never before: pydantic then still writes them into the OpenAPI document
# as minimum and maximum.
NOT_BOOL = BeforeValidator(_whole)


def _flag(value: Any) -> Any:
    # Only true and false: pydantic would also read 1, 0, "yes" and "off" as a yes or a no.
    if not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "Input should be true or false")
    return value


# A yes or no in a JSON body (query parameters keep their "true"/"false" strings).
Flag = Annotated[bool, BeforeValidator(_flag)]
Id = Annotated[int, Field(ge=1, le=MAX_ID), NOT_BOOL]


def _day(value: Any) -> dt.date:
    try:
        return periods.day(value)
    except ValueError as exc:
        raise PydanticCustomError("date", str(exc)) from None


Day = Annotated[
    dt.date,
    BeforeValidator(_day),
    Field(description=f"YYYY-MM-DD, from {periods.EARLIEST.isoformat()} to {periods.LATEST.isoformat()}"),
]


def _moment(value: dt.datetime) -> dt.datetime:
    # Checked on the moment's own calendar, before any conversion to UTC can overflow.
    if not periods.EARLIEST <= value.date() <= periods.LATEST:
        raise PydanticCustomError(
            "datetime",
            gettext("Give a moment from %(earliest)s to %(latest)s.")
            % {"earliest": periods.EARLIEST.isoformat(), "latest": periods.LATEST.isoformat()},
        )
    return value


# A moment with its offset (2026-12-10T09:00:00+08:00), within the days a Day accepts.
Moment = Annotated[
    AwareDatetime,
    AfterValidator(_moment),
    Field(
        description=f"With its offset, from {periods.EARLIEST.isoformat()} to {periods.LATEST.isoformat()}"
    ),
]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE), NOT_BOOL]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE), NOT_BOOL]
# A search term or filter typed by a person (a name, a code, a word).
Term = Annotated[str, Field(max_length=100)]
Code = Annotated[str, Field(max_length=40)]
