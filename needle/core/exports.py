"""Cells of the files people open in a spreadsheet program (CSV and XLSX exports).

Names in them (units, grids, areas, residents' messages) are typed by users. A spreadsheet
runs a CSV cell that starts with `=`, `+`, `-` or `@` (tab and carriage return let such a
start slip past a naive check) as a formula: `=HYPERLINK(...)` leaks the sheet, DDE runs a
command. Every export writes its cells through these helpers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# openpyxl's ILLEGAL_CHARACTERS_RE, without importing openpyxl where only CSV is written.
_NOT_IN_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def csv_cell(value: Any) -> Any:
    """The value a spreadsheet shows as text: a leading single quote (OWASP's advice) before a
    string that would be read as a formula. Numbers stay numbers, so -3 is still -3."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer whose rows go through `csv_cell`."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def xlsx_append(sheet: Any, row: Iterable[Any]) -> None:
    """Append a row to an openpyxl sheet with every string stored as text, never as a formula
    (openpyxl makes any string starting with `=` one). Characters XML cannot hold (control
    characters) are dropped, as openpyxl would refuse the whole file for them."""
    values = [_NOT_IN_XML.sub("", v) if isinstance(v, str) else v for v in row]
    sheet.append(values)
    if not values:
        return
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
