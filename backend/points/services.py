"""Writing to the points ledger. Entries are only ever added, never edited."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.auth.models import User
from backend.auth.permissions import can
from backend.auth.services import require
from backend.core.db import db
from backend.core.errors import DomainError
from backend.core.timeutil import period_start
from backend.points.models import SOURCES, PointEntry


def award_points(user, points: int, source: str, grid, source_id: int | None = None,
                 granted_by=None, note: str = "") -> PointEntry:
    """Add one entry; awarding the same (user, source, source_id) twice returns the first."""
    if source not in SOURCES:
        raise ValueError(f"unknown points source {source!r}")
    if points == 0:
        raise DomainError("points_zero", "积分变动不能为 0", 422)
    if source_id is not None:
        existing = _existing(user.id, source, source_id)
        if existing:
            return existing
    entry = PointEntry(user_id=user.id, points=points, source=source, source_id=source_id,
                       grid_path=grid.path, note=note, granted_by_id=granted_by.id if granted_by else None)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # a concurrent award of the same source won
        return _existing(user.id, source, source_id)
    return entry


def _existing(user_id: int, source: str, source_id: int) -> PointEntry | None:
    return db.session.scalar(
        select(PointEntry).where(
            PointEntry.user_id == user_id, PointEntry.source == source, PointEntry.source_id == source_id
        )
    )


def balance(user_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(PointEntry.points), 0)).where(PointEntry.user_id == user_id))


def ledger_query(user_id: int):
    return select(PointEntry).where(PointEntry.user_id == user_id).order_by(PointEntry.created_at.desc(), PointEntry.id.desc())


def ranking(grid, period: str, limit: int = 50) -> list[dict]:
    """Members by points earned inside ``grid``'s subtree during ``period``; one query."""
    total = func.sum(PointEntry.points).label("total")
    query = (
        select(User, total)
        .join(PointEntry, PointEntry.user_id == User.id)
        .where(PointEntry.grid_path.startswith(grid.path))
        .group_by(User.id)
        .order_by(total.desc(), User.id)
        .limit(limit)
    )
    start = period_start(period)
    if start is not None:
        query = query.where(PointEntry.created_at >= start)
    return [{"rank": n, "user": user, "points": points} for n, (user, points) in enumerate(db.session.execute(query), 1)]


def may_see_ranking(user, grid) -> bool:
    """Leaders over the grid, and people whose home or party grid lies inside or under it."""
    if can(user, "grid.view", grid):
        return True
    own_paths = [r.grid.path for r in user.roles] + ([user.grid.path] if user.grid else [])
    return any(path.startswith(grid.path) for path in own_paths)


def adjust_points(leader, member, grid, points: int, reason: str) -> PointEntry:
    """A leader's manual adjustment: always with a reason, always a new entry."""
    require(leader, "points.adjust", grid)
    if not reason.strip():
        raise DomainError("reason_required", "手动调整积分必须填写原因", 422)
    return award_points(member, points, "manual", grid, granted_by=leader, note=reason.strip())
