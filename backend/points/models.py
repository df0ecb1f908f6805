"""党员积分: an append-only ledger. Balances and rankings are sums over it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import GridPath, UTCDateTime, db, utcnow

SOURCES = ("task", "checkin", "activity", "manual")
SOURCE_NAMES = {"task": "完成微事项", "checkin": "活动签到", "activity": "志愿服务时长", "manual": "网格长调整"}


class PointEntry(db.Model):
    __tablename__ = "point_entries"
    __table_args__ = (
        # One award per member per source object: a repeated verification awards once.
        UniqueConstraint("user_id", "source", "source_id"),
        CheckConstraint("points <> 0", name="nonzero"),
        Index("ix_point_entries_grid_created", "grid_path", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    points: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))
    #: The task claim, check-in or activity that earned the points; None for manual entries.
    source_id: Mapped[int | None]
    #: Path of the grid where the points were earned, so subtree rankings are one prefix match.
    grid_path: Mapped[str] = mapped_column(GridPath)
    note: Mapped[str] = mapped_column(String(200), default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    granted_by = relationship("User", foreign_keys=[granted_by_id])
