"""Every section of GET /grids/{id}/stats recounted from the base tables, as the figures were
computed before they were pre-aggregated (role holdings and member-grid pairs, as defined now)."""
from __future__ import annotations

from sqlalchemy import case, func, or_, select

from backend.auth.models import RoleAssignment, User
from backend.core.db import db, utcnow
from backend.core.timeutil import period_start
from backend.grids.models import Grid
from backend.party.models import Activity, Checkin, PartyRegistration
from backend.points.models import PointEntry
from backend.reports.models import OPEN_STATES, STATUS_NAMES, Report, ReportRating
from backend.tasks.models import Task, TaskClaim

SOLVED = ("resolved", "closed")


def recount(grid: Grid) -> dict:
    subtree = select(Grid.id).where(Grid.path.startswith(grid.path))
    return {"grids": _grids(grid, subtree), "reports": _reports(subtree), "party": _party(grid, subtree),
            "tasks": _tasks(grid, subtree), "points": _points(grid)}


def _grids(grid, subtree) -> dict:
    levels = db.session.execute(select(Grid.level, func.count()).where(Grid.path.startswith(grid.path))
                                .group_by(Grid.level).order_by(Grid.level)).all()
    roles = dict(db.session.execute(select(RoleAssignment.role, func.count()).where(RoleAssignment.grid_id.in_(subtree))
                                    .group_by(RoleAssignment.role)).all())
    return {"grids_by_level": {str(level): n for level, n in levels},
            "residents_bound": db.session.scalar(select(func.count()).where(User.grid_id.in_(subtree))),
            "party_members": roles.get("party_member", 0), "leaders": roles.get("grid_leader", 0),
            "handlers": roles.get("handler", 0)}


def _reports(subtree) -> dict:
    mine = Report.origin_grid_id.in_(subtree)
    by_status = dict(db.session.execute(select(Report.status, func.count()).where(mine).group_by(Report.status)).all())
    waiting = Report.status.in_((*OPEN_STATES, "held"))
    late = or_(Report.overdue.is_(True), Report.deadline_at <= utcnow())
    solved = Report.status.in_(SOLVED)
    reports = db.session.scalars(select(Report).where(mine)).all()
    accept = [(r.accepted_at - r.created_at).total_seconds() / 3600 for r in reports if r.accepted_at]
    resolve = [(r.resolved_at - r.created_at).total_seconds() / 3600 for r in reports if r.resolved_at]
    overdue, locally = db.session.execute(select(
        func.count().filter(waiting & late), func.count().filter(solved & (Report.escalations == 0))).where(mine)).one()
    rated, satisfied = db.session.execute(select(func.count(), func.count().filter(ReportRating.score >= 4))
                                          .join(Report, Report.id == ReportRating.report_id).where(mine)).one()
    total = sum(by_status.values())
    solved_count = sum(by_status.get(s, 0) for s in SOLVED)
    handled = total - by_status.get("rejected", 0) - by_status.get("held", 0)
    return {"total": total, "by_status": {s: by_status.get(s, 0) for s in STATUS_NAMES},
            "resolved_rate": _rate(solved_count, handled), "avg_hours_to_accept": _avg(accept),
            "avg_hours_to_resolve": _avg(resolve), "overdue": overdue, "rated": rated,
            "satisfaction_rate": _rate(satisfied, rated), "solved_in_grid_rate": _rate(locally, solved_count)}


def _party(grid, subtree) -> dict:
    activities = select(Activity.id).where(Activity.grid_path.startswith(grid.path))
    checkins, minutes = db.session.execute(select(func.count(), func.coalesce(func.sum(Checkin.service_minutes), 0))
                                           .where(Checkin.activity_id.in_(activities))).one()
    registrations = dict(db.session.execute(select(PartyRegistration.status, func.count())
                                            .where(PartyRegistration.grid_id.in_(subtree))
                                            .group_by(PartyRegistration.status)).all())
    return {"activities": db.session.scalar(select(func.count()).select_from(activities.subquery())),
            "checkins": checkins, "service_hours": round(minutes / 60, 1),
            "registrations_pending": registrations.get("pending", 0),
            "registrations_approved": registrations.get("approved", 0)}


def _tasks(grid, subtree) -> dict:
    mine = Task.grid_id.in_(subtree)
    total, open_now = db.session.execute(select(func.count(), func.count().filter(Task.status_at(utcnow()) == "open"))
                                         .where(mine)).one()
    claims = dict(db.session.execute(select(TaskClaim.status, func.count()).join(Task).where(mine)
                                     .group_by(TaskClaim.status)).all())
    points = db.session.scalar(select(func.coalesce(func.sum(PointEntry.points), 0))
                               .where(PointEntry.source == "task", PointEntry.grid_path.startswith(grid.path)))
    return {"tasks_total": total, "tasks_open": open_now,
            "claims": sum(n for status, n in claims.items() if status != "released"),
            "claims_awaiting_verification": claims.get("submitted", 0),
            "completions_verified": claims.get("verified", 0), "points_awarded": points}


def _points(grid) -> dict:
    mine = PointEntry.grid_path.startswith(grid.path)
    awarded, this_month = db.session.execute(select(
        func.coalesce(func.sum(PointEntry.points), 0),
        func.coalesce(func.sum(case((PointEntry.created_at >= period_start("month"), PointEntry.points), else_=0)), 0),
    ).where(mine)).one()
    pairs = select(PointEntry.grid_path, PointEntry.user_id).where(mine).distinct().subquery()
    return {"awarded": awarded, "awarded_this_month": this_month,
            "members_with_points": db.session.scalar(select(func.count()).select_from(pairs))}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _avg(hours: list[float]) -> float | None:
    return round(sum(hours) / len(hours), 1) if hours else None
