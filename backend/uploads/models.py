from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import UTCDateTime, db, utcnow

#: Content-safety states: a photo is shown to others only once it has passed.
REVIEW_STATES = ("pending", "pass", "review", "risky")


class Upload(db.Model):
    """A processed photo (EXIF stripped, resized) and its thumbnail in storage."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)
    thumbnail_key: Mapped[str] = mapped_column(String(128))
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    review: Mapped[str] = mapped_column(String(16), default="pending")
    #: WeChat's trace id of the asynchronous image check, to match its verdict.
    review_trace_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When its files were deleted under PHOTO_RETENTION_DAYS; the row stays for what refers to it.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
