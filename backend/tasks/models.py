"""网格微事项: the street's catalogue, tasks a grid publishes, members' claims and their proof."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, case, text
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import UTCDateTime, db, utcnow

#: The three groups 静安寺's list of 326 work items is sorted into.
CATALOGUE_GROUPS = ("平安", "服务", "文明")
PROOF_KINDS = ("photo", "note")
#: Claim lifecycle: claimed → submitted → verified, a send-back returns it to claimed;
#: claimed/submitted → released (slot given back); claimed → expired (deadline passed).
CLAIM_STATES = ("claimed", "submitted", "verified", "released", "expired")
#: The claims that hold a slot; a member has at most one such claim per task. A literal, not a
#: bound parameter, so PostgreSQL can match ON CONFLICT to the partial index even in prepared statements.
HOLDS_SLOT = "status <> 'released'"


class CatalogueItem(db.Model):
    """One work item from the street's list that grids can publish as a task."""

    __tablename__ = "task_catalogue_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The street's own code for the item; imports match rows by it.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    group: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(default=1)
    proof_photo: Mapped[bool] = mapped_column(default=True)
    proof_note: Mapped[bool] = mapped_column(default=False)

    @property
    def proof_required(self) -> list[str]:
        return [kind for kind, on in (("photo", self.proof_photo), ("note", self.proof_note)) if on]


class Task(db.Model):
    """A micro-task a grid publishes with a fixed number of slots."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= slots", name="taken_within_slots"),
        CheckConstraint("slots > 0", name="slots_positive"),
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_tasks_grid_deadline", "grid_id", "deadline"),
        # The grid figures count the open tasks (deadline not passed) of a whole city from here.
        Index("ix_tasks_deadline", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    slots: Mapped[int]
    #: Slots held by claims that were not given back; only ever changed by one
    #: conditional UPDATE, so it can never pass ``slots`` however many race.
    taken: Mapped[int] = mapped_column(default=0)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Points for each verified completion.
    points: Mapped[int]
    proof_photo: Mapped[bool] = mapped_column(default=True)
    proof_note: Mapped[bool] = mapped_column(default=False)
    catalogue_item_id: Mapped[int | None] = mapped_column(ForeignKey("task_catalogue_items.id"))
    #: The 随手拍 report this task was published to fix, if any.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grid = relationship("Grid", lazy="joined")
    catalogue_item: Mapped[CatalogueItem | None] = relationship(lazy="joined")

    @property
    def proof_required(self) -> list[str]:
        return [kind for kind, on in (("photo", self.proof_photo), ("note", self.proof_note)) if on]

    @property
    def remaining(self) -> int:
        return self.slots - self.taken

    @hybrid_method
    def status_at(self, now: datetime) -> str:
        """open (claimable), full (every slot taken) or closed (deadline passed)."""
        if self.deadline <= now:
            return "closed"
        return "full" if self.taken >= self.slots else "open"

    @status_at.expression
    def status_at(cls, now: datetime):
        return case((cls.deadline <= now, "closed"), (cls.taken >= cls.slots, "full"), else_="open")


class TaskClaim(db.Model):
    """One member's hold on one slot of a task, and the proof they hand in."""

    __tablename__ = "task_claims"
    __table_args__ = (
        # At most one slot-holding claim per member and task; given-back claims stay as history.
        CheckConstraint("status IN ('claimed', 'submitted', 'verified', 'released', 'expired')", name="status_known"),
        Index("uq_task_claims_active", "task_id", "user_id", unique=True,
              sqlite_where=text(HOLDS_SLOT), postgresql_where=text(HOLDS_SLOT)),
        Index("ix_task_claims_user_status", "user_id", "status"),
        Index("ix_task_claims_task_status", "task_id", "status"),
        # The client's Idempotency-Key, as on check-ins: a retried tap finds its claim.
        Index("uq_task_claims_user_key", "user_id", "client_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the leader last sent the proof back (the claim is then "claimed" again).
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_key: Mapped[str | None] = mapped_column(String(64))

    task: Mapped[Task] = relationship(lazy="joined", innerjoin=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined", innerjoin=True)
    photos: Mapped[list["ClaimPhoto"]] = relationship(
        order_by="ClaimPhoto.position", cascade="all, delete-orphan", lazy="selectin"
    )

    def status_at(self, now: datetime) -> str:
        """The status as people should see it: a claim left undone past the deadline has expired."""
        if self.status == "claimed" and self.task.deadline <= now:
            return "expired"
        return self.status

    def submit(self, note: str, uploads: list, now: datetime) -> None:
        self.status, self.note, self.submitted_at = "submitted", note, now
        self.photos = [ClaimPhoto(upload=upload, position=n) for n, upload in enumerate(uploads)]

    def send_back(self, reason: str, now: datetime) -> None:
        self.status, self.reject_reason, self.rejected_at = "claimed", reason, now

    def verify(self, leader, now: datetime) -> None:
        self.status, self.verified_at, self.verified_by_id = "verified", now, leader.id

    def release(self, now: datetime) -> None:
        self.status, self.released_at = "released", now


class ClaimPhoto(db.Model):
    """A proof photo of a claim, in the order the member chose."""

    __tablename__ = "task_claim_photos"

    claim_id: Mapped[int] = mapped_column(ForeignKey("task_claims.id", ondelete="CASCADE"), primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)

    upload = relationship("Upload", lazy="joined", innerjoin=True)
