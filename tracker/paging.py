"""Lists a page at a time: the page's items and how many there are in all, in one statement."""
from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination

from tracker.extensions import db


class CountedPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination, with the total counted by the statement that reads the
    page (`count(*) OVER ()`, computed over every matching row before LIMIT cuts them to the
    page) instead of a second COUNT statement. A page past the end has no row to carry the
    total; only then is it counted on its own.

    For a select of one entity (many-to-one joined loads and select-in loads are fine), whose
    rows are one per item (no DISTINCT: the window counts rows before DISTINCT removes any),
    as every list of the app is."""

    _total: int | None = None

    def _query_items(self) -> list:
        select = (self._query_args["select"]
                  .add_columns(sa.func.count().over().label("total_rows"))
                  .limit(self.per_page).offset(self._query_offset))
        rows = self._query_args["session"].execute(select).all()
        if rows:
            self._total = rows[0].total_rows
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        if self.page == 1:
            return 0  # the first page is empty: so is the list
        return super()._query_count()


def paginate(select: sa.Select, *, per_page: int | None = None, max_per_page: int | None = None,
             error_out: bool = False, page: int | None = None) -> CountedPagination:
    """A page of `select`: `page` and `per_page` default to the request's arguments, as
    `db.paginate`'s do."""
    return CountedPagination(select=select, session=db.session(), page=page, per_page=per_page,
                             max_per_page=max_per_page, error_out=error_out)
