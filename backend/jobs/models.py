"""The notification outbox: WeChat subscribe messages written with the change they announce."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import UTCDateTime, db, utcnow

#: pending → sent; refused (43101: the user did not subscribe) and failed (retries used up) are final.
NOTIFICATION_STATES = ("pending", "sent", "refused", "failed")


class Notification(db.Model):
    """One subscribe message, delivered at least once by a job and swept up again by ``jobs tick``."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[str] = mapped_column(String(64))
    #: The mini-program page the message opens.
    page: Mapped[str] = mapped_column(String(128), default="")
    data: Mapped[dict] = mapped_column(JSON)
    #: What the message announces (e.g. "report-event:42"): the same event is never queued twice.
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not before this time: the backoff after a failure, or the lease of an attempt under way.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: WeChat's refusal as our error code, for operators.
    last_error: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    def claimable(self, now: datetime) -> bool:
        return self.status == "pending" and self.next_attempt_at <= now
