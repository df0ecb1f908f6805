"""A subtree's figures in one statement: its folded totals, plus the tail of deltas not folded
yet, plus the two figures that depend on the clock, counted over their small live sets."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Integer, String, bindparam, text

from backend.core.db import UTCDateTime, db, utcnow
from backend.core.timeutil import local_zone, period_start
from backend.stats.triggers import WAITING_NOT_MARKED


_READ = text(f"""
WITH tail AS (
  SELECT d.grid_id, d.metric, d.amount, d.user_id, d.at
  FROM grid_stat_deltas d JOIN grids g ON g.id = d.grid_id WHERE g.path LIKE :prefix
)
SELECT metric, sum(value) FROM (
  SELECT metric, value FROM grid_stat_totals
  WHERE grid_id = :grid_id AND (metric NOT LIKE 'points.month.%' OR metric = :month_metric)
  UNION ALL SELECT metric, amount FROM tail
  UNION ALL SELECT :month_metric, amount FROM tail WHERE metric = 'points.awarded' AND at >= :month_start
  UNION ALL SELECT 'points.members',
    CASE WHEN coalesce(m.entries, 0) = 0 AND t.net > 0 THEN 1
         WHEN m.entries > 0 AND m.entries + t.net <= 0 THEN -1 ELSE 0 END
  FROM (SELECT grid_id, user_id, sum(amount) AS net FROM tail WHERE metric = 'points.entries'
        GROUP BY grid_id, user_id) t
  LEFT JOIN grid_point_members m ON m.grid_id = t.grid_id AND m.user_id = t.user_id
  UNION ALL SELECT 'reports.overdue_live', count(*)
  FROM reports r JOIN grids g ON g.id = r.origin_grid_id
  WHERE g.path LIKE :prefix AND r.{WAITING_NOT_MARKED} AND r.deadline_at <= :now
  UNION ALL SELECT 'tasks.open', count(*)
  FROM tasks t JOIN grids g ON g.id = t.grid_id
  WHERE g.path LIKE :prefix AND t.deadline > :now AND t.taken < t.slots
) AS figures GROUP BY metric
""").bindparams(
    bindparam("prefix", type_=String), bindparam("grid_id", type_=Integer), bindparam("month_metric", type_=String),
    bindparam("month_start", type_=UTCDateTime), bindparam("now", type_=UTCDateTime))


def month_metric(at: datetime) -> str:
    """The metric of the points awarded in ``at``'s month, local time."""
    return "points.month." + at.astimezone(local_zone()).strftime("%Y-%m")


def read(grid) -> dict[str, int]:
    """Every figure of ``grid``'s subtree, by metric name; a missing metric is 0."""
    now = utcnow()
    this_month = month_metric(now)
    if db.session.get_bind().dialect.name == "postgresql":
        # Plan with this grid's values every time: after five runs the driver prepares the
        # statement, and PostgreSQL's generic plan for it hashes every grid (0.7 s for the city).
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    rows = db.session.execute(_READ, {
        "prefix": grid.path + "%", "grid_id": grid.id, "month_metric": this_month,
        "month_start": period_start("month", now), "now": now})
    figures: dict[str, int] = defaultdict(int)
    for metric, value in rows:
        figures[metric] += int(value or 0)
    figures["points.this_month"] = figures.pop(this_month, 0)
    return figures
