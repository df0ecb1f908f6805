"""Reports' periodic work for ``jobs tick``: deadline escalation, auto-close, and photo retention."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from backend.core.db import db
from backend.reports.models import Report, ReportPhoto
from backend.reports.services import autoclose_resolved, escalate_overdue
from backend.uploads.models import Upload
from backend.uploads.services import purge

SWEEP_BATCH = 500
#: A report in these states is finished: nobody acts on it again, so its photos only age.
FINISHED_STATES = ("closed", "rejected")


def tick(now: datetime) -> dict[str, int]:
    return {"reports_escalated": escalate_overdue(now), "reports_closed": autoclose_resolved(now),
            "report_photos_purged": purge_expired_photos(now)}


def purge_expired_photos(now: datetime) -> int:
    """Delete the photo files of reports finished more than PHOTO_RETENTION_DAYS ago; the reports stay."""
    days = current_app.config.get("PHOTO_RETENTION_DAYS", 0)
    if not days:
        return 0
    expired = db.session.scalars(
        select(Upload).join(ReportPhoto, ReportPhoto.upload_id == Upload.id).join(Report, Report.id == ReportPhoto.report_id)
        .where(Upload.purged_at.is_(None), Report.status.in_(FINISHED_STATES),
               Report.closed_at <= now - timedelta(days=days))
        .order_by(Upload.id).limit(SWEEP_BATCH)
    ).all()
    return purge(expired, now, "report_finished", retention_days=days)
