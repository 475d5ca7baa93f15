"""The helpers every app's transitions table is read with, and the lookups that turn a missing
row into the right refusal: one behaviour for all the apps that share them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from needle.core import sheets
from needle.core.errors import Conflict, NotFound, ValidationFailed, or_invalid, or_not_found
from needle.core.states import allowed, move, step_allowed, target, wrong_status

TABLE = {
    m.name: m
    for m in (
        move("start", {"new"}, "open", "staff"),
        move("close", {"open"}, "closed", "staff", "owner"),
        move("note", {"open"}, None, "staff"),
    )
}


def test_a_table_answers_targets_steps_and_who_may_move() -> None:
    assert target(TABLE, "close") == "closed"
    with pytest.raises(AssertionError):
        target(TABLE, "note")
    assert step_allowed(TABLE, "new", "open") and step_allowed(TABLE, "open", "closed")
    assert not step_allowed(TABLE, "new", "closed")
    assert allowed(TABLE, "close", "open", {"owner"})
    assert not allowed(TABLE, "close", "new", {"owner"})
    assert not allowed(TABLE, "start", "new", {"owner"})
    assert not allowed(TABLE, "no_such_move", "new", {"staff"})


def test_a_move_from_the_wrong_state_is_a_409_carrying_the_state() -> None:
    exc = wrong_status("This thing is closed.", "closed")
    assert isinstance(exc, Conflict) and exc.status == 409
    assert exc.as_dict() == {
        "error": {
            "code": "wrong_status",
            "message": "This thing is closed.",
            "fields": {},
            "status": "closed",
        }
    }


def test_a_missing_row_is_a_422_on_the_input_or_a_404_on_the_address() -> None:
    assert or_invalid("row", "unit", "No such unit.") == "row"
    with pytest.raises(ValidationFailed) as invalid:
        or_invalid(None, "unit", "No such unit.")
    assert invalid.value.status == 422 and invalid.value.fields == {"unit": "No such unit."}
    assert or_not_found(0) == 0  # a falsy row is still a row
    with pytest.raises(NotFound):
        or_not_found(None)


def test_an_upload_is_read_whole_or_refused_and_its_errors_come_in_line_order() -> None:
    with pytest.raises(ValidationFailed) as none:
        sheets.upload_read(None)
    assert set(none.value.fields) == {"file"}
    name, data = sheets.upload_read(SimpleUploadedFile("r.csv", b"x" * 20), max_bytes=10)
    assert (name, data) == ("r.csv", b"x" * 11)  # one byte over, so read_rows can tell it is too large
    errors = {"line 12": "b", "file": "a", "line 3": "c", "line ²": "d"}
    assert sheets.errors_by_line(errors) == [
        ("file", "a"),
        ("line ²", "d"),
        ("line 3", "c"),
        ("line 12", "b"),
    ]
