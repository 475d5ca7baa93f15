"""What a report's bound fields read: a figure (or a counter) of a rollup source over an area
and a period, read through `needle.rollups.read` exactly as the operations center's indicators
read it (flows over the period, stocks now), so a prefilled value equals the figure the
indicators API gives for the same area and period. Many areas are read at once: one GROUP BY
per source and depth, however many targets a report request reaches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.core.errors import ValidationFailed
from needle.core.text import text_input
from needle.rollups import read
from needle.rollups.sources import Source, source_named
from needle.supervision.models import FieldKind, ReportField

MAX_DIGITS = 30
MAX_MAGNITUDE = 15  # digits before the point
YES = ("yes", "true", "1", "是")
NO = ("no", "false", "0", "否")


def figure_names(source: Source) -> list[str]:
    """What a field may be bound to in a source: its counters, then its other figures."""
    names = list(source.counter_names)
    return names + [f.name for f in source.figures if f.name not in names]


def check_binding(source_name: str, figure: str, kind: str, *, field: str) -> Source:
    """The source, when `figure` is one of its counters or figures and `kind` can hold it."""
    source = source_named(source_name, field_name=field)
    if figure not in figure_names(source):
        raise ValidationFailed(
            fields={
                field: _("The source %(source)s has no figure %(figure)s; it has: %(known)s.")
                % {"source": source.name, "figure": figure[:60], "known": ", ".join(figure_names(source))}
            },
            code="unknown_figure",
        )
    whole = figure in source.counter_names or not (
        source.figure(figure).is_ratio or source.figure(figure).scale != 1
    )
    if kind not in (FieldKind.INTEGER, FieldKind.DECIMAL) or (kind == FieldKind.INTEGER and not whole):
        raise ValidationFailed(
            fields={field: _("A field bound to %(figure)s must be a number.") % {"figure": figure}},
            code="binding_kind",
        )
    return source


def figure_value(source: Source, name: str, counts: dict[str, int]) -> int | float | None:
    """A counter, or a figure computed on the counters as the indicators compute it."""
    if name in counts:
        return counts[name]
    return source.figure(name).value(SimpleNamespace(**counts))


def as_text(value: int | float | Decimal | None) -> str:
    """A figure as a field stores it: a count as digits, a ratio to four places; none as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


def light_area(pk: int, path: str) -> Area:
    """An area as the rollups read it (its id and depth), without loading it."""
    return Area(pk=pk, path=path, depth=path.count("/"))


def bound_values(
    fields: Sequence[ReportField], areas: Iterable[Area], start: dt.date, end: dt.date
) -> dict[int, dict[int, str]]:
    """area id -> field id -> the bound field's value over [start, end] (stocks: now)."""
    areas = list(areas)
    out: dict[int, dict[int, str]] = {a.pk: {} for a in areas}
    by_source: dict[str, list[ReportField]] = {}
    for f in fields:
        if f.bound:
            by_source.setdefault(f.source, []).append(f)
    for name, bound in by_source.items():
        source = source_named(name)
        sums = read.area_sums(source, areas, start, end)
        for area_id, counts in sums.items():
            for f in bound:
                out[area_id][f.pk] = as_text(figure_value(source, f.figure, counts))
    return out


def parse(kind: str, raw: Any, *, field: str) -> str:
    """A value typed for a field of `kind`, as stored; a clear error naming the field otherwise.
    Empty (None or blank) stays empty: whether that is allowed is the caller's rule."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    if kind == FieldKind.TEXT:
        return text_input(raw, limit=2000, field=field)
    if kind == FieldKind.YES_NO:
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        word = raw.strip().lower() if isinstance(raw, str) else None
        if word in YES:
            return "yes"
        if word in NO:
            return "no"
        raise ValidationFailed(fields={field: _("Answer yes or no.")}, code="wrong_type")
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        raise ValidationFailed(fields={field: _("Give a number.")}, code="wrong_type")
    text = raw.strip() if isinstance(raw, str) else str(raw)
    if "\x00" in text or len(text) > MAX_DIGITS:
        raise ValidationFailed(fields={field: _("Give a number.")}, code="wrong_type")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(
            fields={field: _("Give a number, not “%(text)s”.") % {"text": text[:30]}}, code="wrong_type"
        ) from None
    if not number.is_finite():
        raise ValidationFailed(fields={field: _("Give a number.")}, code="wrong_type")
    if number and number.adjusted() >= MAX_MAGNITUDE:
        # "1e400" is short to type and 401 digits to keep.
        raise ValidationFailed(fields={field: _("Give a smaller number.")}, code="wrong_type")
    if kind == FieldKind.INTEGER:
        if number != number.to_integral_value():
            raise ValidationFailed(fields={field: _("Give a whole number.")}, code="wrong_type")
        return str(int(number))
    return format(number.normalize(), "f")


def number(value: str) -> Decimal | None:
    """A stored value as a number, for totals; none when empty or not a number."""
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None
