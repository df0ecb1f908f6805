"""Reading the grid tree and placing a point in it."""
from __future__ import annotations

import functools

from sqlalchemy import Float, and_, bindparam, func, select
from sqlalchemy.orm import undefer

from backend.core.db import db
from backend.core.errors import NotFound
from backend.grids.models import Grid, bounding_box


def get_grid(grid_id: int) -> Grid:
    grid = db.session.get(Grid, grid_id)
    if grid is None:
        raise NotFound("网格")
    return grid


def get_grid_by_code(code: str) -> Grid:
    grid = db.session.scalar(select(Grid).where(Grid.code == code))
    if grid is None:
        raise NotFound("网格")
    return grid


def children_query(parent_id: int | None):
    query = select(Grid).options(undefer(Grid.has_children)).order_by(Grid.code)
    if parent_id is None:
        return query.where(Grid.parent_id.is_(None))
    return query.where(Grid.parent_id == parent_id)


def ancestors(grid: Grid) -> list[Grid]:
    ids = grid.ancestor_ids()[:-1]
    if not ids:
        return []
    found = {g.id: g for g in db.session.scalars(select(Grid).where(Grid.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def grid_at(lng: float, lat: float) -> Grid | None:
    """The deepest grid whose boundary contains the point, if any."""
    candidates = db.session.scalars(_grids_around(db.session.get_bind().dialect.name), {"lng": lng, "lat": lat})
    return next((grid for grid in candidates if grid.contains_point(lng, lat)), None)


@functools.cache
def _grids_around(dialect: str):
    """The grids whose bounding box holds the point ``lng``, ``lat``, deepest first. Built once:
    building the expression costs more than running it."""
    lng, lat = bindparam("lng", type_=Float), bindparam("lat", type_=Float)
    in_box = and_(Grid.min_lng <= lng, Grid.max_lng >= lng, Grid.min_lat <= lat, Grid.max_lat >= lat)
    if dialect == "postgresql":
        spot = func.point(lng, lat)
        # box @> box: the operator ix_grids_bbox answers (box @> point is not in GiST's box_ops).
        in_box = bounding_box().op("@>")(func.box(spot, spot))
    return select(Grid).options(undefer(Grid.boundary)).where(in_box).order_by(Grid.level.desc())
