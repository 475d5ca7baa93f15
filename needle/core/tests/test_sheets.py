"""The uploaded tables' reader: both formats read into text cells (typed XLSX cells as a person
meant them), every refusal a ValidationFailed on `file`, and the templates readable back."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from needle.core import sheets
from needle.core.errors import ValidationFailed


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_both_templates_read_back_as_written() -> None:
    columns, example = ["姓名", "phone"], ["张三", "13800001234"]
    assert sheets.read_rows(name="t.csv", data=sheets.template_csv(columns, example)) == [columns, example]
    assert sheets.read_rows(name="T.XLSX", data=sheets.template_xlsx(columns, example)) == [columns, example]


def test_typed_cells_read_as_meant() -> None:
    data = workbook([["a", "b", "c", "d"], [13800001234.0, dt.datetime(1940, 3, 2), 1.5, None]])
    assert sheets.read_rows(name="f.xlsx", data=data)[1] == ["13800001234", "1940-03-02", "1.5", ""]


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("f.txt", b"a\n", "XLSX or a CSV"),
        ("f", b"a\n", "XLSX or a CSV"),
        ("f.csv", b"", "empty"),
        ("f.xlsx", b"PK\x03\x04broken", "not a readable XLSX"),
        ("f.xlsx", b"plain text", "not a readable XLSX"),
        ("f.csv", "名".encode("gbk"), "UTF-8"),
        ("f.csv", b'"' + b"x" * 200_000 + b'"\n', "not a readable CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_on_its_field(name: str, data: bytes, said: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        sheets.read_rows(name=name, data=data)
    assert list(caught.value.fields) == ["file"] and said in caught.value.fields["file"]


def test_an_overlong_cell_is_refused_after_a_command_raised_the_process_wide_limit() -> None:
    # The intel commands raise the csv module's limit for the process (the test run included).
    before = csv.field_size_limit(2**31 - 1)
    try:
        with pytest.raises(ValidationFailed) as caught:
            sheets.read_rows(name="f.csv", data=b'"' + b"x" * 200_000 + b'"\n')
        assert "not a readable CSV" in caught.value.fields["file"]
    finally:
        csv.field_size_limit(before)


def test_the_limits() -> None:
    with pytest.raises(ValidationFailed) as caught:
        sheets.read_rows(name="f.csv", data=b"x" * 101, max_bytes=100)
    assert "larger than" in caught.value.fields["file"]
    with pytest.raises(ValidationFailed) as caught:
        sheets.read_rows(name="f.csv", data=b"h\n" + b"a\n" * 4, max_lines=3)
    assert "At most 3 lines" in caught.value.fields["file"]
    assert len(sheets.read_rows(name="f.csv", data=b"h\n" + b"a\n" * 3, max_lines=3)) == 4


def test_a_cell_far_right_and_down_is_read_within_the_limits() -> None:
    # A few KB of XLSX whose one far cell would pad every row to 16384 columns.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["B1"], sheet["A2"], sheet["XFD300"] = "h1", "h2", "x", "far"
    out = io.BytesIO()
    book.save(out)
    rows = sheets.read_rows(name="f.xlsx", data=out.getvalue())
    assert rows[0][:2] == ["h1", "h2"] and rows[1][0] == "x"
    assert all(len(row) <= sheets.MAX_COLUMNS for row in rows) and len(rows) == 300
    # Lines past the limit are not read, yet still refused.
    sheet["A100000"] = "deep"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed) as caught:
        sheets.read_rows(name="f.xlsx", data=out.getvalue(), max_lines=10)
    assert "At most 10 lines" in caught.value.fields["file"]
