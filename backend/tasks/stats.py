"""Micro-task figures for a subtree: tasks, claims, verified completions, points they earned."""
from __future__ import annotations

from sqlalchemy import case, func, select

from backend.core.db import db, utcnow
from backend.grids.models import subtree_ids
from backend.points.models import PointEntry
from backend.tasks.models import Task, TaskClaim


def grid_stats(grid) -> dict:
    in_subtree = Task.grid_id.in_(subtree_ids(grid))
    total, open_now = db.session.execute(
        select(func.count(Task.id), func.coalesce(func.sum(case((Task.status_at(utcnow()) == "open", 1), else_=0)), 0))
        .where(in_subtree)
    ).one()
    by_status = dict(db.session.execute(
        select(TaskClaim.status, func.count()).join(Task, TaskClaim.task_id == Task.id)
        .where(in_subtree).group_by(TaskClaim.status)
    ).all())
    points = db.session.scalar(
        select(func.coalesce(func.sum(PointEntry.points), 0))
        .where(PointEntry.source == "task", PointEntry.grid_path.startswith(grid.path))
    )
    return {
        "tasks_total": total,
        "tasks_open": open_now,
        "claims": sum(n for status, n in by_status.items() if status != "released"),
        "claims_awaiting_verification": by_status.get("submitted", 0),
        "completions_verified": by_status.get("verified", 0),
        "points_awarded": points,
    }
