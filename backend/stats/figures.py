"""A grid and its subtree's figures in one statement: the folded totals, plus the tail of deltas not
folded yet, plus the two figures that depend on the clock, counted over their small live sets.

The statement is planned once per connection, not per call: the driver prepares it after a few
runs, and PostgreSQL keeps one generic plan when a custom plan would cost no less. So no estimate
may depend on a value: the grid's path, the clock and the month are read inside the statement
(from the ``asked`` row, as ``(SELECT …)``), and every grid, from a micro-grid to the city, runs the
same plan — a subtree walks from its few live rows to their grids (by key), the whole tree skips
the grids altogether.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Integer, String, bindparam, text

from backend.core.db import UTCDateTime, db, utcnow
from backend.core.timeutil import local_zone, period_start
from backend.stats.triggers import OPEN_PREFIX, WAITING_NOT_MARKED

#: A grid's subtree holds the grid whose id is ``{grid_id}`` (one key lookup).
_IN_SUBTREE = ("EXISTS (SELECT 1 FROM grids g WHERE g.id = {grid_id}"
               " AND g.path >= s.path AND g.path < s.path || '~')")  # paths are digits and '/': '~' sorts after

#: The lower bound of the overdue reports' deadlines, so the planner (blind to the clock) expects a
#: range's handful of rows, as there are (the sweep marks them every minute), not a third of the
#: waiting reports: that estimate priced the statement into JIT compilation.
BEGINNING = datetime(1, 1, 1, tzinfo=timezone.utc)

_READ = text(f"""
WITH asked AS (
  SELECT g.id, g.name, g.level, g.path,
    g.parent_id IS NULL AND NOT EXISTS (
      SELECT 1 FROM grids other WHERE other.parent_id IS NULL AND other.id <> g.id) AS whole,
    :now AS now, :beginning AS beginning, :hour_end AS hour_end, :open_after AS open_after,
    :month_metric AS month_metric, :month_start AS month_start
  FROM grids g WHERE g.id = :grid_id
),
tail AS (
  SELECT d.grid_id, d.metric, d.amount, d.user_id, d.at FROM grid_stat_deltas d WHERE (SELECT whole FROM asked)
  UNION ALL
  SELECT d.grid_id, d.metric, d.amount, d.user_id, d.at
  FROM asked s JOIN grids g ON g.path >= s.path AND g.path < s.path || '~'
  JOIN grid_stat_deltas d ON d.grid_id = g.id
  WHERE NOT s.whole
)
SELECT NULL AS metric, level AS value, name, path FROM asked
UNION ALL
SELECT CASE WHEN metric LIKE '{OPEN_PREFIX}%' THEN 'tasks.open' ELSE metric END, sum(value), NULL, NULL FROM (
  SELECT t.metric, t.value FROM asked s JOIN grid_stat_totals t ON t.grid_id = s.id
  UNION ALL SELECT metric, amount FROM tail
  UNION ALL SELECT (SELECT month_metric FROM asked), amount FROM tail
  WHERE metric = 'points.awarded' AND at >= (SELECT month_start FROM asked)
  UNION ALL SELECT 'points.members',
    CASE WHEN coalesce(m.entries, 0) = 0 AND t.net > 0 THEN 1
         WHEN m.entries > 0 AND m.entries + t.net <= 0 THEN -1 ELSE 0 END
  FROM (SELECT grid_id, user_id, sum(amount) AS net FROM tail WHERE metric = 'points.entries'
        GROUP BY grid_id, user_id) t
  LEFT JOIN grid_point_members m ON m.grid_id = t.grid_id AND m.user_id = t.user_id
  UNION ALL SELECT 'reports.overdue_live', count(*) FROM asked s JOIN reports r
    ON r.{WAITING_NOT_MARKED}
    AND r.deadline_at > (SELECT beginning FROM asked) AND r.deadline_at <= (SELECT now FROM asked)
  WHERE s.whole OR {_IN_SUBTREE.format(grid_id="r.origin_grid_id")}
  UNION ALL SELECT 'tasks.open', count(*) FROM asked s JOIN tasks t
    ON t.deadline > (SELECT now FROM asked) AND t.deadline < (SELECT hour_end FROM asked) AND t.taken < t.slots
  WHERE s.whole OR {_IN_SUBTREE.format(grid_id="t.grid_id")}
) AS figures
WHERE (metric NOT LIKE 'points.month.%' OR metric = (SELECT month_metric FROM asked))
  AND (metric NOT LIKE '{OPEN_PREFIX}%' OR metric > (SELECT open_after FROM asked))
GROUP BY 1
""").bindparams(
    bindparam("grid_id", type_=Integer), bindparam("now", type_=UTCDateTime),
    bindparam("beginning", type_=UTCDateTime), bindparam("hour_end", type_=UTCDateTime),
    bindparam("open_after", type_=String), bindparam("month_metric", type_=String),
    bindparam("month_start", type_=UTCDateTime))


@dataclass(frozen=True)
class GridRef:
    """The asked grid, as far as the stats answer and the authorisation check need it."""

    id: int
    name: str
    level: int
    path: str


def month_metric(at: datetime) -> str:
    """The metric of the points awarded in ``at``'s month, local time."""
    return "points.month." + at.astimezone(local_zone()).strftime("%Y-%m")


def open_metric(at: datetime) -> str:
    """The metric of the open tasks due in ``at``'s hour (UTC), as the triggers spell it."""
    return OPEN_PREFIX + at.astimezone(timezone.utc).strftime("%Y%m%d%H")


def read(grid) -> dict[str, int]:
    """Every figure of ``grid``'s subtree, by metric name; a missing metric is 0."""
    return read_grid(grid.id)[1]


def read_grid(grid_id: int) -> tuple[GridRef | None, dict[str, int]]:
    """The grid (None if there is none) and every figure of its subtree, in one snapshot.

    Open tasks: the totals of the hours after this one, plus this hour's counted live.
    """
    now = utcnow()
    this_month = month_metric(now)
    rows = db.session.execute(_READ, {
        "grid_id": grid_id, "now": now, "beginning": BEGINNING, "open_after": open_metric(now),
        "hour_end": now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1),
        "month_metric": this_month, "month_start": period_start("month", now)})
    grid, figures = None, defaultdict(int)
    for metric, value, name, path in rows:
        if metric is None:
            grid = GridRef(grid_id, name, int(value), path)
        else:
            figures[metric] = int(value or 0)
    figures["points.this_month"] = figures.pop(this_month, 0)
    return grid, figures
