"""随手拍 reports: the problem, where it waits in the grid tree, and its timeline.

The closed loop 发现—处置—监督—反馈 is a state machine (``TRANSITIONS``): every
action names the states it may start from and the state it leads to, so a
wrong-state action is refused in one place. Escalation moves the report to the
parent grid, where it waits as ``escalated`` until a leader there accepts it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import UTCDateTime, db, utcnow
from backend.core.errors import Conflict
from backend.stats.triggers import WAITING_NOT_MARKED

STATUS_NAMES = {
    "submitted": "待受理",
    "accepted": "处理中",
    "dispatched": "已派单",
    "escalated": "已上报",
    "resolved": "待评价",
    "closed": "已办结",
    "rejected": "已驳回",
    "held": "审核中",
}
#: Waiting for someone to act: these count against a deadline and may be escalated.
OPEN_STATES = ("submitted", "accepted", "dispatched", "escalated")
#: Waiting to be accepted (the accept deadline runs) rather than to be resolved.
AWAITING_ACCEPT = ("submitted", "escalated")

ACTION_NAMES = {
    "submit": "提交",
    "accept": "受理",
    "dispatch": "派单",
    "escalate": "上报",
    "resolve": "处置完成",
    "reject": "驳回",
    "reopen": "重新办理",
    "rate": "评价",
    "close": "自动办结",
    "hold": "转入审核",
    "overdue": "超期",
}
#: action → (states it may start from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"submitted", "escalated", "held"}), "accepted"),
    "dispatch": (frozenset({"submitted", "escalated", "accepted", "dispatched"}), "dispatched"),
    "escalate": (frozenset(OPEN_STATES), "escalated"),
    "resolve": (frozenset({"accepted", "dispatched"}), "resolved"),
    "reject": (frozenset({*OPEN_STATES, "held"}), "rejected"),
    "reopen": (frozenset({"resolved"}), "accepted"),
    "rate": (frozenset({"resolved"}), "closed"),
    "close": (frozenset({"resolved"}), "closed"),
    "hold": (frozenset(OPEN_STATES), "held"),
}
#: Timeline rows the reporter writes (their notes are their own words); the rest are the staff's or the system's.
REPORTER_ACTIONS = ("submit", "reopen", "rate")
#: Actions people take through POST /reports/{id}/actions (rate has its own path; the rest are the system's).
USER_ACTIONS = ("accept", "dispatch", "escalate", "resolve", "reject", "reopen")

TEXT_PENDING = "text_review = 'pending'"

RATING_LEVELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


def rating_level(score: int) -> str:
    return "satisfied" if score >= 4 else "basically_satisfied" if score == 3 else "dissatisfied"


class InvalidTransition(Conflict):
    def __init__(self, status: str, action: str):
        super().__init__("invalid_transition", f"该反映当前为“{STATUS_NAMES[status]}”，不能{ACTION_NAMES[action]}",
                         details={"status": status, "action": action})


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_status_deadline", "status", "deadline_at"),
        # What waits at a leader's grids: the inbox looks up each grid of the subtree by both.
        Index("ix_reports_grid_status", "grid_id", "status"),
        Index("ix_reports_category_lat", "category", "lat"),
        Index("ix_reports_waiting_deadline", "deadline_at",
              postgresql_where=text(WAITING_NOT_MARKED), sqlite_where=text(WAITING_NOT_MARKED)),
        # The few reports whose text check is still to come, for the sweep that asks again.
        Index("ix_reports_text_review_pending", "created_at",
              postgresql_where=text(TEXT_PENDING), sqlite_where=text(TEXT_PENDING)),
        # The client's Idempotency-Key, as on check-ins and claims: a retried submission finds its report.
        Index("uq_reports_reporter_key", "reporter_id", "client_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Kept for anonymous reports too (the reporter follows and rates them); shown only to
    #: the reporter and holders of ``reports.see_anonymous``. NULL once the person is deleted.
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    #: A code from REPORT_CATEGORIES.
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(500))
    #: Where the problem is (not where the reporter is): routes it and finds duplicates.
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(200), default="")
    #: The grid the report was filed in; statistics and who may see it follow this one.
    origin_grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))  # indexed first in ix_reports_origin_grid_created
    #: The grid it waits at now: moves up one level per escalation.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))  # indexed first in ix_reports_grid_status
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    #: WeChat's check of the description and address, made by a job after the submission:
    #: pending, then pass, review or risky (``pass`` too once a person released the report it
    #: held). Until it is ``pass`` only the reporter and the staff see the report.
    text_review: Mapped[str] = mapped_column(String(16), default="pass", server_default="pass")
    #: Why it is held (content safety), told to the reporter.
    hold_reason: Mapped[str] = mapped_column(String(200), default="")
    member_unit_id: Mapped[int | None] = mapped_column(ForeignKey("member_units.id", ondelete="SET NULL"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: How many times it went up a level; 0 when resolved means 小事不出网格.
    escalations: Mapped[int] = mapped_column(default=0)
    #: Accept-by or resolve-by, depending on the state; the inbox sorts on it.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set once a deadline was missed, and kept: a late report stays marked 超期.
    overdue: Mapped[bool] = mapped_column(default=False)
    follower_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: First acceptance (or dispatch), for the average time to accept.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_key: Mapped[str | None] = mapped_column(String(64))

    reporter = relationship("User", foreign_keys=[reporter_id], lazy="joined")
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined")
    origin_grid = relationship("Grid", foreign_keys=[origin_grid_id], lazy="joined")
    grid = relationship("Grid", foreign_keys=[grid_id], lazy="joined")
    member_unit = relationship("MemberUnit", lazy="joined")
    events: Mapped[list["ReportEvent"]] = relationship(
        back_populates="report", order_by="ReportEvent.id", cascade="all, delete-orphan")
    photos: Mapped[list["ReportPhoto"]] = relationship(
        back_populates="report", order_by="ReportPhoto.position", cascade="all, delete-orphan")
    rating: Mapped["ReportRating | None"] = relationship(back_populates="report", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def overdue_at(self, now: datetime) -> bool:
        waiting = self.is_open or self.status == "held"
        return waiting and (self.overdue or (self.deadline_at is not None and self.deadline_at <= now))

    def allows(self, action: str) -> bool:
        return self.status in TRANSITIONS[action][0]

    def _move(self, action: str) -> str:
        sources, target = TRANSITIONS[action]
        if self.status not in sources:
            raise InvalidTransition(self.status, action)
        previous, self.status = self.status, target
        return previous

    # --- the state changes; the service decides who may and records the timeline ---

    def accept(self, at: datetime, resolve_by: datetime) -> str:
        previous = self._move("accept")
        self.accepted_at = self.accepted_at or at
        self.deadline_at, self.hold_reason = resolve_by, ""
        if previous == "held":  # a person reviewed what it was held for: its text is cleared
            self.text_review = "pass"
        return previous

    def dispatch(self, at: datetime, unit, assignee, resolve_by: datetime) -> str:
        previous = self._move("dispatch")
        if previous in AWAITING_ACCEPT:  # dispatching is accepting it
            self.accepted_at = self.accepted_at or at
            self.deadline_at = resolve_by
        self.member_unit, self.assignee = unit, assignee
        return previous

    def escalate(self, parent, accept_by: datetime) -> str:
        previous = self._move("escalate")
        self.grid_id, self.grid = parent.id, parent
        self.escalations += 1
        self.member_unit = self.assignee = None
        self.deadline_at = accept_by
        return previous

    def resolve(self, at: datetime) -> str:
        previous = self._move("resolve")
        self.resolved_at, self.deadline_at = at, None
        return previous

    def reject(self, at: datetime) -> str:
        previous = self._move("reject")
        self.closed_at, self.deadline_at = at, None
        return previous

    def reopen(self, resolve_by: datetime) -> str:
        previous = self._move("reopen")
        self.member_unit = self.assignee = None
        self.deadline_at = resolve_by
        return previous

    def close(self, at: datetime, action: str = "close") -> str:
        previous = self._move(action)
        self.closed_at = at
        return previous

    def hold(self, reason: str) -> str:
        previous = self._move("hold")
        self.hold_reason = reason
        return previous


class ReportEvent(db.Model):
    """One row of the timeline: who did what, when, with which note and photos."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    #: NULL for the system (deadline escalation, auto-close, content safety).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
    from_status: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    #: Where the report waits after this event.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    member_unit_id: Mapped[int | None] = mapped_column(ForeignKey("member_units.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="events")
    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined")
    grid = relationship("Grid", lazy="joined")
    member_unit = relationship("MemberUnit", lazy="joined")
    photos: Mapped[list["ReportPhoto"]] = relationship(back_populates="event", order_by="ReportPhoto.position")


class ReportPhoto(db.Model):
    """A photo of the problem (taken with the report) or of the work (an action's after-photos)."""

    __tablename__ = "report_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    #: An upload belongs to one report only: reusing it elsewhere would widen who sees it.
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("report_events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    report: Mapped[Report] = relationship(back_populates="photos")
    event: Mapped[ReportEvent] = relationship(back_populates="photos")
    upload = relationship("Upload", lazy="joined")


class ReportFollower(db.Model):
    """A resident who added their voice ("我也遇到了") instead of filing a duplicate."""

    __tablename__ = "report_followers"
    __table_args__ = (UniqueConstraint("report_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportRating(db.Model):
    """The reporter's one rating of a resolved report (满意度)."""

    __tablename__ = "report_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="rating")

    @property
    def level(self) -> str:
        return rating_level(self.score)
