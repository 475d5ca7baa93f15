"""The admission list imported from a table (XLSX or CSV, `needle.core.sheets`): a general office
enters its district's list at once, each line an admitted entry. Every line is checked before
any is written: the first bad cell is named by its line and column (422), every bad line
is listed, and nothing of the file is imported then."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area, Level
from needle.core import sheets
from needle.core.audit import audit_record
from needle.core.errors import PermissionDenied, ValidationFailed
from needle.core.sheets import read_rows
from needle.orgs.models import Unit
from needle.orgs.permissions import require_authenticated
from needle.supervision import inputs
from needle.supervision.access import may_decide_in
from needle.supervision.models import Entry, EntryStatus
from needle.supervision.services.admission import _hours
from needle.supervision.services.issue import today

COLUMNS = ("district", "issuer", "task_type", "asks", "basis", "hours", "valid_from", "valid_until")
MAX_LINES = 2000


def _bad(line: int, column: str, problem: Any) -> ValidationFailed:
    message = _("Line %(line)d, column %(column)s: %(problem)s") % {
        "line": line,
        "column": column,
        "problem": problem,
    }
    return ValidationFailed(
        message, fields={"file": message}, code="bad_line", extra={"line": line, "column": column}
    )


def _field_problem(error: ValidationFailed) -> str:
    fields = getattr(error, "fields", None) or {}
    return str(next(iter(fields.values()), error))


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(fields={"day": _("Give a date (YYYY-MM-DD).")}) from None


# How many bad lines an answer names; the file is refused with the first of them either way.
MAX_PROBLEMS = 100


def _example() -> tuple[str, ...]:
    """A line as it should be filled (valid from today for a year, so it would import)."""
    on = today()
    return (
        "110102000000",
        "dept-env-110102000000",
        "waste_sorting",
        "入户宣传垃圾分类并统计参与率",
        "《生活垃圾管理条例》",
        "3",
        on.isoformat(),
        (on + dt.timedelta(days=365)).isoformat(),
    )


def template_csv() -> bytes:
    """The import's template: the columns and one example line."""
    return sheets.template_csv(COLUMNS, _example())


def template_xlsx() -> bytes:
    return sheets.template_xlsx(COLUMNS, _example())


class _Reader:
    """One file's lines read as entries; the districts and units it names looked up once."""

    def __init__(self, actor: Any, name: str) -> None:
        self.actor = actor
        self.name = name
        self.districts: dict[str, Area] = {}
        self.units: dict[str, Unit] = {}
        self.now = timezone.now()
        self.on = today()

    def district(self, number: int, code: str) -> Area:
        if code not in self.districts:
            area = Area.objects.filter(code=code, level=Level.DISTRICT).first()
            if area is None:
                raise _bad(number, "district", _("No district has the code %(c)s.") % {"c": code})
            if not may_decide_in(self.actor, area.path):
                raise PermissionDenied(
                    _("Line %(line)d: you do not decide this district's list.") % {"line": number}
                )
            self.districts[code] = area
        return self.districts[code]

    def unit(self, number: int, code: str) -> Unit:
        if code not in self.units:
            unit = Unit.objects.filter(code=code, dissolved_on__isnull=True).first()
            if unit is None:
                raise _bad(number, "issuer", _("No active unit has the code %(c)s.") % {"c": code})
            self.units[code] = unit
        return self.units[code]

    def entry(self, number: int, cells: dict[str, str]) -> Entry:
        district = self.district(number, cells["district"][:20])
        issuer = self.unit(number, cells["issuer"][:40])
        values: dict[str, Any] = {}
        for column, check in (
            ("task_type", lambda v: inputs.code(v, field="task_type")),
            ("asks", lambda v: inputs.text(v, limit=inputs.BODY, field="asks", required=True)),
            ("basis", lambda v: inputs.text(v, limit=inputs.NOTE, field="basis", required=True)),
            ("hours", _hours),
            ("valid_from", _date),
            ("valid_until", lambda v: inputs.future_day(_date(v), field="valid_until", today=self.on)),
        ):
            try:
                values[column] = check(cells[column])
            except ValidationFailed as error:
                raise _bad(number, column, _field_problem(error)) from None
        if values["valid_until"] < values["valid_from"]:
            raise _bad(number, "valid_until", _("Give a day on or after the first day."))
        return Entry(
            district=district,
            area_path=district.path,
            issuer=issuer,
            status=EntryStatus.ADMITTED,
            applied_by=self.actor,
            decided_by=self.actor,
            decided_at=self.now,
            decision_note=_("Imported from %(name)s") % {"name": str(self.name)[:80]},
            **values,
        )


def entries_import(*, actor: Any, name: str, data: bytes) -> list[Entry]:
    """Every line of the table as an admitted entry of its district's list, decided by the actor
    (a decider of a general office over each district). All or nothing: a file with bad lines is
    refused naming the first (`line`, `column`) and listing every one (`lines`)."""
    actor = require_authenticated(actor)
    rows = read_rows(name=name, data=data, max_lines=MAX_LINES)
    header = [c.strip().lower() for c in rows[0]] if rows else []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ValidationFailed(
            fields={"file": _("The first line must name the columns: %(c)s.") % {"c": ", ".join(COLUMNS)}},
            code="bad_header",
        )
    at = {c: header.index(c) for c in COLUMNS}
    reader = _Reader(actor, name)
    made: list[Entry] = []
    problems: list[ValidationFailed] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {c: (row[i] if i < len(row) else "").strip() for c, i in at.items()}
        if not any(cells.values()):
            continue
        try:
            made.append(reader.entry(number, cells))
        except ValidationFailed as problem:
            problems.append(problem)
            if len(problems) >= MAX_PROBLEMS:
                break
    if problems:
        first = problems[0]
        raise ValidationFailed(
            first.message,
            fields=first.fields,
            code="bad_line",
            extra={
                **first.extra,
                "lines": [{**p.extra, "problem": p.message} for p in problems],
            },
        )
    if not made:
        raise ValidationFailed(fields={"file": _("The file has no lines to import.")}, code="empty")
    with transaction.atomic():
        Entry.objects.bulk_create(made)
        for area in reader.districts.values():
            audit_record(
                actor=actor,
                action="supervision.entry.imported",
                obj=area,
                area_path=area.path,
                new={"entries": sum(1 for e in made if e.district_id == area.pk), "file": str(name)[:80]},
            )
    return made
