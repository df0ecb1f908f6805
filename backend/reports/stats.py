"""Report figures for a grid subtree (the reports filed there), in two aggregate queries;
GET /grids/{id}/stats shows them as its ``reports`` section.

- ``resolved_rate``: resolved or closed, of the reports that were not rejected or held.
- ``avg_hours_to_accept`` / ``avg_hours_to_resolve``: from filing to first acceptance / to resolution.
- ``overdue``: open (or held) reports that missed a deadline.
- ``satisfaction_rate`` (满意率): ratings of 4 or 5, of all ratings.
- ``solved_in_grid_rate`` (小事不出网格): resolved or closed reports never escalated, of all resolved or closed.
Rates are None when there is nothing to divide by.
"""
from __future__ import annotations

from sqlalchemy import case, func, or_, select

from backend.core.db import db, utcnow
from backend.grids.models import Grid
from backend.reports.models import OPEN_STATES, STATUS_NAMES, Report, ReportRating

SOLVED = ("resolved", "closed")


def grid_stats(grid: Grid) -> dict:
    in_subtree = Report.origin_grid_id.in_(select(Grid.id).where(Grid.path.startswith(grid.path)))
    by_status = dict(db.session.execute(
        select(Report.status, func.count()).where(in_subtree).group_by(Report.status)).all())
    now = utcnow()
    waiting = Report.status.in_((*OPEN_STATES, "held"))
    late = or_(Report.overdue.is_(True), Report.deadline_at <= now)
    solved = Report.status.in_(SOLVED)
    row = db.session.execute(
        select(
            func.sum(case((waiting & late, 1), else_=0)),
            func.avg(_hours(Report.accepted_at, Report.created_at)),
            func.avg(_hours(Report.resolved_at, Report.created_at)),
            func.sum(case((solved & (Report.escalations == 0), 1), else_=0)),
            func.count(ReportRating.id),
            func.sum(case((ReportRating.score >= 4, 1), else_=0)),
        ).select_from(Report).outerjoin(ReportRating, ReportRating.report_id == Report.id).where(in_subtree)
    ).one()
    overdue, accept_hours, resolve_hours, solved_locally, rated, satisfied = row
    total = sum(by_status.values())
    solved_count = sum(by_status.get(s, 0) for s in SOLVED)
    handled = total - by_status.get("rejected", 0) - by_status.get("held", 0)
    return {
        "total": total,
        "by_status": {status: by_status.get(status, 0) for status in STATUS_NAMES},
        "resolved_rate": _rate(solved_count, handled),
        "avg_hours_to_accept": _round(accept_hours),
        "avg_hours_to_resolve": _round(resolve_hours),
        "overdue": int(overdue or 0),
        "rated": rated,
        "satisfaction_rate": _rate(int(satisfied or 0), rated),
        "solved_in_grid_rate": _rate(int(solved_locally or 0), solved_count),
    }


def _hours(end, start):
    """Hours between two timestamp columns, NULL if either is."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24
    return func.extract("epoch", end - start) / 3600


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(hours) -> float | None:
    return None if hours is None else round(float(hours), 1)
