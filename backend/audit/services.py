"""Writing the audit log, in the same transaction as the change it records."""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.core.db import db


def record(actor, action: str, target_type: str = "", target_id: int | None = None, **detail) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor else None, action=action, target_type=target_type, target_id=target_id,
        detail=detail, ip=request.remote_addr or "" if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


def audit_query(action: str | None = None):
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return query.where(AuditEntry.action == action) if action else query
