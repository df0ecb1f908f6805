"""Pre-aggregated grid figures: totals per grid for its whole subtree, and the tail not folded yet."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import UTCDateTime, db
from backend.stats.triggers import OPEN_PREFIX, create_statements, drop_statements, sources

#: The rows of the open tasks per hour, which the fold drops once their hour has passed.
HOURS = text(f"metric LIKE '{OPEN_PREFIX}%'")


class StatDelta(db.Model):
    """One change to one figure of one grid, written by the database triggers, removed by the fold."""

    __tablename__ = "grid_stat_deltas"
    __table_args__ = (Index("ix_grid_stat_deltas_grid_metric", "grid_id", "metric"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    #: The grid the changed row belongs to (no foreign key: a key check would lock hot grid rows).
    grid_id: Mapped[int]
    metric: Mapped[str] = mapped_column(String(48))
    amount: Mapped[int] = mapped_column(BigInteger)
    #: The member, for the figures counted per member (``points.entries``).
    user_id: Mapped[int | None]
    #: When the counted thing happened, for the figures kept per month (``points.awarded``).
    at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StatTotal(db.Model):
    """A figure of a grid's whole subtree, as of the last fold."""

    __tablename__ = "grid_stat_totals"
    __table_args__ = (Index("ix_grid_stat_totals_hours", "metric", postgresql_where=HOURS, sqlite_where=HOURS),)

    grid_id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class PointMember(db.Model):
    """A member's ledger entries in one grid (not its subtree), as of the last fold: who has points where."""

    __tablename__ = "grid_point_members"

    grid_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    entries: Mapped[int]


@event.listens_for(db.metadata, "before_create")
def _deltas_first(metadata, connection, **kw) -> None:
    """Every counted table depends on the deltas table (its triggers write there), so in
    children-first order the deltas table is emptied or dropped last."""
    for source in sources(connection.dialect.name):
        metadata.tables[source.table].add_is_dependent_on(StatDelta.__table__)


@event.listens_for(db.metadata, "after_create")
def _create_triggers(metadata, connection, **kw) -> None:
    for statement in drop_statements(connection.dialect.name) + create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
