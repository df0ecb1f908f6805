"""The grid tree (街道总网格 → 片区 → 居民区 → 微网格 → 楼组) and its member units."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, and_, bindparam, exists, false, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from backend.core.db import GridPath, db

PARTY_ORG_TYPES = ("党工委", "党委", "党总支", "党支部", "党小组")
GRID_KINDS = ("residential", "office", "commercial", "mixed")
MAX_LEVEL = 5


class Grid(db.Model):
    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    #: Depth in the tree, 1 = the street; streets use 3 to 5 levels.
    level: Mapped[int]
    #: What this street calls the level (居民区网格, 微网格 …).
    level_name: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(16), default="residential")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    #: Materialised path of ids, "/1/5/23/": a subtree is one prefix match.
    path: Mapped[str] = mapped_column(GridPath, index=True, default="")
    party_org_type: Mapped[str] = mapped_column(String(8), default="")
    party_org_name: Mapped[str] = mapped_column(String(64), default="")
    leader_name: Mapped[str] = mapped_column(String(32), default="")
    leader_phone: Mapped[str] = mapped_column(String(20), default="")
    #: Polygon as [[lng, lat], ...]; the bounding box prefilters point lookups. Deferred: only
    #: placing a point reads it, and parsing it for every grid a query joins costs more than the query.
    boundary: Mapped[list | None] = mapped_column(JSON, deferred=True)
    min_lng: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lng: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)

    parent: Mapped["Grid | None"] = relationship(remote_side=[id])
    member_units: Mapped[list["MemberUnit"]] = relationship(
        back_populates="grid", order_by="MemberUnit.id", cascade="all, delete-orphan"
    )

    def set_boundary(self, polygon: list | None) -> None:
        self.boundary = polygon
        if not polygon:
            self.min_lng = self.min_lat = self.max_lng = self.max_lat = None
            return
        lngs, lats = [p[0] for p in polygon], [p[1] for p in polygon]
        self.min_lng, self.max_lng, self.min_lat, self.max_lat = min(lngs), max(lngs), min(lats), max(lats)

    def contains_point(self, lng: float, lat: float) -> bool:
        """Ray casting over the boundary polygon."""
        if not self.boundary:
            return False
        inside = False
        points = self.boundary
        for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
            if (y1 > lat) != (y2 > lat) and lng < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
                inside = not inside
        return inside

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


def bounding_box(table=None):
    """The grid's bounding box as a PostgreSQL box: what the GiST index ix_grids_bbox holds."""
    c = (table if table is not None else Grid.__table__).c
    return func.box(func.point(c.min_lng, c.min_lat), func.point(c.max_lng, c.max_lat))


# Point lookups (which grid is this spot in?) run on every report; without it they read every grid.
Index("ix_grids_bbox", bounding_box(), postgresql_using="gist").ddl_if(dialect="postgresql")

_child = Grid.__table__.alias("child")  # a table alias: an ORM alias would configure mappers too early
# Deferred: a correlated subquery for every grid any query loads; the tree's own views undefer it.
Grid.has_children = column_property(exists().where(_child.c.parent_id == Grid.id), deferred=True)


class MemberUnit(db.Model):
    """A 成员单位 of a grid: 派出所, 城管, 物业, 市场监管所, 驻区单位 …"""

    __tablename__ = "member_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))

    grid: Mapped[Grid] = relationship(back_populates="member_units")


def subtree_end(path: str) -> str:
    """The first path past ``path``'s subtree ("/1/5/" .. "/1/50"): paths are digits and "/",
    and "0" follows "/", so the subtree is the range [path, subtree_end(path))."""
    return path[:-1] + chr(ord(path[-1]) + 1)


def in_subtrees(*grids: Grid):
    """True for ``grids`` and everything below any of them: one index range on the path each
    (a range, not LIKE, for the reason ``in_bound_subtrees`` gives)."""
    return or_(*(and_(Grid.path >= grid.path, Grid.path < subtree_end(grid.path)) for grid in grids))


def subtree_ids(*grids: Grid):
    """A select of the ids of ``grids`` and everything below them."""
    return select(Grid.id).where(in_subtrees(*grids))


def in_bound_subtrees(path, name: str, count: int):
    """``path`` in any of ``count`` subtrees whose paths are bound as ``name_0``, ``name_1`` … (none: false).

    A range, not ``LIKE :prefix || '%'``: once the driver prepares the statement, PostgreSQL's
    generic plan cannot see a bound pattern's prefix and scans every grid, so it plans each
    request afresh instead; a range on bound values is an index range in the generic plan too.
    """
    return or_(false(), *(and_(path >= bindparam(f"{name}_{i}"), path < bindparam(f"{name}_{i}_end"))
                          for i in range(count)))


class _equals_any_of(ColumnElement):
    """``column IN (ids)``, written for PostgreSQL as ``column = ANY(ARRAY(ids))`` (``in_bound_subtree_ids`` says why)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("ids", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, ids):
        self.column, self.ids = column, ids


@compiles(_equals_any_of)
def _equals_any_of_default(element: _equals_any_of, compiler, **kw) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(_equals_any_of, "postgresql")
def _equals_any_of_postgresql(element: _equals_any_of, compiler, **kw) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY({compiler.process(element.ids.scalar_subquery(), **kw)}))"


def in_bound_subtree_ids(grid_id, name: str, count: int):
    """``grid_id`` is a grid in any of ``count`` bound subtrees, found by their paths first.

    For a statement planned without its values (``force_generic_plans``): PostgreSQL guesses a
    bound path range at 0.5% of all grids (about 200 of the bench city's 47,000), but sizes an
    array made by a subquery alike with or without values. Given the grids' own id, the plan
    takes the subtree's grids by key and looks up each one's rows by index, which suits any
    leader's subtree.
    """
    return _equals_any_of(grid_id, select(Grid.id).where(in_bound_subtrees(Grid.path, name, count)))


def subtree_values(name: str, grids) -> dict:
    """The values of ``in_bound_subtrees(path, name, len(grids))``: each subtree's first and
    past-the-end path."""
    values = {}
    for i, grid in enumerate(grids):
        values[f"{name}_{i}"] = grid.path
        values[f"{name}_{i}_end"] = subtree_end(grid.path)
    return values
