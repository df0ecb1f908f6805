"""What the inbox lists, and the row every domain's inbox select yields.

Each domain's ``inbox.py`` has ``KIND``, ``inbox_selects(user)`` and ``inbox_item(row, now)``.
``inbox_selects`` gives selects of ``inbox_columns(...)`` and the values of their bound
parameters (named after the kind, so they do not clash), or None when nothing can wait
for this person there. The selects are built once per shape (how many subtrees, which
kinds of grant) and reused: building a statement costs more than running it. The inbox
runs the selects as one UNION ALL, sorted and paged in the database, and each domain
turns its own rows into items.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, Interval, String, false, literal, literal_column, null
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from backend.core.db import UTCDateTime
from backend.core.timeutil import local_iso


@dataclass(frozen=True)
class InboxItem:
    """One thing waiting for a leader or handler: a report, a registration, a task proof."""

    kind: str
    id: int
    title: str
    grid_id: int
    grid_name: str
    status: str
    deadline: datetime | None
    overdue: bool
    #: The API path the mini-program opens for this item.
    path: str

    def dumped(self) -> dict:
        """As ``InboxItemSchema`` dumps it: the inbox sends its page as it is, because dumping each
        item field by field cost a quarter of the request."""
        return {"kind": self.kind, "id": self.id, "title": self.title, "grid": {"id": self.grid_id, "name": self.grid_name},
                "status": self.status, "deadline": local_iso(self.deadline),
                "overdue": self.overdue, "path": self.path}


def inbox_columns(kind: str, id, grid, status, deadline, subject, detail, ref_id=None, marked_overdue=None) -> list:
    """The labelled columns of an inbox row, in the same order for every domain so the selects UNION.

    ``subject`` and ``detail`` are what the domain makes the title from, ``ref_id`` another id
    it needs (a claim's task), ``marked_overdue`` a stored overdue flag where the domain keeps one.
    """
    return [
        literal_column(f"'{kind}'", String).label("kind"),
        id.label("id"),
        grid.id.label("grid_id"),
        grid.name.label("grid_name"),
        status.label("status"),
        deadline.label("deadline"),
        subject.label("subject"),
        detail.label("detail"),
        (null().cast(Integer) if ref_id is None else ref_id).label("ref_id"),
        (false() if marked_overdue is None else marked_overdue).label("marked_overdue"),
    ]


class later(ColumnElement):
    """``moment + delta`` for a UTCDateTime column, on SQLite too (it stores them as text)."""

    inherit_cache = True
    type = UTCDateTime()
    _traverse_internals = [("moment", InternalTraversal.dp_clauseelement),
                           ("delta", InternalTraversal.dp_plain_obj)]

    def __init__(self, moment, delta: timedelta):
        self.moment, self.delta = moment, delta


@compiles(later)
def _later(element: later, compiler, **kw) -> str:
    return compiler.process(element.moment + literal(element.delta, Interval()), **kw)


@compiles(later, "sqlite")
def _later_sqlite(element: later, compiler, **kw) -> str:
    # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS.ffffff": shift the whole seconds, keep the fraction,
    # so the text sorts and parses like the stored deadlines it is compared with.
    moment = compiler.process(element.moment, **kw)
    seconds = int(element.delta.total_seconds())
    return f"(strftime('%Y-%m-%d %H:%M:%S', {moment}, '+{seconds} seconds') || substr({moment}, 20))"
