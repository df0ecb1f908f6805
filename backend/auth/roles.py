"""Granting and revoking grid-scoped roles."""
from __future__ import annotations

from sqlalchemy import select

from backend.auth.models import RoleAssignment, User
from backend.audit.services import record
from backend.core.db import db


def grant_role(user: User, role: str, grid, party_kind=None, member_unit=None, granted_by=None) -> RoleAssignment:
    """Idempotent: granting a role already held returns the existing assignment."""
    user.__dict__.pop("_grants", None)  # read from the roles again, new one included
    db.session.flush()
    existing = db.session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id, RoleAssignment.role == role, RoleAssignment.grid_id == grid.id
        )
    )
    if existing:
        existing.party_kind = party_kind or existing.party_kind
        existing.member_unit = member_unit or existing.member_unit
        return existing
    assignment = RoleAssignment(
        user=user, role=role, grid=grid, party_kind=party_kind, member_unit=member_unit,
        granted_by_id=granted_by.id if granted_by else None,
    )
    db.session.add(assignment)
    record(granted_by, "role.grant", "user", user.id, role=role, grid_id=grid.id)
    return assignment
