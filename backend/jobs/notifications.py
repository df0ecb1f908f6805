"""WeChat subscribe messages through a transactional outbox.

``notify`` writes the message in the caller's transaction, so it exists exactly
when the change it announces does, and queues its delivery for after the
commit. Delivery is at least once: an attempt first claims the row with one
conditional UPDATE (so concurrent deliveries of the same row send once), a
transient failure sets the next attempt after a backoff and raises so the queue
retries, and ``jobs tick`` redelivers whatever is due and was lost on the way.
43101 (the user has not subscribed) is final and never retried.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backend.auth.models import User
from backend.core.db import db, utcnow
from backend.core.errors import DomainError
from backend.core.wechat import SubscribeRefused, get_wechat
from backend.jobs.models import Notification
from backend.jobs.queue import enqueue, retry_intervals

log = logging.getLogger(__name__)

#: How long an attempt may take before another may claim the row (well above WECHAT_TIMEOUT).
LEASE = timedelta(minutes=2)
REDELIVER_BATCH = 200


def notify(user: User, template_id: str, data: dict, dedupe_key: str, page: str = "") -> Notification | None:
    """Queue a subscribe message to ``user``; the same ``dedupe_key`` queues it once.

    ``data`` is the template's fields as plain strings: ``{"thing2": "环境卫生", ...}``.
    """
    if not template_id:
        return None
    existing = _by_key(dedupe_key)
    if existing is not None:
        return existing
    notification = Notification(user_id=user.id, template_id=template_id, page=page, dedupe_key=dedupe_key,
                                data={key: {"value": value} for key, value in data.items()})
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:  # a concurrent notify of the same event won
        return _by_key(dedupe_key)
    enqueue(deliver_notification, notification.id)
    return notification


def _by_key(dedupe_key: str) -> Notification | None:
    return db.session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key))


def deliver_notification(notification_id: int) -> str:
    """One delivery attempt (a job). Returns the row's status; raises to be retried."""
    now = utcnow()
    if not _claim(notification_id, now):
        return "skipped"
    notification = db.session.get(Notification, notification_id)
    openid = db.session.scalar(select(User.openid).where(User.id == notification.user_id))
    template_id, data, page = notification.template_id, notification.data, notification.page or None
    db.session.commit()  # hold no transaction (on SQLite: the write lock) while WeChat answers
    try:
        get_wechat().send_subscribe_message(openid, template_id, data, page=page)
    except SubscribeRefused as refused:
        _finish(notification_id, "refused", refused.code)
        return "refused"
    except DomainError as failure:
        status = _failed_attempt(notification_id, failure.code)
        if status == "pending":
            raise
        return status
    _finish(notification_id, "sent", "", sent_at=utcnow())
    return "sent"


def _claim(notification_id: int, now: datetime) -> bool:
    """Take this attempt if the row is due; the lease keeps other deliveries off it meanwhile."""
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "pending",
               Notification.next_attempt_at <= now)
        .values(attempts=Notification.attempts + 1, next_attempt_at=now + LEASE)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _finish(notification_id: int, status: str, error: str, sent_at: datetime | None = None) -> None:
    db.session.execute(update(Notification).where(Notification.id == notification_id)
                       .values(status=status, last_error=error, sent_at=sent_at))
    db.session.commit()


def _failed_attempt(notification_id: int, error: str) -> str:
    """Schedule the next attempt after the backoff for this attempt, or give up."""
    notification = db.session.get(Notification, notification_id)
    intervals = retry_intervals(current_app)
    if notification.attempts > len(intervals):
        notification.status = "failed"
        log.error("notification %s given up after %s attempts (%s)", notification_id, notification.attempts, error)
    else:
        notification.next_attempt_at = utcnow() + timedelta(seconds=intervals[notification.attempts - 1])
    notification.last_error = error
    status = notification.status
    db.session.commit()
    return status


def redeliver_due(now: datetime) -> int:
    """Queue delivery of every pending notification whose next attempt is due."""
    due = db.session.scalars(
        select(Notification.id)
        .where(Notification.status == "pending", Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at)
        .limit(REDELIVER_BATCH)
    ).all()
    for notification_id in due:
        enqueue(deliver_notification, notification_id)
    return len(due)
