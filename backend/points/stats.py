"""Points earned inside a subtree, this month and in all."""
from sqlalchemy import case, func, select

from backend.core.db import db
from backend.core.timeutil import period_start
from backend.points.models import PointEntry


def grid_stats(grid) -> dict:
    month = period_start("month")
    awarded, this_month, members = db.session.execute(
        select(
            func.coalesce(func.sum(PointEntry.points), 0),
            func.coalesce(func.sum(case((PointEntry.created_at >= month, PointEntry.points), else_=0)), 0),
            func.count(func.distinct(PointEntry.user_id)),
        ).where(PointEntry.grid_path.startswith(grid.path))
    ).one()
    return {"awarded": awarded, "awarded_this_month": this_month, "members_with_points": members}
