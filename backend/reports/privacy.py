"""A person's 随手拍 data: a copy on request, and erasure (个人信息保护法 Art. 45, 47).

The copy holds the reports they filed (anonymous ones too: anonymity hides the
reporter from others, not from themselves), their ratings, what they follow and
the timeline notes they wrote. Erasure keeps each report for the grid's
statistics but cuts every link to the person: the report no longer names its
reporter, their ratings keep the score without the comment, their words in the
timeline go, and their follows are removed (the count stays).
"""
from sqlalchemy import delete, select, update

from backend.core.db import db
from backend.core.timeutil import local_iso
from backend.reports.models import REPORTER_ACTIONS, Report, ReportEvent, ReportFollower, ReportRating


def export(user) -> dict:
    reports = db.session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.id))
    ratings = db.session.scalars(select(ReportRating).where(ReportRating.user_id == user.id).order_by(ReportRating.id))
    follows = db.session.scalars(select(ReportFollower).where(ReportFollower.user_id == user.id)
                                 .order_by(ReportFollower.id))
    events = db.session.scalars(select(ReportEvent).where(ReportEvent.actor_id == user.id).order_by(ReportEvent.id))
    return {
        "reports": [_report(r) for r in reports],
        "ratings": [{"report_id": r.report_id, "score": r.score, "comment": r.comment,
                     "created_at": local_iso(r.created_at)} for r in ratings],
        "follows": [{"report_id": f.report_id, "created_at": local_iso(f.created_at)} for f in follows],
        "timeline": [{"report_id": e.report_id, "action": e.action, "note": e.note,
                      "created_at": local_iso(e.created_at)} for e in events],
    }


def _report(report: Report) -> dict:
    return {
        "id": report.id, "category": report.category, "description": report.description,
        "anonymous": report.anonymous, "status": report.status,
        "location": {"lat": report.lat, "lng": report.lng, "address": report.address},
        "grid": report.origin_grid.name, "photo_ids": [p.upload_id for p in report.photos],
        "created_at": local_iso(report.created_at),
    }


def erase(user) -> None:
    db.session.execute(update(ReportEvent).where(ReportEvent.actor_id == user.id,
                                                 ReportEvent.action.in_(REPORTER_ACTIONS)).values(note=""))
    db.session.execute(update(ReportEvent).where(ReportEvent.actor_id == user.id).values(actor_id=None))
    db.session.execute(update(ReportRating).where(ReportRating.user_id == user.id).values(user_id=None, comment=""))
    db.session.execute(update(Report).where(Report.reporter_id == user.id).values(reporter_id=None))
    db.session.execute(delete(ReportFollower).where(ReportFollower.user_id == user.id))
