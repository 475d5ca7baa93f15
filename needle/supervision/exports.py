"""The issuer's table of a report request as files: CSV and XLSX (openpyxl), every cell written
through `needle.core.exports` so a typed value never runs as a formula. One sheet (or block)
of the targets' answers, then the totals up the area tree."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from needle.core.exports import SafeCsvWriter
from needle.supervision import prefill
from needle.supervision.models import FieldKind
from needle.supervision.presenters import status_label
from needle.supervision.selectors.reports import Table

# Characters XML cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
NOT_IN_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _header(table: Table) -> list[str]:
    return [_("Unit"), _("Area code"), _("Status"), *[f.label for f in table.fields]]


def _number(kind: str, value: str) -> Any:
    """A number field's value as a number in a spreadsheet (text stays text)."""
    if kind not in (FieldKind.INTEGER, FieldKind.DECIMAL) or not value:
        return value
    found = prefill.number(value)
    if found is None:
        return value
    return int(found) if kind == FieldKind.INTEGER else float(found)


def _rows(table: Table, *, numbers: bool = False) -> list[list[Any]]:
    kinds = [f.kind for f in table.fields]
    return [
        [
            r.unit,
            r.area,
            str(status_label(r.status)),
            *[_number(k, v) if numbers else v for k, v in zip(kinds, r.values, strict=True)],
        ]
        for r in table.rows
    ]


def _total_header(table: Table) -> list[str]:
    return [_("Area"), _("Area code"), _("Targets"), *[f.label for f in table.fields]]


def _totals(table: Table, *, numbers: bool) -> list[list[Any]]:
    def cell(v: Decimal | None) -> Any:
        if v is None:
            return ""
        if not numbers:
            return str(v)
        return int(v) if v == v.to_integral_value() else float(v)

    return [[t.name, t.area, t.targets, *[cell(v) for v in t.values]] for t in table.totals]


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(_header(table))
    writer.writerows(_rows(table))
    writer.writerow([])
    writer.writerow([_("Totals")])
    writer.writerow(_total_header(table))
    writer.writerows(_totals(table, numbers=False))
    return "\ufeff" + out.getvalue()


def _append(sheet: Any, row: list[Any]) -> None:
    """A row of a write-only sheet, every string stored as text (never a formula), without the
    characters XML cannot hold: what `core.exports.xlsx_append` does, in the streaming mode a
    table of 11,000 targets needs (that helper finds the row it wrote by the sheet's height,
    which an ordinary sheet recomputes over every cell)."""
    cells: list[Any] = []
    for value in row:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=NOT_IN_XML.sub("", value))
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    sheet.append(cells)


def table_xlsx(table: Table) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Answers")[:31])
    _append(sheet, _header(table))
    for row in _rows(table, numbers=True):
        _append(sheet, row)
    totals = book.create_sheet(_("Totals")[:31])
    _append(totals, _total_header(table))
    for row in _totals(table, numbers=True):
        _append(totals, row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
