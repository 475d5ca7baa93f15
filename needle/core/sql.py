"""Small SQL expressions the ORM does not write the way the planner or the driver needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F


class OnColumn(Expression):
    """An expression over one column of the query's model."""

    def __init__(self, column: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.column: Any = F(column)

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs


class AnyOf(OnColumn):
    """`column = ANY(%s)`, the values passed as one array, on PostgreSQL; `column IN (...)`
    elsewhere. With thousands of ids, `__in` costs Django and psycopg about a millisecond per
    hundred values to build and convert placeholders; one array parameter costs nothing.
    (needle.cases.selectors.InSubquery does the same for a subquery.)"""

    conditional = True

    def __init__(self, column: str, values: Iterable[Any]) -> None:
        super().__init__(column, output_field=BooleanField())
        self.values = list(values)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        column, params = compiler.compile(self.column)
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s)", (*params, self.values)
        if not self.values:
            return "1 = 0", ()
        return f"{column} IN ({', '.join(['%s'] * len(self.values))})", (*params, *self.values)


class Unindexed(OnColumn):
    """A number or timestamp column written so that PostgreSQL cannot take its order from an
    index on it (`column + 0`, `column + interval '0 s'`): ORDER BY it with a LIMIT then
    reads the rows the WHERE clause's indexes find and sorts them, where the planner would
    otherwise walk the column's index and filter, however many rows it has to skip.
    Elsewhere, the column itself."""

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        column, params = compiler.compile(self.column)
        if connection.vendor != "postgresql":
            return column, params
        zero = "interval '0 s'" if self.column.output_field.get_internal_type() == "DateTimeField" else "0"
        return f"({column} + {zero})", params
