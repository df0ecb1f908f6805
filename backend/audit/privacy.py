"""What the audit log holds about a person's own actions: in their data copy; on erasure the
entries stay (who changed what is kept for accountability) without the addresses they came from."""
from sqlalchemy import select, update

from backend.audit.models import AuditEntry
from backend.core.db import db
from backend.core.timeutil import local_iso


def export(user) -> dict:
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id))
    return {"my_actions": [{"action": e.action, "target_type": e.target_type, "target_id": e.target_id,
                            "ip": e.ip, "at": local_iso(e.created_at)} for e in entries]}


def erase(user) -> None:
    db.session.execute(update(AuditEntry).where(AuditEntry.actor_id == user.id).values(ip=""))
