"""People and their grid-scoped roles."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import UTCDateTime, db, utcnow

ROLES = ("resident", "party_member", "grid_leader", "handler", "street_admin")
ROLE_NAMES = {
    "resident": "居民",
    "party_member": "党员",
    "grid_leader": "网格长",
    "handler": "处置人员",
    "street_admin": "街道管理员",
}
#: 在册 = registered where they live; 在职 = registered at their employer (双报到).
PARTY_KINDS = ("registered", "in_service")


@dataclass(frozen=True)
class GridScope:
    """What permission checks read of a grid: where its subtree is."""

    id: int
    path: str
    level: int


@dataclass(frozen=True)
class Grant:
    """A role as permission checks read it: what is held, over which subtree."""

    role: str
    grid: GridScope
    party_kind: str | None
    member_unit_id: int | None


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: WeChat's per-app user id; personal data, never shown to other users.
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    nickname: Mapped[str] = mapped_column(String(64), default="")
    real_name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    #: The micro-grid where this person lives.
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    #: Bumped to revoke every access token issued before.
    token_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grid = relationship("Grid", foreign_keys=[grid_id], lazy="joined")
    roles: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="user", lazy="selectin", foreign_keys="RoleAssignment.user_id"
    )

    @property
    def grants(self) -> list[Grant]:
        """The roles held, for permission checks. Authentication reads them in its one statement
        (``_grants``); a person loaded any other way reads them from ``roles``."""
        loaded = self.__dict__.get("_grants")
        if loaded is not None:
            return loaded
        return [Grant(r.role, GridScope(r.grid.id, r.grid.path, r.grid.level), r.party_kind, r.member_unit_id)
                for r in self.roles]

    @property
    def home(self) -> GridScope | None:
        """The home micro-grid's place in the tree; authentication reads it with the grants."""
        if "_home" in self.__dict__:
            return self.__dict__["_home"]
        return GridScope(self.grid.id, self.grid.path, self.grid.level) if self.grid else None

    @property
    def display_name(self) -> str:
        return self.real_name or self.nickname or f"用户{self.id}"


class RoleAssignment(db.Model):
    """A role held over one grid and everything below it."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role", "grid_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    party_kind: Mapped[str | None] = mapped_column(String(16))
    #: For handlers: the member unit (城管, 物业 …) they act for.
    member_unit_id: Mapped[int | None] = mapped_column(ForeignKey("member_units.id"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    grid = relationship("Grid", lazy="joined")
    member_unit = relationship("MemberUnit", lazy="joined")
