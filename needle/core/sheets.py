"""Uploaded tables (an XLSX workbook's first sheet, or a UTF-8 CSV file) read as lines of text,
and the templates offered for them. Every import (a volunteering roster, the care households)
reads its file here, so a damaged file, a wrong type or a file too large is refused the same
way: ValidationFailed naming the field `file`, never a 500."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from typing import Any

import openpyxl
from django.utils.translation import gettext as _

from needle.core.errors import ValidationFailed
from needle.core.text import id_or_none

MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 5000
# Wider than any template; cells further right are not read.
MAX_COLUMNS = 64
# The longest cell a CSV upload may hold (the csv module's default limit).
MAX_FIELD = 128 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
KINDS = ("xlsx", "csv")


def kind_of(name: str) -> str:
    """ "xlsx" or "csv" from the file's name; any other ending is refused."""
    lowered = (name or "").lower()
    for kind in KINDS:
        if lowered.endswith(f".{kind}"):
            return kind
    raise ValidationFailed(fields={"file": _("Upload the template as an XLSX or a CSV file.")})


def _cell(value: object) -> str:
    if value is None:
        return ""
    # A date typed into a spreadsheet arrives as a datetime at midnight: the date is meant.
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    # A number typed into a cell (a phone, a year) arrives as a float: 13800001234.0 is meant whole.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def upload_read(upload: Any, *, max_bytes: int = MAX_BYTES) -> tuple[str, bytes]:
    """An uploaded file's name and its first `max_bytes + 1` bytes, as read_rows takes them;
    ValidationFailed naming `file` when none was chosen."""
    if upload is None:
        raise ValidationFailed(fields={"file": _("Choose a file.")})
    return upload.name or "", upload.read(max_bytes + 1)


def errors_by_line(errors: dict[str, str]) -> list[tuple[str, str]]:
    """An import's errors in the order of its lines (keys end in the line's number, "line 12");
    the errors of the file as a whole first."""
    return sorted(errors.items(), key=lambda kv: id_or_none(kv[0].rpartition(" ")[2]) or 0)


def read_rows(
    *, name: str, data: bytes, max_bytes: int = MAX_BYTES, max_lines: int = MAX_LINES
) -> list[list[str]]:
    """The lines of an uploaded table, header first, each cell as text. Pass at most
    `max_bytes + 1` bytes, so that a file too large is told from one that fits."""
    if len(data) > max_bytes:
        raise ValidationFailed(
            fields={"file": _("The file is larger than %(mb)d MB.") % {"mb": max(1, max_bytes // 2**20)}}
        )
    if not data:
        raise ValidationFailed(fields={"file": _("The file is empty.")})
    rows = _xlsx_rows(data, max_lines=max_lines) if kind_of(name) == "xlsx" else _csv_rows(data)
    if len(rows) > max_lines + 1:
        raise ValidationFailed(fields={"file": _("At most %(n)d lines at once.") % {"n": max_lines}})
    return rows


def _xlsx_rows(data: bytes, *, max_lines: int) -> list[list[str]]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationFailed(fields={"file": _("This is not a readable XLSX file.")})
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            # openpyxl pads every row to the sheet's widest column and yields the empty lines up
            # to its last one: one far cell (XFD3000) in a few KB would be tens of millions of
            # cells. Read at most one line past the limit (so that too many is still told) and
            # the columns a template can have.
            width = min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS)
            lines = sheet.iter_rows(max_row=max_lines + 2, max_col=width, values_only=True)
            return [[_cell(v) for v in row] for row in lines]
        finally:
            book.close()
    except Exception:  # openpyxl and zipfile raise many kinds for a damaged or cut-off file
        raise ValidationFailed(fields={"file": _("This is not a readable XLSX file.")}) from None


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(fields={"file": _("Save the CSV file as UTF-8.")}) from None
    # The limit is process-wide and the intel commands raise it for their long messages: an
    # upload is read with its own, whatever ran before in the process.
    csv.field_size_limit(MAX_FIELD)
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise ValidationFailed(fields={"file": _("This is not a readable CSV file.")}) from None


def template_csv(columns: Sequence[str], *examples: Sequence[str]) -> bytes:
    """A template to fill in: the header and example lines (UTF-8 with a BOM, which spreadsheets
    need to read Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for example in examples:
        writer.writerow(example)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(columns: Sequence[str], *examples: Sequence[str]) -> bytes:
    """The same template as a workbook, every cell text (a phone or an ID number stays whole)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(columns))
    for example in examples:
        sheet.append(list(example))
    for row in sheet.iter_rows():
        for cell in row:
            cell.number_format = "@"
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(12, len(column) + 4)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
