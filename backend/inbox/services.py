"""The inbox: every domain's waiting items in one statement, soonest deadline first, a page at a time."""
from __future__ import annotations

import functools

from sqlalchemy import bindparam, func, select, union_all

from backend.auth.models import User
from backend.core.db import db, force_generic_plans, utcnow
from backend.core.domains import domain_modules


@functools.cache
def _domains() -> dict:
    """The inbox module of each domain that has one, by the kind of item it lists."""
    return {module.KIND: module for module in domain_modules("inbox")}


@functools.cache
def _statements(*selects) -> tuple:
    """The page and the count of the union of these selects (built once per combination of shapes)."""
    waiting = union_all(*selects).subquery("waiting")
    page = (select(waiting, func.count().over().label("total"))
            .order_by(waiting.c.deadline.asc().nulls_last(), waiting.c.kind, waiting.c.id)
            .limit(bindparam("page_size")).offset(bindparam("page_offset")))
    return page, select(func.count()).select_from(waiting)


def inbox_page(user: User, page: int, page_size: int) -> dict:
    """``{items, total, page, page_size}`` of what waits for ``user``, deadline (none last), kind, id."""
    domains = _domains()
    contributions = [c for c in (module.inbox_selects(user) for module in domains.values()) if c is not None]
    paged, count = _statements(*(select_ for selects, _ in contributions for select_ in selects))
    values = {name: value for _, domain_values in contributions for name, value in domain_values.items()}
    connection = db.session.connection()  # plain rows: the session's ORM layer has nothing to do here
    # The selects find the subtrees' grids first (in_bound_subtree_ids): one generic plan serves
    # a micro-grid's leader and a street's alike, and is as fast as one planned for their values.
    force_generic_plans(connection)
    rows = connection.execute(paged, {**values, "page_size": page_size, "page_offset": (page - 1) * page_size}).all()
    # An empty page has no row to carry the total: an empty first page means none, a later one counts apart.
    total = rows[0].total if rows else 0 if page == 1 else connection.scalar(count, values)
    now = utcnow()
    items = [domains[row.kind].inbox_item(row, now) for row in rows]
    return {"items": items, "total": total, "page": page, "page_size": page_size}
