"""Reports' periodic work for ``jobs tick``: deadline escalation, auto-close, photo retention,
and photo and text checks asked again when their job was lost."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from backend.auth.models import User
from backend.core.db import db
from backend.jobs.queue import enqueue
from backend.reports.models import Report, ReportPhoto
from backend.reports.safety import queue_photo_checks
from backend.reports.services import autoclose_resolved, check_report_text, escalate_overdue
from backend.uploads.models import Upload
from backend.uploads.services import purge_past_retention

SWEEP_BATCH = 500
#: A report in these states is finished: nobody acts on it again, so its photos only age.
FINISHED_STATES = ("closed", "rejected")


#: A photo or text still unchecked this long after upload lost its check job (Redis was down, say).
CHECK_REQUEUE_AFTER = timedelta(minutes=10)


def tick(now: datetime) -> dict[str, int]:
    return {"reports_escalated": escalate_overdue(now), "reports_closed": autoclose_resolved(now),
            "report_photos_purged": purge_expired_photos(now), "photo_checks_requeued": requeue_photo_checks(now),
            "text_checks_requeued": requeue_text_checks(now)}


def requeue_photo_checks(now: datetime) -> int:
    """Ask again for the check of report photos whose job never reached WeChat: a job that is
    lost (the queue was down when it was enqueued) must not leave a photo hidden for good."""
    base_url = current_app.config["PUBLIC_BASE_URL"]
    if not base_url:
        return 0
    unchecked = db.session.execute(
        select(Upload, User).join(ReportPhoto, ReportPhoto.upload_id == Upload.id).join(User, User.id == Upload.owner_id)
        .where(Upload.review == "pending", Upload.review_trace_id.is_(None), Upload.purged_at.is_(None),
               Upload.created_at <= now - CHECK_REQUEUE_AFTER)
        .order_by(Upload.id).limit(SWEEP_BATCH)
    ).all()
    with current_app.test_request_context(base_url=base_url):  # the links WeChat fetches are built on it
        for upload, owner in unchecked:
            queue_photo_checks([upload], owner)
    return len(unchecked)


def requeue_text_checks(now: datetime) -> int:
    """Ask again for the text check of reports still without a verdict: until one comes, only
    the reporter and the staff see the report."""
    unchecked = db.session.scalars(
        select(Report.id).where(Report.text_review == "pending", Report.created_at <= now - CHECK_REQUEUE_AFTER)
        .order_by(Report.created_at).limit(SWEEP_BATCH)
    ).all()
    for report_id in unchecked:
        enqueue(check_report_text, report_id)
    return len(unchecked)


def purge_expired_photos(now: datetime) -> int:
    """Delete the photo files of reports finished more than PHOTO_RETENTION_DAYS ago; the reports stay."""
    return purge_past_retention(_photos_of_reports_finished_before, now, "report_finished")


def _photos_of_reports_finished_before(cutoff: datetime):
    return (select(Upload).join(ReportPhoto, ReportPhoto.upload_id == Upload.id)
            .join(Report, Report.id == ReportPhoto.report_id)
            .where(Report.status.in_(FINISHED_STATES), Report.closed_at <= cutoff))
