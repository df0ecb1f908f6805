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


def record_bulk_read(actor, what: str, person_ids, filters: dict) -> AuditEntry | None:
    """A read of other people's personal data in bulk (names, phones, employers): who read
    what, about how many people, with which filters. Nothing if it named nobody else."""
    others = {person_id for person_id in person_ids if person_id != actor.id}
    if not others:
        return None
    plain = {key: value.isoformat() if hasattr(value, "isoformat") else value
             for key, value in filters.items() if value is not None}
    return record(actor, "personal_data.bulk_read", what, people=len(others), filters=plain)


def audit_query(action: str | None = None):
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return query.where(AuditEntry.action == action) if action else query
