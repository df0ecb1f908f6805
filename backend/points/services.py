"""Writing to the points ledger. Entries are only ever added, never edited."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

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
    """A member's entries, newest first, each with the name of who granted it (in the same query)."""
    granter = joinedload(PointEntry.granted_by)
    return (
        select(PointEntry).where(PointEntry.user_id == user_id)
        .options(granter.load_only(User.id, User.real_name, User.nickname), granter.lazyload("*"))
        .order_by(PointEntry.created_at.desc(), PointEntry.id.desc())
    )


def ranking(grid, period: str, limit: int = 50) -> list[dict]:
    """Members by points earned inside ``grid``'s subtree during ``period``; one query.

    Equal totals share a rank (1, 2, 2, 4), so nobody is placed below a tie by their id.
    """
    total = func.sum(PointEntry.points).label("total")
    query = (
        select(User.id, User.real_name, User.nickname, total)
        .join(PointEntry, PointEntry.user_id == User.id)
        .where(PointEntry.grid_path.startswith(grid.path))
        .group_by(User.id, User.real_name, User.nickname)
        .order_by(total.desc(), User.id)
        .limit(limit)
    )
    start = period_start(period)
    if start is not None:
        query = query.where(PointEntry.created_at >= start)
    rows, rank, previous = [], 0, None
    for n, (user_id, real_name, nickname, points) in enumerate(db.session.execute(query), 1):
        if points != previous:
            rank, previous = n, points
        rows.append({"rank": rank, "user_id": user_id, "name": real_name or nickname or f"用户{user_id}",
                     "points": points})
    return rows


def may_see_ranking(user, grid) -> bool:
    """Leaders over the grid, and people whose home or party grid lies inside or under it."""
    return can(user, "grid.view", grid) or _belongs_to(user, grid)


def _belongs_to(person, grid) -> bool:
    # The grants and home the login lookup read already, not the roles and their grids loaded again.
    paths = [grant.grid.path for grant in person.grants] + ([person.home.path] if person.home else [])
    return any(path.startswith(grid.path) for path in paths)


def adjust_points(leader, member, grid, points: int, reason: str) -> PointEntry:
    """A leader's manual adjustment: always with a reason, always a new entry."""
    require(leader, "points.adjust", grid)
    if not _belongs_to(member, grid):
        raise DomainError("member_not_in_grid", "该党员不在这个网格，不能为其调整积分", 422)
    if not reason.strip():
        raise DomainError("reason_required", "手动调整积分必须填写原因", 422)
    return award_points(member, points, "manual", grid, granted_by=leader, note=reason.strip())
