"""The demo street's reports: every state, a timeline for each, ratings; seeding twice adds nothing."""
from sqlalchemy import func, select

from backend.auth.models import RoleAssignment, User
from backend.core.db import db
from backend.reports.models import STATUS_NAMES, Report, ReportEvent, ReportRating
from backend.reports.stats import grid_stats


def leader_of(grid_id: int) -> User:
    return db.session.scalar(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
                             .where(RoleAssignment.grid_id == grid_id, RoleAssignment.role == "grid_leader"))


def test_demo_reports_cover_every_state_with_timelines(app, login_as):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    reports = db.session.scalars(select(Report)).all()
    assert len(reports) == 30
    assert {r.status for r in reports} == set(STATUS_NAMES)
    for report in reports:
        events = db.session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)
                                    .order_by(ReportEvent.id)).all()
        assert events[0].action == "submit" and events[-1].status == report.status
    assert db.session.scalar(select(func.count()).select_from(ReportRating)) == 6
    assert any(r.escalations for r in reports) and any(r.anonymous for r in reports)
    street = reports[0].origin_grid.parent.parent
    figures = grid_stats(street)
    assert figures["total"] == 30 and 0 < figures["satisfaction_rate"] < 1
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Report)) == 30
    report = reports[0]
    body = login_as(leader_of(report.origin_grid_id)).get(f"/reports/{report.id}").get_json()
    assert body["timeline"][0]["action"] == "submit"
