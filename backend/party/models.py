"""双报到: in-service party members' registrations at their home community,
the activities grids hold for them, and their check-ins (for 双报告)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import GridPath, UTCDateTime, db, utcnow

REGISTRATION_STATUSES = ("pending", "approved", "rejected")
REGISTRATION_STATUS_NAMES = {"pending": "待审核", "approved": "已通过", "rejected": "已驳回"}

ACTIVITY_KINDS = {
    "volunteer": "志愿服务",
    "party_day": "主题党日",
    "patrol": "网格巡查",
    "council": "议事会",
    "other": "其他活动",
}


class PartyRegistration(db.Model):
    """A 双报到 registration: an in-service member reports to the grid where they live."""

    __tablename__ = "party_registrations"
    __table_args__ = (
        # One registration waiting for a decision per person: a double submit cannot queue two.
        Index("uq_party_registrations_pending_user", "user_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The home 居民区 or micro-grid the member reports to.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: Employer (工作单位) and its party organisation, which receives the 双报告.
    employer_org: Mapped[str] = mapped_column(String(100))
    employer_party_org: Mapped[str] = mapped_column(String(100), index=True)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    #: When the member can serve, as the labels they chose ("周末", "工作日晚上" …).
    available_times: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    grid = relationship("Grid")
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class Activity(db.Model):
    """A 志愿服务, 主题党日, 网格巡查 or 议事会 that members check in to."""

    __tablename__ = "activities"
    __table_args__ = (
        # A backstop under the conditional UPDATE that hands out seats.
        CheckConstraint("checked_in <= capacity", name="within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: The grid's materialised path, copied so check-in and lists need no join.
    grid_path: Mapped[str] = mapped_column(GridPath, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(100), default="")
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    #: Geofence: check-ins must come from within this many metres of (lat, lng); None = no fence.
    checkin_radius_m: Mapped[int | None]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int]
    #: Seats taken; only ever changed by one guarded UPDATE (see services.check_in).
    checked_in: Mapped[int] = mapped_column(default=0)
    #: Service hours credited per member at most, in minutes.
    service_minutes: Mapped[int]
    points: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the window's end was processed: open check-ins finished, hours and points recorded.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    grid = relationship("Grid")

    @property
    def kind_name(self) -> str:
        return ACTIVITY_KINDS.get(self.kind, "活动")

    @property
    def service_hours(self) -> float:
        return self.service_minutes / 60

    def served_minutes(self, checked_in_at: datetime, checked_out_at: datetime) -> int:
        """Minutes of service between check-in and check-out, inside the window, capped."""
        start, end = max(checked_in_at, self.starts_at), min(checked_out_at, self.ends_at)
        minutes = int((end - start).total_seconds() // 60)
        return max(0, min(minutes, self.service_minutes))


class Checkin(db.Model):
    """A member's attendance at an activity; one per member and activity, ever."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id"),
        # The client's Idempotency-Key (pretix's scan nonce): a retried scan finds its first answer.
        UniqueConstraint("user_id", "client_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Recorded at check-out or when the window closes; None while the member is still there.
    service_minutes: Mapped[int | None]
    #: "code": the leader's rotating on-screen code; "poster": the printed poster's code.
    via: Mapped[str] = mapped_column(String(8), default="code")
    #: Geofence outcome, never the coordinates (个人信息保护法 Art. 28): None when not checked.
    within_radius: Mapped[bool | None]
    #: Rough distance from the activity's place ("<100m" …), None without a location.
    distance_band: Mapped[str | None] = mapped_column(String(16))
    client_key: Mapped[str | None] = mapped_column(String(64))

    activity: Mapped[Activity] = relationship()
    user = relationship("User")

    @property
    def service_hours(self) -> float | None:
        return None if self.service_minutes is None else self.service_minutes / 60

    def finish(self, at: datetime) -> None:
        self.checked_out_at = at
        self.service_minutes = self.activity.served_minutes(self.checked_in_at, at)
