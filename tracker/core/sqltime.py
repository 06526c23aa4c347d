"""Date arithmetic on columns, written once and compiled for SQLite and PostgreSQL.

The continuity rules compare one column with another plus a threshold ("signed within 24 h of
the session's end"). Where one side is a constant the rules compute the bound in Python and
pass it as a parameter (index-friendly and trivially portable); these two expressions cover the
column-plus-interval cases. The amount is a bound parameter, so the compiled statement is
cached once whatever the clinic's thresholds are.

SQLite stores DateTime as 'YYYY-MM-DD HH:MM:SS.ffffff' text; ``shift_time`` renders the same
shape (millisecond precision, padded) so that text comparison stays chronological.

alias() gives each predicate its own named, cached alias of a model.
"""
from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from tracker.db import UTCDateTime


class shift_time(FunctionElement):
    """`when` (a timestamp or a date column) plus `hours` hours, as a timestamp."""

    type = UTCDateTime()
    name = "shift_time"
    inherit_cache = True

    def __init__(self, when, hours: int):
        super().__init__(when, sa.literal(int(hours), sa.Integer))


class shift_date(FunctionElement):
    """`day` (a date column) plus `days` days (a number or an integer column), as a date."""

    type = sa.Date()
    name = "shift_date"
    inherit_cache = True

    def __init__(self, day, days):
        amount = days if isinstance(days, sa.ColumnElement) else sa.literal(int(days), sa.Integer)
        super().__init__(day, amount)


class latest_of(FunctionElement):
    """The latest of several timestamps, NULLs ignored (NULL if all are): GREATEST on
    PostgreSQL, which evaluates each argument once (a correlated subquery repeated in a CASE
    is run once per repetition); on SQLite, whose max() is NULL if any argument is, the max
    of each argument coalesced with the others."""

    type = UTCDateTime()
    name = "latest_of"
    inherit_cache = True


@compiles(latest_of)
def _latest_of_default(element, compiler, **kw):
    return f"GREATEST({', '.join(compiler.process(c, **kw) for c in element.clauses)})"


@compiles(latest_of, "sqlite")
def _latest_of_sqlite(element, compiler, **kw):
    values = [compiler.process(c, **kw) for c in element.clauses]
    if len(values) == 1:
        return values[0]
    rotations = [values[i:] + values[:i] for i in range(len(values))]
    return f"max({', '.join('coalesce(' + ', '.join(r) + ')' for r in rotations)})"


def _args(element, compiler, **kw):
    when, amount = list(element.clauses)
    return compiler.process(when, **kw), compiler.process(amount, **kw)


@compiles(shift_time)
def _shift_time_default(element, compiler, **kw):
    when, hours = _args(element, compiler, **kw)
    return f"({when} + make_interval(hours => CAST({hours} AS INTEGER)))"


@compiles(shift_time, "sqlite")
def _shift_time_sqlite(element, compiler, **kw):
    when, hours = _args(element, compiler, **kw)
    return f"(strftime('%Y-%m-%d %H:%M:%f', {when}, printf('%+d hours', {hours})) || '000')"


@compiles(shift_date)
def _shift_date_default(element, compiler, **kw):
    day, days = _args(element, compiler, **kw)
    return f"({day} + CAST({days} AS INTEGER))"


@compiles(shift_date, "sqlite")
def _shift_date_sqlite(element, compiler, **kw):
    day, days = _args(element, compiler, **kw)
    return f"date({day}, printf('%+d days', {days}))"


def weekday(day) -> sa.ColumnElement[int]:
    """Day of the week of a date column, 0 = Sunday (EXTRACT(dow) / strftime('%w'))."""
    return sa.extract("dow", day)


@cache
def alias(model, name: str):
    """The named alias of a model, made on first use (after the mappers are configured)."""
    return aliased(model, name=name)
